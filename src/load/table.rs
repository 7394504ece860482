//! Reading one CSV table: header resolution, per-field decoding and positioned errors.
//!
//! Records are read into one reused [`csv::ByteRecord`]; a field is decoded (UTF-8, trimmed)
//! only when a loader asks for it, so unknown columns cost nothing.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use super::error::{did_you_mean, quote};
use crate::model::{Date, FileStats};
use crate::problem::Problem;

/// The longest value accepted in a column csp-audit reads.
pub const MAX_FIELD_BYTES: usize = 4096;

/// The most row problems kept for one file. Every rejected row is still counted, and the rest
/// are summed up in one last message, so a file broken on every one of its millions of rows
/// cannot exhaust memory with messages.
pub const MAX_ROW_ERRORS: usize = 10_000;

/// A column a loader reads.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    /// Header name.
    pub name: &'static str,
    /// Whether the header must have it.
    pub required: bool,
}

/// Shorthand for a required column.
pub const fn req(name: &'static str) -> Column {
    Column {
        name,
        required: true,
    }
}

/// Shorthand for an optional column.
pub const fn opt(name: &'static str) -> Column {
    Column {
        name,
        required: false,
    }
}

/// The problems of the current row, and access to its fields by column.
pub struct Row<'a> {
    file: &'a Arc<str>,
    record: &'a csv::ByteRecord,
    fields: &'a [Option<usize>],
    /// Each spec column's name as the header writes it (its contract name when absent).
    names: &'a [Box<str>],
    /// How the file is encoded, for the hint in an invalid-UTF-8 message.
    encoding: Encoding,
    /// Physical line where the row starts.
    pub line: u64,
    /// Byte offset in the file where the row starts.
    byte: u64,
    /// Where the row can be read again, for exact byte offsets in messages.
    source: &'a Reread<'a>,
    errors: Vec<Problem>,
    /// Whether the row has as many fields as the header (only then is it given to a loader).
    width_ok: bool,
    /// Whether the row may be read again for an exact byte offset: only while the file's
    /// messages are still listed (decided per batch, in file order, so that it does not depend
    /// on which thread checks which row).
    reread_ok: bool,
    /// A file this row refers into and none of whose rows loaded: the row is rejected, and
    /// one message for the whole file says why (not one per row).
    unresolved: Option<Arc<str>>,
}

impl<'a> Row<'a> {
    /// Spec column `col`'s name as the header writes it, for messages.
    pub fn name(&self, col: usize) -> &'a str {
        &self.names[col]
    }

    /// Rejects the row because a reference in it points into `file`, none of whose rows was
    /// read (it is missing, or its header is invalid): the reference cannot be judged, and the
    /// rows rejected for this reason are summed up in one message at the end of the file.
    pub fn unresolved(&mut self, file: &Arc<str>) {
        if self.unresolved.is_none() {
            self.unresolved = Some(Arc::clone(file));
        }
    }

    /// Whether no problem has been found in the row so far (nor a reference that cannot be
    /// resolved).
    pub fn ok(&self) -> bool {
        self.errors.is_empty() && self.unresolved.is_none()
    }

    /// The file this row refers into that has no loaded row, when that alone rejects it.
    pub fn only_unresolved(&self) -> Option<&Arc<str>> {
        self.unresolved.as_ref().filter(|_| self.errors.is_empty())
    }

    /// Whether the file has spec column `col`.
    pub fn has_column(&self, col: usize) -> bool {
        self.fields[col].is_some()
    }

    /// The 1-based column number of spec column `col` in this file.
    pub fn column_number(&self, col: usize) -> u64 {
        self.fields[col].map_or(1, |f| f as u64 + 1)
    }

    /// Records a problem with spec column `col`.
    pub fn error(&mut self, col: usize, message: impl Into<String>) {
        let column = self.column_number(col);
        self.errors
            .push(Problem::new(self.file, self.line, column, message));
    }

    /// The trimmed text of column `col`, `None` when the column is absent or the cell empty.
    /// Undecodable cells are recorded as errors and read as `None`.
    pub fn get(&mut self, col: usize) -> Option<&'a str> {
        let field = self.fields[col]?;
        let raw = self.record.get(field)?;
        let text = match std::str::from_utf8(raw) {
            Ok(text) => text,
            Err(e) => {
                let offset = self.field_offset(field, e.valid_up_to());
                let hint = windows_1252_hint(self.encoding, raw);
                self.error(
                    col,
                    format!(
                        "invalid UTF-8 in column '{}' at byte offset {offset}: expected UTF-8 text{hint}",
                        self.name(col)
                    ),
                );
                return None;
            }
        };
        let text = text.trim();
        if text.contains('\0') {
            self.error(
                col,
                format!(
                    "NUL byte in column '{}': expected text without control characters",
                    self.name(col)
                ),
            );
            return None;
        }
        if text.len() > MAX_FIELD_BYTES {
            self.error(
                col,
                format!(
                    "value in column '{}' is {} bytes long: expected at most {MAX_FIELD_BYTES}",
                    self.name(col),
                    text.len()
                ),
            );
            return None;
        }
        (!text.is_empty()).then_some(text)
    }

    /// The value [`Row::get`] gave for column `col`, read again without recording anything:
    /// `None` for an absent, empty or invalid cell (whose problem `get` already recorded).
    pub fn text(&self, col: usize) -> Option<&'a str> {
        let raw = self.record.get(self.fields[col]?)?;
        let text = std::str::from_utf8(raw).ok()?.trim();
        let valid = !text.is_empty() && !text.contains('\0') && text.len() <= MAX_FIELD_BYTES;
        valid.then_some(text)
    }

    /// Like [`Row::get`], but records an error when the cell is empty.
    pub fn required(&mut self, col: usize) -> Option<&'a str> {
        let had_errors = self.errors.len();
        let value = self.get(col);
        if value.is_none() && self.errors.len() == had_errors {
            self.error(
                col,
                format!("empty '{}': a value is required", self.name(col)),
            );
        }
        value
    }

    /// Parses column `col` as one of `T`'s spellings, suggesting the closest on a typo.
    pub fn enum_value<T: Copy>(
        &mut self,
        col: usize,
        parse: fn(&str) -> Option<T>,
        spellings: &[&'static str],
    ) -> Option<T> {
        let text = self.required(col)?;
        let parsed = parse(text).or_else(|| parse(&text.to_ascii_lowercase()));
        if parsed.is_none() {
            let hint = did_you_mean(text, spellings.iter().copied());
            self.error(
                col,
                format!(
                    "unknown {} {}{hint}: expected one of {}",
                    self.name(col),
                    quote(text),
                    spellings.join(", ")
                ),
            );
        }
        parsed
    }

    /// Parses an optional ISO date in column `col`.
    pub fn date(&mut self, col: usize) -> Option<Date> {
        let text = self.get(col)?;
        match parse_date(text) {
            Ok(d) => Some(d),
            Err(why) => {
                self.error(
                    col,
                    format!(
                        "{why} in '{}': {}; expected an ISO date YYYY-MM-DD",
                        self.name(col),
                        quote(text)
                    ),
                );
                None
            }
        }
    }

    /// Byte offset in the file of byte `at` of field `field`'s decoded value.
    ///
    /// Exact: the raw bytes of the row are read again from the source (only on this error
    /// path), so quotes and doubled quotes in earlier fields or in the field itself are counted.
    /// Falls back to an estimate (exact when no field before it is quoted) if the source cannot
    /// be read again.
    fn field_offset(&self, field: usize, at: usize) -> u64 {
        if self.reread_ok {
            if let Some(offset) = self.source.raw_offset(self.byte, field, at) {
                return offset;
            }
        }
        let before: usize = (0..field)
            .map(|i| self.record.get(i).map_or(0, |f| f.len() + 1))
            .sum();
        self.byte + (before + at) as u64
    }
}

