//! What the input says about itself beyond its rows: the columns each file had, and so which
//! rules could be checked in full.

use super::InputFile;

/// How one input file's header matched the contract.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ColumnNotes {
    /// The file, or `None` for an input that is not one of contract v1's three files.
    pub file: Option<InputFile>,
    /// The file as named on the command line (or its conventional name).
    pub path: String,
    /// Header names that are no column of the contract, as written, in header order.
    pub ignored: Vec<String>,
    /// Optional contract columns the header does not have, in contract order.
    pub absent: Vec<&'static str>,
    /// Contract columns read under another header name (`[columns.*]` in csp-audit.toml):
    /// (contract name, header name as written).
    pub mapped: Vec<(&'static str, String)>,
}

/// How far a rule could be checked on this input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CoverageStatus {
    /// Some of what the rule needs is missing: it ran, but can miss findings.
    Partial,
    /// What the rule needs is missing altogether: it did not run.
    NotChecked,
}

impl CoverageStatus {
    /// The name reports use (`partial`, `not_checked`).
    pub fn as_str(self) -> &'static str {
        match self {
            CoverageStatus::Partial => "partial",
            CoverageStatus::NotChecked => "not_checked",
        }
    }
}

/// A rule that could not be checked in full, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleCoverage {
    /// The rule's code (`CSP010`).
    pub code: &'static str,
    /// Partly checked or not at all.
    pub status: CoverageStatus,
    /// Why, naming the missing input (`partners.csv has no onboarded_on column`).
    pub reason: String,
}
