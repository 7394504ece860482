//! Findings as CSV rows for a spreadsheet, one record per finding: reported findings, then
//! allowed ones (status `allowed`, with the entry's reason). `file`, `line` and
//! `relationship_id` are where the finding is (its first row, or a stale entry's line); `rows`,
//! `relationship_ids` (one per row, empty where none) and `entity_names` (one per entity) then
//! give every row and every entity's name, `;` separated. Input problems are not rows; they go to standard error.

use std::io::{self, Write};

use super::{Emitter, Report};
use crate::model::IdStr;
use crate::rules::Finding;

/// Emits CSV.
pub struct CsvEmitter;

const HEADER: [&str; 14] = [
    "rule",
    "name",
    "severity",
    "status",
    "file",
    "line",
    "relationship_id",
    "entities",
    "message",
    "fingerprint",
    "allow_reason",
    "rows",
    "relationship_ids",
    "entity_names",
];

fn row(
    report: &Report<'_>,
    f: &Finding,
    mark: Option<&super::Mark>,
    status: &str,
    reason: &str,
) -> Vec<String> {
    let info = f.rule.info();
    let loc = report.location(f, mark);
    let rel_id = f
        .rows
        .first()
        .filter(|_| mark.and_then(|m| m.config_line).is_none())
        .and_then(|r| report.relationship_id(r.file, r.line))
        .unwrap_or_default();
    let rows: Vec<String> = f
        .rows
        .iter()
        .map(|r| {
            let at = report.row_location(r.file, r.line);
            format!("{}:{}", at.path, at.line)
        })
        .collect();
    let rel_ids: Vec<IdStr<'_>> = f
        .rows
        .iter()
        .map(|r| report.relationship_id(r.file, r.line).unwrap_or_default())
        .collect();
    // One name per entity, in the order of `entities` (empty where an entity has none).
    let names: Vec<&str> = f
        .entities
        .iter()
        .map(|e| e.name(report.net).unwrap_or(""))
        .chain(f.raw_entities.iter().map(|_| ""))
        .collect();
    vec![
        info.code.to_string(),
        info.name.to_string(),
        f.severity.as_str().to_string(),
        status.to_string(),
        loc.as_ref().map(|l| l.path.clone()).unwrap_or_default(),
        loc.as_ref().map(|l| l.line.to_string()).unwrap_or_default(),
        rel_id.to_string(),
        f.entity_ids(report.net).join(";"),
        f.message.clone(),
        mark.map(|m| m.fingerprint.clone()).unwrap_or_default(),
        reason.to_string(),
        rows.join(";"),
        rel_ids.join(";"),
        names.join(";"),
    ]
}

impl Emitter for CsvEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record(HEADER)?;
        let status = if report.ci.baseline.is_some() {
            "new"
        } else {
            "reported"
        };
        for (i, f) in report.findings.iter().enumerate() {
            w.write_record(row(report, f, report.mark(i), status, ""))?;
        }
        for a in &report.ci.allowed {
            w.write_record(row(report, &a.finding, Some(&a.mark), "allowed", &a.reason))?;
        }
        w.flush()
    }
}
