//! `generate --format partner-center`: for several seeds and sizes, the audit of the generated
//! Partner Center folder finds exactly the findings its expected.json lists (rule, entities and
//! the Partner Center file and line of the first row), and nothing else.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

fn csp_audit() -> Command {
    Command::cargo_bin("csp-audit").expect("binary")
}

fn generate(dir: &Path, args: &[&str]) {
    csp_audit()
        .args(["generate", "--format", "partner-center", "--out"])
        .arg(dir)
        .args(args)
        .assert()
        .code(0);
}

fn seen(findings: &Value) -> Vec<(String, Vec<String>, String, u64)> {
    let mut v: Vec<_> = findings
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let source = f
                .get("source")
                .cloned()
                .unwrap_or_else(|| f["rows"][0]["source"].clone());
            let file = source["file"].as_str().expect("file");
            (
                f["rule"].as_str().expect("rule").to_string(),
                f["entities"]
                    .as_array()
                    .expect("entities")
                    .iter()
                    .map(|e| e.as_str().expect("id").to_string())
                    .collect(),
                file.rsplit('/').next().expect("name").to_string(),
                source["line"].as_u64().expect("line"),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn audits_find_exactly_what_was_planted() {
    for (seed, items, plant) in [
        ("1", "200", "CSP002=2,CSP003=2,CSP009=1,CSP010=2"),
        ("7", "1000", "CSP003=5,CSP010=1"),
        ("42", "3000", "CSP002=1,CSP009=3"),
        ("3", "50", "CSP003=0"),
    ] {
        let dir = tempfile::tempdir().expect("temp");
        generate(
            dir.path(),
            &["--seed", seed, "--relationships", items, "--plant", plant],
        );
        let expected: Value = serde_json::from_slice(
            &std::fs::read(dir.path().join("expected.json")).expect("expected.json"),
        )
        .expect("json");
        let out = csp_audit()
            .args(["audit", "--format", "json", "--fail-on", "never"])
            .arg(dir.path())
            .output()
            .expect("audit");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let actual: Value = serde_json::from_slice(&out.stdout).expect("report");
        let want = seen(&expected["findings"]);
        assert_eq!(
            seen(&actual["findings"]),
            want,
            "seed {seed}, {items} line items"
        );
        assert_eq!(
            actual["summary"]["findings"], expected["summary"]["findings"],
            "seed {seed}"
        );
        assert_eq!(
            actual["summary"]["by_rule"]["CSP006"], 0,
            "line items are deduplicated"
        );
        // Fewer relationships than line items: several line items per subscription.
        let rels = actual["summary"]["relationships"].as_u64().expect("count");
        assert!(
            rels < items.parse::<u64>().expect("n"),
            "{rels} relationships"
        );
    }
}

#[test]
fn the_same_arguments_give_the_same_bytes() {
    let (a, b) = (
        tempfile::tempdir().expect("temp"),
        tempfile::tempdir().expect("temp"),
    );
    for d in [&a, &b] {
        generate(
            d.path(),
            &[
                "--seed",
                "5",
                "--relationships",
                "500",
                "--plant",
                "CSP003=2",
            ],
        );
    }
    for f in [
        "invoice-reconciliation.csv",
        "partners.csv",
        "indirect-resellers.json",
        "expected.json",
    ] {
        assert_eq!(
            std::fs::read(a.path().join(f)).expect("a"),
            std::fs::read(b.path().join(f)).expect("b"),
            "{f}"
        );
    }
}

#[test]
fn a_rule_partner_center_cannot_show_is_refused() {
    let dir = tempfile::tempdir().expect("temp");
    let out = csp_audit()
        .args([
            "generate",
            "--format",
            "partner-center",
            "--relationships",
            "100",
            "--plant",
            "CSP006=1",
            "--out",
        ])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("CSP006 cannot be planted in Partner Center files"));
}