/// Parses `YYYY-MM-DD`, telling a malformed date from an impossible one.
pub fn parse_date(text: &str) -> Result<Date, &'static str> {
    let b = text.as_bytes();
    let shape_ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    if !shape_ok {
        return Err("malformed date");
    }
    let num = |r: std::ops::Range<usize>| text[r].parse::<u32>().unwrap_or(0);
    Date::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10)).ok_or("impossible date")
}

/// The header of a table, resolved against the columns a loader reads.
struct Header {
    /// Field index of each spec column.
    fields: Vec<Option<usize>>,
    /// Each spec column's name as the header writes it (its contract name when absent).
    names: Vec<Box<str>>,
    /// Number of fields in the header row.
    width: usize,
}

/// A contract column read under another header name (`[columns.*]` in csp-audit.toml).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnMapping {
    /// The contract column (`reseller_id`).
    pub column: String,
    /// The header name it is read from (`ResellerMpnId`), compared case-insensitively.
    pub header: String,
    /// Where the mapping is configured, for messages (`csp-audit.toml:7`).
    pub origin: String,
}

/// How a table's bytes are decoded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (a BOM is accepted).
    #[default]
    Utf8,
    /// Windows-1252, Excel's legacy code page in western Europe and the Americas.
    Windows1252,
}

/// How tables are read: what the command line and csp-audit.toml say about the files.
#[derive(Clone, Debug, Default)]
pub struct ReadOptions {
    /// The field separator to use; `None`: detected from the header row.
    pub delimiter: Option<u8>,
    /// How the bytes are decoded.
    pub encoding: Encoding,
    /// Contract columns read under other header names.
    pub mapping: Vec<ColumnMapping>,
}

/// What the header of a table said, beyond where each column is.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableInfo {
    /// Header names that are no column the loader reads, as written, in header order.
    pub ignored: Vec<String>,
    /// Optional columns the header does not have, in spec order.
    pub absent: Vec<&'static str>,
    /// Contract columns read under another header name: (contract name, header as written).
    pub mapped: Vec<(&'static str, String)>,
    /// The field separator detected from the header when it is not a comma.
    pub detected_delimiter: Option<u8>,
}

/// The header name spec column `c` is looked for under (lower case).
fn wanted_name(c: &Column, mapping: &[ColumnMapping]) -> String {
    mapping
        .iter()
        .find(|m| m.column == c.name)
        .map_or_else(|| c.name.to_string(), |m| m.header.trim().to_lowercase())
}

