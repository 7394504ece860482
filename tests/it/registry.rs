//! The rule registry: stable codes, unique kebab-case names, documentation in the fixed
//! sections that `explain` prints, and a snapshot of `csp-audit rules` so that every change to
//! the list is reviewed.

use std::path::Path;

use csp_audit::generate::{generate, Config, Violations, RULES};
use csp_audit::rules::{NetworkRule, RuleId, REGISTRY};

const SECTIONS: [&str; 4] = [
    "## What it finds",
    "## Why it matters",
    "## Example",
    "## How to fix",
];

#[test]
fn codes_are_unique_and_in_order() {
    let codes: Vec<&str> = REGISTRY.iter().map(|r| r.code).collect();
    for code in &codes {
        assert!(
            code.len() == 6
                && code.starts_with("CSP")
                && code[3..].bytes().all(|b| b.is_ascii_digit()),
            "{code} is not CSPnnn"
        );
    }
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(codes, sorted, "codes unique and in ascending order");
    let network: Vec<&str> = REGISTRY
        .iter()
        .filter(|r| r.check.is_some())
        .map(|r| r.code)
        .collect();
    let expected: Vec<&str> = NetworkRule::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(
        network, expected,
        "the listed network rules are the ones with a check"
    );
    // They are numbered from CSP001 without a gap, and come first.
    for (i, code) in network.iter().enumerate() {
        assert_eq!(*code, format!("CSP{:03}", i + 1));
    }
    assert_eq!(&codes[..network.len()], &network[..]);
}

#[test]
fn names_are_unique_kebab_case() {
    let mut names: Vec<&str> = REGISTRY.iter().map(|r| r.name).collect();
    for name in &names {
        assert!(
            !name.is_empty()
                && !name.starts_with('-')
                && !name.ends_with('-')
                && !name.contains("--")
                && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
            "{name} is not kebab-case"
        );
    }
    names.sort();
    let before = names.len();
    names.dedup();
    assert_eq!(names.len(), before, "names unique");
}

#[test]
fn lookup_by_code_or_name_finds_the_same_rule() {
    for (i, r) in REGISTRY.iter().enumerate() {
        assert_eq!(RuleId::find(r.code), Some(RuleId(i as u8)));
        assert_eq!(RuleId::find(&r.code.to_lowercase()), Some(RuleId(i as u8)));
        assert_eq!(RuleId::find(r.name), Some(RuleId(i as u8)));
    }
    assert_eq!(RuleId::find("CSP999"), None);
}

#[test]
fn id_constants_name_their_own_entry() {
    assert_eq!(RuleId::CSP001.info().code, "CSP001");
    assert_eq!(RuleId::CSP003.info().name, "cross-region-customer");
    assert_eq!(RuleId::CSP010.info().code, "CSP010");
    assert_eq!(RuleId::CSP100.info().name, "rejected-row");
    assert_eq!(RuleId::CSP101.info().name, "stale-allow-entry");
    for rule in NetworkRule::ALL {
        assert_eq!(format!("{rule:?}"), rule.code());
        assert_eq!(RuleId::find(rule.code()), Some(rule.id()));
        assert_eq!(
            NetworkRule::from_code(&rule.code().to_lowercase()),
            Some(rule)
        );
    }
    assert_eq!(
        NetworkRule::from_code("CSP100"),
        None,
        "CSP100 checks no network"
    );
}

/// A rule is declared once: adding one is a rule file, a line in the list in `rules/mod.rs`, a
/// fixture folder and the generator's plant. Counted from each side, they are the same rules:
/// the registry's network rules, the rule modules in `src/rules/`, the `tests/fixtures/cspNNN-*`
/// folders, and the rules a generated network with one plant of each breaks.
#[test]
fn registry_modules_fixtures_and_plants_are_the_same_rules() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let listed: Vec<String> = NetworkRule::ALL
        .iter()
        .map(|r| r.code().to_string())
        .collect();
    let in_registry: Vec<String> = REGISTRY
        .iter()
        .filter(|r| r.check.is_some())
        .map(|r| r.code.to_string())
        .collect();
    assert_eq!(in_registry, listed, "registry");

    let names = |dir: &str| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("csp"))
            .collect();
        names.sort();
        names
    };
    let modules: Vec<String> = names("src/rules")
        .into_iter()
        .filter_map(|n| n.strip_suffix(".rs").map(str::to_string))
        .collect();
    let declared: Vec<String> = NetworkRule::ALL
        .iter()
        .map(|r| r.module().to_string())
        .collect();
    assert_eq!(modules, declared, "rule modules in src/rules");
    let module_codes: Vec<String> = modules.iter().map(|m| m[..6].to_uppercase()).collect();
    assert_eq!(module_codes, listed, "each module is named after its code");

    let fixture_codes: Vec<String> = names("tests/fixtures")
        .iter()
        .map(|n| n[..6].to_uppercase())
        .collect();
    assert_eq!(fixture_codes, listed, "one fixture folder per network rule");

    let tmp = tempfile::tempdir().expect("temp dir");
    let mut cfg = Config::new(5_000);
    cfg.violations = Violations::Counts([1; RULES]);
    generate(&cfg, tmp.path()).expect("one plant of each rule");
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(tmp.path().join("expected.json")).expect("expected.json"),
    )
    .expect("JSON");
    let mut planted: Vec<String> = expected["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["rule"].as_str().map(str::to_string))
        .collect();
    planted.sort();
    planted.dedup();
    assert_eq!(planted, listed, "the generator plants every network rule");
    assert_eq!(RULES, listed.len());
}

#[test]
fn every_doc_has_the_four_sections_in_order_and_a_summary() {
    for r in REGISTRY {
        let doc = r.doc_text();
        // (heading, number of non-blank lines under it)
        let mut sections: Vec<(&str, usize)> = Vec::new();
        for line in doc.lines() {
            if line.starts_with("## ") {
                sections.push((line.trim_end(), 0));
            } else if let Some(last) = sections.last_mut() {
                last.1 += usize::from(!line.trim().is_empty());
            }
        }
        let headings: Vec<&str> = sections.iter().map(|s| s.0).collect();
        assert_eq!(headings, SECTIONS, "{}: doc sections", r.code);
        for (heading, lines) in &sections {
            assert!(*lines > 0, "{}: {heading} is empty", r.code);
        }
        assert!(!r.summary.is_empty(), "{}: summary", r.code);
        assert!(
            !r.summary.ends_with('.') && r.summary.chars().next().is_some_and(|c| c.is_lowercase()),
            "{}: summaries are lowercase without a trailing period",
            r.code
        );
    }
}

#[test]
fn every_program_rule_cites_its_source() {
    // CSP006 guards the data itself (one row per relationship); the program page has no
    // scenario for it.
    for r in REGISTRY
        .iter()
        .filter(|r| r.check.is_some() && r.code != "CSP006")
    {
        let doc = r.doc_text();
        let why = doc
            .split("## Why it matters")
            .nth(1)
            .and_then(|s| s.split("## Example").next())
            .unwrap_or_default();
        assert!(
            why.contains("scenario") || why.contains("MPA section"),
            "{}: 'why it matters' should name the scenario or section it comes from",
            r.code
        );
    }
}

#[test]
fn rules_command_output() {
    let out = assert_cmd::cargo::cargo_bin_cmd!("csp-audit")
        .arg("rules")
        .env("NO_COLOR", "1")
        .output()
        .expect("run csp-audit rules");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    crate::support::snapshots().bind(|| insta::assert_snapshot!("registry__rules", text));
}
