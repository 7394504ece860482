//! Rendering an audit for people and machines: one emitter per format behind [`Emitter`].

mod json;
mod text;

use std::collections::BTreeMap;
use std::io::{self, Write};

pub use json::{JsonEmitter, JSON_VERSION};
pub use text::TextEmitter;

use crate::graph::Network;
use crate::load::InputError;
use crate::model::{FileStats, InputFile};
use crate::rules::{Finding, RuleId, Severity};

/// Everything a report shows.
pub struct Report<'a> {
    /// The audited network (to resolve ids, names and row ids).
    pub net: &'a Network,
    /// The findings, sorted.
    pub findings: &'a [Finding],
    /// Input problems (all of them when the audit did not run; rejected rows otherwise).
    pub errors: &'a [InputError],
    /// The rules that ran.
    pub rules: &'a [RuleId],
}

/// Counts shown at the end of every report.
#[derive(Debug, serde::Serialize)]
pub struct Summary {
    /// Partners loaded.
    pub partners: usize,
    /// Tenants loaded.
    pub tenants: usize,
    /// Relationships loaded.
    pub relationships: usize,
    /// Findings reported.
    pub findings: usize,
    /// Findings per rule code, for every rule that ran.
    pub by_rule: BTreeMap<&'static str, usize>,
    /// Findings per severity.
    pub by_severity: BTreeMap<&'static str, usize>,
    /// Rows read, loaded and rejected per input file.
    pub files: BTreeMap<&'static str, FileStats>,
}

impl Report<'_> {
    /// The summary counts.
    pub fn summary(&self) -> Summary {
        let m = &self.net.model;
        let mut by_rule: BTreeMap<&'static str, usize> =
            self.rules.iter().map(|r| (r.info().code, 0)).collect();
        let mut by_severity: BTreeMap<&'static str, usize> = [Severity::Error, Severity::Warning]
            .iter()
            .map(|s| (s.as_str(), 0))
            .collect();
        for f in self.findings {
            *by_rule.entry(f.rule.info().code).or_default() += 1;
            *by_severity.entry(f.severity.as_str()).or_default() += 1;
        }
        Summary {
            partners: m.partners.len(),
            tenants: m.tenants.len(),
            relationships: m.relationships.len(),
            findings: self.findings.len(),
            by_rule,
            by_severity,
            files: InputFile::ALL
                .iter()
                .map(|f| (f.file_name(), *m.stats(*f)))
                .collect(),
        }
    }

    /// The `relationship_id` of the relationships.csv row at `line`, if the file has one.
    pub fn relationship_id(&self, file: InputFile, line: u32) -> Option<&str> {
        if file != InputFile::Relationships {
            return None;
        }
        let rels = &self.net.model.relationships;
        let row = rels.binary_search_by_key(&line, |r| r.line).ok()?;
        self.net.model.relationship_id(row)
    }
}

/// A report format.
pub trait Emitter {
    /// Writes the report.
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()>;
}
