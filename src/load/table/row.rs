//! One row as loaders see it: its fields by column, decoded (UTF-8, trimmed) only when asked
//! for, the problems found in it, and the exact byte offset of a bad byte from its raw bytes.

use std::sync::Arc;

use super::{Encoding, MAX_FIELD_BYTES};
use crate::load::error::{did_you_mean, quote};
use crate::model::Date;
use crate::problem::Problem;

/// The fields of one record, as the CSV parser decoded them (quotes removed, `""` one quote):
/// a slice of the chunk's field bytes and the end of each field in it.
#[derive(Clone, Copy)]
pub(crate) struct Record<'a> {
    /// The chunk's field bytes.
    pub(super) data: &'a [u8],
    /// The same bytes as text, when they are valid UTF-8 as a whole.
    pub(super) text: Option<&'a str>,
    /// Where each field of this record ends in `data`.
    pub(super) ends: &'a [usize],
    /// Where the first field starts in `data`.
    pub(super) start: usize,
}

impl<'a> Record<'a> {
    /// The number of fields.
    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i`.
    pub(super) fn get(&self, i: usize) -> Option<&'a [u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { self.start } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }

    /// Field `i` as text, when it is valid UTF-8 (`None` also when it is not known to be:
    /// [`std::str::from_utf8`] of [`Record::get`] then says).
    pub(super) fn str(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { self.start } else { self.ends[i - 1] };
        // Cut at char boundaries out of valid UTF-8, a field is valid UTF-8.
        self.text?.get(start..end)
    }

    /// Every field in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &'a [u8]> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// The bytes of every field, one after the other.
    pub(super) fn as_slice(&self) -> &'a [u8] {
        &self.data[self.start..self.ends.last().copied().unwrap_or(self.start)]
    }
}

/// Where a record is in the file: its line, its byte offset and its raw bytes (quotes and all),
/// from which the byte offset of any byte of a field value is found again exactly.
#[derive(Clone, Copy)]
pub(crate) struct Raw<'a> {
    /// Physical line where the record starts.
    pub(super) line: u64,
    /// Byte offset in the file where the record starts.
    pub(super) byte: u64,
    /// The record's bytes as they are in the file (decoded text for Windows-1252).
    pub(super) raw: &'a [u8],
    pub(super) delimiter: u8,
    pub(super) comment: Option<u8>,
}

impl Raw<'_> {
    /// Byte offset in the file of byte `at` of field `field`'s decoded value.
    pub(super) fn offset(&self, field: usize, at: usize) -> u64 {
        locate(
            self.raw.iter().copied(),
            self.comment,
            self.delimiter,
            field,
            at,
        )
        .map_or(self.byte + at as u64, |o| self.byte + o)
    }
}

/// The problems of the current row, and access to its fields by column.
pub struct Row<'a> {
    pub(super) file: &'a Arc<str>,
    pub(super) record: Record<'a>,
    pub(super) fields: &'a [Option<usize>],
    /// Each spec column's name as the header writes it (its contract name when absent).
    pub(super) names: &'a [Box<str>],
    /// How the file is encoded, for the hint in an invalid-UTF-8 message.
    pub(super) encoding: Encoding,
    /// Physical line where the row starts.
    pub line: u64,
    /// Where the row is in the file, for exact byte offsets in messages.
    pub(super) raw: Raw<'a>,
    pub(super) errors: Vec<Problem>,
    /// A file this row refers into and none of whose rows loaded: the row is rejected, and
    /// one message for the whole file says why (not one per row).
    pub(super) unresolved: Option<Arc<str>>,
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
        let decoded = match self.record.str(field) {
            Some(text) => Ok(text),
            None => std::str::from_utf8(raw),
        };
        let text = match decoded {
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
        let text = trim(text);
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
        let field = self.fields[col]?;
        let text = match self.record.str(field) {
            Some(text) => text,
            None => std::str::from_utf8(self.record.get(field)?).ok()?,
        };
        let text = trim(text);
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
    /// Byte offset in the file of byte `at` of field `field`'s decoded value: exact, from the
    /// row's raw bytes (quotes and doubled quotes in earlier fields or in the field itself are
    /// counted), which are in memory while the row is read.
    fn field_offset(&self, field: usize, at: usize) -> u64 {
        self.raw.offset(field, at)
    }
}

/// `text` without surrounding whitespace, as [`str::trim`] gives it; at once when it starts
/// and ends with ASCII that is no whitespace (as nearly every cell does).
fn trim(text: &str) -> &str {
    // The ASCII characters `char::is_whitespace` holds: space, tab, LF, VT, FF, CR.
    let plain = |b: u8| b.is_ascii() && !matches!(b, b' ' | b'\t'..=b'\r');
    match text.as_bytes() {
        [first, .., last] if plain(*first) && plain(*last) => text,
        [only] if plain(*only) => text,
        _ => text.trim(),
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

/// ` (the file may be Windows-1252: ...)` when undecodable bytes read as Windows-1252 text:
/// every byte that is not ASCII is a letter or sign there (not one of its five unused codes).
pub(super) fn windows_1252_hint(encoding: Encoding, raw: &[u8]) -> &'static str {
    let unused = |b: &u8| matches!(b, 0x81 | 0x8D | 0x8F | 0x90 | 0x9D);
    let plausible = raw.iter().any(|b| !b.is_ascii()) && !raw.iter().any(unused);
    if encoding == Encoding::Utf8 && plausible {
        " (the file may be Windows-1252: try --encoding windows-1252)"
    } else {
        ""
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
