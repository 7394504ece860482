//! Rendering an audit for people and machines: one emitter per format behind [`Emitter`].

mod csv;
mod github;
mod json;
mod junit;
mod markdown;
mod sarif;
mod text;

use std::collections::BTreeMap;
use std::io::{self, Write};

pub use self::csv::CsvEmitter;
pub use github::GithubEmitter;
pub use json::{JsonEmitter, JSON_VERSION};
pub use junit::JunitEmitter;
pub use markdown::MarkdownEmitter;
pub use sarif::SarifEmitter;
pub(crate) use text::plural;
pub use text::TextEmitter;

use crate::graph::Network;
use crate::load::{InputError, InputPaths};
use crate::model::{ColumnNotes, Date, FileStats, InputFile, RuleCoverage};
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
    /// What the CI layer adds: fingerprints, allowed findings, baseline counts, paths.
    pub ci: &'a CiInfo,
}

/// What configuration and baselines add to a report.
#[derive(Clone, Debug, Default)]
pub struct CiInfo {
    /// One mark per reported finding, in the same order (empty: none computed).
    pub marks: Vec<Mark>,
    /// Findings excused by an allow-list entry: not failing, counted, shown as suppressed.
    pub allowed: Vec<Allowed>,
    /// Baseline counts, when a baseline was given.
    pub baseline: Option<BaselineCounts>,
    /// The input files as named on the command line (for report locations).
    pub paths: Option<InputPaths>,
    /// The configuration file as named, when one was read.
    pub config_file: Option<String>,
}

/// What the CI layer knows about one finding beyond the rule's data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    /// The stable fingerprint (see [`crate::baseline`]).
    pub fingerprint: String,
    /// For a finding about the configuration file (CSP101): the line there.
    pub config_line: Option<u32>,
}

/// A finding excused by an `[[allow]]` entry.
#[derive(Clone, Debug)]
pub struct Allowed {
    /// The finding.
    pub finding: Finding,
    /// Its mark.
    pub mark: Mark,
    /// The entry's reason.
    pub reason: String,
    /// The entry's owner.
    pub owner: Option<String>,
    /// The entry's expiry date.
    pub expires: Option<Date>,
    /// The entry's line in the configuration file.
    pub config_line: u32,
}

/// Baseline counts.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BaselineCounts {
    /// Current findings that the baseline records (not reported).
    pub baselined: usize,
    /// Findings the baseline records that are gone.
    pub fixed: usize,
}

/// Where a finding is: a file as named and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// Path with forward slashes.
    pub path: String,
    /// Line, 1-based.
    pub line: u32,
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
    /// Findings excused by the allow-list (not in `findings`).
    pub allowed: usize,
    /// With a baseline: findings it records (not reported) and recorded findings now gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<BaselineCounts>,
}

/// An empty [`CiInfo`], for reports without configuration or baseline.
pub static NO_CI: CiInfo = CiInfo {
    marks: Vec::new(),
    allowed: Vec::new(),
    baseline: None,
    paths: None,
    config_file: None,
};

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
            allowed: self.ci.allowed.len(),
            baseline: self.ci.baseline.clone(),
        }
    }

    /// The rules that could not be checked in full on this input, and why (every report says
    /// so: a rule that was not checked never looks passed).
    pub fn coverage(&self) -> Vec<RuleCoverage> {
        crate::rules::coverage(&self.net.model)
    }

    /// How each input file's header matched the contract: ignored, absent and mapped columns.
    pub fn columns(&self) -> &[ColumnNotes] {
        &self.net.model.columns
    }

    /// The mark of the `i`-th reported finding, if marks were computed.
    pub fn mark(&self, i: usize) -> Option<&Mark> {
        self.ci.marks.get(i)
    }

    /// Where `f` is: its configuration line (CSP101), else its first row, in the file as named
    /// on the command line.
    pub fn location(&self, f: &Finding, mark: Option<&Mark>) -> Option<Location> {
        if let (Some(line), Some(file)) = (mark.and_then(|m| m.config_line), &self.ci.config_file) {
            return Some(Location {
                path: slashes(file),
                line,
            });
        }
        let row = f.rows.first()?;
        Some(self.row_location(row.file, row.line))
    }

    /// A row of an input file as a location: the file it really came from when the tables
    /// were made from Partner Center files.
    pub fn row_location(&self, file: InputFile, line: u32) -> Location {
        if let Some(o) = self.origin(file, line) {
            return Location {
                path: slashes(&o.path),
                line: o.line,
            };
        }
        let path = match &self.ci.paths {
            Some(p) => slashes(&p.get(file).display().to_string()),
            None => file.file_name().to_string(),
        };
        Location { path, line }
    }

    /// Where the row at `line` of `file` really came from (Partner Center input).
    pub fn origin(&self, file: InputFile, line: u32) -> Option<&crate::model::Origin> {
        self.net.model.origins.as_ref()?.get(file, line)
    }

    /// A row as reports print it: `file:line`, or the Partner Center file, line or JSON
    /// pointer and how many line items there were.
    pub fn row_label(&self, file: InputFile, line: u32) -> String {
        match self.origin(file, line) {
            Some(o) => slashes(&o.label()),
            None => format!("{}:{line}", file.file_name()),
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

/// A path for reports: forward slashes, no leading `./`.
pub fn slashes(path: &str) -> String {
    let p = path.replace('\\', "/");
    p.strip_prefix("./").map(str::to_string).unwrap_or(p)
}

/// A report format.
pub trait Emitter {
    /// Writes the report.
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()>;
}
