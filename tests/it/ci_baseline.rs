//! Baselines: write one, plant a new violation, and only it is reported; remove a baselined
//! violation, and it is counted as fixed. Fingerprints survive reordering and reformatting.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::{copy_sample, rule_entities, run, run_json, s};

fn append(path: &Path, row: &str) {
    let mut text = std::fs::read_to_string(path).expect("read");
    text.push_str(row);
    std::fs::write(path, text).expect("write");
}

fn remove_line(path: &Path, starts_with: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with(starts_with))
        .collect();
    assert_eq!(
        kept.len() + 1,
        text.lines().count(),
        "exactly one row removed"
    );
    std::fs::write(path, kept.join("\n") + "\n").expect("write");
}

fn fingerprints(v: &serde_json::Value) -> BTreeSet<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["fingerprint"].as_str().expect("fingerprint").to_string())
        .collect()
}

#[test]
fn baseline_round_trip() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("data");
    std::fs::create_dir(&data).expect("mkdir");
    copy_sample(&data);
    let base = tmp.path().join("baseline.json");

    // Writing the baseline records the 26 findings of the sample and accepts them.
    let r = run(&[
        "audit",
        s(&data),
        "--write-baseline",
        s(&base),
        "--format",
        "json",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, format!("wrote 26 fingerprints to {}\n", s(&base)));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&base).expect("baseline")).expect("json");
    assert_eq!(written["version"], 2);
    assert_eq!(written["findings"].as_array().map(Vec::len), Some(26));
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    let recorded: BTreeSet<String> = written["findings"]
        .as_array()
        .expect("array")
        .iter()
        .map(|e| e["fingerprint"].as_str().expect("fp").to_string())
        .collect();
    assert_eq!(recorded, fingerprints(&report));

    // Unchanged data against its baseline: nothing new, exit 0.
    let (code, v) = run_json(&["audit", s(&data), "--baseline", s(&base)]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["findings"], 0);
    assert_eq!(v["summary"]["baseline"]["baselined"], 26);
    assert_eq!(v["summary"]["baseline"]["fixed"], 0);

    // Plant one new violation: an indirect reseller sells on its own (CSP001), to a US tenant
    // from a US reseller (no other rule is touched).
    let rels = data.join("relationships.csv");
    append(
        &rels,
        "customer,R-CONTOSO-US,t-relecloud-us,,2022-05-01,CR-NEW\n",
    );
    let (code, v) = run_json(&["audit", s(&data), "--baseline", s(&base)]);
    assert_eq!(code, 1);
    assert_eq!(
        rule_entities(&v, "findings"),
        vec![(
            "CSP001".to_string(),
            vec!["R-CONTOSO-US".to_string(), "t-relecloud-us".to_string()]
        )]
    );
    assert_eq!(v["summary"]["baseline"]["baselined"], 26);
    assert_eq!(v["summary"]["baseline"]["fixed"], 0);

    // Remove a baselined violation (D-ALPINE-US sells to a Canadian tenant, CSP003): the
    // baseline counts it as fixed, and the shifted lines below it change nothing else.
    remove_line(&rels, "customer,D-ALPINE-US,t-liberty-ca,");
    let (code, v) = run_json(&["audit", s(&data), "--baseline", s(&base)]);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["findings"], 1);
    assert_eq!(v["summary"]["baseline"]["baselined"], 25);
    assert_eq!(v["summary"]["baseline"]["fixed"], 1);
    let text = run(&["audit", s(&data), "--baseline", s(&base)]);
    assert!(text
        .stdout
        .contains("  baseline: 25 findings (not reported), 1 fixed since it was written\n"));
    let md = run(&[
        "audit",
        s(&data),
        "--baseline",
        s(&base),
        "--format",
        "markdown",
    ]);
    assert!(md
        .stdout
        .contains("- against the baseline: 1 new, 25 unchanged (not listed), 1 fixed\n"));
}

#[test]
fn a_bad_baseline_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = tmp.path().join("b.json");
    std::fs::write(&base, "{\"version\": 9, \"findings\": []}").expect("write");
    let r = run(&["audit", "data/sample", "--baseline", s(&base)]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "{}:1:1: baseline version 9 is not supported (expected 2): write it again with \
             --write-baseline\nerror: invalid baseline; nothing was audited\n",
            s(&base)
        )
    );
    std::fs::write(&base, "{\"version\": 1,\n \"findings\": [1]}").expect("write");
    let r = run(&["audit", "data/sample", "--baseline", s(&base)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with(&format!("{}:2:", s(&base))),
        "{}",
        r.stderr
    );
}

/// Rewrites a CSV file: rows reversed, columns in reverse order, every field quoted, CRLF.
fn scramble(path: &Path) {
    let mut rd = csv::Reader::from_path(path).expect("read");
    let header: Vec<String> = rd
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    let mut rows: Vec<Vec<String>> = rd
        .records()
        .map(|r| r.expect("row").iter().map(String::from).collect())
        .collect();
    rows.reverse();
    let mut w = csv::WriterBuilder::new()
        .quote_style(csv::QuoteStyle::Always)
        .terminator(csv::Terminator::CRLF)
        .from_path(path)
        .expect("write");
    let rev = |r: &Vec<String>| r.iter().rev().cloned().collect::<Vec<_>>();
    w.write_record(rev(&header)).expect("header");
    for r in &rows {
        w.write_record(rev(r)).expect("row");
    }
    w.flush().expect("flush");
}

#[test]
fn fingerprints_survive_reordering_and_reformatting() {
    let (_, before) = run_json(&["audit", "data/sample"]);
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_sample(tmp.path());
    for f in ["partners.csv", "tenants.csv", "relationships.csv"] {
        scramble(&tmp.path().join(f));
    }
    let (_, after) = run_json(&["audit", s(tmp.path())]);
    // The rows moved...
    assert_ne!(before["findings"][0]["rows"], after["findings"][0]["rows"]);
    // ...but every finding keeps its fingerprint.
    assert_eq!(fingerprints(&before).len(), 26);
    assert_eq!(fingerprints(&before), fingerprints(&after));
}

#[test]
fn findings_of_a_rule_switched_off_are_not_counted_as_fixed() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = tmp.path().join("baseline.json");
    let r = run(&["audit", "data/sample", "--write-baseline", s(&base)]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // The sample has 3 CSP006 findings; with the rule off they are neither reported nor fixed.
    let (code, v) = run_json(&[
        "audit",
        "data/sample",
        "--baseline",
        s(&base),
        "--allow",
        "CSP006",
    ]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["baseline"]["baselined"], 23);
    assert_eq!(v["summary"]["baseline"]["fixed"], 0);
    assert_eq!(v["summary"]["findings"], 0);
}
