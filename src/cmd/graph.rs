//! `csp-audit graph DIR`: the partner network, or the neighbourhood of one finding, partner or
//! tenant, as Graphviz DOT, GraphML or JSON.
//!
//! Nodes are organizations, partners and tenants, keyed `organization:ID`, `partner:ID` and
//! `tenant:ID` (a partner's default organization has the partner's id, so ids alone would
//! collide), with kind, name, role, country, region and dates as attributes. Edges are the
//! relationship rows (kind, date, line, relationship id, reseller) and the structure (a partner's
//! organization, an organization's tenants, a partner's CSP tenant). The findings of the network
//! rules are marked on the edges of their rows (rule and fingerprint), and on the nodes of the
//! findings that have no relationship row (CSP009, CSP010). Output order is the network's:
//! organizations, partners, tenants, then edges, so the same input gives the same bytes.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};

use anyhow::Context;
use petgraph::visit::{EdgeRef, IntoEdgeReferences};
use serde_json::{json, Map, Value};

use crate::audit::load_network_with;
use crate::baseline::fingerprints;
use crate::cli::{GraphArgs, GraphFormat};
use crate::config::{Config, LevelFlags, Levels, CONFIG_FILE};
use crate::exit::Exit;
use crate::graph::{EdgeKind, Network, Node};
use crate::load::{builtin_regions, load_regions, InputPaths, LoadOptions};
use crate::messages::{is_broken_pipe, say};
use crate::model::{Date, InputFile, OrgIdx, PartnerIdx, RelKind, TenantIdx};
use crate::rules::{self, Entity};

