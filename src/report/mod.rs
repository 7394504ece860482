//! Rendering an audit for people and machines: one emitter per format behind [`Emitter`].

mod csv;
mod github;
mod gitlab;
mod html;
mod json;
mod jsonl;
mod junit;
mod markdown;
mod sarif;
mod text;

use std::collections::BTreeMap;
use std::io::{self, Write};

pub use self::csv::CsvEmitter;
pub use github::GithubEmitter;
pub use gitlab::GitlabEmitter;
pub use html::HtmlEmitter;
pub use json::{JsonEmitter, JSON_VERSION};
pub use jsonl::JsonlEmitter;
pub use junit::JunitEmitter;
pub use markdown::MarkdownEmitter;
pub use sarif::SarifEmitter;
pub(crate) use text::plural;
pub use text::TextEmitter;

use crate::graph::Network;
use crate::load::InputPaths;
use crate::model::{ColumnNotes, FileStats, IdStr, InputFile, RuleCoverage};
use crate::problem::Problem;
use crate::rules::{Finding, RuleId, Severity};
pub use crate::triage::{Allowed, BaselineCounts, Mark};

/// Everything a report shows.
pub struct Report<'a> {
    /// The audited network (to resolve ids, names and row ids).
    pub net: &'a Network,
    /// The findings, sorted.
    pub findings: &'a [Finding],
    /// Input problems (all of them when the audit did not run; rejected rows otherwise).
    pub errors: &'a [Problem],
    /// The rules that ran.
    pub rules: &'a [RuleId],
    /// What the CI layer adds: fingerprints, allowed findings, baseline counts, paths.
    pub ci: &'a CiInfo,
}

/// What configuration and baselines add to a report.
#[derive(Clone, Debug)]
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
    /// Which findings fail the run: those at or above this severity; `None` when none does
    /// (`--fail-on never`, `--exit-zero`, `--write-baseline`). JUnit fails exactly these cases.
    pub fail_at: Option<Severity>,
    /// The rules that could not be checked in full on this input, and why (computed once by
    /// the audit command from [`crate::rules::coverage`]).
    pub coverage: Vec<RuleCoverage>,
    /// Rules that did not run, with why: switched off, not checkable on this input, or the
    /// whole audit stopped (bad input). Reports list them; none looks passed.
    pub skipped: Vec<(RuleId, String)>,
    /// With a baseline: the fingerprints it records that are gone (fixed), sorted.
    pub fixed: Vec<String>,
    /// The csp-audit version that wrote the report.
    pub tool_version: &'static str,
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
    /// Rules that did not run, with why (absent from `by_rule`).
    pub skipped: Vec<SkippedRule>,
    /// Rules checked only in part, or not at all, because of the input's columns.
    pub coverage: Vec<CoverageNote>,
    /// Per input file: columns ignored, optional columns absent, columns read under another
    /// name (only files with something to say).
    pub columns: Vec<ColumnsNote>,
    /// Partner roles no file gave, as the loader inferred them (Partner Center input).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inferred_roles: Vec<RoleNote>,
    /// Warnings about the input with every record they are about (both files of a
    /// disagreement between the user's partners.csv and the Partner Center files).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub input_warnings: Vec<WarningNote>,
}

/// A record of an input file a note is about.
#[derive(Debug, serde::Serialize)]
pub struct SourceNote {
    /// The file as found.
    pub file: String,
    /// Its physical line.
    pub line: u32,
    /// The JSON pointer inside a JSON file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
}

impl SourceNote {
    fn of(o: &crate::model::Origin) -> SourceNote {
        SourceNote {
            file: slashes(&o.path),
            line: o.line,
            pointer: o.pointer.clone(),
        }
    }
}

/// A role the loader inferred.
#[derive(Debug, serde::Serialize)]
pub struct RoleNote {
    /// The partner id.
    pub partner: String,
    /// The role taken.
    pub role: &'static str,
    /// Why.
    pub why: &'static str,
    /// The first record naming the partner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceNote>,
}

/// A warning about the input.
#[derive(Debug, serde::Serialize)]
pub struct WarningNote {
    /// What is wrong and what was done.
    pub message: String,
    /// The records it is about.
    pub sources: Vec<SourceNote>,
}

/// A rule that did not run.
#[derive(Debug, serde::Serialize)]
pub struct SkippedRule {
    /// Rule code.
    pub rule: &'static str,
    /// Why it did not run.
    pub reason: String,
}

/// A rule that could not be checked in full.
#[derive(Debug, serde::Serialize)]
pub struct CoverageNote {
    /// Rule code.
    pub rule: &'static str,
    /// `partial` or `not_checked`.
    pub status: &'static str,
    /// Why.
    pub reason: String,
}

