//! The generator against the audit: for many seeds, sizes and shapes, auditing a generated
//! network finds exactly the findings its expected.json lists (rule, entities, rows, path), and
//! nothing when nothing was planted; the same arguments give byte-identical files.

use std::path::Path;

use assert_cmd::Command;
use csp_audit::generate::{generate, Config, Violations, RULES};
use csp_audit::rules::NetworkRule;
use proptest::prelude::*;
use serde_json::Value;

/// The audit's JSON report of `dir`.
fn audit_json(dir: &Path) -> Value {
    let out = Command::cargo_bin("csp-audit")
        .expect("binary")
        .args(["audit", "--format", "json", "--fail-on", "never"])
        .arg(dir)
        .output()
        .expect("audit runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "audit of {} failed: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("audit JSON")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("readable")).expect("valid JSON")
}

/// The fields of a finding that say what was found: not the message (expected.json says what
/// was planted instead), nor fields the report adds for other uses (fingerprints).
fn comparable(findings: &Value) -> Vec<Value> {
    let mut out: Vec<Value> = findings
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| {
            let mut kept = serde_json::Map::new();
            for key in ["rule", "name", "severity", "entities", "rows", "path"] {
                if let Some(v) = f.get(key) {
                    kept.insert(key.to_string(), v.clone());
                }
            }
            Value::Object(kept)
        })
        .collect();
    out.sort_by_key(|f| f.to_string());
    out
}

/// Audits `dir` and checks it against its expected.json, field by field.
fn check_against_expected(dir: &Path, what: &str) -> Value {
    let expected = read_json(&dir.join("expected.json"));
    let actual = audit_json(dir);
    let (e, a) = (&expected["summary"], &actual["summary"]);
    for field in [
        "partners",
        "tenants",
        "relationships",
        "findings",
        "by_rule",
        "by_severity",
        "files",
    ] {
        assert_eq!(e[field], a[field], "{what}: summary.{field}");
    }
    let (e, a) = (
        comparable(&expected["findings"]),
        comparable(&actual["findings"]),
    );
    let missing: Vec<&Value> = e.iter().filter(|f| !a.contains(f)).collect();
    let extra: Vec<&Value> = a.iter().filter(|f| !e.contains(f)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}: planted but not found: {missing:#?}\nfound but not planted: {extra:#?}"
    );
    assert_eq!(e, a, "{what}: findings");
    assert_eq!(actual["version"], expected["version"]);
    assert_eq!(expected["errors"], Value::Array(Vec::new()));
    expected
}

/// A varied configuration for case `i`: size, regions, partners and what to plant.
fn case(i: u64) -> Config {
    let sizes = [1_500, 4_000, 9_000, 20_000];
    let regions = [15, 2, 5, 9, 3, 15];
    let mut cfg = Config::new(sizes[(i % 4) as usize]);
    cfg.seed = 1000 + i * 7919;
    cfg.regions = regions[(i % 6) as usize];
    if i % 5 == 3 {
        cfg.partners = Some(cfg.regions * 20);
    }
    if i % 7 == 2 {
        cfg.customers = Some(cfg.relationships / 4);
    }
    cfg.violations = if i % 2 == 0 {
        Violations::Rate(0.01)
    } else {
        // A different mix per case: 0 to 5 of each rule.
        let mut counts = [0u32; RULES];
        for (r, n) in counts.iter_mut().enumerate() {
            *n = ((i * 31 + r as u64 * 17) % 6) as u32;
        }
        Violations::Counts(counts)
    };
    cfg
}

#[test]
fn audit_finds_exactly_what_was_planted() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for i in 0..48 {
        let cfg = case(i);
        let dir = tmp.path().join(format!("case{i}"));
        let made = generate(&cfg, &dir).unwrap_or_else(|e| panic!("case {i} {cfg:?}: {e}"));
        assert_eq!(
            made.relationships, cfg.relationships,
            "case {i}: exact size"
        );
        let expected = check_against_expected(&dir, &format!("case {i} {cfg:?}"));
        // Every planted violation is listed; a CSP008 plant also breaks CSP007.
        let counts = cfg.counts();
        let by_rule = &expected["summary"]["by_rule"];
        for (rule, &n) in NetworkRule::ALL.into_iter().zip(&counts) {
            let code = rule.code();
            let extra = if rule == NetworkRule::CSP007 {
                counts[NetworkRule::CSP008.index()]
            } else {
                0
            };
            assert_eq!(
                by_rule[code].as_u64(),
                Some(u64::from(n + extra)),
                "case {i}: {code} planted"
            );
        }
    }
}

