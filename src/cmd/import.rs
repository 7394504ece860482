//! `csp-audit import partner-center DIR --out OUT`: the network Partner Center files give, as
//! the three contract-v1 files (to look at, edit or keep in git) and a mapping summary; and the
//! choice `audit --source auto` makes between the two kinds of folder.

use std::path::Path;

use crate::cli::SourceKind;
use crate::exit::Exit;
use crate::load::partner_center::{self, PcLoaded};
use crate::load::{builtin_regions, load_regions};
use crate::messages::say;
use crate::model::InputFile;
use crate::problem::{listing, problem_count};
use crate::report::plural;

/// The name of the mapping summary written next to the three files.
pub const SUMMARY_FILE: &str = "mapping.txt";

/// Which input `audit DIR --source auto` reads, or why it cannot tell.
pub fn choose(dir: &Path, asked: SourceKind) -> Result<SourceKind, String> {
    if asked != SourceKind::Auto {
        return Ok(asked);
    }
    let contract = InputFile::ALL
        .iter()
        .all(|f| dir.join(f.file_name()).is_file());
    let pc: Vec<String> = partner_center::candidate_files(dir)
        .unwrap_or_default()
        .iter()
        .filter(|p| partner_center::is_partner_center_file(p))
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    match (contract, pc.is_empty()) {
        (true, false) => Err(format!(
            "{} has both contract-v1 files (partners.csv, tenants.csv, relationships.csv) and Partner Center files ({}): choose with --source contract or --source partner-center",
            dir.display(),
            pc.join(", ")
        )),
        (false, false) => {
            say(format_args!(
                "note: reading {} as Partner Center files ({}); --source contract to read it as contract v1",
                dir.display(),
                pc.join(", ")
            ));
            Ok(SourceKind::PartnerCenter)
        }
        _ => Ok(SourceKind::Contract),
    }
}

/// Prints the loader's warnings (disagreements, inferred roles, removed resellers).
pub fn warn(pc: &PcLoaded) {
    for w in &pc.warnings {
        say(format_args!("warning: {w}"));
    }
}

/// Runs `import partner-center`.
pub fn run(dir: &Path, out: &Path, regions: Option<&Path>) -> anyhow::Result<Exit> {
    let regions = match regions {
        None => builtin_regions(),
        Some(p) => match load_regions(p) {
            Ok(t) => t,
            Err(errors) => {
                for e in &errors {
                    say(e);
                }
                return Ok(Exit::BadInput);
            }
        },
    };
    let pc = partner_center::load_dir_for_import(dir, regions);
    warn(&pc);
    if !pc.loaded.errors.is_empty() {
        let (shown, more) = listing(&pc.loaded.errors, 100);
        for e in shown {
            say(e);
        }
        if more > 0 {
            say(format_args!(
                "... and {} not listed",
                plural(more, "more problem")
            ));
        }
        say(format_args!(
            "error: {} in the input; nothing was written",
            plural(problem_count(&pc.loaded.errors), "problem")
        ));
        return Ok(Exit::BadInput);
    }
    std::fs::create_dir_all(out)?;
    let mut summary = pc.summary.join("\n");
    summary += "\n";
    for g in &pc.loaded.model.gaps {
        summary += &format!("{} {}: {}\n", g.code, g.status.as_str(), g.reason);
    }
    for w in &pc.warnings {
        summary += &format!("warning: {w}\n");
    }
    let [p, t, r] = &pc.tables;
    for (name, bytes) in [
        (InputFile::Partners.file_name(), p.as_slice()),
        (InputFile::Tenants.file_name(), t.as_slice()),
        (InputFile::Relationships.file_name(), r.as_slice()),
        (SUMMARY_FILE, summary.as_bytes()),
    ] {
        write_atomic(&out.join(name), bytes)?;
    }
    say(format_args!(
        "wrote {}, {}, {} and {} to {}",
        InputFile::Partners.file_name(),
        InputFile::Tenants.file_name(),
        InputFile::Relationships.file_name(),
        SUMMARY_FILE,
        out.display()
    ));
    Ok(Exit::Clean)
}

/// Writes a file through a temporary one renamed into place, so none is left half-written.
fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use anyhow::Context;
    crate::output::write_file(path, |w| w.write_all(bytes))
        .with_context(|| format!("cannot write {}", path.display()))
}
