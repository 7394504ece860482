//! The HTML report: a snapshot of the sample's, no reference to any other host, hostile names
//! escaped end to end, the same bytes at any thread count, and the page rendered in headless
//! Chromium (not blank, one table row per finding, the evidence graph drawn).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{bin, run, s};
use serde_json::Value;

fn html(dir: &str) -> String {
    let r = run(&["audit", dir, "--format", "html"]);
    assert!(r.code == 0 || r.code == 1, "exit {}: {}", r.code, r.stderr);
    r.stdout
}

/// The JSON blob the page draws from.
fn blob(page: &str) -> Value {
    let start = page
        .find("<script type=\"application/json\" id=\"data\">")
        .expect("data element")
        + "<script type=\"application/json\" id=\"data\">".len();
    let end = start + page[start..].find("</script>").expect("end of data");
    serde_json::from_str(&page[start..end]).expect("the blob is JSON")
}

/// Every `src=`, `href=`, `action=` and `url(` value in the page.
fn references(page: &str) -> Vec<String> {
    let mut found = Vec::new();
    for pat in ["src=\"", "href=\"", "action=\"", "url("] {
        let mut rest = page;
        while let Some(i) = rest.find(pat) {
            rest = &rest[i + pat.len()..];
            let end = rest.find(['"', ')']).unwrap_or(rest.len());
            found.push(rest[..end].to_string());
        }
    }
    found
}

#[test]
fn references_no_other_host() {
    for dir in [
        "data/sample",
        "tests/fixtures/hostile-names",
        "tests/fixtures/ci-escaping",
    ] {
        let page = html(dir);
        for scheme in ["http://", "https://", "ftp://", "ws://", "wss://"] {
            assert!(!page.contains(scheme), "{dir}: the page holds {scheme}");
        }
        for r in references(&page) {
            // Only fragments inside the page (the script's SVG markers: url(#a-row)).
            assert!(
                r.starts_with('#') || r.starts_with("\\\"#"),
                "{dir}: reference {r:?} leaves the page"
            );
            assert!(!r.contains("//"), "{dir}: reference {r:?}");
        }
        // The page forbids every request of its own.
        assert!(page.contains("content=\"default-src 'none';"), "{dir}");
    }
}

#[test]
fn snapshot_of_the_sample() {
    let page = html("data/sample").replace(
        &format!("csp-audit {}", env!("CARGO_PKG_VERSION")),
        "csp-audit [version]",
    );
    crate::support::snapshots().bind(|| insta::assert_snapshot!("html_report__html_sample", page));
}

#[test]
fn the_blob_holds_every_finding_with_rows_fingerprints_and_evidence() {
    let page = html("data/sample");
    let data = blob(&page);
    let json: Value =
        serde_json::from_str(&run(&["audit", "data/sample", "--format", "json"]).stdout)
            .expect("json");
    let findings = data["findings"].as_array().expect("findings");
    assert_eq!(findings.len(), 26);
    for (h, j) in findings
        .iter()
        .zip(json["findings"].as_array().expect("json findings"))
    {
        assert_eq!(h["r"], j["rule"]);
        assert_eq!(h["f"], j["fingerprint"]);
        assert_eq!(h["e"], j["entities"]);
    }
    // The self-sale through two affiliates: rows with file:line and id, the cycle as a path.
    let cycle = findings
        .iter()
        .find(|f| f["r"] == "CSP005" && f["e"][1] == "R-FABRIKAM-DE")
        .expect("the CSP005 finding");
    assert_eq!(
        cycle["w"],
        serde_json::json!(["data/sample/relationships.csv:62 (V-009)"])
    );
    let nodes = data["nodes"].as_array().expect("nodes");
    let name = |i: &Value| {
        nodes[i.as_u64().expect("index") as usize][1]
            .as_str()
            .expect("id")
            .to_string()
    };
    let path: Vec<String> = cycle["g"]["e"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e[5] == 2)
        .map(|e| format!("{}>{}", name(&e[0]), name(&e[1])))
        .collect();
    assert_eq!(
        path,
        [
            "R-FABRIKAM-DE>t-fabrikam-uk-ops",
            "t-fabrikam-uk-ops>ORG-FABRIKAM-UK",
            "ORG-FABRIKAM-UK>ORG-FABRIKAM-HOLDING",
            "ORG-FABRIKAM-HOLDING>ORG-FABRIKAM",
            "ORG-FABRIKAM>R-FABRIKAM-DE",
        ]
    );
    let rows: Vec<String> = cycle["g"]["e"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e[5] == 1)
        .map(|e| format!("{}>{} {} {} {}", name(&e[0]), name(&e[1]), e[2], e[3], e[4]))
        .collect();
    assert_eq!(
        rows,
        [
            "P-NORTHWIND-EU>t-fabrikam-uk-ops \"customer\" \"2021-06-01\" 62",
            "R-FABRIKAM-DE>t-fabrikam-uk-ops \"through reseller\" \"\" 62",
        ]
    );
    // A cross-region edge: both ends carry their region.
    let xr = findings
        .iter()
        .find(|f| f["r"] == "CSP004" && f["e"][0] == "P-WOODGROVE-US")
        .expect("CSP004");
    let regions: Vec<&str> = xr["g"]["n"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|i| {
            nodes[i.as_u64().expect("i") as usize][5]
                .as_str()
                .expect("region")
        })
        .collect();
    assert_eq!(regions, ["United States", "Canada"]);
    // The chart counts every rule that ran.
    assert!(page.contains("<title>CSP002: 5 error</title>"));
    assert!(page.contains("<title>CSP006: 3 warning</title>"));
}

