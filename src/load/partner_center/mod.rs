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
mod direct;
mod facts;
mod json_files;
mod line_blocks;
mod line_items;
mod map;
mod user;
pub mod values;

use std::collections::BTreeSet;
use std::io::Read;
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
    /// The three contract-v1 tables the network is made of (partners, tenants,
    /// relationships), as `import partner-center` writes them: only from
    /// [`load_dir_for_import`] (empty from [`load_dir`]).
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

/// How much of a file detection reads first; more only while the header row is longer.
const DETECT_HEAD: usize = 64 * 1024;

/// Whether `path` holds a Partner Center file (its header row or JSON shape says so).
///
/// Reads only the head of a CSV file (the header row), and a whole file only when it starts
/// like JSON: `audit --source auto` asks this of every file of a contract-v1 folder too.
pub fn is_partner_center_file(path: &Path) -> bool {
    match std::fs::File::open(path) {
        Ok(file) => is_partner_center(file),
        Err(_) => false,
    }
}

/// [`is_partner_center_file`] over any reader, reading no more than the decision needs.
fn is_partner_center(mut input: impl Read) -> bool {
    let mut head = Vec::new();
    let mut want = DETECT_HEAD;
    loop {
        let Ok(eof) = line_blocks::fill(&mut input, &mut head, want) else {
            return false;
        };
        let start = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&head);
        let Some(first) = start.iter().find(|c| !c.is_ascii_whitespace()) else {
            if eof {
                // Empty or blank: no header row, not a Partner Center file.
                return false;
            }
            want *= 2;
            continue;
        };
        if matches!(first, b'{' | b'[') {
            if input.read_to_end(&mut head).is_err() {
                return false;
            }
            let name: Arc<str> = "".into();
            let mut sink = Vec::new();
            return json_files::documents(&head, &name, &mut sink)
                .first()
                .is_some_and(|d| json_files::kind(&d.value).is_some());
        }
        match csv_files::header(&head, eof) {
            Some(header) => {
                return header.is_some_and(|h| detect::csv_kind(&h).is_ok());
            }
            None => want *= 2,
        }
    }
}

/// Reads the head of a file into `buf`: a block, and more while the block ends before the
/// header row does; a JSON file whole. True when `buf` holds the whole file.
fn read_head(input: &mut impl Read, buf: &mut Vec<u8>) -> std::io::Result<bool> {
    let mut want = csv_files::BLOCK;
    loop {
        if line_blocks::fill(input, buf, want)? {
            return Ok(true);
        }
        let start = buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(buf);
        match start.iter().find(|c| !c.is_ascii_whitespace()) {
            Some(b'{' | b'[') => {
                input.read_to_end(buf)?;
                return Ok(true);
            }
            Some(_) if csv_files::header(buf, false).is_some() => return Ok(false),
            _ => want = want.saturating_mul(2),
        }
    }
}

/// The header row, kind and first record's position of a line-item CSV file whose head
/// (with its whole header row) is `head`; `None` for any other file, and for a header row that
/// cannot be read (the file is then read whole, and that said as before).
fn line_item_header(head: &[u8], name: &Arc<str>) -> Option<(Vec<String>, Kind, (u64, u64))> {
    let mut sink = Vec::new();
    let (header, rows) = csv_files::open(head, name, &mut sink)?;
    let kind = detect::csv_kind(&header).ok()?;
    kind.is_line_items()
        .then(|| (header, kind, rows.position()))
}

fn looks_json(bytes: &[u8]) -> bool {
    let b = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    b.iter()
        .find(|c| !c.is_ascii_whitespace())
        .is_some_and(|c| matches!(c, b'{' | b'['))
}

/// Loads every Partner Center file of `dir`, and the user's additions there.
pub fn load_dir(dir: &Path, regions: RegionTable) -> PcLoaded {
    load(dir, regions, false)
}

/// [`load_dir`], and the contract-v1 tables of the network in [`PcLoaded::tables`].
pub fn load_dir_for_import(dir: &Path, regions: RegionTable) -> PcLoaded {
    load(dir, regions, true)
}

