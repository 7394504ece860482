//! `csp-audit graph` (DOT accepted by Graphviz, GraphML read by NetworkX, JSON, neighbourhoods)
//! and the GitLab Code Quality report, on the sample and on hostile names.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::support::{bin, run, s};
use serde_json::Value;

/// Nodes of the sample: 34 organizations + 19 partners + 36 tenants. Edges: 71 relationship
/// rows + 19 partner → organization + 34 organization → tenant (the tenants with an
/// organization_id or claimed as a partner's CSP tenant) + 12 partner → CSP tenant.
/// The hostile-names fixture: 2 partners, their 2 default organizations, 1 tenant; 3 rows and
/// 2 partner → organization edges.
const SAMPLE_NODES: usize = 89;
const SAMPLE_EDGES: usize = 136;

/// A tool the test needs: its path, or `None` (with the reason printed) outside CI.
fn tool(name: &str, package: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        let why = format!("{name} is not installed (Debian: apt-get install {package})");
        assert!(std::env::var_os("CI").is_none(), "CI is set and {why}");
        eprintln!("skipped: {why}");
    }
    found
}

fn graph(args: &[&str]) -> String {
    let mut all = vec!["graph"];
    all.extend(args);
    let r = run(&all);
    assert_eq!(r.code, 0, "{}", r.stderr);
    r.stdout
}

