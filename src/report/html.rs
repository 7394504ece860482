//! One self-contained HTML page: the run, the network's size, a chart of findings per rule and
//! severity, coverage notes, input problems, and a findings table with filters, where opening a
//! finding draws its evidence as a small SVG graph.
//!
//! Everything is inline (the stylesheet and script come from `html/` via `include_str!`), so the
//! page opens from a mail attachment or a CI artifact without a server and requests nothing from
//! any other host. The findings are one JSON blob in a `<script type="application/json">`
//! element, escaped so that no text can end the element; the table and the pictures are drawn
//! from it on demand, so 11,000 findings stay responsive. No date appears unless
//! `CSP_AUDIT_REPORT_DATE` is set: the same input gives the same bytes.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde_json::{json, Value};

use super::{Emitter, Report};
use crate::model::{InputFile, RelKind, Role};
use crate::rules::{Entity, Finding, Severity};

/// Emits the HTML report.
pub struct HtmlEmitter;

/// The environment variable whose value the page shows as its date (none when unset).
pub const DATE_VAR: &str = "CSP_AUDIT_REPORT_DATE";

const STYLE: &str = include_str!("html/report.css");
const SCRIPT: &str = include_str!("html/report.js");

/// How many input problems the page lists (the rest are counted).
const SHOWN_ERRORS: usize = 1000;

/// Escapes text for HTML element content and quoted attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// JSON that is safe inside a `<script>` element: `<`, `>` and `&` (so neither `</script>` nor
/// `<!--` can appear) and the line separators U+2028/U+2029 are written as `\u` escapes, which
/// only ever occur inside JSON strings, where they mean the same characters.
pub fn script_json(v: &Value) -> String {
    let text = v.to_string();
    let mut out = String::with_capacity(text.len() + text.len() / 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(c),
        }
    }
    out
}

/// The nodes the findings draw, each once, in order of first use (so the bytes depend only on
/// the sorted findings): `[kind, id, name, role or tenant kind, country, region]`.
struct Nodes<'r, 'a> {
    report: &'r Report<'a>,
    index: HashMap<Entity, usize>,
    rows: Vec<Value>,
}

impl<'r, 'a> Nodes<'r, 'a> {
    fn node(&mut self, e: Entity) -> usize {
        if let Some(&i) = self.index.get(&e) {
            return i;
        }
        let net = self.report.net;
        let m = &net.model;
        let regions = &m.regions;
        let row = match e {
            Entity::Partner(p) => {
                let (id, name, p) = (m.partner_id(p), m.partner_name(p), m.partner(p));
                json!([
                    "partner",
                    id,
                    name,
                    role(p.role),
                    regions.code(p.country),
                    regions.region_name(p.region)
                ])
            }
            Entity::Tenant(t) => {
                let (id, name, t) = (m.tenant_id(t), m.tenant_name(t), m.tenant(t));
                json!([
                    "tenant",
                    id,
                    name,
                    t.kind.as_str(),
                    regions.code(t.country),
                    regions.region_name(t.region)
                ])
            }
            Entity::Org(o) => json!(["organization", m.org_id(o), "", "", "", ""]),
        };
        let i = self.rows.len();
        self.rows.push(row);
        self.index.insert(e, i);
        i
    }
}

fn role(r: Role) -> &'static str {
    match r {
        Role::IndirectProvider => "indirect provider",
        Role::IndirectReseller => "indirect reseller",
        Role::DirectBill => "direct bill",
    }
}

/// Edge flags in the blob: a row of the finding, a step of its cycle, context.
const ROW: u8 = 1;
const PATH: u8 = 2;
const CONTEXT: u8 = 0;