fn load(dir: &Path, regions: RegionTable, want_tables: bool) -> PcLoaded {
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
        // A line-item file is read in blocks from its header row on; any other file whole.
        let opened = std::fs::File::open(path).and_then(|mut f| {
            let mut head = Vec::new();
            let eof = read_head(&mut f, &mut head)?;
            Ok((f, head, eof))
        });
        let (mut input, mut bytes, eof) = match opened {
            Ok(o) => o,
            Err(e) => {
                errors.push(Problem::whole_file(&name, format!("cannot read: {e}")));
                continue;
            }
        };
        if !eof {
            if let Some((header, kind, start)) = line_item_header(&bytes, &name) {
                let reopen = || -> std::io::Result<Box<dyn Read>> {
                    Ok(Box::new(std::fs::File::open(path)?))
                };
                let input = line_blocks::LineInput {
                    head: bytes,
                    start,
                    rest: &mut input,
                    whole: &reopen,
                };
                if line_blocks::load_line_items(
                    kind,
                    &header,
                    input,
                    &name,
                    file,
                    &mut facts,
                    &mut errors,
                ) {
                    kinds.push((Arc::clone(&name), kind));
                    notes.push(ColumnNotes {
                        file: None,
                        path: name.to_string(),
                        absent: detect::absent(kind, &header),
                        ..ColumnNotes::default()
                    });
                }
                continue;
            }
            if let Err(e) = input.read_to_end(&mut bytes) {
                errors.push(Problem::whole_file(&name, format!("cannot read: {e}")));
                continue;
            }
        }
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
        } else if let Some((header, rows)) = csv_files::open(&bytes[..], &name, &mut errors) {
            match detect::csv_kind(&header) {
                Ok(kind) if kind.is_line_items() => {
                    let start = rows.position();
                    drop(rows);
                    let whole =
                        || -> std::io::Result<Box<dyn Read + '_>> { Ok(Box::new(&bytes[..])) };
                    let input = line_blocks::LineInput {
                        head: bytes.clone(),
                        start,
                        rest: &mut std::io::empty(),
                        whole: &whole,
                    };
                    let read = line_blocks::load_line_items(
                        kind,
                        &header,
                        input,
                        &name,
                        file,
                        &mut facts,
                        &mut errors,
                    );
                    if read {
                        kinds.push((Arc::clone(&name), kind));
                        notes.push(ColumnNotes {
                            file: None,
                            path: name.to_string(),
                            absent: detect::absent(kind, &header),
                            ..ColumnNotes::default()
                        });
                    }
                }
                Ok(kind) => {
                    if let Some(rows) = rows.rest(&mut errors) {
                        let table = csv_files::Table { header, rows };
                        kinds.push((Arc::clone(&name), kind));
                        notes.push(ColumnNotes {
                            file: None,
                            path: name.to_string(),
                            absent: detect::absent(kind, &table.header),
                            ..ColumnNotes::default()
                        });
                        csv_files::load(kind, &table, &name, file, &mut facts, &mut errors);
                    }
                }
                // A file that cannot be read to its end says only that, whatever its header.
                Err((closest, missing)) => {
                    if rows.finish(&mut errors) {
                        errors.push(Problem::whole_file(
                            &name,
                            format!(
                                "not a Partner Center file: its header is closest to a {}, which also has the columns {}",
                                closest.name(),
                                missing.join(", ")
                            ),
                        ));
                    }
                }
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
    // Tables the contract loader would take whole become the model at once; any other is
    // written and loaded, so that what the loader says about them is said.
    let clean = out.flagged.iter().all(BTreeSet::is_empty);
    let mut regions = regions;
    let direct = if clean {
        direct::model(&out.tables, &mut regions)
    } else {
        None
    };
    let mut tables: [Vec<u8>; 3] = Default::default();
    if want_tables || direct.is_none() {
        tables = map::write(&out.tables);
    }
    let mut loaded = match direct {
        Some(model) => Loaded {
            model,
            ..Loaded::default()
        },
        None => {
            let [p, t, r] = &tables;
            load_from_bytes(p, t, r, regions)
        }
    };
    drop(out.tables);
    if !want_tables {
        tables = Default::default();
    }
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
        tables,
        summary: out.summary,
        warnings: out.warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    const NCE: &str = "PartnerId,CustomerId,CustomerCountry,InvoiceNumber,MpnId,ResellerMpnId,OrderDate,SkuId,ChargeType,SubscriptionId";

    /// A reader over `data` that counts the bytes it hands out.
    struct Counting<'a> {
        data: &'a [u8],
        read: usize,
    }

    impl Read for Counting<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.data[self.read..].len().min(buf.len());
            buf[..n].copy_from_slice(&self.data[self.read..self.read + n]);
            self.read += n;
            Ok(n)
        }
    }

    fn detect(data: &[u8]) -> (bool, usize) {
        let mut r = Counting { data, read: 0 };
        let pc = is_partner_center(&mut r);
        (pc, r.read)
    }

    /// A valid header, then ~10 MB of rows that are not even UTF-8.
    fn huge(header: &str) -> Vec<u8> {
        let mut data = format!("{header}\n").into_bytes();
        while data.len() < 10_000_000 {
            data.extend_from_slice(b"reseller,\xff\xfe,B,,2019-01-01\n");
        }
        data
    }

    #[test]
    fn a_contract_file_is_told_apart_from_its_head_alone() {
        let (pc, read) = detect(&huge("kind,from_id,to_id,reseller_id,effective_on"));
        assert!(!pc);
        assert_eq!(read, DETECT_HEAD);
    }

    #[test]
    fn a_line_item_file_is_known_from_its_header_alone() {
        let (pc, read) = detect(&huge(NCE));
        assert!(pc);
        assert_eq!(read, DETECT_HEAD);
    }

    #[test]
    fn a_header_longer_than_the_head_is_read_to_its_end() {
        // A header of ~150 KiB: the NCE columns and many more after them.
        let mut header = NCE.to_string();
        for i in 0..15_000 {
            header.push_str(&format!(",extra{i:05}"));
        }
        assert!(header.len() > 2 * DETECT_HEAD && header.len() < 4 * DETECT_HEAD);
        let (pc, read) = detect(&huge(&header));
        assert!(pc);
        assert_eq!(read, 4 * DETECT_HEAD);
        let (pc, read) = detect(header.as_bytes());
        assert!(pc, "a file that is only its header, with no line end");
        assert_eq!(read, header.len());
    }

    #[test]
    fn blank_lines_and_a_bom_before_the_header_are_skipped() {
        let data = format!("\u{feff}\n  \n{NCE}\n1,2\n");
        assert_eq!(detect(data.as_bytes()), (true, data.len()));
        assert_eq!(detect(b""), (false, 0));
        assert!(!detect(b"\n \n").0);
        assert!(!detect(b"Partner\xffId,CustomerId\n").0);
    }

    #[test]
    fn a_json_file_is_read_whole() {
        let mut data = br#"{"totalCount": 1, "items": [{"id": "x", "companyProfile": {"tenantId": "x"}}], "attributes": {"objectType": "Collection"}}"#.to_vec();
        let not_json = detect(b"  \n{\"hello\": 1}");
        assert_eq!(not_json, (false, 15));
        data.extend(std::iter::repeat_n(b' ', 200_000));
        let (pc, read) = detect(&data);
        assert!(pc);
        assert_eq!(read, data.len());
    }
}