#[test]
fn json_has_every_node_and_edge_with_attributes() {
    let doc: Value =
        serde_json::from_str(&graph(&["data/sample", "--format", "json"])).expect("json");
    let nodes = doc["nodes"].as_array().expect("nodes");
    let edges = doc["edges"].as_array().expect("edges");
    assert_eq!((nodes.len(), edges.len()), (SAMPLE_NODES, SAMPLE_EDGES));
    let p = nodes
        .iter()
        .find(|n| n["key"] == "partner:R-FOURTH-CA")
        .expect("partner");
    assert_eq!(p["role"], "indirect_reseller");
    assert_eq!(p["country"], "CA");
    assert_eq!(p["region"], "Canada");
    // The cross-region reseller row carries its finding; the date and line are there.
    let e = edges
        .iter()
        .find(|e| e["relationship_id"] == "PR-012")
        .expect("PR-012");
    assert_eq!(e["from"], "partner:P-WOODGROVE-US");
    assert_eq!(e["to"], "partner:R-FOURTH-CA");
    assert_eq!(e["line"], 17);
    let marks: Vec<&str> = e["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|m| &m.as_str().expect("mark")[..6])
        .collect();
    assert_eq!(marks, ["CSP004"]);
}

#[test]
fn neighbourhood_of_a_finding() {
    let json: Value =
        serde_json::from_str(&run(&["audit", "data/sample", "--format", "json"]).stdout)
            .expect("json");
    let fp = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "CSP005" && f["entities"][1] == "R-FABRIKAM-DE")
        .and_then(|f| f["fingerprint"].as_str())
        .expect("fingerprint")
        .to_string();
    let doc: Value = serde_json::from_str(&graph(&[
        "data/sample",
        "--finding",
        &fp,
        "--depth",
        "0",
        "--format",
        "json",
    ]))
    .expect("json");
    let keys: Vec<&str> = doc["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["key"].as_str().expect("key"))
        .collect();
    assert_eq!(
        keys,
        [
            "organization:ORG-FABRIKAM",
            "organization:ORG-FABRIKAM-UK",
            "organization:ORG-FABRIKAM-HOLDING",
            "partner:P-NORTHWIND-EU",
            "partner:R-FABRIKAM-DE",
            "tenant:t-fabrikam-uk-ops",
        ]
    );
    assert_eq!(doc["edges"].as_array().map(Vec::len), Some(6));
    // Depth 1 around one tenant: the tenant, its sellers and its organization.
    let doc: Value = serde_json::from_str(&graph(&[
        "data/sample",
        "--tenant",
        "T-FABRIKAM-UK-OPS",
        "--format",
        "json",
    ]))
    .expect("json");
    assert_eq!(doc["nodes"].as_array().map(Vec::len), Some(4));
    assert_eq!(doc["edges"].as_array().map(Vec::len), Some(3));
    // Unknown focus: exit 2 with a message.
    let r = run(&["graph", "data/sample", "--partner", "P-NOPE"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("error: no partner 'P-NOPE' in data/sample/partners.csv"),
        "{}",
        r.stderr
    );
    let r = run(&["graph", "data/sample", "--finding", "0123"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("no finding has fingerprint '0123'"),
        "{}",
        r.stderr
    );
}

#[test]
fn graphviz_accepts_the_dot() {
    let Some(dot) = tool("dot", "graphviz") else {
        return;
    };
    for dir in [
        "data/sample",
        "tests/fixtures/hostile-names",
        "tests/fixtures/ci-escaping",
    ] {
        let text = graph(&[dir, "--format", "dot"]);
        let mut child = Command::new(&dot)
            .arg("-Tsvg")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("dot runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write");
        let out = child.wait_with_output().expect("dot");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && err.is_empty(), "{dir}: {err}");
        let svg = String::from_utf8_lossy(&out.stdout);
        if dir == "data/sample" {
            assert_eq!(svg.matches("class=\"node\"").count(), SAMPLE_NODES);
            assert_eq!(svg.matches("class=\"edge\"").count(), SAMPLE_EDGES);
        } else {
            // The hostile ids come back as text, not markup.
            assert!(!svg.contains("<script"), "{svg}");
        }
    }
}

#[test]
fn networkx_reads_the_graphml() {
    let Some(python) = tool("python3", "python3") else {
        return;
    };
    let probe = Command::new(&python)
        .args(["-c", "import networkx"])
        .output()
        .expect("python");
    if !probe.status.success() {
        let why = "python3 has no networkx (pip install networkx)";
        assert!(std::env::var_os("CI").is_none(), "CI is set and {why}");
        eprintln!("skipped: {why}");
        return;
    }
    let tmp = tempfile::tempdir().expect("tempdir");
    for (dir, expect) in [
        ("data/sample", format!("{SAMPLE_NODES} {SAMPLE_EDGES}")),
        ("tests/fixtures/hostile-names", "5 5".to_string()),
    ] {
        let file = tmp.path().join("g.graphml");
        std::fs::write(&file, graph(&[dir, "--format", "graphml"])).expect("write");
        let out = Command::new(&python)
            .args([
                "-c",
                "import sys, json, networkx as nx\n\
                 sys.stdout.reconfigure(encoding='utf-8')\n\
                 g = nx.read_graphml(sys.argv[1], force_multigraph=True)\n\
                 names = sorted(str(d.get('name', '')) for _, d in g.nodes(data=True))\n\
                 print(g.number_of_nodes(), g.number_of_edges())\n\
                 print(json.dumps(names, ensure_ascii=False))",
                s(&file),
            ])
            .output()
            .expect("python runs");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{dir}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(text.lines().next(), Some(expect.as_str()), "{dir}");
        if dir != "data/sample" {
            // Quotes, markup, a newline and RTL marks read back as written.
            assert!(
                text.contains(r#""Reseller \"quoted\" <img src=x onerror=alert(1)>\nsecond line""#),
                "{text}"
            );
            assert!(
                text.contains("Provider \u{200f}RTL\u{202e} mark & co"),
                "{text}"
            );
        }
    }
}

#[test]
fn graph_bytes_do_not_depend_on_threads() {
    for format in ["dot", "graphml", "json"] {
        let out = |threads: &str| {
            bin()
                .env("RAYON_NUM_THREADS", threads)
                .args(["graph", "data/sample", "--format", format])
                .output()
                .expect("run")
                .stdout
        };
        assert_eq!(out("1"), out("2"), "{format}");
    }
}

#[test]
fn gitlab_code_quality() {
    let r = run(&["audit", "data/sample", "--format", "gitlab"]);
    assert_eq!(r.code, 1);
    crate::support::snapshots()
        .bind(|| insta::assert_snapshot!("graph_export__gitlab_sample", r.stdout));
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    let issues = doc.as_array().expect("array");
    assert_eq!(issues.len(), 26);
    let json: Value =
        serde_json::from_str(&run(&["audit", "data/sample", "--format", "json"]).stdout)
            .expect("json");
    for (g, j) in issues
        .iter()
        .zip(json["findings"].as_array().expect("findings"))
    {
        assert_eq!(g["fingerprint"], j["fingerprint"]);
        assert_eq!(g["check_name"], j["rule"]);
        let sev = if j["severity"] == "error" {
            "critical"
        } else {
            "minor"
        };
        assert_eq!(g["severity"], sev);
        assert_eq!(g["location"]["lines"]["begin"], j["rows"][0]["line"]);
        assert_eq!(
            g["location"]["path"],
            format!(
                "data/sample/{}",
                j["rows"][0]["file"].as_str().expect("file")
            )
        );
    }
    // Hostile names: JSON escaping only; a parser reads the description back.
    let r = run(&[
        "audit",
        "tests/fixtures/hostile-names",
        "--format",
        "gitlab",
    ]);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(
        doc[0]["description"],
        "CSP001 seller-role: indirect reseller 'R-\"q\"</script><script>alert(1)</script>' is the \
         seller to tenant 't-<b>bold</b>&amp;': an indirect reseller sells only through an \
         indirect provider"
    );
    // A failed run is a blocker issue at the problem's line, never an empty (clean) report.
    let tmp = tempfile::tempdir().expect("tempdir");
    crate::support::copy_sample(tmp.path());
    let rels = tmp.path().join("relationships.csv");
    let mut text = std::fs::read_to_string(&rels).expect("read");
    text.push_str("customer,P-NOBODY,t-relecloud-us,,2022-05-01,CR-BAD\n");
    std::fs::write(&rels, text).expect("write");
    let r = run(&["audit", s(tmp.path()), "--format", "gitlab"]);
    assert_eq!(r.code, 2);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(doc[0]["severity"], "blocker");
    assert_eq!(doc[0]["check_name"], "csp-audit/input");
    assert_eq!(doc[0]["location"]["lines"]["begin"], 73);
}

#[test]
fn sarif_locations_of_an_absolute_path_are_relative_to_srcroot() {
    let abs = crate::support::root().join("data/sample");
    let r = run(&["audit", s(&abs), "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    let run0 = &doc["runs"][0];
    let root = run0["originalUriBaseIds"]["SRCROOT"]["uri"]
        .as_str()
        .expect("SRCROOT");
    assert!(
        root.starts_with("file:///") && root.ends_with('/'),
        "{root}"
    );
    assert_eq!(run0["automationDetails"]["id"], "csp-audit/");
    let loc = &run0["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(loc["uri"], "data/sample/relationships.csv");
    assert_eq!(loc["uriBaseId"], "SRCROOT");
    // Every rule's helpUri names a heading of the README.
    let readme = std::fs::read_to_string(crate::support::root().join("README.md")).expect("readme");
    for rule in run0["tool"]["driver"]["rules"].as_array().expect("rules") {
        let uri = rule["helpUri"].as_str().expect("helpUri");
        let anchor = uri.split_once('#').expect("anchor").1;
        let heading = format!(
            "#### {} {}\n",
            rule["id"].as_str().expect("id"),
            rule["name"].as_str().expect("name")
        );
        assert_eq!(anchor, heading[5..].trim().to_lowercase().replace(' ', "-"));
        assert!(
            readme.contains(&heading),
            "README has no heading {heading:?}"
        );
    }
}
