//! GitHub Actions workflow commands: one `::error` or `::warning` annotation per finding, at its
//! file and line, then a one-line summary.
//!
//! Escaping follows the Actions runner: in the message, `%`, `\r` and `\n` become `%25`, `%0D`
//! and `%0A`; in a property value (`file`, `title`...), `:` and `,` also become `%3A` and `%2C`.

use std::io::{self, Write};

use super::{Emitter, Report};
use crate::rules::Severity;

/// Emits workflow commands.
pub struct GithubEmitter;

/// Escapes a command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

impl Emitter for GithubEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        for e in report.errors {
            writeln!(
                out,
                "::error file={},line={},col={},title={}::{}",
                escape_property(&super::slashes(&e.file)),
                e.line,
                e.column,
                escape_property("csp-audit input error"),
                escape_data(&e.message)
            )?;
        }
        for (i, f) in report.findings.iter().enumerate() {
            let info = f.rule.info();
            let command = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            let mut props = Vec::new();
            if let Some(loc) = report.location(f, report.mark(i)) {
                props.push(format!("file={}", escape_property(&loc.path)));
                props.push(format!("line={}", loc.line));
            }
            props.push(format!(
                "title={}",
                escape_property(&format!("{} {}", info.code, info.name))
            ));
            writeln!(
                out,
                "::{command} {}::{}",
                props.join(","),
                escape_data(&f.message)
            )?;
        }
        // What the audit could not see, as notices (not annotations: they have no row).
        let mut notes: Vec<String> = Vec::new();
        if report.audited() {
            notes.extend(
                report
                    .skipped()
                    .iter()
                    .map(|(r, why)| format!("{} {why}", r.info().code)),
            );
        }
        for c in report.coverage() {
            if c.status == crate::model::CoverageStatus::Partial {
                notes.push(format!("{} partly checked: {}", c.code, c.reason));
            }
        }
        notes.extend(
            report
                .column_lines()
                .iter()
                .map(|l| format!("columns of {l}")),
        );
        for note in notes {
            writeln!(out, "::notice title=csp-audit::{}", escape_data(&note))?;
        }
        // What the loader inferred or found inconsistent (Partner Center input), annotated at
        // the first record it is about.
        let notes = &report.net.model.notes;
        for r in &notes.inferred_roles {
            writeln!(
                out,
                "::notice {}title={}::{}",
                at(r.source.as_ref()),
                escape_property("csp-audit role inferred"),
                escape_data(&format!("'{}' taken as {} ({})", r.partner, r.role, r.why))
            )?;
        }
        for w in &notes.warnings {
            writeln!(
                out,
                "::warning {}title={}::{}",
                at(w.sources.first()),
                escape_property("csp-audit input"),
                escape_data(&w.message)
            )?;
        }
        let s = report.summary();
        let count = |n: usize, noun: &str| format!("{n} {noun}{}", if n == 1 { "" } else { "s" });
        let mut line = format!(
            "csp-audit: {} ({}, {})",
            count(s.findings, "finding"),
            count(s.by_severity.get("error").copied().unwrap_or(0), "error"),
            count(
                s.by_severity.get("warning").copied().unwrap_or(0),
                "warning"
            )
        );
        if s.allowed > 0 {
            line.push_str(&format!(", {} allowed", s.allowed));
        }
        if let Some(b) = &s.baseline {
            line.push_str(&format!(", {} baselined, {} fixed", b.baselined, b.fixed));
        }
        if !report.errors.is_empty() {
            line.push_str(&format!(
                ", {}",
                super::plural(
                    crate::problem::problem_count(report.errors),
                    "input problem"
                )
            ));
        }
        writeln!(out, "{line}")
    }
}

/// `file=F,line=L,` of a record a note is about, or nothing.
fn at(source: Option<&crate::model::Origin>) -> String {
    source.map_or_else(String::new, |o| {
        format!(
            "file={},line={},",
            escape_property(&super::slashes(&o.path)),
            o.line
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_runner() {
        assert_eq!(escape_data("50%\r\nnext: a,b"), "50%25%0D%0Anext: a,b");
        assert_eq!(escape_property("C:\\data,x%\n"), "C%3A\\data%2Cx%25%0A");
    }
}
