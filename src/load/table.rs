//! Reading one CSV table: header resolution, per-field decoding and positioned errors.
//!
//! Records are read into one reused [`csv::ByteRecord`]; a field is decoded (UTF-8, trimmed)
//! only when a loader asks for it, so unknown columns cost nothing.

use std::fs::File;
use std::io::{self, BufRead, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use super::error::{did_you_mean, quote, InputError};
use crate::model::{Date, FileStats};

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
    columns: &'a [Column],
    /// Physical line where the row starts.
    pub line: u64,
    /// Byte offset in the file where the row starts.
    byte: u64,
    /// Where the row can be read again, for exact byte offsets in messages.
    source: &'a Reread<'a>,
    errors: Vec<InputError>,
    /// Whether the row has as many fields as the header (only then is it given to a loader).
    width_ok: bool,
    /// Whether the row may be read again for an exact byte offset: only while the file's
    /// messages are still listed (decided per batch, in file order, so that it does not depend
    /// on which thread checks which row).
    reread_ok: bool,
}

impl<'a> Row<'a> {
    /// Whether no problem has been found in the row so far.
    pub fn ok(&self) -> bool {
        self.errors.is_empty()
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
            .push(InputError::new(self.file, self.line, column, message));
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
                self.error(
                    col,
                    format!(
                        "invalid UTF-8 in column '{}' at byte offset {offset}: expected UTF-8 text",
                        self.columns[col].name
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
                    self.columns[col].name
                ),
            );
            return None;
        }
        if text.len() > MAX_FIELD_BYTES {
            self.error(
                col,
                format!(
                    "value in column '{}' is {} bytes long: expected at most {MAX_FIELD_BYTES}",
                    self.columns[col].name,
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
                format!("empty '{}': a value is required", self.columns[col].name),
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
                    self.columns[col].name,
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
                        self.columns[col].name,
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
    /// Number of fields in the header row.
    width: usize,
}

fn resolve_header(
    file: &Arc<str>,
    line: u64,
    start: u64,
    reread: &Reread<'_>,
    record: &csv::ByteRecord,
    columns: &[Column],
    errors: &mut Vec<InputError>,
) -> Option<Header> {
    let before = errors.len();
    let mut fields = vec![None; columns.len()];
    // Unknown names as written (for messages) and lower-cased (for matching).
    let mut unknown: Vec<(usize, &str, String)> = Vec::new();
    for (i, raw) in record.iter().enumerate() {
        let (written, name) = match std::str::from_utf8(raw) {
            Ok(n) => {
                let written = n.trim_start_matches('\u{feff}').trim();
                (written, written.to_ascii_lowercase())
            }
            Err(e) => {
                errors.push(InputError::new(
                    file,
                    line,
                    i as u64 + 1,
                    format!(
                        "invalid UTF-8 in header name at byte offset {}: expected UTF-8 text",
                        reread
                            .raw_offset(start, i, e.valid_up_to())
                            .unwrap_or(start + e.valid_up_to() as u64)
                    ),
                ));
                continue;
            }
        };
        match columns.iter().position(|c| c.name == name) {
            Some(c) if fields[c].is_some() => errors.push(InputError::new(
                file,
                line,
                i as u64 + 1,
                format!(
                    "duplicated column {} (first in column {}): expected each column once",
                    quote(written),
                    fields[c].map_or(0, |f| f + 1)
                ),
            )),
            Some(c) => fields[c] = Some(i),
            None => unknown.push((i, written, name)),
        }
    }
    // An unknown column that looks like a missing known one is a typo, not an extra column:
    // ignoring it would silently drop that column's data. Next to a missing required column
    // anything alike is named (the header fails anyway); next to a missing optional one only a
    // near-exact spelling counts, since real exports carry extra columns such as
    // `reseller_name` or `relationship_type` that merely resemble ours.
    let missing = |required: bool| {
        columns
            .iter()
            .zip(&fields)
            .filter(move |(c, f)| f.is_none() && c.required == required)
            .map(|(c, _)| c.name)
    };
    let mut explained = Vec::new();
    for (i, written, name) in &unknown {
        let mut hint = did_you_mean(name, missing(true));
        if hint.is_empty() {
            if let Some(m) = missing(false).find(|m| misspelt(name, m)) {
                hint = format!(" (did you mean '{m}'?)");
            }
        }
        if !hint.is_empty() {
            errors.push(InputError::new(
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
    for (col, field) in columns.iter().zip(&fields) {
        if col.required && field.is_none() && !explained.contains(&col.name) {
            errors.push(InputError::new(
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
    (errors.len() == before).then_some(Header {
        fields,
        width: record.len(),
    })
}

/// Whether header name `found` is a misspelling of column `name`: the same letters and digits
/// (`Onboarded On`, `onboarded-on`), or at most two edits apart (`organisation_id`).
fn misspelt(found: &str, name: &str) -> bool {
    let letters = |s: &str| -> String { s.chars().filter(|c| c.is_alphanumeric()).collect() };
    letters(found) == letters(name) || strsim::damerau_levenshtein(found, name) <= 2
}

/// Opens a file for reading, turning the usual failures into one positioned error.
fn open(path: &Path, file: &Arc<str>) -> Result<File, InputError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            return Err(InputError::whole_file(
                file,
                "is a directory: expected a CSV file",
            ))
        }
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(InputError::whole_file(
                file,
                "file not found: expected a CSV file here",
            ))
        }
        Err(e) => return Err(InputError::whole_file(file, cannot_read(&e))),
    }
    File::open(path).map_err(|e| InputError::whole_file(file, cannot_read(&e)))
}

/// Reads a whole (small) file, with the same messages as the table reader.
pub(super) fn read_all(path: &Path, file: &Arc<str>) -> Result<Vec<u8>, InputError> {
    let mut bytes = Vec::new();
    open(path, file)?
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::whole_file(file, cannot_read(&e)))?;
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
                locate(raw.iter().copied(), self.comment, field, at)
            }
            RereadFrom::File(path) => {
                let mut f = File::open(path).ok()?;
                f.seek(SeekFrom::Start(row_start)).ok()?;
                let raw = io::BufReader::new(f).bytes().map_while(Result::ok);
                locate(raw, self.comment, field, at)
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
            _ if b == b',' => (S::Field, false, true),
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
/// file or of any row, goes to `errors`.
pub fn read_table<F>(
    source: Source<'_>,
    file: &Arc<str>,
    columns: &[Column],
    errors: &mut Vec<InputError>,
    on_row: F,
) -> FileStats
where
    F: FnMut(&mut Row<'_>),
{
    read_with_comments(source, file, columns, None, errors, on_row)
}

/// Like [`read_table`], with the rows checked in parallel: `check` reads a row's fields and
/// does what it can without shared state changing (it may run on any thread), and `store` then
/// receives every row with what `check` made of it, in file order, on this thread, to finish
/// it (it may still record problems) and store it if it has none. Messages, counts and stored
/// rows are the same as reading row by row.
pub fn read_table_par<T, C, S>(
    source: Source<'_>,
    file: &Arc<str>,
    columns: &[Column],
    errors: &mut Vec<InputError>,
    check: C,
    mut store: S,
) -> FileStats
where
    T: Send,
    C: Fn(&mut Row<'_>) -> Option<T> + Sync,
    S: FnMut(Option<T>, &mut Row<'_>),
{
    use rayon::prelude::*;
    read_source(source, file, columns, None, errors, |rows| {
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

/// Like [`read_table`], skipping lines that start with `comment` (used by the region table).
pub fn read_with_comments<F>(
    source: Source<'_>,
    file: &Arc<str>,
    columns: &[Column],
    comment: Option<u8>,
    errors: &mut Vec<InputError>,
    mut on_row: F,
) -> FileStats
where
    F: FnMut(&mut Row<'_>),
{
    read_source(source, file, columns, comment, errors, |rows| {
        for row in rows.iter_mut().filter(|r| r.width_ok) {
            on_row(row);
        }
    })
}

/// Opens `source` and reads it in batches of rows, each given to `batch` in file order.
fn read_source<F>(
    source: Source<'_>,
    file: &Arc<str>,
    columns: &[Column],
    comment: Option<u8>,
    errors: &mut Vec<InputError>,
    batch: F,
) -> FileStats
where
    F: FnMut(&mut [Row<'_>]),
{
    let reread = |from| Reread { from, comment };
    match source {
        Source::Path(path) => match open(path, file) {
            Ok(f) => read_records(
                f,
                &reread(RereadFrom::File(path)),
                file,
                columns,
                errors,
                batch,
            ),
            Err(e) => {
                errors.push(e);
                FileStats::default()
            }
        },
        Source::Bytes(bytes) => read_records(
            bytes,
            &reread(RereadFrom::Bytes(bytes)),
            file,
            columns,
            errors,
            batch,
        ),
        Source::Reader(reader) => read_records(
            reader,
            &reread(RereadFrom::Nothing),
            file,
            columns,
            errors,
            batch,
        ),
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

fn read_records<R, F>(
    reader: R,
    reread: &Reread<'_>,
    file: &Arc<str>,
    columns: &[Column],
    errors: &mut Vec<InputError>,
    mut batch: F,
) -> FileStats
where
    R: Read,
    F: FnMut(&mut [Row<'_>]),
{
    let comment = reread.comment;
    let mut input = io::BufReader::with_capacity(1 << 20, reader);
    // A byte order mark is skipped (positions still count its bytes); a UTF-16 one means the
    // whole file is in the wrong encoding, which is better said once than on every field.
    let base = match input.fill_buf() {
        Ok([0xEF, 0xBB, 0xBF, ..]) => 3,
        Ok([0xFF, 0xFE, ..] | [0xFE, 0xFF, ..]) => {
            errors.push(InputError::whole_file(
                file,
                "the file is UTF-16 (it starts with a UTF-16 byte order mark): expected UTF-8, e.g. saved as \"CSV UTF-8\"",
            ));
            return FileStats::default();
        }
        Ok(_) => 0,
        Err(e) => {
            errors.push(InputError::whole_file(file, cannot_read(&e)));
            return FileStats::default();
        }
    };
    input.consume(base);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(comment)
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

    let mut first = rdr.read_byte_record(&mut record);
    while matches!(first, Ok(true)) && record.len() == 1 && &record[0] == b"\r" {
        first = rdr.read_byte_record(&mut record);
    }
    let header = match first {
        Ok(true) => {
            let pos = record
                .position()
                .cloned()
                .unwrap_or_else(csv::Position::new);
            let start = pos.byte() + base as u64;
            // Lines ended by CR alone (classic Mac OS) read as one long line; say so rather
            // than report a header of strange column names.
            let cr_inside = |f: &[u8]| f.trim_ascii().contains(&b'\r');
            if record.iter().any(cr_inside) {
                errors.push(InputError::whole_file(
                    file,
                    "lines end with CR alone: expected LF or CRLF line ends",
                ));
                None
            } else {
                resolve_header(file, pos.line(), start, reread, &record, columns, errors)
            }
        }
        Ok(false) => {
            errors.push(InputError::whole_file(
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
                Ok(true) if record.len() == 1 && &record[0] == b"\r" => continue,
                Ok(true) => {
                    stats.read += 1;
                    stats.rejected += 1;
                }
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
                Ok(true) if record.len() == 1 && &record[0] == b"\r" => continue,
                Ok(true) => {
                    let pos = record
                        .position()
                        .cloned()
                        .unwrap_or_else(csv::Position::new);
                    starts.push((pos.line(), pos.byte() + base as u64));
                }
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
                    columns,
                    line,
                    byte,
                    source: reread,
                    errors: Vec::new(),
                    width_ok: record.len() == header.width,
                    reread_ok,
                };
                if !row.width_ok {
                    let column = record.len().min(header.width) as u64 + 1;
                    row.errors.push(InputError::new(
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
            if row.errors.is_empty() {
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
    if omitted > 0 {
        let mut summed = InputError::whole_file(
            file,
            format!(
                "{omitted} more problems in {omitted_rows} more rejected rows not listed: the first {MAX_ROW_ERRORS} problems of a file are listed"
            ),
        );
        summed.unlisted = omitted;
        errors.push(summed);
    }
    finish(file, &stats, true, rdr.position().line(), errors);
    stats
}

/// The problems of a file as a whole once it is read: rows a bad header kept out, or no rows.
fn finish(
    file: &Arc<str>,
    stats: &FileStats,
    header_ok: bool,
    line: u64,
    errors: &mut Vec<InputError>,
) {
    if !header_ok && stats.read > 0 {
        errors.push(InputError::whole_file(
            file,
            format!(
                "{} data row{} not loaded because the header is invalid",
                stats.read,
                if stats.read == 1 { "" } else { "s" }
            ),
        ));
    } else if header_ok && stats.read == 0 {
        errors.push(InputError::new(
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
fn csv_error(file: &Arc<str>, e: &csv::Error, line_now: u64) -> InputError {
    let line = e.position().map_or(line_now, |p| p.line()).max(1);
    let message = match e.kind() {
        csv::ErrorKind::Io(io) => cannot_read(io),
        _ => format!("cannot read CSV: {e}"),
    };
    InputError::new(file, line, 1, message)
}

#[cfg(test)]
mod tests {
    use super::{row_estimate, Source};

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
