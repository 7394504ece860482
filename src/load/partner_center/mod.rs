//! A folder of Partner Center downloads and saved API responses → [`Model`], through the three
//! tables of contract v1 (which `csp-audit import partner-center` writes out), with every row's
//! real origin kept so that findings point at the Partner Center files.
//!
//! The mapping (README "Partner Center input", `csp-audit explain partner-center`):
//! a line item is evidence of a `customer` relationship from `MpnId` (through `ResellerMpnId`
//! unless `0`; `-1` is a reseller that was removed) to `CustomerId`, dated by the earliest
//! `OrderDate`/`ChargeStartDate` of that triple, so many line items are one relationship.

mod csv_files;
pub mod detect;
mod facts;
mod json_files;
mod map;
mod user;
pub mod values;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use detect::Kind;
pub use map::MAPPING;

use super::{load_from_bytes, Loaded};
use crate::model::{ColumnNotes, InputFile, RegionTable};
use crate::problem::Problem;
use facts::Facts;

/// The user's additions that may sit next to the Partner Center files.
pub const USER_PARTNERS: &str = "partners.csv";
/// Affiliate links between organizations (`from_id,to_id`).
pub const USER_AFFILIATES: &str = "affiliates.csv";

/// The findings a generated or fixture folder must give (`generate --format partner-center`):
/// not input.
pub const EXPECTED: &str = "expected.json";

/// A folder of Partner Center files, loaded.
#[derive(Debug, Default)]
pub struct PcLoaded {
    /// The network and every problem.
    pub loaded: Loaded,
    /// The three contract-v1 tables the network was loaded from (partners, tenants,
    /// relationships), as `import partner-center` writes them.
    pub tables: [Vec<u8>; 3],
    /// What was read and how it was mapped, one line each (the import's mapping summary).
    pub summary: Vec<String>,
    /// Disagreements between the user's files and Partner Center's, inferred roles, removed
    /// resellers: printed on standard error, never silent.
    pub warnings: Vec<String>,
}

/// The files of `dir` that are candidates for Partner Center input (every `.csv`, `.json` and
/// `.jsonl` file but the user's additions and `expected.json`), sorted by name so that every run reads them in the
/// same order.
pub fn candidate_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase);
            matches!(ext.as_deref(), Some("csv" | "json" | "jsonl"))
        })
        .filter(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            ![USER_PARTNERS, USER_AFFILIATES, EXPECTED].contains(&name)
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Whether `path` holds a Partner Center file (its header row or JSON shape says so).
pub fn is_partner_center_file(path: &Path) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        return false;
    };
    let name: Arc<str> = "".into();
    let mut sink = Vec::new();
    if looks_json(&bytes) {
        json_files::documents(&bytes, &name, &mut sink)
            .first()
            .is_some_and(|d| json_files::kind(&d.value).is_some())
    } else {
        csv_files::read(&bytes, &name, &mut sink)
            .is_some_and(|t| detect::csv_kind(&t.header).is_ok())
    }
}

fn looks_json(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    b.iter()
        .find(|c| !c.is_ascii_whitespace())
        .is_some_and(|c| matches!(c, b'{' | b'['))
}

/// Loads every Partner Center file of `dir`, and the user's additions there.
pub fn load_dir(dir: &Path, regions: RegionTable) -> PcLoaded {
    let mut errors = Vec::new();
    let mut facts = Facts::default();
    let files = match candidate_files(dir) {
        Ok(f) => f,
        Err(e) => {
            let name: Arc<str> = dir.display().to_string().into();
            errors.push(Problem::whole_file(
                &name,
                format!("cannot read the folder: {e}"),
            ));
            return PcLoaded {
                loaded: Loaded {
                    errors,
                    ..Loaded::default()
                },
                ..PcLoaded::default()
            };
        }
    };
    let mut kinds = Vec::new();
    let mut notes = Vec::new();
    for path in &files {
        let name: Arc<str> = path.display().to_string().into();
        let file = facts.files.len();
        facts.files.push(Arc::clone(&name));
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) => {
                errors.push(Problem::whole_file(&name, format!("cannot read: {e}")));
                continue;
            }
        };
        if looks_json(&bytes) {
            let docs = json_files::documents(&bytes, &name, &mut errors);
            for doc in &docs {
                match json_files::kind(&doc.value) {
                    Some(kind) => {
                        kinds.push((Arc::clone(&name), kind));
                        json_files::load(kind, doc, &name, file, &mut facts, &mut errors);
                    }
                    None => errors.push(Problem::new(
                        &name,
                        doc.line as u64,
                        1,
                        "not a Partner Center response: expected a saved customers, indirect resellers, invoice line items, organization or MPN profile, MPA status ({\"mpnId\": ..., \"response\": ...}) or Graph delegatedAdminRelationships response",
                    )),
                }
            }
        } else if let Some(table) = csv_files::read(&bytes, &name, &mut errors) {
            match detect::csv_kind(&table.header) {
                Ok(kind) => {
                    kinds.push((Arc::clone(&name), kind));
                    notes.push(ColumnNotes {
                        file: None,
                        path: name.to_string(),
                        absent: detect::absent(kind, &table.header),
                        ..ColumnNotes::default()
                    });
                    csv_files::load(kind, &table, &name, file, &mut facts, &mut errors);
                }
                Err((closest, missing)) => errors.push(Problem::whole_file(
                    &name,
                    format!(
                        "not a Partner Center file: its header is closest to a {}, which also has the columns {}",
                        closest.name(),
                        missing.join(", ")
                    ),
                )),
            }
        }
    }
    let user = user::load(dir, &mut facts, &mut errors);
    kinds.dedup();
    let mut out = map::build(facts, user, &mut errors);
    for (name, kind) in &kinds {
        out.summary.insert(0, format!("{name}: {}", kind.name()));
    }
    if files.is_empty() {
        let name: Arc<str> = dir.display().to_string().into();
        errors.push(Problem::whole_file(
            &name,
            "no Partner Center file in the folder: expected reconciliation or usage CSV files, Customers.csv or saved API responses (.json)",
        ));
    }
    let [p, t, r] = &out.tables;
    let mut loaded = load_from_bytes(p, t, r, regions);
    // What the mapping reported already, the contract loader says again: about the row, and
    // about every reference to the row it rejected.
    let flagged = out.flagged.iter().any(|f| !f.is_empty());
    loaded.errors.retain(|e| {
        let known = e
            .input
            .is_some_and(|f| out.flagged[f as usize].contains(&(e.line as u32)));
        let echo = flagged && e.message.contains("whose row was rejected (");
        !(known || echo)
    });
    // A problem in the tables made from the files is a problem of the file that said it.
    for e in &mut loaded.errors {
        if let Some(o) = e.input.and_then(|f| out.origins.get(f, e.line as u32)) {
            e.file = Arc::clone(&o.path);
            e.line = o.line as u64;
            e.column = 1;
            if let Some(p) = &o.pointer {
                e.message = format!("at {p}: {}", e.message);
            }
        }
        e.input = None;
    }
    errors.append(&mut loaded.errors);
    errors.sort_by(|a, b| (&a.file, a.line, a.column).cmp(&(&b.file, b.line, b.column)));
    loaded.errors = errors;
    loaded.model.gaps = out.gaps;
    loaded.model.notes = out.notes;
    // The notes are about the files in the folder, not the tables made from them.
    loaded.model.columns = notes;
    loaded.model.origins = Some(Arc::new(out.origins));
    let _ = InputFile::ALL;
    PcLoaded {
        loaded,
        tables: out.tables,
        summary: out.summary,
        warnings: out.warnings,
    }
}