/// One exported node or edge: its attributes, in a fixed order.
type Attrs = Vec<(&'static str, String)>;

/// Where the nodes, then the edges, are written as they are made: a whole 10M network is never
/// held in memory a second time.
trait Sink {
    /// A node: its key and attributes.
    fn node(&mut self, key: &str, attrs: &Attrs) -> io::Result<()>;
    /// An edge (after every node).
    fn edge(&mut self, from: &str, to: &str, attrs: &Attrs) -> io::Result<()>;
    /// The end of the document.
    fn finish(&mut self) -> io::Result<()>;
}

/// Node attribute names (GraphML keys), in output order.
const NODE_KEYS: &[&str] = &[
    "kind",
    "id",
    "name",
    "role",
    "tenant_kind",
    "country",
    "region",
    "organization",
    "onboarded_on",
    "enrolled_on",
    "mpa_signed_on",
    "findings",
];
/// Edge attribute names, in output order.
const EDGE_KEYS: &[&str] = &[
    "kind",
    "effective_on",
    "line",
    "relationship_id",
    "reseller",
    "findings",
];

/// Runs `graph`.
pub fn run(args: &GraphArgs) -> anyhow::Result<Exit> {
    let config_path = match &args.config {
        Some(p) => Some(p.clone()),
        None => Some(args.dir.join(CONFIG_FILE)).filter(|p| p.is_file()),
    };
    let config = match config_path.as_deref().map(Config::load).transpose() {
        Ok(c) => c.unwrap_or_default(),
        Err(errors) => {
            for e in errors {
                say(format_args!("{e}"));
            }
            return Ok(Exit::BadInput);
        }
    };
    let levels = match Levels::resolve(&config, &LevelFlags::default()) {
        Ok(l) => l,
        Err(e) => {
            say(format_args!("error: {e}"));
            return Ok(Exit::BadInput);
        }
    };
    let regions = match &args.regions {
        None => builtin_regions(),
        Some(path) => match load_regions(path) {
            Ok(t) => t,
            Err(errors) => return Ok(problems(&errors)),
        },
    };
    let opts = LoadOptions {
        columns: config.columns.clone(),
        ..LoadOptions::default()
    };
    let loaded = load_network_with(&InputPaths::in_dir(&args.dir), regions, &opts);
    if !loaded.errors.is_empty() {
        return Ok(problems(&loaded.errors));
    }
    let net = &loaded.net;
    let findings = rules::run(net, &config.params, |r| levels.enabled(r));
    let fps = fingerprints(net, &findings);

    let seeds: Option<Vec<Entity>> = if let Some(fp) = &args.finding {
        let Some(i) = fps.iter().position(|f| f.eq_ignore_ascii_case(fp.trim())) else {
            say(format_args!(
                "error: no finding has fingerprint '{fp}' in {}: see the fingerprints in \
                 `csp-audit audit {} --format json`",
                args.dir.display(),
                args.dir.display()
            ));
            return Ok(Exit::BadInput);
        };
        let f = &findings[i];
        let mut s: Vec<Entity> = f.entities.iter().chain(&f.path).copied().collect();
        for row in f.rows.iter().filter(|r| r.file == InputFile::Relationships) {
            if let Ok(ix) = net
                .model
                .relationships
                .binary_search_by_key(&row.line, |r| r.line())
            {
                let (a, b) = ends(net, ix);
                s.extend([a, b]);
            }
        }
        Some(s)
    } else if let Some(id) = &args.partner {
        match net.model.partner_ids.iter().position(|p| p == id.as_str()) {
            Some(p) => Some(vec![Entity::Partner(PartnerIdx(p as u32))]),
            None => {
                say(format_args!(
                    "error: no partner '{id}' in {}",
                    args.dir.join("partners.csv").display()
                ));
                return Ok(Exit::BadInput);
            }
        }
    } else if let Some(id) = &args.tenant {
        match net
            .model
            .tenant_ids
            .iter()
            .position(|t| t.eq_ignore_ascii_case(id))
        {
            Some(t) => Some(vec![Entity::Tenant(TenantIdx(t as u32))]),
            None => {
                say(format_args!(
                    "error: no tenant '{id}' in {}",
                    args.dir.join("tenants.csv").display()
                ));
                return Ok(Exit::BadInput);
            }
        }
    } else {
        None
    };
    let keep = seeds.map(|s| neighbourhood(net, &s, args.depth));

    // Findings per relationship row, and per entity for findings without one.
    let mut on_row: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let mut on_node: BTreeMap<Entity, Vec<String>> = BTreeMap::new();
    for (f, fp) in findings.iter().zip(&fps) {
        let mark = format!("{} {fp}", f.rule.info().code);
        let rel_rows: Vec<u32> = f
            .rows
            .iter()
            .filter(|r| r.file == InputFile::Relationships)
            .map(|r| r.line)
            .collect();
        if rel_rows.is_empty() {
            for e in &f.entities {
                on_node.entry(*e).or_default().push(mark.clone());
            }
        }
        for line in rel_rows {
            on_row.entry(line).or_default().push(mark.clone());
        }
    }
    let keep = keep.as_deref();
    let write = |out: &mut dyn Write| -> io::Result<()> {
        match args.format {
            GraphFormat::Dot => {
                Dot::start(out).and_then(|mut s| build(net, keep, &on_row, &on_node, &mut s))
            }
            GraphFormat::Graphml => {
                Graphml::start(out).and_then(|mut s| build(net, keep, &on_row, &on_node, &mut s))
            }
            GraphFormat::Json => {
                Json::start(out).and_then(|mut s| build(net, keep, &on_row, &on_node, &mut s))
            }
        }
    };
    // A file is written atomically (the old graph stays on any failure); stdout directly.
    let written = match &args.output {
        Some(path) => crate::output::write_file(path, write)
            .with_context(|| format!("cannot write {}", path.display())),
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            write(&mut out)
                .and_then(|()| out.flush())
                .map_err(anyhow::Error::from)
        }
    };
    match written {
        Err(e) if is_broken_pipe(e.as_ref()) => {}
        w => w.context("cannot write the graph")?,
    }
    Ok(Exit::Clean)
}

fn problems(errors: &[crate::problem::Problem]) -> Exit {
    let (shown, more) = crate::problem::listing(errors, 100);
    for e in shown {
        say(e);
    }
    if more > 0 {
        say(format_args!("... and {more} more problems"));
    }
    say("error: bad input; no graph was written");
    Exit::BadInput
}

/// The two ends of relationship row `ix`.
fn ends(net: &Network, ix: usize) -> (Entity, Entity) {
    let r = &net.model.relationships[ix];
    match r.kind() {
        RelKind::Reseller => (
            Entity::Partner(r.from_partner()),
            Entity::Partner(r.to_partner()),
        ),
        RelKind::Customer | RelKind::Admin => (
            Entity::Partner(r.from_partner()),
            Entity::Tenant(r.to_tenant()),
        ),
        RelKind::Affiliate => (Entity::Org(OrgIdx(r.from)), Entity::Org(OrgIdx(r.to))),
    }
}

fn node_of(net: &Network, e: Entity) -> u32 {
    match e {
        Entity::Partner(p) => net.partner_node(p),
        Entity::Tenant(t) => net.tenant_node(t),
        Entity::Org(o) => net.org_node(o),
    }
}