/// How one input file's header matched the contract.
#[derive(Debug, serde::Serialize)]
pub struct ColumnsNote {
    /// The file as named.
    pub file: String,
    /// Header names that are no column of the contract (their data was not read).
    pub ignored: Vec<String>,
    /// Optional columns the file does not have.
    pub absent: Vec<&'static str>,
    /// Contract column → header name it was read from.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub mapped: BTreeMap<&'static str, String>,
}

/// An empty [`CiInfo`], for reports without configuration or baseline.
pub static NO_CI: CiInfo = CiInfo {
    marks: Vec::new(),
    allowed: Vec::new(),
    baseline: None,
    paths: None,
    config_file: None,
    fail_at: Some(Severity::Error),
    coverage: Vec::new(),
    skipped: Vec::new(),
    fixed: Vec::new(),
    tool_version: TOOL_VERSION,
};

impl Default for CiInfo {
    fn default() -> Self {
        NO_CI.clone()
    }
}

/// The version of csp-audit, as JSON reports carry it.
pub const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

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
            skipped: self
                .ci
                .skipped
                .iter()
                .map(|(r, why)| SkippedRule {
                    rule: r.info().code,
                    reason: why.clone(),
                })
                .collect(),
            coverage: self
                .ci
                .coverage
                .iter()
                .map(|c| CoverageNote {
                    rule: c.code,
                    status: c.status.as_str(),
                    reason: c.reason.clone(),
                })
                .collect(),
            columns: self
                .columns()
                .iter()
                .filter(|c| !c.ignored.is_empty() || !c.absent.is_empty() || !c.mapped.is_empty())
                .map(|c| ColumnsNote {
                    file: slashes(&c.path),
                    ignored: c.ignored.clone(),
                    absent: c.absent.clone(),
                    mapped: c.mapped.iter().cloned().collect(),
                })
                .collect(),
            inferred_roles: m
                .notes
                .inferred_roles
                .iter()
                .map(|r| RoleNote {
                    partner: r.partner.clone(),
                    role: r.role,
                    why: r.why,
                    source: r.source.as_ref().map(SourceNote::of),
                })
                .collect(),
            input_warnings: m
                .notes
                .warnings
                .iter()
                .map(|w| WarningNote {
                    message: w.message.clone(),
                    sources: w.sources.iter().map(SourceNote::of).collect(),
                })
                .collect(),
        }
    }

    /// The loader's notes (inferred roles, warnings about the input), one line each, for
    /// people; none for contract v1.
    pub fn note_lines(&self) -> Vec<String> {
        self.net.model.notes.lines()
    }

    /// One line per input file with column notes, for people: `FILE: ignored columns a, b;
    /// optional columns absent: c`.
    pub fn column_lines(&self) -> Vec<String> {
        self.summary()
            .columns
            .iter()
            .map(|c| {
                let mut parts = Vec::new();
                if !c.ignored.is_empty() {
                    parts.push(format!("ignored columns {}", c.ignored.join(", ")));
                }
                if !c.absent.is_empty() {
                    parts.push(format!("optional columns absent: {}", c.absent.join(", ")));
                }
                if !c.mapped.is_empty() {
                    let m: Vec<String> = c
                        .mapped
                        .iter()
                        .map(|(k, v)| format!("{k} from '{v}'"))
                        .collect();
                    parts.push(format!("read {}", m.join(", ")));
                }
                format!("{}: {}", c.file, parts.join("; "))
            })
            .collect()
    }

    /// The rules that could not be checked in full on this input, and why (every report says
    /// so: a rule that was not checked never looks passed).
    pub fn coverage(&self) -> &[RuleCoverage] {
        &self.ci.coverage
    }

    /// Rules that did not run, and why (see [`CiInfo::skipped`]).
    pub fn skipped(&self) -> &[(RuleId, String)] {
        &self.ci.skipped
    }

    /// Whether finding `f` fails the run (see [`CiInfo::fail_at`]).
    pub fn fails(&self, f: &Finding) -> bool {
        self.ci.fail_at.is_some_and(|t| f.severity >= t)
    }

    /// Whether the rules ran at all (false when bad input stopped the run).
    pub fn audited(&self) -> bool {
        !self.rules.is_empty() || self.errors.is_empty()
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

    /// A row as reports print it: `PATH:LINE` with the path as given, or the Partner Center
    /// file, line or JSON pointer and how many line items there were.
    pub fn row_label(&self, file: InputFile, line: u32) -> String {
        match self.origin(file, line) {
            Some(o) => slashes(&o.label()),
            None => {
                let at = self.row_location(file, line);
                format!("{}:{}", at.path, at.line)
            }
        }
    }

    /// The `relationship_id` of the relationships.csv row at `line`, if the file has one.
    pub fn relationship_id(&self, file: InputFile, line: u32) -> Option<IdStr<'_>> {
        if file != InputFile::Relationships {
            return None;
        }
        let rels = &self.net.model.relationships;
        let row = rels.binary_search_by_key(&line, |r| r.line()).ok()?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CoverageStatus, Model};

    /// A network whose files ignored and lacked columns, with coverage set as the audit command
    /// sets it: every report must show both.
    fn emitted(emitter: &dyn Emitter) -> String {
        let model = Model {
            columns: vec![ColumnNotes {
                file: Some(InputFile::Relationships),
                path: "ex/pc_rel.csv".to_string(),
                ignored: vec!["reseller_mpn_id".to_string()],
                absent: vec!["reseller_id"],
                mapped: Vec::new(),
            }],
            ..Model::default()
        };
        let net = Network::build(model);
        let ci = CiInfo {
            coverage: vec![
                RuleCoverage {
                    code: "CSP002",
                    status: CoverageStatus::Partial,
                    reason: "relationships.csv has no reseller_id column".to_string(),
                },
                RuleCoverage {
                    code: "CSP010",
                    status: CoverageStatus::NotChecked,
                    reason: "relationships.csv has no reseller_id column".to_string(),
                },
            ],
            skipped: vec![(
                crate::rules::RuleId::find("CSP010").expect("rule"),
                "not checked: relationships.csv has no reseller_id column".to_string(),
            )],
            ..CiInfo::default()
        };
        let rules = [crate::rules::RuleId::find("CSP002").expect("rule")];
        let report = Report {
            net: &net,
            findings: &[],
            errors: &[],
            rules: &rules,
            ci: &ci,
        };
        let mut out = Vec::new();
        emitter.emit(&report, &mut out).expect("emit");
        String::from_utf8(out).expect("utf-8")
    }

    const COLUMNS: &str =
        "ex/pc_rel.csv: ignored columns reseller_mpn_id; optional columns absent: reseller_id";

    #[test]
    fn every_report_lists_columns_and_coverage() {
        let text = emitted(&TextEmitter);
        assert!(text.contains(&format!("  columns: {COLUMNS}\n")), "{text}");
        assert!(
            text.contains("  CSP002 partly checked: relationships.csv has no reseller_id column\n")
        );
        assert!(
            text.contains("  CSP010 not checked: relationships.csv has no reseller_id column\n")
        );

        let json: serde_json::Value = serde_json::from_str(&emitted(&JsonEmitter)).expect("json");
        let summary = &json["summary"];
        assert_eq!(
            summary["columns"],
            serde_json::json!([{"file": "ex/pc_rel.csv", "ignored": ["reseller_mpn_id"],
                "absent": ["reseller_id"]}])
        );
        assert_eq!(summary["coverage"][1]["status"], "not_checked");
        assert_eq!(summary["by_rule"], serde_json::json!({"CSP002": 0}));
        assert_eq!(summary["skipped"][0]["rule"], "CSP010");

        let sarif: serde_json::Value =
            serde_json::from_str(&emitted(&SarifEmitter)).expect("sarif");
        let notes: Vec<&str> = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .expect("notifications")
            .iter()
            .filter_map(|n| n["message"]["text"].as_str())
            .collect();
        assert_eq!(
            notes,
            [
                "CSP010 not checked: relationships.csv has no reseller_id column",
                "CSP002 partly checked: relationships.csv has no reseller_id column",
                &format!("columns of {COLUMNS}"),
            ]
        );

        let md = emitted(&MarkdownEmitter);
        assert!(
            md.contains(&format!("- columns of {}\n", markdown::escape(COLUMNS))),
            "{md}"
        );
        assert!(md.contains("- CSP002 partly checked: relationships.csv has no reseller\\_id"));
        assert!(md.contains("- CSP010 not checked: relationships.csv has no reseller\\_id"));

        let github = emitted(&GithubEmitter);
        assert!(github.contains(&format!("::notice title=csp-audit::columns of {COLUMNS}\n")));
        assert!(github.contains(
            "::notice title=csp-audit::CSP010 not checked: relationships.csv has no reseller_id \
             column\n"
        ));

        let junit = emitted(&JunitEmitter);
        assert!(
            junit.contains(
            "<property name=\"columns ex/pc_rel.csv\" value=\"ignored columns reseller_mpn_id; \
             optional columns absent: reseller_id\"/>"
        ),
            "{junit}"
        );
        assert!(junit.contains(
            "<property name=\"coverage CSP002\" value=\"partial: relationships.csv has no \
             reseller_id column\"/>"
        ));
        assert!(junit.contains(
            "<skipped message=\"not checked: relationships.csv has no reseller_id column\"/>"
        ));
    }
}
