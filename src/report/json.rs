//! The JSON report, version 1 (documented in the README).

use crate::model::IdStr;
use crate::problem::Problem;
use std::io::{self, Write};

use serde::Serialize;

use super::{Emitter, Report, Summary};

/// The version of the JSON format; bumped on any incompatible change.
pub const JSON_VERSION: u32 = 1;

/// Emits the JSON report.
pub struct JsonEmitter;

#[derive(Serialize)]
struct Doc<'a> {
    version: u32,
    /// The program that wrote the report.
    tool: Tool,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    /// Findings excused by the allow-list, with the entry that excuses each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    allowed: Vec<JsonAllowed<'a>>,
    errors: &'a [Problem],
    /// With a baseline: the fingerprints it records that are gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    fixed: Option<&'a [String]>,
}

/// The program that wrote the report.
#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// Where a finding about the configuration file (CSP101) is.
#[derive(Serialize)]
pub struct JsonConfigAt<'a> {
    /// The configuration file as named.
    pub file: &'a str,
    /// The entry's line.
    pub line: u32,
}

/// An allowed finding in the JSON format.
#[derive(Serialize)]
struct JsonAllowed<'a> {
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    allow: JsonAllow<'a>,
}

/// The allow entry that excuses a finding.
#[derive(Serialize)]
struct JsonAllow<'a> {
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    /// Line of the entry in the configuration file.
    line: u32,
}

/// One finding in the JSON format.
#[derive(Serialize)]
pub struct JsonFinding<'a> {
    /// Rule code.
    pub rule: &'static str,
    /// Rule name.
    pub name: &'static str,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// What is wrong.
    pub message: &'a str,
    /// Entity ids.
    pub entities: Vec<IdStr<'a>>,
    /// The rows that show it.
    pub rows: Vec<JsonRow<'a>>,
    /// The self-sale cycle, where the rule has one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<IdStr<'a>>,
    /// For a stale allow entry (CSP101): the entry's place in the configuration file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config: Option<JsonConfigAt<'a>>,
    /// The stable fingerprint (baselines, SARIF), when computed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<&'a str>,
}

/// A row reference in the JSON format.
#[derive(Serialize)]
pub struct JsonRow<'a> {
    /// File name.
    pub file: &'static str,
    /// Physical line (header = 1).
    pub line: u32,
    /// The row's `relationship_id`, when it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relationship_id: Option<IdStr<'a>>,
    /// With Partner Center input: the file, line, JSON pointer and line-item count the row
    /// was made from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<JsonSource>,
}

/// The Partner Center evidence of a row.
#[derive(Serialize)]
pub struct JsonSource {
    /// The file as found in the folder.
    pub file: String,
    /// Physical line of the first evidence.
    pub line: u32,
    /// JSON pointer inside that document.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pointer: Option<String>,
    /// How many records (line items) were evidence of the row.
    pub records: u32,
}

impl<'a> JsonFinding<'a> {
    /// The JSON shape of `f`.
    pub fn new(report: &'a Report<'a>, f: &'a crate::rules::Finding) -> Self {
        let net = report.net;
        let info = f.rule.info();
        JsonFinding {
            rule: info.code,
            name: info.name,
            severity: f.severity.as_str(),
            message: &f.message,
            entities: f.entity_ids(net),
            rows: f
                .rows
                .iter()
                .map(|r| JsonRow {
                    file: r.file.file_name(),
                    line: r.line,
                    relationship_id: report.relationship_id(r.file, r.line),
                    source: report.origin(r.file, r.line).map(|o| JsonSource {
                        file: crate::report::slashes(&o.path),
                        line: o.line,
                        pointer: o.pointer.clone(),
                        records: o.count,
                    }),
                })
                .collect(),
            path: f.path.iter().map(|e| e.id(net)).collect(),
            config: None,
            fingerprint: None,
        }
    }
}

impl Emitter for JsonEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let doc = Doc {
            version: JSON_VERSION,
            summary: report.summary(),
            findings: report
                .findings
                .iter()
                .enumerate()
                .map(|(i, f)| JsonFinding {
                    fingerprint: report.mark(i).map(|m| m.fingerprint.as_str()),
                    config: report
                        .mark(i)
                        .and_then(|m| m.config_line)
                        .zip(report.ci.config_file.as_deref())
                        .map(|(line, file)| JsonConfigAt { file, line }),
                    ..JsonFinding::new(report, f)
                })
                .collect(),
            allowed: report
                .ci
                .allowed
                .iter()
                .map(|a| JsonAllowed {
                    finding: JsonFinding {
                        fingerprint: Some(&a.mark.fingerprint),
                        ..JsonFinding::new(report, &a.finding)
                    },
                    allow: JsonAllow {
                        reason: &a.reason,
                        owner: a.owner.as_deref(),
                        expires: a.expires.map(|d| d.to_string()),
                        line: a.config_line,
                    },
                })
                .collect(),
            errors: report.errors,
            fixed: report.ci.baseline.as_ref().map(|_| &report.ci.fixed[..]),
            tool: Tool {
                name: "csp-audit",
                version: report.ci.tool_version,
            },
        };
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
        writeln!(out)
    }
}
