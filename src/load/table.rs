//! Reading one CSV table: header resolution, per-field decoding and positioned errors.
//!
//! Records are read into one reused [`csv::ByteRecord`]; a field is decoded (UTF-8, trimmed)
//! only when a loader asks for it, so unknown columns cost nothing.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use super::error::{did_you_mean, quote, InputError};
use crate::model::{Date, FileStats};

/// The longest value accepted in a column csp-audit reads.
pub const MAX_FIELD_BYTES: usize = 4096;

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
    byte: u64,
    errors: Vec<InputError>,
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
                let offset = self.field_offset(field) + e.valid_up_to() as u64;
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

    /// Byte offset in the file where field `field` starts. Exact unless an earlier field of the
    /// row was quoted, in which case it may be a few bytes early.
    fn field_offset(&self, field: usize) -> u64 {
        let before: usize = (0..field)
            .map(|i| self.record.get(i).map_or(0, |f| f.len() + 1))
            .sum();
        self.byte + before as u64
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
    record: &csv::ByteRecord,
    columns: &[Column],
    errors: &mut Vec<InputError>,
) -> Option<Header> {
    let before = errors.len();
    let mut fields = vec![None; columns.len()];
    let mut unknown: Vec<(usize, String)> = Vec::new();
    for (i, raw) in record.iter().enumerate() {
        let name = match std::str::from_utf8(raw) {
            Ok(n) => n.trim_start_matches('\u{feff}').trim().to_ascii_lowercase(),
            Err(e) => {
                errors.push(InputError::new(
                    file,
                    line,
                    i as u64 + 1,
                    format!(
                        "invalid UTF-8 in header name at byte {}: expected UTF-8 text",
                        e.valid_up_to()
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
                    "duplicated column '{name}' (first in column {}): expected each column once",
                    fields[c].map_or(0, |f| f + 1)
                ),
            )),
            Some(c) => fields[c] = Some(i),
            None => unknown.push((i, name)),
        }
    }
    // An unknown column that looks like a missing known one is a typo, not an extra column:
    // ignoring it would silently drop that column's data.
    let missing: Vec<&'static str> = columns
        .iter()
        .zip(&fields)
        .filter(|(_, f)| f.is_none())
        .map(|(c, _)| c.name)
        .collect();
    let mut explained = Vec::new();
    for (i, name) in &unknown {
        let hint = did_you_mean(name, missing.iter().copied());
        if !hint.is_empty() {
            errors.push(InputError::new(
                file,
                line,
                *i as u64 + 1,
                format!("unknown column {}{hint}", quote(name)),
            ));
            explained.extend(missing.iter().filter(|m| hint.contains(&format!("'{m}'"))));
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
                    columns
                        .iter()
                        .filter(|c| c.required)
                        .map(|c| c.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    (errors.len() == before).then_some(Header {
        fields,
        width: record.len(),
    })
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
        Err(e) => {
            return Err(InputError::whole_file(
                file,
                format!("cannot read file: {e}"),
            ))
        }
    }
    File::open(path).map_err(|e| InputError::whole_file(file, format!("cannot read file: {e}")))
}

/// Reads `path` as a table with `columns`, calling `on_row` for every data row.
///
/// `on_row` reads fields through the [`Row`], records its own problems on it, and stores the
/// row only if [`Row::ok`]; a row with problems is counted as rejected. Every problem, of the
/// file or of any row, goes to `errors`.
pub fn read_table<F>(
    path: &Path,
    file: &Arc<str>,
    columns: &[Column],
    errors: &mut Vec<InputError>,
    on_row: F,
) -> FileStats
where
    F: FnMut(&mut Row<'_>),
{
    match open(path, file) {
        Ok(f) => read_from(f, file, columns, errors, on_row),
        Err(e) => {
            errors.push(e);
            FileStats::default()
        }
    }
}

/// Like [`read_table`], over any reader (used by tests and fuzzing).
pub fn read_from<R, F>(
    reader: R,
    file: &Arc<str>,
    columns: &[Column],
    errors: &mut Vec<InputError>,
    on_row: F,
) -> FileStats
where
    R: Read,
    F: FnMut(&mut Row<'_>),
{
    read_with_comments(reader, file, columns, None, errors, on_row)
}

/// Like [`read_from`], skipping lines that start with `comment` (used by the region table).
pub fn read_with_comments<R, F>(
    reader: R,
    file: &Arc<str>,
    columns: &[Column],
    comment: Option<u8>,
    errors: &mut Vec<InputError>,
    mut on_row: F,
) -> FileStats
where
    R: Read,
    F: FnMut(&mut Row<'_>),
{
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .comment(comment)
        .from_reader(io::BufReader::with_capacity(1 << 20, reader));
    let mut stats = FileStats::default();
    let mut record = csv::ByteRecord::new();

    let header = match rdr.read_byte_record(&mut record) {
        Ok(true) => {
            let line = record.position().map_or(1, |p| p.line());
            resolve_header(file, line, &record, columns, errors)
        }
        Ok(false) => {
            errors.push(InputError::whole_file(
                file,
                format!(
                    "empty file: expected a header row with {}",
                    columns
                        .iter()
                        .filter(|c| c.required)
                        .map(|c| c.name)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            return stats;
        }
        Err(e) => {
            errors.push(csv_error(file, &e));
            return stats;
        }
    };

    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                // An I/O failure mid-file: the rest cannot be read, and says so.
                stats.read += 1;
                stats.rejected += 1;
                errors.push(csv_error(file, &e));
                break;
            }
        }
        stats.read += 1;
        let pos = record
            .position()
            .cloned()
            .unwrap_or_else(csv::Position::new);
        let Some(header) = &header else {
            stats.rejected += 1;
            continue;
        };
        let mut row = Row {
            file,
            record: &record,
            fields: &header.fields,
            columns,
            line: pos.line(),
            byte: pos.byte(),
            errors: Vec::new(),
        };
        if record.len() != header.width {
            let column = record.len().min(header.width) as u64 + 1;
            row.errors.push(InputError::new(
                file,
                pos.line(),
                column,
                format!(
                    "found {} fields: expected {} as in the header",
                    record.len(),
                    header.width
                ),
            ));
        } else {
            on_row(&mut row);
        }
        if row.errors.is_empty() {
            stats.loaded += 1;
        } else {
            stats.rejected += 1;
            errors.append(&mut row.errors);
        }
    }
    if header.is_none() && stats.read > 0 {
        errors.push(InputError::whole_file(
            file,
            format!(
                "{} data rows not loaded because the header is invalid",
                stats.read
            ),
        ));
    } else if header.is_some() && stats.read == 0 {
        errors.push(InputError::new(
            file,
            2,
            1,
            "no data rows after the header: expected at least one row",
        ));
    }
    stats
}

fn csv_error(file: &Arc<str>, e: &csv::Error) -> InputError {
    let line = e.position().map_or(1, |p| p.line().max(1));
    InputError::new(file, line, 1, format!("cannot read CSV: {e}"))
}