/// The nodes at most `depth` edges (either direction) from a seed, as a membership mask:
/// breadth-first, one level at a time, each level one pass over the graph's edges (the graph
/// keeps outgoing edges only, so a pass is how the incoming ones are read).
///
/// # Complexity
/// O(depth × E) at most; the walk ends at the first level that reaches no new node.
fn neighbourhood(net: &Network, seeds: &[Entity], depth: u32) -> Vec<bool> {
    let g = &net.graph;
    let mut keep = vec![false; g.node_count()];
    let mut frontier = vec![false; g.node_count()];
    let mut any = false;
    for &s in seeds {
        let n = node_of(net, s) as usize;
        keep[n] = true;
        frontier[n] = true;
        any = true;
    }
    for _ in 0..depth {
        if !any {
            break;
        }
        let mut next = vec![false; g.node_count()];
        any = false;
        for e in g.edge_references() {
            let (a, b) = (e.source() as usize, e.target() as usize);
            for (from, to) in [(a, b), (b, a)] {
                if frontier[from] && !keep[to] {
                    keep[to] = true;
                    next[to] = true;
                    any = true;
                }
            }
        }
        frontier = next;
    }
    keep
}

fn key(net: &Network, n: Node) -> String {
    let m = &net.model;
    match n {
        Node::Org(o) => format!("organization:{}", m.org_id(o)),
        Node::Partner(p) => format!("partner:{}", m.partner_id(p)),
        Node::Tenant(t) => format!("tenant:{}", m.tenant_id(t)),
    }
}

fn date(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

fn build(
    net: &Network,
    keep: Option<&[bool]>,
    on_row: &BTreeMap<u32, Vec<String>>,
    on_node: &BTreeMap<Entity, Vec<String>>,
    sink: &mut dyn Sink,
) -> io::Result<()> {
    let m = &net.model;
    let regions = &m.regions;
    let kept = |i: usize| keep.is_none_or(|k| k[i]);
    let marks = |e: Entity| on_node.get(&e).map(|v| v.join(";")).unwrap_or_default();
    for n in (0..net.graph.node_count() as u32).filter(|&n| kept(n as usize)) {
        let node = net.node(n);
        let attrs: Attrs = match node {
            Node::Org(o) => vec![
                ("kind", "organization".into()),
                ("id", m.org_id(o).to_string()),
                ("findings", marks(Entity::Org(o))),
            ],
            Node::Partner(p) => {
                let x = m.partner(p);
                vec![
                    ("kind", "partner".into()),
                    ("id", m.partner_id(p).to_string()),
                    ("name", m.partner_name(p).to_string()),
                    ("role", x.role.as_str().into()),
                    ("country", regions.code(x.country).into()),
                    ("region", regions.region_name(x.region).into()),
                    ("organization", m.org_id(x.org).to_string()),
                    ("onboarded_on", date(x.onboarded_on)),
                    ("enrolled_on", date(x.enrolled_on)),
                    ("mpa_signed_on", date(x.mpa_signed_on)),
                    ("findings", marks(Entity::Partner(p))),
                ]
            }
            Node::Tenant(t) => {
                let x = m.tenant(t);
                vec![
                    ("kind", "tenant".into()),
                    ("id", m.tenant_id(t).to_string()),
                    ("name", m.tenant_name(t).to_string()),
                    ("tenant_kind", x.kind.as_str().into()),
                    ("country", regions.code(x.country).into()),
                    ("region", regions.region_name(x.region).into()),
                    (
                        "organization",
                        x.org.map(|o| m.org_id(o).to_string()).unwrap_or_default(),
                    ),
                    ("findings", marks(Entity::Tenant(t))),
                ]
            }
        };
        let attrs: Attrs = attrs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        sink.node(&key(net, node), &attrs)?;
    }
    for (a, b, kind, row) in net.edges_in_order() {
        if !kept(a as usize) || !kept(b as usize) {
            continue;
        }
        let mut attrs: Attrs = Vec::new();
        let kind = match kind {
            EdgeKind::Reseller => "reseller",
            EdgeKind::Customer => "customer",
            EdgeKind::Admin => "admin",
            EdgeKind::Affiliate => "affiliate",
            EdgeKind::Owns => "owns",
            EdgeKind::MemberOf => "member_of",
        };
        attrs.push(("kind", kind.into()));
        if let Some(row) = row {
            let r = &m.relationships[row];
            attrs.push(("effective_on", date(r.effective_on)));
            attrs.push(("line", r.line().to_string()));
            attrs.push((
                "relationship_id",
                m.relationship_id(row).unwrap_or_default().into(),
            ));
            attrs.push((
                "reseller",
                r.reseller()
                    .map(|p| m.partner_id(p).to_string())
                    .unwrap_or_default(),
            ));
            attrs.push((
                "findings",
                on_row
                    .get(&r.line())
                    .map(|v| v.join(";"))
                    .unwrap_or_default(),
            ));
        }
        let attrs: Attrs = attrs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        sink.edge(&key(net, net.node(a)), &key(net, net.node(b)), &attrs)?;
    }
    // A partner's CSP tenant, which no row states as an edge.
    for (p, x) in m.partners.iter().enumerate() {
        let Some(t) = x.csp_tenant else { continue };
        let (a, b) = (net.partner_node(PartnerIdx(p as u32)), net.tenant_node(t));
        if kept(a as usize) && kept(b as usize) {
            sink.edge(
                &key(net, net.node(a)),
                &key(net, net.node(b)),
                &vec![("kind", "csp_tenant".into())],
            )?;
        }
    }
    sink.finish()
}

/// A DOT double-quoted string: `"` and `\` escaped, line breaks as `\n`.
fn dot_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn attr<'a>(attrs: &'a Attrs, name: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.as_str())
}