#[allow(clippy::too_many_arguments)]
fn resolve_header(
    file: &Arc<str>,
    line: u64,
    start: u64,
    reread: &Reread<'_>,
    record: &csv::ByteRecord,
    columns: &[Column],
    mapping: &[ColumnMapping],
    errors: &mut Vec<Problem>,
    info: &mut TableInfo,
) -> Option<Header> {
    let before = errors.len();
    // A header of one field that another separator splits into our columns: the file is
    // read with the wrong separator (`--delimiter`), which is one problem, not one per column.
    if let [only] = record.iter().collect::<Vec<_>>()[..] {
        let other = detect_delimiter(only, columns, mapping);
        if other != reread.delimiter && only.contains(&other) {
            errors.push(Problem::whole_file(
                file,
                format!(
                    "the header is one column: its names are separated by {}, not {}: expected --delimiter {} or no --delimiter",
                    delimiter_name(other),
                    delimiter_name(reread.delimiter),
                    delimiter_name(other).trim_matches('\''),
                ),
            ));
            return None;
        }
    }
    let mut fields = vec![None; columns.len()];
    let mut names: Vec<Box<str>> = columns.iter().map(|c| c.name.into()).collect();
    let wanted: Vec<String> = columns.iter().map(|c| wanted_name(c, mapping)).collect();
    let is_mapped = |c: usize| mapping.iter().any(|m| m.column == columns[c].name);
    // Unknown names as written (for messages) and lower-cased (for matching).
    let mut unknown: Vec<(usize, &str, String)> = Vec::new();
    for (i, raw) in record.iter().enumerate() {
        let (written, name) = match std::str::from_utf8(raw) {
            Ok(n) => {
                let written = n.trim_start_matches('\u{feff}').trim();
                (written, written.to_lowercase())
            }
            Err(e) => {
                errors.push(Problem::new(
                    file,
                    line,
                    i as u64 + 1,
                    format!(
                        "invalid UTF-8 in header name at byte offset {}: expected UTF-8 text{}",
                        reread
                            .raw_offset(start, i, e.valid_up_to())
                            .unwrap_or(start + e.valid_up_to() as u64),
                        windows_1252_hint(Encoding::Utf8, raw)
                    ),
                ));
                continue;
            }
        };
        match wanted.iter().position(|w| *w == name) {
            Some(c) if fields[c].is_some() => errors.push(Problem::new(
                file,
                line,
                i as u64 + 1,
                format!(
                    "duplicated column {} (first in column {}): expected each column once",
                    quote(written),
                    fields[c].map_or(0, |f| f + 1)
                ),
            )),
            Some(c) => {
                fields[c] = Some(i);
                names[c] = written.into();
            }
            None => unknown.push((i, written, name)),
        }
    }
    // A mapped name the header lacks is a mistake in the mapping (or the wrong file).
    for (c, col) in columns.iter().enumerate() {
        if let (None, Some(m)) = (fields[c], mapping.iter().find(|m| m.column == col.name)) {
            let hint = did_you_mean(&m.header, unknown.iter().map(|u| u.1));
            errors.push(Problem::new(
                file,
                line,
                1,
                format!(
                    "no column {}{hint} in the header: {} reads {} from it",
                    quote(&m.header),
                    m.origin,
                    col.name
                ),
            ));
        }
    }
    // An unknown column that looks like a missing known one is a typo or the export's own name
    // for it, not an extra column: ignoring it would silently drop that column's data. Next to
    // a missing required column anything alike is named (the header fails anyway); next to a
    // missing optional one a near-exact spelling or a name with the column's words counts
    // (`reseller` or `ResellerMpnId` for `reseller_id`), but not a name that says it holds
    // something else, as real exports carry extra columns such as `reseller_name` or
    // `relationship_type` that merely resemble ours.
    let (found, is_mapped) = (&fields, &is_mapped);
    let missing = |required: bool| {
        columns
            .iter()
            .enumerate()
            .filter(move |(c, col)| {
                found[*c].is_none() && col.required == required && !is_mapped(*c)
            })
            .map(|(_, col)| col.name)
    };
    let mut explained = Vec::new();
    for (i, written, name) in &unknown {
        let mut hint = did_you_mean(name, missing(true));
        if hint.is_empty() {
            if let Some(m) = missing(true)
                .chain(missing(false))
                .find(|m| misspelt(name, m) || shares_words(written, m))
            {
                hint = format!(" (did you mean '{m}'?)");
            }
        }
        if hint.is_empty() {
            info.ignored.push(written.to_string());
        } else {
            errors.push(Problem::new(
                file,
                line,
                *i as u64 + 1,
                format!(
                    "unknown column {}{hint}: fix the header, or its values would be ignored",
                    quote(written)
                ),
            ));
            explained.extend(missing(true).filter(|m| hint.contains(&format!("'{m}'"))));
        }
    }
    for (c, (col, field)) in columns.iter().zip(&fields).enumerate() {
        if col.required && field.is_none() && !explained.contains(&col.name) && !is_mapped(c) {
            errors.push(Problem::new(
                file,
                line,
                1,
                format!(
                    "missing required column '{}': expected a header with {}",
                    col.name,
                    required_names(columns)
                ),
            ));
        }
    }
    for (c, col) in columns.iter().enumerate() {
        match fields[c] {
            None if !col.required => info.absent.push(col.name),
            Some(_) if is_mapped(c) => info.mapped.push((col.name, names[c].to_string())),
            _ => {}
        }
    }
    (errors.len() == before).then_some(Header {
        fields,
        names,
        width: record.len(),
    })
}

/// Whether header name `found` is a misspelling of column `name`: the same letters and digits
/// (`Onboarded On`, `onboarded-on`), or at most two edits apart (`organisation_id`).
fn misspelt(found: &str, name: &str) -> bool {
    let letters = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
    letters(found) == letters(name) || strsim::damerau_levenshtein(found, name) <= 2
}

/// The words of a header name, lower case: split at `_`, `-`, spaces, dots and camelCase
/// humps (`ResellerMpnId`, `MPASignedOn`), common abbreviations spelt out (`org`).
pub(crate) fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            continue;
        }
        let prev = i.checked_sub(1).map(|p| chars[p]);
        let next = chars.get(i + 1).copied();
        // A hump: lower → Upper (`resellerId`), or the last capital of an acronym before a
        // lower-case letter (`MPASigned`: `MPA`, `Signed`).
        let hump = c.is_uppercase()
            && prev.is_some_and(|p| {
                p.is_lowercase()
                    || p.is_ascii_digit()
                    || (p.is_uppercase() && next.is_some_and(char::is_lowercase))
            });
        if hump && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    for w in &mut out {
        let full = match w.as_str() {
            "org" | "orgs" | "organisation" => "organization",
            "rel" | "relation" => "relationship",
            "cust" => "customer",
            "eff" => "effective",
            "mpa" | "agreement" => "mpa",
            _ => continue,
        };
        *w = full.to_string();
    }
    out
}

/// Words that say nothing about which column a name is (`id` ends half of them).
const GENERIC_WORDS: [&str; 4] = ["id", "on", "date", "the"];

/// Words that may stand next to a column's own words in another export's name for it: the
/// kind of value (`reseller_mpn_id` for `reseller_id`, `mpa_date` for `mpa_signed_on`).
fn kind_words(column: &str) -> &'static [&'static str] {
    if column.ends_with("_id") {
        &[
            "id", "mpn", "guid", "uuid", "number", "no", "num", "key", "code", "ref",
        ]
    } else if column.ends_with("_on") {
        &[
            "on",
            "date",
            "day",
            "at",
            "dt",
            "signed",
            "signature",
            "time",
        ]
    } else {
        &[]
    }
}

/// Whether header name `found` is another export's name for column `column`: it has one of
/// the column's distinctive words, and every other word of it is one of the column's words or
/// says what kind of value the column holds. `reseller`, `ResellerMpnId` and `reseller_number`
/// are `reseller_id`; `reseller_name` is not (a name is not an id), nor is `relationship_type`
/// `relationship_id`.
pub(crate) fn shares_words(found: &str, column: &str) -> bool {
    let have = words(found);
    let want = words(column);
    let shared = have
        .iter()
        .any(|w| want.contains(w) && !GENERIC_WORDS.contains(&w.as_str()));
    shared
        && have
            .iter()
            .all(|w| want.contains(w) || kind_words(column).contains(&w.as_str()))
}