proptest! {
    // Arbitrary seeds, sizes, region counts and plants beyond the fixed cases above;
    // PROPTEST_CASES=500 runs a longer search.
    #![proptest_config(ProptestConfig {
        cases: 12,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn any_seed_and_size_audits_to_expected_json(
        seed in any::<u64>(),
        size in 1_200u64..40_000,
        regions in 1usize..=15,
        plants in proptest::collection::vec(0u32..8, RULES),
    ) {
        let tmp = tempfile::tempdir().expect("temp dir");
        let mut cfg = Config::new(size);
        cfg.seed = seed;
        cfg.regions = regions;
        let mut counts = [0u32; RULES];
        counts.copy_from_slice(&plants);
        cfg.violations = Violations::Counts(counts);
        let dir = tmp.path().join("net");
        match generate(&cfg, &dir) {
            // Too many plants for a small network is refused up front, never half-planted.
            Err(e) => {
                let why = e.to_string();
                let cross_region = counts[NetworkRule::CSP003.index()]
                    + counts[NetworkRule::CSP004.index()]
                    > 0
                    && regions == 1;
                prop_assert!(
                    why.contains("too") || (cross_region && why.contains("two regions")),
                    "{:?}: {}", cfg, why
                );
            }
            Ok(made) => {
                prop_assert_eq!(made.relationships, size);
                let expected = check_against_expected(&dir, &format!("{cfg:?}"));
                let planted: u64 = counts.iter().map(|&n| u64::from(n)).sum::<u64>()
                    + u64::from(counts[NetworkRule::CSP008.index()]); // a CSP008 plant also breaks CSP007
                prop_assert_eq!(expected["summary"]["findings"].as_u64(), Some(planted));
            }
        }
    }
}

#[test]
fn a_network_without_plants_is_clean() {
    let tmp = tempfile::tempdir().expect("temp dir");
    for (i, (size, regions)) in [(2_000, 15), (7_000, 1), (25_000, 4), (60_000, 15)]
        .into_iter()
        .enumerate()
    {
        let mut cfg = Config::new(size);
        cfg.seed = 42 + i as u64;
        cfg.regions = regions;
        let dir = tmp.path().join(format!("clean{i}"));
        let made = generate(&cfg, &dir).expect("generates");
        assert_eq!(made.findings, 0);
        let actual = audit_json(&dir);
        assert_eq!(
            actual["findings"],
            Value::Array(Vec::new()),
            "clean network {cfg:?} has findings"
        );
        assert_eq!(actual["summary"]["relationships"].as_u64(), Some(size));
        check_against_expected(&dir, "clean");
    }
}

#[test]
fn the_same_arguments_give_the_same_bytes() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut cfg = Config::new(15_000);
    cfg.seed = 7;
    cfg.violations = Violations::Rate(0.005);
    let files = [
        "partners.csv",
        "tenants.csv",
        "relationships.csv",
        "expected.json",
    ];
    let read = |d: &str| -> Vec<Vec<u8>> {
        files
            .iter()
            .map(|f| std::fs::read(tmp.path().join(d).join(f)).expect("written"))
            .collect()
    };
    generate(&cfg, &tmp.path().join("a")).expect("generates");
    generate(&cfg, &tmp.path().join("b")).expect("generates");
    cfg.seed = 8;
    generate(&cfg, &tmp.path().join("c")).expect("generates");
    let (a, b, c) = (read("a"), read("b"), read("c"));
    for (i, f) in files.iter().enumerate() {
        assert!(
            a[i] == b[i],
            "{f} differs between two runs with the same seed"
        );
    }
    assert!(a[2] != c[2], "another seed gives the same relationships");
}

#[test]
fn the_command_line_writes_the_four_files_and_rejects_bad_plants() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let out = tmp.path().join("net");
    Command::cargo_bin("csp-audit")
        .expect("binary")
        .args(["generate", "--relationships", "3000", "--seed", "3"])
        .args(["--plant", "CSP003=2,csp005=1", "--regions", "4", "--out"])
        .arg(&out)
        .assert()
        .success();
    let expected = check_against_expected(&out, "command line");
    assert_eq!(expected["summary"]["findings"].as_u64(), Some(3));
    assert_eq!(expected["summary"]["by_rule"]["CSP003"].as_u64(), Some(2));
    assert_eq!(expected["summary"]["by_rule"]["CSP005"].as_u64(), Some(1));

    let bad = Command::cargo_bin("csp-audit")
        .expect("binary")
        .args([
            "generate",
            "--relationships",
            "3000",
            "--plant",
            "CSP011=2",
            "--out",
        ])
        .arg(tmp.path().join("bad"))
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown rule 'CSP011'"));

    let small = Command::cargo_bin("csp-audit")
        .expect("binary")
        .args(["generate", "--relationships", "100", "--out"])
        .arg(tmp.path().join("small"))
        .output()
        .expect("runs");
    assert_eq!(small.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&small.stderr).contains("too few"));
}
