//! Byte-level CSV output: ids, dates and rows formatted straight into a reused line buffer and
//! a large buffered writer, so that millions of rows are written without a `String` per field.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::Datelike;

use super::GenerateError;
use crate::model::Date;
use crate::output::OutFile;

/// Days since [`EPOCH`]: the generator's compact date.
pub type Day = u16;

/// Day 0 of [`Day`].
pub const EPOCH: (i32, u32, u32) = (2010, 1, 1);

/// A calendar date as a [`Day`].
pub fn day(y: i32, m: u32, d: u32) -> Day {
    let epoch = Date::from_ymd_opt(EPOCH.0, EPOCH.1, EPOCH.2).unwrap_or_default();
    let date = Date::from_ymd_opt(y, m, d).unwrap_or(epoch);
    (date - epoch).num_days() as Day
}

/// `YYYY-MM-DD` of every day from [`EPOCH`] to the end of 2029, computed once.
pub struct Dates {
    text: Vec<[u8; 10]>,
}

impl Dates {
    /// Builds the table.
    pub fn new() -> Dates {
        let epoch = Date::from_ymd_opt(EPOCH.0, EPOCH.1, EPOCH.2).unwrap_or_default();
        let days = day(2030, 1, 1) as usize;
        let text = (0..days)
            .map(|d| {
                let date = epoch + chrono::Days::new(d as u64);
                let mut out = [0u8; 10];
                let s = format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day());
                out.copy_from_slice(s.as_bytes());
                out
            })
            .collect();
        Dates { text }
    }

    /// The ISO text of a day.
    #[inline]
    pub fn get(&self, d: Day) -> &[u8] {
        &self.text[d as usize]
    }
}

/// Appends `n` in decimal.
#[inline]
pub fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// Appends `n` in decimal, zero-padded to at least `width` digits.
#[inline]
pub fn push_padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let start = buf.len();
    push_u64(buf, n);
    let len = buf.len() - start;
    if len < width {
        buf.splice(start..start, std::iter::repeat_n(b'0', width - len));
    }
}

/// Appends the `digits` low hex digits of `n`.
#[inline]
fn push_hex(buf: &mut Vec<u8>, n: u64, digits: u32) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for i in (0..digits).rev() {
        buf.push(HEX[((n >> (4 * i)) & 0xf) as usize]);
    }
}

/// SplitMix64: spreads a counter over 64 bits (for GUID-looking ids).
#[inline]
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Partner ids look like MPN ids: seven digits and up.
pub fn push_partner_id(buf: &mut Vec<u8>, p: u32) {
    push_u64(buf, 1_000_000 + p as u64);
}

/// Tenant ids look like GUIDs; the last group is the tenant number, so they are unique.
pub fn push_tenant_id(buf: &mut Vec<u8>, t: u64) {
    let h = mix(t);
    push_hex(buf, h >> 32, 8);
    buf.push(b'-');
    push_hex(buf, h >> 16, 4);
    buf.extend_from_slice(b"-4");
    push_hex(buf, h >> 4, 3);
    buf.push(b'-');
    push_hex(buf, 0x8 | (h & 0x3), 1);
    push_hex(buf, h >> 52, 3);
    buf.push(b'-');
    push_hex(buf, t, 12);
}

/// An organization: a partner's (numbered by the partner that founded it) or a customer's
/// (numbered by its first tenant).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Org {
    /// `ORG-P<n>`
    Partner(u32),
    /// `ORG-C<n>`
    Customer(u64),
}

/// Appends an organization id.
pub fn push_org_id(buf: &mut Vec<u8>, o: Org) {
    match o {
        Org::Partner(p) => {
            buf.extend_from_slice(b"ORG-P");
            push_u64(buf, p as u64);
        }
        Org::Customer(t) => {
            buf.extend_from_slice(b"ORG-C");
            push_u64(buf, t);
        }
    }
}

/// Appends a relationship id (`R` and the row number, at least eight digits).
pub fn push_rel_id(buf: &mut Vec<u8>, row: u64) {
    buf.push(b'R');
    push_padded(buf, row, 8);
}

/// One id as a `String` (for expected.json).
pub fn id_string(f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut buf = Vec::with_capacity(40);
    f(&mut buf);
    String::from_utf8(buf).unwrap_or_default()
}

/// A CSV file being written: buffered, with the line the next row lands on. It is a temporary
/// file until [`CsvOut::finish`] renames it into place (see [`crate::output`]).
pub struct CsvOut {
    path: PathBuf,
    out: BufWriter<OutFile>,
    /// The line buffer rows are formatted into.
    pub buf: Vec<u8>,
    /// Physical line of the next row (the header is line 1).
    pub next_line: u64,
}

impl CsvOut {
    /// Creates the file and writes its header.
    pub fn create(path: &Path, header: &str) -> Result<CsvOut, GenerateError> {
        let file = OutFile::create(path).map_err(|e| GenerateError::io(path, e))?;
        let mut out = CsvOut {
            path: path.to_path_buf(),
            out: BufWriter::with_capacity(1 << 20, file),
            buf: Vec::with_capacity(256),
            next_line: 1,
        };
        out.buf.extend_from_slice(header.as_bytes());
        out.end_row()?;
        Ok(out)
    }

    /// Ends the row in the line buffer and writes it.
    #[inline]
    pub fn end_row(&mut self) -> Result<u64, GenerateError> {
        self.buf.push(b'\n');
        let line = self.next_line;
        self.out
            .write_all(&self.buf)
            .map_err(|e| GenerateError::io(&self.path, e))?;
        self.buf.clear();
        self.next_line += 1;
        Ok(line)
    }

    /// Data rows written so far.
    pub fn rows(&self) -> u64 {
        self.next_line - 2
    }

    /// Flushes the file and renames it into place.
    pub fn finish(self) -> Result<(), GenerateError> {
        let path = self.path;
        self.out
            .into_inner()
            .map_err(|e| e.into_error())
            .and_then(OutFile::commit)
            .map_err(|e| GenerateError::io(&path, e))
    }
}

/// Writes `bytes` to `path` in one go (atomically, as every output).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), GenerateError> {
    crate::output::write_file(path, |w| w.write_all(bytes)).map_err(|e| GenerateError::io(path, e))
}

impl GenerateError {
    fn io(path: &Path, e: io::Error) -> GenerateError {
        GenerateError::Io {
            path: path.display().to_string(),
            source: e,
        }
    }
}
