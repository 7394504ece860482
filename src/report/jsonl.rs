//! JSON Lines for ticketing systems: one JSON object per line, one line per finding with every
//! field (`record: "finding"`), reported findings first, then allowed ones; then one line per
//! input problem (`record: "problem"`), so a failed run is readable too.

use std::io::{self, Write};

use serde::Serialize;

use super::json::{JsonConfigAt, JsonFinding};
use super::{Emitter, Mark, Report};
use crate::problem;
use crate::rules::Finding;

/// Emits JSON Lines.
pub struct JsonlEmitter;

#[derive(Serialize)]
struct Line<'a> {
    record: &'static str,
    /// `reported`, `new` (with a baseline) or `allowed`.
    status: &'static str,
    #[serde(flatten)]
    finding: JsonFinding<'a>,
    /// Each entity's display name, in the order of `entities` (null where it has none).
    entity_names: Vec<Option<&'a str>>,
    /// Each row's file as named on the command line, and line.
    locations: Vec<Located>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allow: Option<Allow<'a>>,
}

#[derive(Serialize)]
struct Located {
    path: String,
    line: u32,
}

#[derive(Serialize)]
struct Allow<'a> {
    reason: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires: Option<String>,
    line: u32,
}

#[derive(Serialize)]
struct Problem<'a> {
    record: &'static str,
    #[serde(flatten)]
    problem: &'a problem::Problem,
}

fn line<'a>(
    report: &'a Report<'a>,
    f: &'a Finding,
    mark: Option<&'a Mark>,
    status: &'static str,
    allow: Option<Allow<'a>>,
) -> Line<'a> {
    let config = mark
        .and_then(|m| m.config_line)
        .zip(report.ci.config_file.as_deref())
        .map(|(line, file)| JsonConfigAt { file, line });
    Line {
        record: "finding",
        status,
        finding: JsonFinding {
            fingerprint: mark.map(|m| m.fingerprint.as_str()),
            config,
            ..JsonFinding::new(report, f)
        },
        entity_names: f
            .entities
            .iter()
            .map(|e| e.name(report.net))
            .chain(f.raw_entities.iter().map(|_| None))
            .collect(),
        locations: f
            .rows
            .iter()
            .map(|r| {
                let at = report.row_location(r.file, r.line);
                Located {
                    path: at.path,
                    line: at.line,
                }
            })
            .collect(),
        allow,
    }
}

fn write_line(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

impl Emitter for JsonlEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let status = if report.ci.baseline.is_some() {
            "new"
        } else {
            "reported"
        };
        for (i, f) in report.findings.iter().enumerate() {
            write_line(out, &line(report, f, report.mark(i), status, None))?;
        }
        for a in &report.ci.allowed {
            let allow = Allow {
                reason: &a.reason,
                owner: a.owner.as_deref(),
                expires: a.expires.map(|d| d.to_string()),
                line: a.config_line,
            };
            write_line(
                out,
                &line(report, &a.finding, Some(&a.mark), "allowed", Some(allow)),
            )?;
        }
        for e in report.errors {
            write_line(
                out,
                &Problem {
                    record: "problem",
                    problem: e,
                },
            )?;
        }
        Ok(())
    }
}
