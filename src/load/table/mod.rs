//! Reading one CSV table: bytes once, tokenized in parallel, header resolution, per-field
//! decoding and positioned errors.
//!
//! A table is read front to back in large blocks ([`BLOCK_BYTES`]), never twice: the block
//! in memory is cut into chunks at record boundaries that stay right when quoted fields hold
//! newlines (`chunks`), the chunks are tokenized and their rows checked on all cores, and the
//! rows are then stored in file order on the caller's thread while the next block is
//! tokenized and checked (`read`). Lines come from the newlines counted in each chunk, byte
//! offsets from the position in the block, and the exact offset of a bad byte from the row's
//! raw bytes, which are in memory while the row is read. A field is decoded (UTF-8, trimmed)
//! only when a loader asks for it, so unknown columns cost nothing.
//!
//! What this takes from polars-io and arrow-csv: from arrow-csv's `RecordDecoder`, records
//! as one buffer of field bytes and one of field ends per batch (no allocation per record),
//! filled by `csv_core` straight from a byte slice; from polars-io's chunked reader, blocks
//! cut at newlines with `memchr` and parsed on all cores, merged in order, and a fast split
//! for lines without quotes. polars finds a safe cut by checking that the lines after a
//! newline look like records (`next_line_position`) or by a quote-parity pre-pass; neither is
//! exact for the csv crate's parser (a quote inside an unquoted field is a literal there), so
//! cuts are verified instead and a wrong one is parsed again (see `chunks`).

mod chunks;
mod header;
mod input;
mod read;
mod records;
mod row;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

pub use header::delimiter_name;
pub(crate) use input::read_all;
pub use input::Opened;
pub(crate) use records::{tokenize_records, Fields};
pub use row::{parse_date, Row};

use crate::model::FileStats;
use crate::problem::Problem;
use read::Table;

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
    /// Told how far reading has come.
    pub progress: Option<ProgressSink>,
    /// Block and chunk sizes other than [`BLOCK_BYTES`] and [`CHUNK_BYTES`], for tests that
    /// cut a table at every byte.
    #[doc(hidden)]
    pub chunking: Option<Chunking>,
}

/// The sizes a table is read and tokenized in.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Chunking {
    /// Bytes read at a time (at least 1).
    pub block: usize,
    /// Bytes per chunk tokenized on one core (at least 1).
    pub chunk: usize,
}

/// Bytes read from a file at a time: large enough for all cores to share a block, small
/// enough that two blocks and their rows in flight stay a few tens of MiB.
pub const BLOCK_BYTES: usize = 8 << 20;

/// Bytes of a block tokenized as one piece of work on one core.
pub const CHUNK_BYTES: usize = 256 << 10;

/// Told how far the reading of a table has come, after every block (the command line shows
/// it as a progress bar). Called on the loading thread.
pub trait Progress: Send + Sync {
    /// `file` has been read up to `bytes` (of `len` when its length is known), and `rows`
    /// rows of it counted. `bytes` only grows, and ends at the file's size.
    fn update(&self, file: &str, bytes: u64, len: Option<u64>, rows: u64);
}

/// A [`Progress`] to report to.
#[derive(Clone)]
pub struct ProgressSink(pub Arc<dyn Progress>);

impl fmt::Debug for ProgressSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ProgressSink")
    }
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