#[test]
fn hostile_names_stay_text() {
    let page = html("tests/fixtures/hostile-names");
    // Only the page's own two script elements, and no other element from the data.
    assert_eq!(page.matches("<script").count(), 2);
    assert_eq!(page.matches("</script>").count(), 2);
    assert!(!page.contains("<img"));
    assert!(!page.contains("<b>bold"));
    assert!(
        !page.contains('\u{2028}'),
        "a raw line separator ends a script line in old engines"
    );
    let data = blob(&page);
    let f = &data["findings"][0];
    assert_eq!(f["e"][0], "R-\"q\"</script><script>alert(1)</script>");
    assert_eq!(f["e"][1], "t-<b>bold</b>&amp;");
    assert_eq!(
        f["w"][0],
        "tests/fixtures/hostile-names/relationships.csv:2 (CR-<1>)"
    );
    let nodes = data["nodes"].as_array().expect("nodes");
    assert!(nodes
        .iter()
        .any(|n| n[2] == "Reseller \"quoted\" <img src=x onerror=alert(1)>\nsecond line"));
    // Right-to-left marks and a line separator in an id and a name come back as written.
    let f = &data["findings"][1];
    assert_eq!(f["e"][0], "P-\u{202e}LIVE-\u{2028}x");
    assert!(nodes
        .iter()
        .any(|n| n[2] == "Provider \u{200f}RTL\u{202e} mark & co"));
    assert!(
        page.contains("P-\u{202e}LIVE-\\u2028x"),
        "U+2028 escaped, U+202E as is"
    );
}

#[test]
fn same_bytes_at_any_thread_count() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let net = tmp.path().join("net");
    let r = run(&[
        "generate",
        "--out",
        s(&net),
        "--relationships",
        "3000",
        "--seed",
        "5",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    for format in ["html", "gitlab", "sarif"] {
        let out = |threads: &str| {
            bin()
                .env("RAYON_NUM_THREADS", threads)
                .args(["audit", s(&net), "--format", format])
                .output()
                .expect("run")
                .stdout
        };
        let one = out("1");
        assert!(one.len() > 1000, "{format}");
        assert_eq!(one, out("2"), "{format}");
    }
}

/// Headless Chromium, or `None` (with the reason printed) outside CI when it is not installed.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    if path.is_file() {
        return Some(path);
    }
    let why = format!(
        "{} is not installed (Debian: apt-get install chromium; or set CHROMIUM)",
        path.display()
    );
    assert!(std::env::var_os("CI").is_none(), "CI is set and {why}");
    eprintln!("skipped: {why}");
    None
}

fn headless(chrome: &Path, profile: &Path) -> Command {
    let mut c = Command::new(chrome);
    c.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ])
    .arg(format!("--user-data-dir={}", profile.display()));
    c
}