/// ` (the file may be Windows-1252: ...)` when undecodable bytes read as Windows-1252 text:
/// every byte that is not ASCII is a letter or sign there (not one of its five unused codes).
fn windows_1252_hint(encoding: Encoding, raw: &[u8]) -> &'static str {
    let unused = |b: &u8| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D);
    let plausible = raw.iter().any(|b| !b.is_ascii()) && !raw.iter().any(unused);
    if encoding == Encoding::Utf8 && plausible {
        " (the file may be Windows-1252: try --encoding windows-1252)"
    } else {
        ""
    }
}

/// Opens a file for reading, turning the usual failures into one positioned error.
fn open(path: &Path, file: &Arc<str>) -> Result<File, Problem> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(Problem::whole_file(
                file,
                "is a directory: expected a CSV file",
            ))
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(Problem::whole_file(
                file,
                "file not found: expected a CSV file here",
            ))
        }
        Err(e) => return Err(Problem::whole_file(file, cannot_read(&e))),
    }
    File::open(path).map_err(|e| Problem::whole_file(file, cannot_read(&e)))
}

/// Reads a whole (small) file, with the same messages as the table reader.
pub(super) fn read_all(path: &Path, file: &Arc<str>) -> Result<Vec<u8>, Problem> {
    let mut bytes = Vec::new();
    open(path, file)?
        .read_to_end(&mut bytes)
        .map_err(|e| Problem::whole_file(file, cannot_read(&e)))?;
    Ok(bytes)
}

/// The message for an I/O failure.
fn cannot_read(e: &io::Error) -> String {
    format!("cannot read file: {e}")
}

