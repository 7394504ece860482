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

type Seen = (String, Vec<String>, String, u64, Option<String>);

fn seen(findings: &Value) -> Vec<Seen> {
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
                source["pointer"].as_str().map(str::to_string),
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

fn audit(dir: &Path, extra: &[&str]) -> Value {
    let out = csp_audit()
        .args(["audit", "--format", "json", "--fail-on", "never"])
        .args(extra)
        .arg(dir)
        .output()
        .expect("audit");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("report")
}

/// The audit of a generated folder reports its expected.json: the same findings (rule,
/// entities, file, line, pointer) and, for every rule that ran, the same count.
fn check_against_expected(dir: &Path, what: &str) -> Value {
    let expected: Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).expect("expected.json"))
            .expect("json");
    let actual = audit(dir, &[]);
    assert_eq!(actual["errors"], serde_json::json!([]), "{what}");
    assert_eq!(
        seen(&actual["findings"]),
        seen(&expected["findings"]),
        "{what}"
    );
    let by_rule = actual["summary"]["by_rule"].as_object().expect("by_rule");
    assert_eq!(by_rule.len(), 10, "{what}: every rule ran");
    for (code, n) in by_rule {
        let want = expected["summary"]["by_rule"][code].as_u64().unwrap_or(0);
        assert_eq!(n.as_u64(), Some(want), "{what}: {code}");
    }
    assert_eq!(
        actual["summary"]["findings"], expected["summary"]["findings"],
        "{what}"
    );
    actual
}

const PLANTABLE: [&str; 9] = [
    "CSP001", "CSP002", "CSP003", "CSP004", "CSP005", "CSP007", "CSP008", "CSP009", "CSP010",
];

#[test]
fn every_rule_planted_alone_gives_exactly_its_findings() {
    for rule in PLANTABLE {
        for (seed, items, n) in [("11", "400", 3), ("12", "1500", 1)] {
            let dir = tempfile::tempdir().expect("temp");
            let plant = format!("{rule}={n}");
            generate(
                dir.path(),
                &["--seed", seed, "--relationships", items, "--plant", &plant],
            );
            let what = format!("--plant {plant}, seed {seed}, {items} line items");
            let report = check_against_expected(dir.path(), &what);
            let by_rule = &report["summary"]["by_rule"];
            assert_eq!(by_rule[rule], n, "{what}");
            // A reseller's CSP tenant is a partner tenant: CSP008 brings CSP007 along.
            let others: u64 = PLANTABLE
                .iter()
                .filter(|r| **r != rule && !(rule == "CSP008" && **r == "CSP007"))
                .map(|r| by_rule[*r].as_u64().expect("count"))
                .sum();
            assert_eq!(others, 0, "{what}: {by_rule}");
            if rule == "CSP008" {
                assert_eq!(by_rule["CSP007"], n, "{what}");
            }
        }
    }
}

#[test]
fn every_rule_planted_together_and_by_rate() {
    for (seed, items, violations) in [
        (
            "2",
            "600",
            "--plant=CSP001=2,CSP002=1,CSP003=3,CSP004=2,CSP005=2,CSP007=2,CSP008=3,CSP009=2,CSP010=1",
        ),
        ("3", "2000", "--violations=0.05"),
        ("4", "900", "--violations=0"),
    ] {
        let dir = tempfile::tempdir().expect("temp");
        generate(
            dir.path(),
            &["--seed", seed, "--relationships", items, violations],
        );
        let report = check_against_expected(dir.path(), violations);
        let findings = report["summary"]["findings"].as_u64().expect("count");
        match violations {
            "--violations=0" => assert_eq!(findings, 0, "a clean folder"),
            // 100 plants spread over nine rules, and a CSP007 finding per CSP008 plant.
            "--violations=0.05" => assert_eq!(findings, 100 + 11),
            _ => assert_eq!(findings, 18 + 3),
        }
    }
}

/// What an audit says about each finding, whatever the files it read: rule, entities,
/// message, fingerprint.
fn identities(report: &Value) -> Vec<(String, Value, String, String)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().expect("rule").to_string(),
                f["entities"].clone(),
                f["message"].as_str().expect("message").to_string(),
                f["fingerprint"].as_str().expect("fingerprint").to_string(),
            )
        })
        .collect();
    v.sort_by(|a, b| (&a.0, &a.2, &a.3).cmp(&(&b.0, &b.2, &b.3)));
    v
}

#[test]
fn importing_a_generated_folder_keeps_its_findings() {
    for (seed, items) in [("21", "500"), ("22", "1200")] {
        let dir = tempfile::tempdir().expect("temp");
        generate(
            dir.path(),
            &[
                "--seed",
                seed,
                "--relationships",
                items,
                "--plant",
                "CSP001=1,CSP002=2,CSP003=1,CSP004=1,CSP005=2,CSP007=1,CSP008=2,CSP009=1,CSP010=2",
            ],
        );
        let direct = check_against_expected(dir.path(), seed);
        let out = tempfile::tempdir().expect("temp");
        csp_audit()
            .args(["import", "partner-center"])
            .arg(dir.path())
            .arg("--out")
            .arg(out.path())
            .assert()
            .code(0);
        let imported = audit(out.path(), &["--source", "contract"]);
        assert_eq!(imported["errors"], serde_json::json!([]));
        assert_eq!(identities(&imported), identities(&direct), "seed {seed}");
        assert_eq!(identities(&direct).len(), 13 + 2);
        assert_eq!(imported["summary"]["by_rule"], direct["summary"]["by_rule"]);
    }
}