#[test]
fn renders_in_headless_chromium() {
    let Some(chrome) = chromium() else { return };
    let tmp = tempfile::tempdir().expect("tempdir");
    let page = tmp.path().join("report.html");
    std::fs::write(&page, html("data/sample")).expect("write");
    // Open the 13th finding (the CSP005 cycle through affiliates), so its graph is drawn.
    let url = format!("file://{}#open=12", page.display());

    let out = headless(&chrome, &tmp.path().join("profile-dom"))
        .args(["--dump-dom", &url])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        dom.matches("<tr class=\"finding").count(),
        26,
        "one row per finding:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dom.contains("26 of 26 findings"));
    // The evidence graph of the opened finding: its nodes and the cycle.
    let evidence = &dom[dom.find("class=\"evidence\"").expect("an opened finding")..];
    for node in [
        "ORG-FABRIKAM-HOLDING",
        "t-fabrikam-uk-ops",
        "P-NORTHWIND-EU",
    ] {
        assert!(evidence.contains(node), "{node}");
    }
    assert!(evidence.contains("class=\"e e-path\""));
    assert!(evidence.contains("customer · 2021-06-01 · line 62"));

    // Hostile names, with their evidence graph open: text in the DOM, never elements.
    let hostile = tmp.path().join("hostile.html");
    std::fs::write(&hostile, html("tests/fixtures/hostile-names")).expect("write");
    let out = headless(&chrome, &tmp.path().join("profile-hostile"))
        .args([
            "--dump-dom",
            &format!("file://{}#open=0", hostile.display()),
        ])
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(dom.matches("<tr class=\"finding").count(), 2);
    assert!(dom.contains("class=\"evidence\""), "the graph is drawn");
    assert!(!dom.contains("<img") && !dom.contains("<b>bold"), "{dom}");
    assert_eq!(dom.matches("<script").count(), 2, "{dom}");
    assert!(dom.contains("t-&lt;b&gt;bold&lt;/b&gt;&amp;amp;"), "{dom}");

    let shot = tmp.path().join("shot.png");
    let status = headless(&chrome, &tmp.path().join("profile-shot"))
        .args(["--window-size=1200,1600"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(&url)
        .output()
        .expect("chromium runs");
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let decoder = png::Decoder::new(std::fs::File::open(&shot).expect("png"));
    let mut reader = decoder.read_info().expect("png header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("png frame");
    let channels = info.color_type.samples();
    assert!(info.width >= 1000 && info.height >= 1000);
    let pixels = &buf[..info.buffer_size()];
    let mut colours = std::collections::BTreeSet::new();
    let mut not_white = 0usize;
    for px in pixels.chunks(channels) {
        let rgb = (px[0], px[1], px[2.min(channels - 1)]);
        colours.insert(rgb);
        if rgb != (255, 255, 255) {
            not_white += 1;
        }
    }
    let total = pixels.len() / channels;
    assert!(
        colours.len() > 50,
        "only {} colours: blank page?",
        colours.len()
    );
    assert!(
        not_white * 10 > total,
        "{not_white} of {total} pixels not white"
    );
}

#[test]
fn failed_runs_and_baselines_show() {
    let tmp = tempfile::tempdir().expect("tempdir");
    crate::support::copy_sample(tmp.path());
    let baseline = tmp.path().join("baseline.json");
    let r = run(&["audit", s(tmp.path()), "--write-baseline", s(&baseline)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = run(&[
        "audit",
        s(tmp.path()),
        "--baseline",
        s(&baseline),
        "--format",
        "html",
    ]);
    assert_eq!(r.code, 0);
    assert!(r
        .stdout
        .contains("<div class=\"card\"><b>26</b><span>baselined</span></div>"));
    assert!(r
        .stdout
        .contains("<span class=\"status st-clean\">clean</span>"));
    assert_eq!(
        blob(&r.stdout)["findings"].as_array().map(Vec::len),
        Some(0)
    );

    let rels = tmp.path().join("relationships.csv");
    let mut text = std::fs::read_to_string(&rels).expect("read");
    text.push_str("customer,P-NOBODY,t-relecloud-us,,2022-05-01,CR-BAD\n");
    std::fs::write(&rels, text).expect("write");
    let r = run(&["audit", s(tmp.path()), "--format", "html"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("<h2>Input problems (1)</h2>"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("relationships.csv:73:2</code> "),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("input problems: nothing was audited"));
}
