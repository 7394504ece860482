//! Markdown for a job summary (`$GITHUB_STEP_SUMMARY`) or a pull-request comment: the counts per
//! rule, the first findings of each rule, and what is new against a baseline.

use std::io::{self, Write};

use super::{plural, Emitter, Report};
use crate::rules::Finding;

/// Emits Markdown.
pub struct MarkdownEmitter;

/// How many findings of each rule are listed.
pub const SHOWN_PER_RULE: usize = 5;

/// Escapes text so that Markdown shows it as written (ids may hold `_`, `*`, `|`, `<`...).
/// Text never starts a line here, so `>` and `#` need no escape.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

fn bullet(report: &Report<'_>, i: usize, f: &Finding, out: &mut dyn Write) -> io::Result<()> {
    let at = report
        .location(f, report.mark(i))
        .map(|l| format!(" — `{}:{}`", l.path.replace('`', "'"), l.line))
        .unwrap_or_default();
    writeln!(
        out,
        "- **{}** {}{at}",
        f.severity.as_str(),
        escape(&f.message)
    )
}

impl Emitter for MarkdownEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let s = report.summary();
        let errors = s.by_severity.get("error").copied().unwrap_or(0);
        let warnings = s.by_severity.get("warning").copied().unwrap_or(0);
        let status = if !report.audited() {
            "nothing audited"
        } else if !report.errors.is_empty() {
            "input problems"
        } else if s.findings == 0 {
            "clean"
        } else {
            "findings"
        };
        let new = if s.baseline.is_some() { "new " } else { "" };
        if !report.audited() {
            // Why, in the words the skipped rules carry ("not run: WHY, nothing was audited").
            let why = report
                .skipped()
                .first()
                .and_then(|(_, r)| r.strip_prefix("not run: "))
                .and_then(|r| r.strip_suffix(", nothing was audited"))
                .map_or_else(
                    || plural(crate::problem::problem_count(report.errors), "problem"),
                    str::to_string,
                );
            writeln!(
                out,
                "## csp-audit: {status}\n\nNo rule ran, so nothing was audited and no finding \
                 is known: {} (listed below).\n",
                escape(&why)
            )?;
        } else {
            writeln!(
                out,
                "## csp-audit: {status}\n\n**{}** ({}, {}) in {}, {}, {}.",
                plural(s.findings, &format!("{new}finding")),
                plural(errors, "error"),
                plural(warnings, "warning"),
                plural(s.partners, "partner"),
                plural(s.tenants, "tenant"),
                plural(s.relationships, "relationship")
            )?;
        }
        let mut notes = Vec::new();
        if report.audited() {
            for r in &s.skipped {
                notes.push(format!("{} {}", r.rule, escape(&r.reason)));
            }
        }
        for c in &s.coverage {
            if c.status == "partial" {
                notes.push(format!("{} partly checked: {}", c.rule, escape(&c.reason)));
            }
        }
        for line in report.column_lines() {
            notes.push(format!("columns of {}", escape(&line)));
        }
        for line in report.note_lines() {
            notes.push(escape(&line));
        }
        if s.allowed > 0 || report.ci.config_file.is_some() {
            let file = report
                .ci
                .config_file
                .as_deref()
                .map(|f| format!("`{}`", super::slashes(f)))
                .unwrap_or_else(|| "the configuration".to_string());
            notes.push(format!(
                "{} allowed by {file} (not failing)",
                plural(s.allowed, "finding")
            ));
        }
        if let Some(b) = &s.baseline {
            notes.push(format!(
                "against the baseline: {} new, {} unchanged (not listed), {} fixed",
                s.findings, b.baselined, b.fixed
            ));
        }
        if !report.errors.is_empty() {
            notes.push(format!(
                "{} in the input",
                plural(crate::problem::problem_count(report.errors), "problem")
            ));
        }
        for n in notes {
            writeln!(out, "- {n}")?;
        }
        writeln!(out)?;

        if !report.errors.is_empty() {
            writeln!(out, "### Input problems\n")?;
            for e in report.errors.iter().take(SHOWN_PER_RULE * 4) {
                writeln!(
                    out,
                    "- `{}:{}:{}` {}",
                    super::slashes(&e.file).replace('`', "'"),
                    e.line,
                    e.column,
                    escape(&e.message)
                )?;
            }
            if report.errors.len() > SHOWN_PER_RULE * 4 {
                writeln!(
                    out,
                    "- … and {} more",
                    report.errors.len() - SHOWN_PER_RULE * 4
                )?;
            }
            writeln!(out)?;
        }

        if s.findings > 0 {
            writeln!(out, "| rule | name | severity | findings |")?;
            writeln!(out, "|---|---|---|---:|")?;
            for rule in report.rules {
                let info = rule.info();
                let n = s.by_rule.get(info.code).copied().unwrap_or(0);
                if n == 0 {
                    continue;
                }
                let sev = report
                    .findings
                    .iter()
                    .filter(|f| f.rule == *rule)
                    .map(|f| f.severity)
                    .max()
                    .map_or("", |s| s.as_str());
                writeln!(out, "| {} | {} | {sev} | {n} |", info.code, info.name)?;
            }
            writeln!(out)?;
        }

        let mut start = 0;
        for group in report.findings.chunk_by(|a, b| a.rule == b.rule) {
            let info = group[0].rule.info();
            writeln!(
                out,
                "### {} {} ({})\n\n{}\n",
                info.code,
                info.name,
                group.len(),
                escape(info.summary)
            )?;
            for (k, f) in group.iter().take(SHOWN_PER_RULE).enumerate() {
                bullet(report, start + k, f, out)?;
            }
            if group.len() > SHOWN_PER_RULE {
                writeln!(out, "- … and {} more", group.len() - SHOWN_PER_RULE)?;
            }
            writeln!(out)?;
            start += group.len();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn markdown_specials_are_escaped() {
        assert_eq!(escape("a_b|c <x>\n*"), "a\\_b\\|c \\<x> \\*");
    }
}