/// Where a table is read from.
pub enum Source<'a> {
    /// A file on disk, opened by the loader.
    Path(&'a Path),
    /// The bytes of a file, already in memory.
    Bytes(&'a [u8]),
    /// Any reader.
    Reader(Box<dyn std::io::Read + 'a>),
    /// A source already opened by [`row_estimate`], with its first block read ahead.
    Opened(Box<Opened<'a>>),
}

/// About how many data rows `source` holds (0 when unknown), so that loaders can size their
/// tables once: growing a table of millions of rows by doubling copies it into fresh memory
/// again and again. The source is opened here and its first block read ahead; that block is
/// then read from memory by [`read_table`], so no file is opened or read twice. Only sources
/// of known length are measured; blank lines do not count, and the estimate stays below one
/// row per 16 bytes and [`MAX_ROW_ESTIMATE`], so a strange file costs at most a too-large
/// reservation.
pub fn row_estimate(source: &mut Source<'_>) -> usize {
    size_estimate(source).0
}

/// [`row_estimate`], and the source's length in bytes (0 when it is not known).
pub fn size_estimate(source: &mut Source<'_>) -> (usize, u64) {
    let taken = std::mem::replace(source, Source::Bytes(&[]));
    let mut opened = Opened::open(taken);
    let n = match opened.len {
        Some(len) => {
            let head = opened.read_ahead(BLOCK_BYTES.min(len as usize));
            (estimate(len, head), len)
        }
        None => (0, 0),
    };
    *source = Source::Opened(Box::new(opened));
    n
}

/// The rows of a file of `len` bytes that begins with `head`.
fn estimate(len: u64, head: &[u8]) -> usize {
    let rows = head
        .split(|&b| b == b'\n')
        .filter(|line| !line.trim_ascii().is_empty())
        .count();
    if rows < 2 {
        return rows;
    }
    // Rows in the sample, scaled to the whole file, less the header, and a sixteenth more:
    // rows grow longer down a file as their ids do, and a table that outgrows what was
    // reserved for it doubles, copying what it holds.
    let per_row = head.len() as f64 / rows as f64;
    let scaled = (len as f64 / per_row * 1.0625) as usize;
    scaled
        .saturating_sub(1)
        .min(len as usize / 16)
        .min(MAX_ROW_ESTIMATE)
}

/// The most rows [`row_estimate`] promises: past it tables grow as they must.
pub const MAX_ROW_ESTIMATE: usize = 50_000_000;

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
    read::read(
        source,
        &table,
        errors,
        info,
        |_: &mut Row<'_>| None::<()>,
        |_, row: &mut Row<'_>| on_row(row),
    )
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
    store: S,
) -> FileStats
where
    T: Send,
    C: Fn(&mut Row<'_>) -> Option<T> + Sync,
    S: FnMut(Option<T>, &mut Row<'_>),
{
    let table = Table {
        file,
        columns,
        opts,
        comment: None,
    };
    read::read(source, &table, errors, info, check, store)
}

/// Like [`read_table`] with the default options, skipping lines that start with `comment`
/// (used by the region table).
pub fn read_with_comments<F>(
    source: Source<'_>,
    file: &Arc<str>,
    columns: &[Column],
    comment: Option<u8>,
    errors: &mut Vec<Problem>,
    on_row: F,
) -> FileStats
where
    F: FnMut(&mut Row<'_>),
{
    read_comments_with(
        source,
        file,
        columns,
        comment,
        &ReadOptions::default(),
        errors,
        on_row,
    )
}

/// [`read_with_comments`] with options (only the sizes of the pieces read are taken from
/// them: the separator is the comma, the encoding UTF-8).
#[doc(hidden)]
pub fn read_comments_with<F>(
    source: Source<'_>,
    file: &Arc<str>,
    columns: &[Column],
    comment: Option<u8>,
    opts: &ReadOptions,
    errors: &mut Vec<Problem>,
    mut on_row: F,
) -> FileStats
where
    F: FnMut(&mut Row<'_>),
{
    let opts = ReadOptions {
        delimiter: Some(b','),
        chunking: opts.chunking,
        ..ReadOptions::default()
    };
    let table = Table {
        file,
        columns,
        opts: &opts,
        comment,
    };
    read::read(
        source,
        &table,
        errors,
        &mut TableInfo::default(),
        |_: &mut Row<'_>| None::<()>,
        |_, row: &mut Row<'_>| on_row(row),
    )
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
        let n = row_estimate(&mut Source::Bytes(text.as_bytes()));
        assert!((5_000..=5_400).contains(&n), "{n}");
        // Blank lines are no rows: a header and 200 KB of them promise nothing.
        let blank = format!("tenant_id,name\n{}", "\n".repeat(200_000));
        assert_eq!(row_estimate(&mut Source::Bytes(blank.as_bytes())), 1);
        // No line end at all (one line, the header at most), or nothing.
        assert_eq!(row_estimate(&mut Source::Bytes(&[0u8; 100_000])), 1);
        assert_eq!(row_estimate(&mut Source::Bytes(b"")), 0);
        // A short header and one long line: at most one row per 16 bytes.
        let long = format!("a\nb\n{}", "x".repeat(1_000_000));
        assert!(row_estimate(&mut Source::Bytes(long.as_bytes())) <= 1_000_004 / 16);
        // What is not a regular file is not read ahead.
        assert_eq!(
            row_estimate(&mut Source::Path(std::path::Path::new("/"))),
            0
        );
        assert_eq!(
            row_estimate(&mut Source::Path(std::path::Path::new("/dev/null"))),
            0
        );
    }
}
