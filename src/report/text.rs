//! The report for people: findings grouped by rule, then a summary.
//!
//! Colour is written as ANSI styles; the caller's stream strips them when the output is not a
//! terminal (or `NO_COLOR` is set).

use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::{Emitter, Report};
use crate::model::InputFile;
use crate::rules::{Entity, Finding, Severity};

/// Emits the text report.
pub struct TextEmitter;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Error => AnsiColor::Red.on_default().bold(),
        Severity::Warning => AnsiColor::Yellow.on_default().bold(),
    }
}

fn entity_label(report: &Report<'_>, e: &Entity) -> String {
    let net = report.net;
    match e.name(net) {
        Some(name) => format!("{} {} ({name})", e.kind(), e.id(net)),
        None => format!("{} {}", e.kind(), e.id(net)),
    }
}

fn write_finding(
    report: &Report<'_>,
    f: &Finding,
    mark: Option<&super::Mark>,
    out: &mut dyn Write,
) -> io::Result<()> {
    const SHOWN: usize = 20;
    // Files as named on the command line, as in every other format.
    let rows: Vec<String> = f
        .rows
        .iter()
        .take(SHOWN)
        .map(|r| match report.relationship_id(r.file, r.line) {
            Some(id) => format!("{} [{id}]", report.row_label(r.file, r.line)),
            None => report.row_label(r.file, r.line),
        })
        .collect();
    let entry = mark
        .and_then(|m| m.config_line)
        .zip(report.ci.config_file.as_deref())
        .map(|(line, file)| format!("{}:{line}", super::slashes(file)));
    let style = severity_style(f.severity);
    writeln!(
        out,
        "  {style}{}{style:#} {}",
        f.severity.as_str(),
        f.message
    )?;
    if let Some(entry) = entry {
        writeln!(out, "    {DIM}allow entry:{DIM:#} {entry}")?;
    }
    if !rows.is_empty() {
        let more = f.rows.len().saturating_sub(SHOWN);
        let mut list = rows.join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        writeln!(out, "    {DIM}rows:{DIM:#} {list}")?;
    }
    let mut entities: Vec<String> = f.entities.iter().map(|e| entity_label(report, e)).collect();
    entities.extend(f.raw_entities.iter().cloned());
    if !entities.is_empty() {
        writeln!(out, "    {DIM}entities:{DIM:#} {}", entities.join("; "))?;
    }
    if !f.path.is_empty() {
        let path: Vec<String> = f
            .path
            .iter()
            .map(|e| format!("{} {}", e.kind(), e.id(report.net)))
            .collect();
        writeln!(out, "    {DIM}cycle:{DIM:#} {}", path.join(" -> "))?;
    }
    Ok(())
}

impl Emitter for TextEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut start = 0;
        for group in report.findings.chunk_by(|a, b| a.rule == b.rule) {
            let info = group[0].rule.info();
            writeln!(
                out,
                "{BOLD}{} {}{BOLD:#}: {} ({})",
                info.code,
                info.name,
                info.summary,
                plural(group.len(), "finding")
            )?;
            for (k, f) in group.iter().enumerate() {
                write_finding(report, f, report.mark(start + k), out)?;
            }
            writeln!(out)?;
            start += group.len();
        }
        if !report.ci.allowed.is_empty() {
            writeln!(
                out,
                "{BOLD}Allowed{BOLD:#}: excused by the allow-list, not failing ({})",
                plural(report.ci.allowed.len(), "finding")
            )?;
            for a in &report.ci.allowed {
                let info = a.finding.rule.info();
                writeln!(out, "  {} {}", info.code, info.name)?;
                write_finding(report, &a.finding, None, out)?;
                let file = report
                    .ci
                    .config_file
                    .as_deref()
                    .unwrap_or("the configuration");
                writeln!(
                    out,
                    "    {DIM}allowed by:{DIM:#} {}:{} ({})",
                    super::slashes(file),
                    a.config_line,
                    a.reason
                )?;
            }
            writeln!(out)?;
        }
        // With --keep-going the rejected rows are already listed, as CSP100 findings.
        if !report.rules.contains(&crate::rules::rejected_row_rule()) {
            let (shown, more) = crate::problem::listing(report.errors, 100);
            for e in shown {
                writeln!(out, "{e}")?;
            }
            if more > 0 {
                writeln!(out, "... and {}", plural(more, "more input problem"))?;
            }
            if !report.errors.is_empty() {
                writeln!(out)?;
            }
        }
        let s = report.summary();
        writeln!(out, "{BOLD}Summary{BOLD:#}")?;
        for file in InputFile::ALL.map(InputFile::file_name) {
            let Some(st) = s.files.get(file) else {
                continue;
            };
            writeln!(
                out,
                "  {file:<18} {} read, {} loaded, {} rejected",
                plural(st.read, "row"),
                st.loaded,
                st.rejected
            )?;
        }
        writeln!(
            out,
            "  network: {}, {}, {}",
            plural(s.partners, "partner"),
            plural(s.tenants, "tenant"),
            plural(s.relationships, "relationship")
        )?;
        writeln!(
            out,
            "  findings: {} ({}, {})",
            s.findings,
            plural(s.by_severity.get("error").copied().unwrap_or(0), "error"),
            plural(
                s.by_severity.get("warning").copied().unwrap_or(0),
                "warning"
            )
        )?;
        for (code, n) in s.by_rule.iter().filter(|(_, n)| **n > 0) {
            let name = crate::rules::RuleId::find(code).map_or("", |r| r.info().name);
            writeln!(out, "    {code} {name:<32} {n}")?;
        }
        if s.allowed > 0 || report.ci.config_file.is_some() {
            let file = report
                .ci
                .config_file
                .as_deref()
                .unwrap_or("the configuration");
            writeln!(
                out,
                "  allowed: {} (excused by {file}, not failing)",
                s.allowed
            )?;
        }
        if let Some(b) = &s.baseline {
            writeln!(
                out,
                "  baseline: {} (not reported), {} fixed since it was written",
                plural(b.baselined, "finding"),
                b.fixed
            )?;
        }
        if !report.audited() {
            writeln!(out, "  nothing was audited: the input has problems")?;
        }
        for r in &s.skipped {
            writeln!(out, "  {} {}", r.rule, r.reason)?;
        }
        for c in &s.coverage {
            if c.status == "partial" {
                writeln!(out, "  {} partly checked: {}", c.rule, c.reason)?;
            }
        }
        for line in report.column_lines() {
            writeln!(out, "  columns: {line}")?;
        }
        for line in report.note_lines() {
            writeln!(out, "  {line}")?;
        }
        Ok(())
    }
}

/// `1 finding`, `2 findings`: a count with its noun, singular for exactly one.
pub(crate) fn plural<N>(n: N, noun: &str) -> String
where
    N: std::fmt::Display + PartialEq + From<u8>,
{
    if n == N::from(1) {
        format!("{n} {noun}")
    } else {
        format!("{n} {noun}s")
    }
}
