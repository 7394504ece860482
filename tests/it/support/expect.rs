//! Shared by the tests that compare an audit's findings with hand-written expectations.

use std::path::Path;

use csp_audit::audit::{audit, load_network};
use csp_audit::load::{builtin_regions, InputPaths};
use csp_audit::model::InputFile;
use csp_audit::rules::Params;

/// A finding reduced to what an expectation states: rule code, entity ids, the
/// `relationships.csv` lines it cites and, for CSP005, the cycle.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Seen {
    pub rule: String,
    pub entities: Vec<String>,
    pub rows: Vec<u32>,
    pub path: Vec<String>,
}

impl Seen {
    pub fn new(rule: &str, entities: &[&str], rows: &[u32], path: &[&str]) -> Seen {
        Seen {
            rule: rule.to_string(),
            entities: entities.iter().map(|s| s.to_string()).collect(),
            rows: rows.to_vec(),
            path: path.iter().map(|s| s.to_string()).collect(),
        }
    }
}

impl std::fmt::Display for Seen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?} rows {:?}", self.rule, self.entities, self.rows)?;
        if !self.path.is_empty() {
            write!(f, " path {:?}", self.path)?;
        }
        Ok(())
    }
}

/// Loads `dir` with the built-in region table, asserts that it loads without a single input
/// error, audits it with the program defaults, and returns the findings in the library's order.
pub fn audit_dir(dir: &Path) -> Vec<Seen> {
    let loaded = load_network(&InputPaths::in_dir(dir), builtin_regions());
    let errors: Vec<String> = loaded.errors.iter().map(|e| e.to_string()).collect();
    assert!(
        errors.is_empty(),
        "{} should load cleanly, got:\n{}",
        dir.display(),
        errors.join("\n")
    );
    let net = &loaded.net;
    audit(net, &Params::default())
        .iter()
        .map(|f| {
            for r in &f.rows {
                assert_eq!(r.file, InputFile::Relationships, "{}", f.message);
            }
            Seen {
                rule: f.rule.info().code.to_string(),
                entities: f.entity_ids(net).iter().map(|s| s.to_string()).collect(),
                rows: f.rows.iter().map(|r| r.line).collect(),
                path: f.path.iter().map(|e| e.id(net).to_string()).collect(),
            }
        })
        .collect()
}

/// Compares found with expected as sets, listing what is missing and what is unexpected.
pub fn assert_same(what: &str, found: &[Seen], expected: &[Seen]) {
    let mut found_sorted = found.to_vec();
    found_sorted.sort();
    let mut expected_sorted = expected.to_vec();
    expected_sorted.sort();
    if found_sorted == expected_sorted {
        return;
    }
    let missing: Vec<String> = expected_sorted
        .iter()
        .filter(|e| !found_sorted.contains(e))
        .map(|e| format!("  - {e}"))
        .collect();
    let unexpected: Vec<String> = found_sorted
        .iter()
        .filter(|f| !expected_sorted.contains(f))
        .map(|f| format!("  + {f}"))
        .collect();
    panic!(
        "{what}: findings differ from the expectation\nexpected but not found:\n{}\nfound but not expected:\n{}\n(found {}, expected {})",
        missing.join("\n"),
        unexpected.join("\n"),
        found.len(),
        expected.len()
    );
}