/// The evidence of one finding: its nodes and edges (`[from, to, label, date, line, flag]`).
fn evidence(nodes: &mut Nodes<'_, '_>, f: &Finding) -> Value {
    let net = nodes.report.net;
    let m = &net.model;
    let mut ns: Vec<usize> = Vec::new();
    let mut es: Vec<Value> = Vec::new();
    let add = |nodes: &mut Nodes<'_, '_>, e: Entity, ns: &mut Vec<usize>| {
        let i = nodes.node(e);
        if !ns.contains(&i) {
            ns.push(i);
        }
        i
    };
    for &e in &f.entities {
        add(nodes, e, &mut ns);
    }
    for row in f.rows.iter().filter(|r| r.file == InputFile::Relationships) {
        let Ok(ix) = m
            .relationships
            .binary_search_by_key(&row.line, |r| r.line())
        else {
            continue;
        };
        let r = &m.relationships[ix];
        let date = r.effective_on.map(|d| d.to_string()).unwrap_or_default();
        let (from, to) = match r.kind() {
            RelKind::Reseller => (
                Entity::Partner(r.from_partner()),
                Entity::Partner(r.to_partner()),
            ),
            RelKind::Customer | RelKind::Admin => (
                Entity::Partner(r.from_partner()),
                Entity::Tenant(r.to_tenant()),
            ),
            RelKind::Affiliate => (
                Entity::Org(crate::model::OrgIdx(r.from)),
                Entity::Org(crate::model::OrgIdx(r.to)),
            ),
        };
        let (a, b) = (add(nodes, from, &mut ns), add(nodes, to, &mut ns));
        es.push(json!([a, b, r.kind().as_str(), date, r.line(), ROW]));
        if let Some(reseller) = r.reseller() {
            let c = add(nodes, Entity::Partner(reseller), &mut ns);
            es.push(json!([c, b, "through reseller", "", r.line(), ROW]));
        }
    }
    let mut path = Vec::new();
    for &e in &f.path {
        path.push(add(nodes, e, &mut ns));
    }
    for w in path.windows(2) {
        es.push(json!([w[0], w[1], "", "", 0, PATH]));
    }
    // A partner's CSP tenant, when both are drawn (CSP007, CSP008).
    for &e in f.entities.iter().chain(&f.path) {
        if let Entity::Partner(p) = e {
            if let Some(t) = m.partner(p).csp_tenant {
                if let Some(&ti) = nodes.index.get(&Entity::Tenant(t)) {
                    if ns.contains(&ti) {
                        let pi = nodes.node(e);
                        let edge = json!([pi, ti, "csp tenant", "", 0, CONTEXT]);
                        if !es.contains(&edge) {
                            es.push(edge);
                        }
                    }
                }
            }
        }
    }
    json!({"n": ns, "e": es})
}

fn finding_row(
    report: &Report<'_>,
    nodes: &mut Nodes<'_, '_>,
    f: &Finding,
    fingerprint: Option<&str>,
    allowed: Option<&str>,
) -> Value {
    let info = f.rule.info();
    let rows: Vec<String> = f
        .rows
        .iter()
        .map(|r| {
            let l = report.row_location(r.file, r.line);
            match report.relationship_id(r.file, r.line) {
                Some(id) => format!("{}:{} ({id})", l.path, l.line),
                None => format!("{}:{}", l.path, l.line),
            }
        })
        .collect();
    let mut v = json!({
        "r": info.code,
        "s": f.severity.as_str(),
        "m": f.message,
        "e": f.entity_ids(report.net),
        "w": rows,
        "f": fingerprint.unwrap_or(""),
        "g": evidence(nodes, f),
    });
    if let Some(reason) = allowed {
        v["a"] = json!(reason);
    }
    v
}

/// The chart: one bar per rule that ran, split by severity, as inline SVG.
fn chart(report: &Report<'_>) -> String {
    let mut counts: BTreeMap<&str, (usize, usize)> = report
        .rules
        .iter()
        .map(|r| (r.info().code, (0, 0)))
        .collect();
    for f in report.findings {
        let c = counts.entry(f.rule.info().code).or_default();
        match f.severity {
            Severity::Error => c.0 += 1,
            Severity::Warning => c.1 += 1,
        }
    }
    let max = counts
        .values()
        .map(|(e, w)| e + w)
        .max()
        .unwrap_or(0)
        .max(1);
    let (bar_h, gap, left, width) = (18, 6, 64, 420);
    let height = counts.len() * (bar_h + gap) + gap;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"findings per rule and severity\" \
         viewBox=\"0 0 {} {height}\" width=\"{}\" height=\"{height}\">",
        left + width + 60,
        left + width + 60
    );
    for (i, (code, (e, w))) in counts.iter().enumerate() {
        let y = gap + i * (bar_h + gap);
        let we = e * width / max;
        let ww = w * width / max;
        svg += &format!(
            "<text x=\"0\" y=\"{}\" class=\"lbl\">{code}</text>\
             <rect x=\"{left}\" y=\"{y}\" width=\"{we}\" height=\"{bar_h}\" class=\"sev-error\"><title>{code}: {e} error</title></rect>\
             <rect x=\"{}\" y=\"{y}\" width=\"{ww}\" height=\"{bar_h}\" class=\"sev-warning\"><title>{code}: {w} warning</title></rect>\
             <text x=\"{}\" y=\"{}\" class=\"num\">{}</text>",
            y + bar_h - 4,
            left + we,
            left + we + ww + 6,
            y + bar_h - 4,
            e + w
        );
    }
    svg + "</svg>"
}