/// Graphviz DOT.
struct Dot<'w> {
    out: &'w mut dyn Write,
}

impl<'w> Dot<'w> {
    fn start(out: &'w mut dyn Write) -> io::Result<Self> {
        writeln!(out, "digraph csp_network {{")?;
        writeln!(out, "  graph [rankdir=LR, fontname=\"Helvetica\"];")?;
        writeln!(
            out,
            "  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=10];"
        )?;
        writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];")?;
        Ok(Dot { out })
    }
}

impl Sink for Dot<'_> {
    fn node(&mut self, k: &str, attrs: &Attrs) -> io::Result<()> {
        let kind = attr(attrs, "kind").unwrap_or("");
        let id = attr(attrs, "id").unwrap_or("");
        let mut label = id.to_string();
        if let Some(name) = attr(attrs, "name") {
            label = format!("{label}\n{name}");
        }
        let detail: Vec<&str> = ["role", "tenant_kind", "country"]
            .iter()
            .filter_map(|a| attr(attrs, a))
            .collect();
        if !detail.is_empty() {
            label = format!("{label}\n{}", detail.join(" · "));
        }
        let fill = match (kind, attr(attrs, "tenant_kind")) {
            ("partner", _) => "#dbe9ff",
            ("tenant", Some("partner")) => "#fff3cd",
            ("tenant", _) => "#e3f6e5",
            _ => "#efe3f7",
        };
        let mut parts = vec![
            format!("label={}", dot_string(&label)),
            format!("fillcolor=\"{fill}\""),
        ];
        if attr(attrs, "findings").is_some() {
            parts.push("color=\"#c62828\", penwidth=2".into());
        }
        for (a, v) in attrs {
            parts.push(format!("{a}={}", dot_string(v)));
        }
        writeln!(self.out, "  {} [{}];", dot_string(k), parts.join(", "))
    }

    fn edge(&mut self, a: &str, b: &str, attrs: &Attrs) -> io::Result<()> {
        let kind = attr(attrs, "kind").unwrap_or("");
        let mut label = kind.to_string();
        if let Some(d) = attr(attrs, "effective_on") {
            label = format!("{label} {d}");
        }
        let mut parts = vec![format!("label={}", dot_string(&label))];
        match kind {
            "owns" | "member_of" | "csp_tenant" => {
                parts.push("style=dashed, color=\"#8a94a6\"".into())
            }
            "affiliate" => parts.push("dir=both, color=\"#7b1fa2\"".into()),
            _ => {}
        }
        if let Some(f) = attr(attrs, "findings") {
            let codes: Vec<&str> = f
                .split(';')
                .map(|m| m.split(' ').next().unwrap_or(""))
                .collect();
            parts.push("color=\"#c62828\", penwidth=2.5".into());
            parts.push(format!("xlabel={}", dot_string(&codes.join(" "))));
        }
        for (k, v) in attrs {
            parts.push(format!("{k}={}", dot_string(v)));
        }
        writeln!(
            self.out,
            "  {} -> {} [{}];",
            dot_string(a),
            dot_string(b),
            parts.join(", ")
        )
    }

    fn finish(&mut self) -> io::Result<()> {
        writeln!(self.out, "}}")
    }
}

