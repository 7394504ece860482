//! GitLab Code Quality: the JSON array that merge-request widgets and the pipeline's Code
//! Quality tab read (`artifacts: reports: codequality`).
//!
//! One issue per reported finding, at its first row (the file as named on the command line) or
//! its line in `csp-audit.toml`; `fingerprint` is the finding's baseline fingerprint, so GitLab
//! tracks an issue across pipelines as baselines do. Input problems of a failed run are issues
//! too (`check_name` `csp-audit/input`, severity `blocker`), so the widget never shows a broken
//! run as clean. Allowed findings are left out: GitLab has no notion of a suppressed issue.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::{slashes, Emitter, Report};
use crate::baseline::hash_parts;
use crate::rules::Severity;

/// Emits a GitLab Code Quality report.
pub struct GitlabEmitter;

/// GitLab's severity for a finding's: `info`, `minor`, `major`, `critical` or `blocker`.
pub fn gitlab_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "critical",
        Severity::Warning => "minor",
    }
}

fn issue(
    description: &str,
    check: &str,
    fingerprint: &str,
    severity: &str,
    path: &str,
    line: u64,
) -> Value {
    json!({
        "description": description,
        "check_name": check,
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": path, "lines": {"begin": line.max(1)}},
    })
}

impl Emitter for GitlabEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut issues = Vec::with_capacity(report.errors.len() + report.findings.len());
        for e in report.errors {
            let (line, column) = (e.line.to_string(), e.column.to_string());
            let fp = hash_parts(["csp-audit/input", &e.file, &line, &column, &e.message]);
            issues.push(issue(
                &e.message,
                "csp-audit/input",
                &fp,
                "blocker",
                &slashes(&e.file),
                e.line,
            ));
        }
        for (i, f) in report.findings.iter().enumerate() {
            let info = f.rule.info();
            let mark = report.mark(i);
            // Without a row a finding still needs a place: the relationships file, line 1.
            let loc = report
                .location(f, mark)
                .unwrap_or_else(|| report.row_location(crate::model::InputFile::Relationships, 1));
            let fp = match mark {
                Some(m) => m.fingerprint.clone(),
                None => {
                    let n = i.to_string();
                    hash_parts(["csp-audit/unmarked", info.code, &f.message, &n])
                }
            };
            issues.push(issue(
                &format!("{} {}: {}", info.code, info.name, f.message),
                info.code,
                &fp,
                gitlab_severity(f.severity),
                &loc.path,
                u64::from(loc.line),
            ));
        }
        serde_json::to_writer_pretty(&mut *out, &issues).map_err(io::Error::other)?;
        writeln!(out)
    }
}
