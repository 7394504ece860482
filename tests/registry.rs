//! The rule registry: stable codes, unique kebab-case names, documentation in the fixed
//! sections that `explain` prints, and a snapshot of `csp-audit rules` so that every change to
//! the list is reviewed.

use csp_audit::rules::{RuleId, REGISTRY};

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
    let expected: Vec<String> = (1..=10).map(|n| format!("CSP{n:03}")).collect();
    assert_eq!(network, expected, "CSP001-CSP010 are the network rules");
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
    insta::assert_snapshot!("rules", text);
}
