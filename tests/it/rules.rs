//! One fixture network per rule under `tests/fixtures/csp0NN-*/`, each with violating and
//! allowed cases, and its exact expected findings in `expected.json` (written by hand; every
//! finding carries a `why`). A fixture's expectation lists every finding of every rule on it, so
//! the allowed cases are checked against all rules, not only the one the fixture is about.

use std::path::{Path, PathBuf};

use crate::support::expect::{assert_same, audit_dir, Seen};
use csp_audit::rules::NetworkRule;
use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Reads `expected.json`: `{"shows": "...", "findings": [{"rule", "entities", "rows", "path"?,
/// "why"}]}`.
fn expected(dir: &Path) -> Vec<Seen> {
    let path = dir.join("expected.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let doc: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    assert!(
        doc["shows"].as_str().is_some_and(|s| !s.is_empty()),
        "{}: say what the fixture shows",
        path.display()
    );
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .map(|s| s.as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    doc["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{}: no findings array", path.display()))
        .iter()
        .map(|f| {
            assert!(
                f["why"].as_str().is_some_and(|s| !s.is_empty()),
                "{}: every expected finding says why: {f}",
                path.display()
            );
            Seen {
                rule: f["rule"].as_str().unwrap_or_default().to_string(),
                entities: strings(&f["entities"]),
                rows: f["rows"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|n| n.as_u64())
                            .map(|n| n as u32)
                            .collect()
                    })
                    .unwrap_or_default(),
                path: strings(&f["path"]),
            }
        })
        .collect()
}

fn check(name: &str) {
    let dir = fixtures().join(name);
    let want = expected(&dir);
    assert!(!want.is_empty(), "{name}: a fixture must violate its rule");
    let found = audit_dir(&dir);
    assert_same(name, &found, &want);
}

/// The rule fixture folders, `tests/fixtures/cspNNN-*`, in code order. A new one is tested
/// without a line here.
fn rule_fixtures() -> Vec<String> {
    let mut on_disk: Vec<String> = std::fs::read_dir(fixtures())
        .expect("tests/fixtures")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("csp"))
        .collect();
    on_disk.sort();
    on_disk
}

#[test]
fn every_rule_fixture_finds_exactly_what_it_expects() {
    let dirs = rule_fixtures();
    assert_eq!(dirs.len(), NetworkRule::COUNT, "{dirs:?}");
    for dir in &dirs {
        check(dir);
    }
}

#[test]
fn every_rule_fixture_folder_is_named_after_one_rule() {
    for dir in rule_fixtures() {
        let owners: Vec<NetworkRule> = NetworkRule::ALL
            .into_iter()
            .filter(|r| dir.starts_with(&format!("{}-", r.code().to_lowercase())))
            .collect();
        assert_eq!(owners.len(), 1, "{dir}: named after no rule, or several");
    }
}

#[test]
fn every_rule_has_a_fixture_named_after_it_that_expects_it() {
    for rule in NetworkRule::ALL {
        let code = rule.code();
        let prefix = format!("{}-", code.to_lowercase());
        let dirs = rule_fixtures();
        let dir = dirs
            .iter()
            .find(|d| d.starts_with(&prefix))
            .unwrap_or_else(|| panic!("no fixture for {code}"));
        let want = expected(&fixtures().join(dir));
        assert!(
            want.iter().any(|f| f.rule == code),
            "{dir} does not expect a single {code} finding"
        );
    }
}

/// A message that counts rows ("(2 rows)", "on 1 row") counts the rows the finding lists.
#[test]
fn row_counts_in_messages_match_the_rows_listed() {
    let mut dirs: Vec<PathBuf> = rule_fixtures().iter().map(|d| fixtures().join(d)).collect();
    dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample"));
    let mut counted = 0;
    for dir in dirs {
        let loaded = csp_audit::audit::load_network(
            &csp_audit::load::InputPaths::in_dir(&dir),
            csp_audit::load::builtin_regions(),
        );
        for f in csp_audit::audit::audit(&loaded.net, &csp_audit::rules::Params::default()) {
            let words: Vec<&str> = f.message.split_whitespace().collect();
            for pair in words.windows(2) {
                let n = pair[0].trim_start_matches('(').parse::<usize>();
                if let (Ok(n), true) = (n, pair[1].starts_with("row")) {
                    assert_eq!(n, f.rows.len(), "{}: {}", dir.display(), f.message);
                    counted += 1;
                }
            }
        }
    }
    assert!(counted > 10, "only {counted} messages count rows");
}

/// Each rule's check stamps its findings with its own id (`RuleId::CSP003` in
/// `csp003_cross_region_customer.rs`, not a neighbour's): run alone on the sample, which breaks
/// every rule, it finds something and every finding is its own.
#[test]
fn every_check_stamps_its_own_rule() {
    let loaded = csp_audit::audit::load_network(
        &csp_audit::load::InputPaths::in_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample"),
        ),
        csp_audit::load::builtin_regions(),
    );
    let params = csp_audit::rules::Params::default();
    for rule in NetworkRule::ALL {
        let check = rule.id().info().check.expect("a network rule has a check");
        let findings = check(&loaded.net, &params);
        assert!(
            !findings.is_empty(),
            "{}: nothing on the sample",
            rule.code()
        );
        for f in &findings {
            assert_eq!(f.rule, rule.id(), "{}: {}", rule.code(), f.message);
        }
    }
}