impl Emitter for HtmlEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let s = report.summary();
        let m = &report.net.model;
        let mut nodes = Nodes {
            report,
            index: HashMap::new(),
            rows: Vec::new(),
        };
        let findings: Vec<Value> = report
            .findings
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let fp = report.mark(i).map(|m| m.fingerprint.as_str());
                finding_row(report, &mut nodes, f, fp, None)
            })
            .collect();
        let allowed: Vec<Value> = report
            .ci
            .allowed
            .iter()
            .map(|a| {
                finding_row(
                    report,
                    &mut nodes,
                    &a.finding,
                    Some(&a.mark.fingerprint),
                    Some(&a.reason),
                )
            })
            .collect();
        let rules: Vec<Value> = report
            .rules
            .iter()
            .map(|r| {
                let i = r.info();
                json!([i.code, i.name, i.default_severity.as_str(), i.summary])
            })
            .collect();
        let data = json!({
            "nodes": nodes.rows,
            "findings": findings,
            "allowed": allowed,
            "rules": rules,
        });
        let errors = s.by_severity.get("error").copied().unwrap_or(0);
        let warnings = s.by_severity.get("warning").copied().unwrap_or(0);
        let status = if !report.errors.is_empty() {
            "input problems: nothing was audited"
        } else if s.findings == 0 {
            "clean"
        } else {
            "findings"
        };

        let mut h = String::with_capacity(64 * 1024);
        h += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
        h += "<meta name=\"referrer\" content=\"no-referrer\">\n";
        h += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
              style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n";
        h += &format!("<title>csp-audit: {}</title>\n", escape(status));
        h += &format!("<style>\n{STYLE}</style>\n</head>\n<body>\n");
        h += &format!(
            "<header><h1>csp-audit <span class=\"status st-{}\">{}</span></h1>\n",
            if status == "clean" {
                "clean"
            } else if report.errors.is_empty() {
                "findings"
            } else {
                "input"
            },
            escape(status)
        );
        h += "<dl class=\"run\">";
        h += &format!(
            "<dt>tool</dt><dd>{} {}</dd>",
            env!("CARGO_PKG_NAME"),
            env!("CARGO_PKG_VERSION")
        );
        if let Ok(date) = std::env::var(DATE_VAR) {
            if !date.trim().is_empty() {
                h += &format!("<dt>date</dt><dd>{}</dd>", escape(date.trim()));
            }
        }
        if let Some(p) = &report.ci.paths {
            for f in InputFile::ALL {
                let st = m.stats(f);
                h += &format!(
                    "<dt>{}</dt><dd><code>{}</code> — {} read, {} loaded, {} rejected</dd>",
                    f.file_name(),
                    escape(&super::slashes(&p.get(f).display().to_string())),
                    st.read,
                    st.loaded,
                    st.rejected
                );
            }
        }
        if let Some(c) = &report.ci.config_file {
            h += &format!(
                "<dt>configuration</dt><dd><code>{}</code></dd>",
                escape(&super::slashes(c))
            );
        }
        h += "</dl></header>\n<main>\n";

        h += "<section class=\"cards\">";
        for (label, n) in [
            ("partners", s.partners),
            ("tenants", s.tenants),
            ("organizations", m.organizations.len()),
            ("relationships", s.relationships),
            ("findings", s.findings),
            ("errors", errors),
            ("warnings", warnings),
            ("allowed", s.allowed),
        ] {
            h += &format!("<div class=\"card\"><b>{n}</b><span>{label}</span></div>");
        }
        if let Some(b) = &s.baseline {
            h += &format!(
                "<div class=\"card\"><b>{}</b><span>baselined</span></div>\
                 <div class=\"card\"><b>{}</b><span>fixed since baseline</span></div>",
                b.baselined, b.fixed
            );
        }
        h += "</section>\n";

        h += "<section><h2>Findings per rule and severity</h2>\n";
        h += &chart(report);
        h += "<p class=\"legend\"><span class=\"sw sev-error\"></span> error \
              <span class=\"sw sev-warning\"></span> warning</p></section>\n";

        let coverage = report.coverage();
        if !coverage.is_empty() {
            h += "<section class=\"coverage\"><h2>Coverage</h2><p>These rules could not be \
                  checked in full on this input: a missing finding there is not a pass.</p><ul>";
            for c in coverage {
                h += &format!(
                    "<li><b>{}</b> {}: {}</li>",
                    escape(c.code),
                    c.status.as_str().replace('_', " "),
                    escape(&c.reason)
                );
            }
            h += "</ul></section>\n";
        }
        let notes: Vec<String> = report
            .columns()
            .iter()
            .flat_map(|c| {
                let path = escape(&c.path);
                let mut v = Vec::new();
                if !c.ignored.is_empty() {
                    v.push(format!(
                        "<code>{path}</code>: ignored columns {}",
                        escape(&c.ignored.join(", "))
                    ));
                }
                if !c.absent.is_empty() {
                    v.push(format!(
                        "<code>{path}</code>: absent optional columns {}",
                        escape(&c.absent.join(", "))
                    ));
                }
                for (name, header) in &c.mapped {
                    v.push(format!(
                        "<code>{path}</code>: {name} read from column {}",
                        escape(header)
                    ));
                }
                v
            })
            .collect();
        if !notes.is_empty() {
            h += "<section class=\"columns\"><h2>Columns</h2><ul>";
            for n in notes {
                h += &format!("<li>{n}</li>");
            }
            h += "</ul></section>\n";
        }
        let input_notes = report.note_lines();
        if !input_notes.is_empty() {
            h += "<section class=\"input-notes\"><h2>Inferred roles and input warnings</h2><ul>";
            for n in input_notes {
                h += &format!("<li>{}</li>", escape(&n));
            }
            h += "</ul></section>\n";
        }
        if !report.errors.is_empty() {
            let total = crate::problem::problem_count(report.errors);
            h += &format!("<section class=\"problems\"><h2>Input problems ({total})</h2><ul>");
            for e in report.errors.iter().take(SHOWN_ERRORS) {
                h += &format!(
                    "<li><code>{}:{}:{}</code> {}</li>",
                    escape(&super::slashes(&e.file)),
                    e.line,
                    e.column,
                    escape(&e.message)
                );
            }
            if report.errors.len() > SHOWN_ERRORS {
                h += &format!(
                    "<li>… and {} more messages</li>",
                    report.errors.len() - SHOWN_ERRORS
                );
            }
            h += "</ul></section>\n";
        }

        h += "<section><h2>Findings</h2>\n<form id=\"filters\" onsubmit=\"return false\">\
              <label>rule <select id=\"f-rule\"><option value=\"\">all</option></select></label> \
              <label>severity <select id=\"f-sev\"><option value=\"\">all</option>\
              <option>error</option><option>warning</option></select></label> \
              <label>entity <input id=\"f-ent\" type=\"search\" placeholder=\"id\"></label> \
              <label>search <input id=\"f-text\" type=\"search\" placeholder=\"message, row, fingerprint\"></label> \
              <span id=\"f-count\"></span></form>\n\
              <table id=\"findings\"><thead><tr><th>rule</th><th>severity</th><th>message</th>\
              <th>entities</th><th>rows</th><th>fingerprint</th></tr></thead><tbody></tbody></table>\n\
              <p><button id=\"more\" type=\"button\" hidden>show more</button></p>\n\
              <noscript><p>The findings table and the evidence graphs need JavaScript; the JSON \
              report has the same findings.</p></noscript></section>\n";
        if !report.ci.allowed.is_empty() {
            h += "<section><h2>Allowed</h2><table id=\"allowed\"><thead><tr><th>rule</th>\
                  <th>message</th><th>reason</th><th>fingerprint</th></tr></thead><tbody></tbody>\
                  </table></section>\n";
        }
        h += "</main>\n<script type=\"application/json\" id=\"data\">";
        h += &script_json(&data);
        h += "</script>\n<script>\n";
        h += SCRIPT;
        h += "</script>\n</body>\n</html>\n";
        out.write_all(h.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::{escape, script_json};

    #[test]
    fn script_json_cannot_end_the_element() {
        let v = serde_json::json!({"m": "</script><!-- & \u{2028}\u{2029} \"q\""});
        let s = script_json(&v);
        assert_eq!(
            s,
            "{\"m\":\"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028\\u2029 \\\"q\\\"\"}"
        );
        let back: serde_json::Value = serde_json::from_str(&s).expect("still JSON");
        assert_eq!(back, v);
    }

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
