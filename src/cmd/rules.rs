//! `csp-audit rules`: the registry as a table or a JSON array.

use std::io::{self, Write};

use crate::cli::RulesFormat;
use crate::exit::Exit;
use crate::messages::stdout;
use crate::rules::REGISTRY;

/// Prints every rule: code, name, default severity, summary.
pub fn run(format: RulesFormat) -> anyhow::Result<Exit> {
    table(format, &mut stdout())?;
    Ok(Exit::Clean)
}

fn table(format: RulesFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        RulesFormat::Text => {
            writeln!(
                out,
                "{:<7} {:<32} {:<8} summary",
                "code", "name", "severity"
            )?;
            for r in REGISTRY {
                writeln!(
                    out,
                    "{:<7} {:<32} {:<8} {}",
                    r.code,
                    r.name,
                    r.default_severity.as_str(),
                    r.summary
                )?;
            }
        }
        RulesFormat::Json => {
            let rows: Vec<serde_json::Value> = REGISTRY
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code,
                        "name": r.name,
                        "severity": r.default_severity.as_str(),
                        "summary": r.summary,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
    }
    out.flush()
}