/// XML text: escaped, and characters XML 1.0 cannot hold replaced by U+FFFD.
fn xml(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| match c {
            '\t' | '\n' | '\r' => c,
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
            c => c,
        })
        .collect();
    quick_xml::escape::escape(clean.as_str()).into_owned()
}

/// GraphML, every attribute a declared `<key>`.
struct Graphml<'w> {
    out: &'w mut dyn Write,
    edges: usize,
}

impl<'w> Graphml<'w> {
    fn start(out: &'w mut dyn Write) -> io::Result<Self> {
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            out,
            "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
             xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
             xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns \
             http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">"
        )?;
        for k in NODE_KEYS {
            writeln!(
                out,
                "  <key id=\"n_{k}\" for=\"node\" attr.name=\"{k}\" attr.type=\"string\"/>"
            )?;
        }
        for k in EDGE_KEYS {
            let ty = if *k == "line" { "int" } else { "string" };
            writeln!(
                out,
                "  <key id=\"e_{k}\" for=\"edge\" attr.name=\"{k}\" attr.type=\"{ty}\"/>"
            )?;
        }
        writeln!(out, "  <graph id=\"csp_network\" edgedefault=\"directed\">")?;
        Ok(Graphml { out, edges: 0 })
    }
}

impl Sink for Graphml<'_> {
    fn node(&mut self, k: &str, attrs: &Attrs) -> io::Result<()> {
        writeln!(self.out, "    <node id=\"{}\">", xml(k))?;
        for (a, v) in attrs {
            writeln!(self.out, "      <data key=\"n_{a}\">{}</data>", xml(v))?;
        }
        writeln!(self.out, "    </node>")
    }

    fn edge(&mut self, a: &str, b: &str, attrs: &Attrs) -> io::Result<()> {
        writeln!(
            self.out,
            "    <edge id=\"e{}\" source=\"{}\" target=\"{}\">",
            self.edges,
            xml(a),
            xml(b)
        )?;
        self.edges += 1;
        for (k, v) in attrs {
            writeln!(self.out, "      <data key=\"e_{k}\">{}</data>", xml(v))?;
        }
        writeln!(self.out, "    </edge>")
    }

    fn finish(&mut self) -> io::Result<()> {
        writeln!(self.out, "  </graph>\n</graphml>")
    }
}

/// JSON, one node or edge per line.
struct Json<'w> {
    out: &'w mut dyn Write,
    /// Whether the edges array has begun.
    in_edges: bool,
    /// Whether the current array has an element.
    any: bool,
}

impl<'w> Json<'w> {
    fn start(out: &'w mut dyn Write) -> io::Result<Self> {
        write!(out, "{{\"version\": 1, \"nodes\": [")?;
        Ok(Json {
            out,
            in_edges: false,
            any: false,
        })
    }

    fn element(&mut self, mut o: Map<String, Value>, attrs: &Attrs) -> io::Result<()> {
        for (k, v) in attrs {
            let v = if *k == "line" {
                v.parse::<u64>().map_or_else(|_| json!(v), |n| json!(n))
            } else if *k == "findings" {
                json!(v.split(';').collect::<Vec<_>>())
            } else {
                json!(v)
            };
            o.insert(k.to_string(), v);
        }
        let sep = if std::mem::replace(&mut self.any, true) {
            ","
        } else {
            ""
        };
        write!(self.out, "{sep}\n  ")?;
        serde_json::to_writer(&mut *self.out, &Value::Object(o)).map_err(io::Error::other)
    }

    fn begin_edges(&mut self) -> io::Result<()> {
        if !std::mem::replace(&mut self.in_edges, true) {
            let end = if self.any { "\n" } else { "" };
            write!(self.out, "{end}], \"edges\": [")?;
            self.any = false;
        }
        Ok(())
    }
}

impl Sink for Json<'_> {
    fn node(&mut self, k: &str, attrs: &Attrs) -> io::Result<()> {
        let mut o = Map::new();
        o.insert("key".into(), json!(k));
        self.element(o, attrs)
    }

    fn edge(&mut self, a: &str, b: &str, attrs: &Attrs) -> io::Result<()> {
        self.begin_edges()?;
        let mut o = Map::new();
        o.insert("from".into(), json!(a));
        o.insert("to".into(), json!(b));
        self.element(o, attrs)
    }

    fn finish(&mut self) -> io::Result<()> {
        self.begin_edges()?;
        let end = if self.any { "\n" } else { "" };
        writeln!(self.out, "{end}]}}")
    }
}