/// Where a table is read from.
pub enum Source<'a> {
    /// A file on disk, opened by the loader.
    Path(&'a Path),
    /// The bytes of a file, already in memory.
    Bytes(&'a [u8]),
    /// Any reader; a byte offset in a message is then exact only when no earlier field of the
    /// row is quoted.
    Reader(Box<dyn Read + 'a>),
}

/// How the raw bytes of a row can be read again, for exact byte offsets in messages.
pub(crate) struct Reread<'a> {
    from: RereadFrom<'a>,
    comment: Option<u8>,
    delimiter: u8,
}

enum RereadFrom<'a> {
    File(&'a Path),
    Bytes(&'a [u8]),
    Nothing,
}

impl Reread<'_> {
    /// Offset in the file of byte `at` of the value of field `field` of the row that starts at
    /// byte `row_start`, or `None` when the row cannot be read again.
    fn raw_offset(&self, row_start: u64, field: usize, at: usize) -> Option<u64> {
        let found = match self.from {
            RereadFrom::Bytes(bytes) => {
                let raw = bytes.get(usize::try_from(row_start).ok()?..)?;
                locate(raw.iter().copied(), self.comment, self.delimiter, field, at)
            }
            RereadFrom::File(path) => {
                let mut f = File::open(path).ok()?;
                f.seek(SeekFrom::Start(row_start)).ok()?;
                let raw = io::BufReader::new(f).bytes().map_while(Result::ok);
                locate(raw, self.comment, self.delimiter, field, at)
            }
            RereadFrom::Nothing => None,
        };
        found.map(|o| row_start + o)
    }
}

/// Where, from the start of a raw CSV row, byte `at` of the value of field `field` is, following
/// the csv crate's parser: RFC 4180 quotes (`""` is one quote), a quote opens a quoted section
/// only at the start of a field, blank and comment lines before the row are skipped.
fn locate(
    raw: impl Iterator<Item = u8>,
    comment: Option<u8>,
    delimiter: u8,
    field: usize,
    at: usize,
) -> Option<u64> {
    #[derive(Clone, Copy)]
    enum S {
        Record,
        Comment,
        Field,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = S::Record;
    let mut current = 0;
    let mut produced = 0;
    for (i, b) in raw.enumerate() {
        // Records end at LF only (see `read_records`); a CR is part of the value.
        let is_term = b == b'\n';
        // (next state, whether the byte is part of the value, whether it ends the field)
        let (next, value, ends) = match state {
            S::Record if is_term => (S::Record, false, false),
            S::Record if Some(b) == comment => (S::Comment, false, false),
            S::Comment if b == b'\n' => (S::Record, false, false),
            S::Comment => (S::Comment, false, false),
            S::Record | S::Field if b == b'"' => (S::Quoted, false, false),
            S::Quoted if b == b'"' => (S::QuoteInQuoted, false, false),
            S::Quoted => (S::Quoted, true, false),
            // A doubled quote inside a quoted field is one quote of the value.
            S::QuoteInQuoted if b == b'"' => (S::Quoted, true, false),
            _ if b == delimiter => (S::Field, false, true),
            _ if is_term => return None,
            // Text after a closing quote continues the value unquoted, as the csv crate reads it.
            _ => (S::Unquoted, true, false),
        };
        if current == field && value {
            if produced == at {
                return Some(i as u64);
            }
            produced += 1;
        }
        if ends {
            current += 1;
            if current > field {
                return None;
            }
        }
        state = next;
    }
    None
}

/// Reads `source` as a table with `columns`, calling `on_row` for every data row.
///
/// `on_row` reads fields through the [`Row`], records its own problems on it, and stores the
/// row only if [`Row::ok`]; a row with problems is counted as rejected. Every problem, of the
/// file or of any row, goes to `errors`; what the header said goes to `info`.
pub fn read_table<F>(
    source: Source<'_>,
    file: &Arc<str>,
    columns: &[Column],
    opts: &ReadOptions,
    errors: &mut Vec<Problem>,
    info: &mut TableInfo,
    mut on_row: F,
) -> FileStats
where
    F: FnMut(&mut Row<'_>),
{
    let table = Table {
        file,
        columns,
        opts,
        comment: None,
    };
    read_source(source, &table, errors, info, |rows| {
        for row in rows.iter_mut().filter(|r| r.width_ok) {
            on_row(row);
        }
    })
}

/// Like [`read_table`], with the rows checked in parallel: `check` reads a row's fields and
/// does what it can without shared state changing (it may run on any thread), and `store` then
/// receives every row with what `check` made of it, in file order, on this thread, to finish
/// it (it may still record problems) and store it if it has none. Messages, counts and stored
/// rows are the same as reading row by row.
#[allow(clippy::too_many_arguments)]
pub fn read_table_par<T, C, S>(
    source: Source<'_>,
    file: &Arc<str>,
    columns: &[Column],
    opts: &ReadOptions,
    errors: &mut Vec<Problem>,
    info: &mut TableInfo,
    check: C,
    mut store: S,
) -> FileStats
where
    T: Send,
    C: Fn(&mut Row<'_>) -> Option<T> + Sync,
    S: FnMut(Option<T>, &mut Row<'_>),
{
    use rayon::prelude::*;
    let table = Table {
        file,
        columns,
        opts,
        comment: None,
    };
    read_source(source, &table, errors, info, |rows| {
        let checked: Vec<Option<T>> = rows
            .par_iter_mut()
            .with_min_len(256)
            .map(|row| if row.width_ok { check(row) } else { None })
            .collect();
        for (row, value) in rows.iter_mut().zip(checked) {
            if row.width_ok {
                store(value, row);
            }
        }
    })
}

/// Like [`read_table`] with the default options, skipping lines that start with `comment`
/// (used by the region table).
pub fn read_with_comments<F>(
    source: Source<'_>,
    file: &Arc<str>,
    columns: &[Column],
    comment: Option<u8>,
    errors: &mut Vec<Problem>,
    mut on_row: F,
) -> FileStats
where
    F: FnMut(&mut Row<'_>),
{
    let opts = ReadOptions {
        delimiter: Some(b','),
        ..ReadOptions::default()
    };
    let table = Table {
        file,
        columns,
        opts: &opts,
        comment,
    };
    read_source(source, &table, errors, &mut TableInfo::default(), |rows| {
        for row in rows.iter_mut().filter(|r| r.width_ok) {
            on_row(row);
        }
    })
}

/// What is read, and how.
struct Table<'a> {
    file: &'a Arc<str>,
    columns: &'a [Column],
    opts: &'a ReadOptions,
    comment: Option<u8>,
}

/// Opens `source` and reads it in batches of rows, each given to `batch` in file order.
fn read_source<F>(
    source: Source<'_>,
    table: &Table<'_>,
    errors: &mut Vec<Problem>,
    info: &mut TableInfo,
    batch: F,
) -> FileStats
where
    F: FnMut(&mut [Row<'_>]),
{
    // Decoded Windows-1252 text is not the file's bytes: it is never read again (every byte
    // decodes, so no message needs a byte offset).
    let utf8 = table.opts.encoding == Encoding::Utf8;
    let from = |from| if utf8 { from } else { RereadFrom::Nothing };
    match source {
        Source::Path(path) => match open(path, table.file) {
            Ok(f) => read_decoded(f, from(RereadFrom::File(path)), table, errors, info, batch),
            Err(e) => {
                errors.push(e);
                FileStats::default()
            }
        },
        Source::Bytes(bytes) => read_decoded(
            bytes,
            from(RereadFrom::Bytes(bytes)),
            table,
            errors,
            info,
            batch,
        ),
        Source::Reader(reader) => {
            read_decoded(reader, RereadFrom::Nothing, table, errors, info, batch)
        }
    }
}

/// [`read_records`] over the bytes decoded as the options say.
fn read_decoded<R, F>(
    reader: R,
    from: RereadFrom<'_>,
    table: &Table<'_>,
    errors: &mut Vec<Problem>,
    info: &mut TableInfo,
    batch: F,
) -> FileStats
where
    R: Read,
    F: FnMut(&mut [Row<'_>]),
{
    match table.opts.encoding {
        Encoding::Utf8 => read_records(reader, from, table, errors, info, batch),
        Encoding::Windows1252 => {
            read_records(Windows1252::new(reader), from, table, errors, info, batch)
        }
    }
}

/// A reader of Windows-1252 bytes that gives their text as UTF-8. Lines, fields and quotes
/// are unchanged (every byte is one character), so positions stay exact.
struct Windows1252<R> {
    inner: R,
    decoder: encoding_rs::Decoder,
    input: Vec<u8>,
    output: Vec<u8>,
    /// How much of `output` has been given out.
    given: usize,
    done: bool,
}

impl<R: Read> Windows1252<R> {
    fn new(inner: R) -> Self {
        Windows1252 {
            inner,
            decoder: encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling(),
            input: vec![0; 1 << 16],
            output: Vec::new(),
            given: 0,
            done: false,
        }
    }
}

impl<R: Read> Read for Windows1252<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.given == self.output.len() && !self.done {
            let n = self.inner.read(&mut self.input)?;
            let last = n == 0;
            let room = self.decoder.max_utf8_buffer_length(n).unwrap_or(3 * n + 16);
            self.output.resize(room, 0);
            let (_, _, written, _) =
                self.decoder
                    .decode_to_utf8(&self.input[..n], &mut self.output, last);
            self.output.truncate(written);
            self.given = 0;
            self.done = last;
        }
        let n = buf.len().min(self.output.len() - self.given);
        buf[..n].copy_from_slice(&self.output[self.given..self.given + n]);
        self.given += n;
        Ok(n)
    }
}

/// A reader that remembers its last byte and whether it reached the end, so that the line of
/// a last row without a line end is known.
struct Tracked<R> {
    inner: R,
    state: std::rc::Rc<std::cell::Cell<(Option<u8>, bool)>>,
}

impl<R: Read> Read for Tracked<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let (last, _) = self.state.get();
        self.state.set(match n {
            0 => (last, true),
            n => (Some(buf[n - 1]), false),
        });
        Ok(n)
    }
}

/// Picks the field separator from the header line: the one of `,` `;` tab `|` that splits it
/// into the most column names the table reads (a comma when none does better).
fn detect_delimiter(head: &[u8], columns: &[Column], mapping: &[ColumnMapping]) -> u8 {
    let wanted: Vec<String> = columns.iter().map(|c| wanted_name(c, mapping)).collect();
    // The first line that holds anything.
    let line = head
        .split(|&b| b == b'\n')
        .find(|l| !l.trim_ascii().is_empty())
        .unwrap_or_default();
    let known = |d: u8| {
        line.split(|&b| b == d)
            .filter(|name| {
                let name = String::from_utf8_lossy(name);
                let name = name.trim_start_matches('\u{feff}').trim().trim_matches('"');
                wanted.contains(&name.trim().to_lowercase())
            })
            .count()
    };
    let mut best = (b',', known(b','));
    for d in [b';', b'\t', b'|'] {
        let n = known(d);
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

/// The name of a field separator, for messages.
pub fn delimiter_name(d: u8) -> String {
    match d {
        b'\t' => "tab".to_string(),
        d => format!("'{}'", char::from(d)),
    }
}

/// About how many data rows `source` holds, from its size and the rows in its first 64 KiB
/// (0 when unknown), so that loaders can size their tables once: growing a table of millions
/// of rows by doubling copies it into fresh memory again and again. Only regular files are
/// measured (a pipe read here would lose its first bytes); blank lines do not count, and the
/// estimate stays below one row per 16 bytes and [`MAX_ROW_ESTIMATE`], so a strange file costs
/// at most a too-large reservation.
pub fn row_estimate(source: &Source<'_>) -> usize {
    const SAMPLE: usize = 1 << 16;
    let estimate = |len: u64, head: &[u8]| -> usize {
        let rows = head
            .split(|&b| b == b'\n')
            .filter(|line| !line.trim_ascii().is_empty())
            .count();
        if rows < 2 {
            return rows;
        }
        // Rows in the sample, scaled to the whole file, less the header.
        let per_row = head.len() as f64 / rows as f64;
        let scaled = (len as f64 / per_row) as usize;
        scaled
            .saturating_sub(1)
            .min(len as usize / 16)
            .min(MAX_ROW_ESTIMATE)
    };
    match source {
        Source::Path(path) => {
            match std::fs::metadata(path) {
                Ok(meta) if meta.is_file() => {}
                _ => return 0,
            }
            let Ok(mut f) = File::open(path) else {
                return 0;
            };
            let len = f.metadata().map_or(0, |m| m.len());
            let mut head = Vec::with_capacity(SAMPLE);
            if (&mut f).take(SAMPLE as u64).read_to_end(&mut head).is_err() {
                return 0;
            }
            estimate(len, &head)
        }
        Source::Bytes(bytes) => estimate(bytes.len() as u64, &bytes[..bytes.len().min(SAMPLE)]),
        Source::Reader(_) => 0,
    }
}

/// The most rows [`row_estimate`] promises: past it tables grow as they must.
pub const MAX_ROW_ESTIMATE: usize = 50_000_000;

/// Rows read before they are handed on together (and, with [`read_table_par`], checked in
/// parallel): large enough to keep both cores busy, small enough to stay in cache.
const BATCH_ROWS: usize = 4096;

/// Where a record really starts: the csv crate gives the position where it began reading it,
/// before the blank (and comment) lines it skipped, which would shift every later line.
/// `begun` is that position (line, byte), `end_line` the reader's line after the record, and
/// `unended` whether the record ends the file without a line end. Every line skipped is one
/// LF byte more between the two positions, besides the line ends inside quoted fields and the
/// record's own.
fn record_start(
    begun: (u64, u64),
    end_line: u64,
    record: &csv::ByteRecord,
    unended: bool,
) -> (u64, u64) {
    let spanned = end_line.saturating_sub(begun.0);
    let own = u64::from(!unended);
    if spanned <= own {
        return begun;
    }
    let inside = record.as_slice().iter().filter(|&&b| b == b'\n').count() as u64;
    let skipped = spanned.saturating_sub(own + inside);
    (begun.0 + skipped, begun.1 + skipped)
}

/// Whether a record holds no data: a blank line (nothing, or a CR alone in a CRLF file),
/// which is no row at all, or whitespace and separators only (Excel's empty rows `,,,,`),
/// which is a row that is skipped and counted. `None` when it holds data.
fn empty_record(record: &csv::ByteRecord) -> Option<bool> {
    if !record.iter().all(|f| f.trim_ascii().is_empty()) {
        return None;
    }
    let blank = record.len() == 1 && matches!(&record[0], b"" | b"\r");
    Some(blank)
}

fn read_records<R, F>(
    reader: R,
    from: RereadFrom<'_>,
    table: &Table<'_>,
    errors: &mut Vec<Problem>,
    info: &mut TableInfo,
    mut batch: F,
) -> FileStats
where
    R: Read,
    F: FnMut(&mut [Row<'_>]),
{
    let Table {
        file,
        columns,
        opts,
        comment,
    } = *table;
    let tracked = std::rc::Rc::new(std::cell::Cell::new((None, false)));
    let mut input = io::BufReader::with_capacity(
        1 << 20,
        Tracked {
            inner: reader,
            state: std::rc::Rc::clone(&tracked),
        },
    );
    // Whether the record just read ends the file without a line end.
    let unended = || matches!(tracked.get(), (Some(last), true) if last != b'\n');
    // A byte order mark is skipped (positions still count its bytes); a UTF-16 one means the
    // whole file is in the wrong encoding, which is better said once than on every field.
    let (base, delimiter) = match input.fill_buf() {
        Ok([0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) => {
            errors.push(Problem::whole_file(
                file,
                "the file is UTF-16 (it starts with a UTF-16 byte order mark): expected UTF-8, e.g. saved as \"CSV UTF-8\"",
            ));
            return FileStats::default();
        }
        Ok(head) => {
            let base = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
                3
            } else {
                0
            };
            let delimiter = opts
                .delimiter
                .unwrap_or_else(|| detect_delimiter(&head[base..], columns, &opts.mapping));
            (base, delimiter)
        }
        Err(e) => {
            errors.push(Problem::whole_file(file, cannot_read(&e)));
            return FileStats::default();
        }
    };
    if opts.delimiter.is_none() && delimiter != b',' {
        info.detected_delimiter = Some(delimiter);
    }
    let reread = &Reread {
        from,
        comment,
        delimiter,
    };
    input.consume(base);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(comment)
        .delimiter(delimiter)
        // Records end at LF. With the csv crate's default (CR, LF or CRLF), the positions of
        // records after a CRLF are one line and one byte early; here the CR of a CRLF stays at
        // the end of the last field, where trimming removes it, and a line holding only a CR
        // (a blank line in a CRLF file) is skipped below.
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(input);
    let mut stats = FileStats::default();
    let mut record = csv::ByteRecord::new();
    // Row problems kept, and those only counted (past MAX_ROW_ERRORS) with their rows.
    let mut kept = 0;
    let (mut omitted, mut omitted_rows) = (0u64, 0u64);
    // Rows rejected because they refer into a file none of whose rows loaded, per file.
    let mut unresolved: Vec<(Arc<str>, u64)> = Vec::new();
    let begun = |record: &csv::ByteRecord| {
        let pos = record
            .position()
            .cloned()
            .unwrap_or_else(csv::Position::new);
        (pos.line(), pos.byte() + base as u64)
    };

    // Lines before the header that hold nothing are not the header.
    let mut first = rdr.read_byte_record(&mut record);
    while matches!(first, Ok(true)) && empty_record(&record).is_some() {
        first = rdr.read_byte_record(&mut record);
    }
    let header_line;
    let header = match first {
        Ok(true) => {
            let (line, start) =
                record_start(begun(&record), rdr.position().line(), &record, unended());
            header_line = line;
            // Lines ended by CR alone (classic Mac OS) read as one long line; say so rather
            // than report a header of strange column names.
            let cr_inside = |f: &[u8]| f.trim_ascii().contains(&b'\r');
            if record.iter().any(cr_inside) {
                errors.push(Problem::whole_file(
                    file,
                    "lines end with CR alone: expected LF or CRLF line ends",
                ));
                None
            } else {
                resolve_header(
                    file,
                    line,
                    start,
                    reread,
                    &record,
                    columns,
                    &opts.mapping,
                    errors,
                    info,
                )
            }
        }
        Ok(false) => {
            errors.push(Problem::whole_file(
                file,
                format!(
                    "empty file: expected a header row with {}",
                    required_names(columns)
                ),
            ));
            return stats;
        }
        Err(e) => {
            errors.push(csv_error(file, &e, rdr.position().line()));
            return stats;
        }
    };

    let Some(header) = header else {
        // Without a header no row can be read: count them all as rejected.
        loop {
            match rdr.read_byte_record(&mut record) {
                Ok(true) => match empty_record(&record) {
                    Some(true) => continue,
                    Some(false) => {
                        stats.read += 1;
                        stats.skipped += 1;
                    }
                    None => {
                        stats.read += 1;
                        stats.rejected += 1;
                    }
                },
                Ok(false) => break,
                Err(e) => {
                    stats.read += 1;
                    stats.rejected += 1;
                    errors.push(csv_error(file, &e, rdr.position().line()));
                    break;
                }
            }
        }
        finish(file, &stats, false, rdr.position().line(), errors);
        return stats;
    };
    // One batch of records, reused: the records and where each starts (line, byte).
    let mut records: Vec<csv::ByteRecord> = Vec::new();
    let mut starts: Vec<(u64, u64)> = Vec::with_capacity(BATCH_ROWS);
    let mut failed = None;
    loop {
        starts.clear();
        while starts.len() < BATCH_ROWS {
            if records.len() == starts.len() {
                records.push(csv::ByteRecord::new());
            }
            let record = &mut records[starts.len()];
            match rdr.read_byte_record(record) {
                Ok(true) => match empty_record(record) {
                    Some(true) => continue,
                    Some(false) => {
                        stats.read += 1;
                        stats.skipped += 1;
                    }
                    None => starts.push(record_start(
                        begun(record),
                        rdr.position().line(),
                        record,
                        unended(),
                    )),
                },
                Ok(false) => break,
                Err(e) => {
                    // An I/O failure mid-file: the rest cannot be read, and says so.
                    failed = Some(csv_error(file, &e, rdr.position().line()));
                    break;
                }
            }
        }
        if starts.is_empty() && failed.is_none() {
            break;
        }
        // Past the listing cap messages are only counted: their rows are not read again, so
        // a file with bad bytes on every row is not reopened millions of times.
        let reread_ok = kept < MAX_ROW_ERRORS;
        let mut rows: Vec<Row<'_>> = records
            .iter()
            .zip(&starts)
            .map(|(record, &(line, byte))| {
                let mut row = Row {
                    file,
                    record,
                    fields: &header.fields,
                    names: &header.names,
                    encoding: opts.encoding,
                    line,
                    byte,
                    source: reread,
                    errors: Vec::new(),
                    width_ok: record.len() == header.width,
                    reread_ok,
                    unresolved: None,
                };
                if !row.width_ok {
                    let column = record.len().min(header.width) as u64 + 1;
                    row.errors.push(Problem::new(
                        file,
                        line,
                        column,
                        format!(
                            "found {} field{}: expected {} as in the header{}",
                            record.len(),
                            if record.len() == 1 { "" } else { "s" },
                            header.width,
                            open_quote_hint(record)
                        ),
                    ));
                }
                row
            })
            .collect();
        batch(&mut rows);
        for row in &mut rows {
            stats.read += 1;
            let quiet = row.unresolved.take();
            if let Some(other) = &quiet {
                match unresolved.iter_mut().find(|(f, _)| f == other) {
                    Some((_, n)) => *n += 1,
                    None => unresolved.push((Arc::clone(other), 1)),
                }
            }
            if row.errors.is_empty() && quiet.is_none() {
                stats.loaded += 1;
            } else {
                stats.rejected += 1;
                if kept + row.errors.len() <= MAX_ROW_ERRORS {
                    kept += row.errors.len();
                    errors.append(&mut row.errors);
                } else {
                    kept = MAX_ROW_ERRORS;
                    omitted += row.errors.len() as u64;
                    omitted_rows += 1;
                }
            }
        }
        if let Some(e) = failed.take() {
            stats.read += 1;
            stats.rejected += 1;
            errors.push(e);
            break;
        }
        if starts.len() < BATCH_ROWS {
            break;
        }
    }
    for (other, n) in unresolved {
        errors.push(Problem::whole_file(
            file,
            format!(
                "{n} row{} not loaded: {} refer{} to {other}, of which no row was loaded",
                if n == 1 { "" } else { "s" },
                if n == 1 { "it" } else { "they" },
                if n == 1 { "s" } else { "" },
            ),
        ));
    }
    if omitted > 0 {
        let mut summed = Problem::whole_file(
            file,
            format!(
                "{omitted} more problems in {omitted_rows} more rejected rows not listed: the first {MAX_ROW_ERRORS} problems of a file are listed"
            ),
        );
        summed.unlisted = omitted;
        errors.push(summed);
    }
    // "No data rows" is said of the line after the header.
    finish(file, &stats, true, header_line + 1, errors);
    stats
}

/// The problems of a file as a whole once it is read: rows a bad header kept out, or no rows.
fn finish(
    file: &Arc<str>,
    stats: &FileStats,
    header_ok: bool,
    line: u64,
    errors: &mut Vec<Problem>,
) {
    if !header_ok && stats.rejected > 0 {
        errors.push(Problem::whole_file(
            file,
            format!(
                "{} data row{} not loaded because the header is invalid",
                stats.rejected,
                if stats.rejected == 1 { "" } else { "s" }
            ),
        ));
    } else if header_ok && stats.read == stats.skipped {
        errors.push(Problem::new(
            file,
            line.max(2),
            1,
            "no data rows after the header: expected at least one row",
        ));
    }
}

/// Required column names, for messages.
fn required_names(columns: &[Column]) -> String {
    columns
        .iter()
        .filter(|c| c.required)
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// For a row with the wrong number of fields that spans several lines: the likely cause, a
/// quote that was never closed and swallowed the lines after it.
fn open_quote_hint(record: &csv::ByteRecord) -> String {
    let newlines: usize = record
        .iter()
        .map(|f| f.iter().filter(|&&b| b == b'\n').count())
        .sum();
    if newlines == 0 {
        String::new()
    } else {
        format!(
            " (a quoted field runs over {} lines from here: is a closing quote missing?)",
            newlines + 1
        )
    }
}

/// A failure of the CSV reader itself (in practice an I/O error), at the line it stopped on.
fn csv_error(file: &Arc<str>, e: &csv::Error, line_now: u64) -> Problem {
    let line = e.position().map_or(line_now, |p| p.line()).max(1);
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => cannot_read(io),
        _ => format!("cannot read CSV: {e}"),
    };
    Problem::new(file, line, 1, message)
}

#[cfg(test)]
mod tests {
    use super::{detect_delimiter, req, row_estimate, shares_words, words, Source};

    #[test]
    fn words_split_at_punctuation_and_camel_case_humps() {
        assert_eq!(words("ResellerMpnId"), ["reseller", "mpn", "id"]);
        assert_eq!(words("MPASignedOn"), ["mpa", "signed", "on"]);
        assert_eq!(words(" org-id "), ["organization", "id"]);
        assert_eq!(words("Onboarded On"), ["onboarded", "on"]);
        assert_eq!(words("tenant2Id"), ["tenant2", "id"]);
    }

    #[test]
    fn a_name_shares_a_columns_words_only_when_it_says_nothing_else() {
        for (found, column) in [
            ("reseller", "reseller_id"),
            ("reseller_mpn_id", "reseller_id"),
            ("ResellerNumber", "reseller_id"),
            ("mpa_date", "mpa_signed_on"),
            ("MPA signature date", "mpa_signed_on"),
            ("tenant_id", "csp_tenant_id"),
            ("org_id", "organization_id"),
            ("effective_date", "effective_on"),
        ] {
            assert!(shares_words(found, column), "{found} ~ {column}");
        }
        for (found, column) in [
            ("reseller_name", "reseller_id"),
            ("relationship_type", "relationship_id"),
            ("tenant_name", "csp_tenant_id"),
            ("id", "reseller_id"),
            ("mpn_id", "csp_tenant_id"),
            ("notes", "organization_id"),
            ("reseller_country", "reseller_id"),
        ] {
            assert!(!shares_words(found, column), "{found} !~ {column}");
        }
    }

    #[test]
    fn the_delimiter_is_the_one_that_splits_the_header_into_known_columns() {
        let columns = [req("tenant_id"), req("name"), req("kind"), req("country")];
        assert_eq!(
            detect_delimiter(b"tenant_id;name;kind;country\n", &columns, &[]),
            b';'
        );
        assert_eq!(
            detect_delimiter(b"\n\"tenant_id\"\t\"name\"\n", &columns, &[]),
            b'\t'
        );
        assert_eq!(
            detect_delimiter(b"tenant_id|name,x|kind\n", &columns, &[]),
            b'|'
        );
        // Nothing known: the comma (and the header problems say what is wrong).
        assert_eq!(detect_delimiter(b"a;b;c\n", &columns, &[]), b',');
        assert_eq!(detect_delimiter(b"", &columns, &[]), b',');
    }

    #[test]
    fn row_estimate_scales_the_sample_and_ignores_what_is_not_a_row() {
        let mut text = String::from("tenant_id,name,kind,country\n");
        for i in 0..5_000 {
            text += &format!("t{i:05},Tenant {i:05},customer,US\n");
        }
        let n = row_estimate(&Source::Bytes(text.as_bytes()));
        assert!((4_900..=5_100).contains(&n), "{n}");
        // Blank lines are no rows: a header and 200 KB of them promise nothing.
        let blank = format!("tenant_id,name\n{}", "\n".repeat(200_000));
        assert_eq!(row_estimate(&Source::Bytes(blank.as_bytes())), 1);
        // No line end at all (one line, the header at most), or nothing.
        assert_eq!(row_estimate(&Source::Bytes(&[0u8; 100_000])), 1);
        assert_eq!(row_estimate(&Source::Bytes(b"")), 0);
        // A short header and one long line: at most one row per 16 bytes.
        let long = format!("a\nb\n{}", "x".repeat(1_000_000));
        assert!(row_estimate(&Source::Bytes(long.as_bytes())) <= 1_000_004 / 16);
        // What is not a regular file is not read ahead.
        assert_eq!(row_estimate(&Source::Path(std::path::Path::new("/"))), 0);
        assert_eq!(
            row_estimate(&Source::Path(std::path::Path::new("/dev/null"))),
            0
        );
    }
}
