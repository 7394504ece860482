//! Records → rows and counts: the header, then block after block tokenized and checked in
//! parallel, stored in file order while the next block is prepared.

use std::io;
use std::sync::Arc;

use rayon::prelude::*;

use super::chunks::{parse, tokenize, Chunk, Rec, Syntax};
use super::header::{detect_delimiter, required_names, resolve_header, Header};
use super::input::{cannot_read, Opened, Text};
use super::row::{Raw, Record, Row};
use super::{
    Chunking, Column, ReadOptions, Source, TableInfo, BLOCK_BYTES, CHUNK_BYTES, MAX_ROW_ERRORS,
};
use crate::model::FileStats;
use crate::problem::Problem;

/// What is read, and how.
pub(super) struct Table<'a> {
    pub(super) file: &'a Arc<str>,
    pub(super) columns: &'a [Column],
    pub(super) opts: &'a ReadOptions,
    pub(super) comment: Option<u8>,
}

const BOM: &[u8] = &[0xEF, 0xBB, 0xBF];

/// A block of the table's text in memory.
struct Block {
    buf: Vec<u8>,
    /// Where its first record starts (after the header in the first block).
    from: usize,
    /// The physical line of `from`.
    line: u64,
    /// The offset in the file of `buf[0]`.
    byte: u64,
    /// Whether it ends the file.
    eof: bool,
}

/// What became of a record of a block.
enum Kind {
    /// A blank line (a CR alone): no row at all.
    Blank,
    /// Whitespace or separators only: a row read and skipped.
    Skipped,
    /// A row; `width_ok`: it has as many fields as the header (else it is not checked).
    Row { width_ok: bool },
}

/// What checking a row found, kept only for the few rows it found something on: a block's
/// rows are many, most are fine, and their results are kept until the block is stored.
struct Found {
    /// The row's record in its chunk.
    rec: usize,
    errors: Vec<Problem>,
    unresolved: Option<Arc<str>>,
}

/// A chunk's records checked.
struct Checked<T> {
    /// Per record: what became of it, and what the check made of it.
    rows: Vec<(Kind, Option<T>)>,
    /// The rows with problems, in record order.
    found: Vec<Found>,
}

/// A block tokenized and checked, ready to be stored.
struct Prepared<T> {
    chunks: Vec<Chunk>,
    /// Per chunk, its records checked.
    rows: Vec<Checked<T>>,
    /// Where the text not yet made into records starts in the block, and its line.
    tail: usize,
    tail_line: u64,
}

/// Reads `source` as `table`: the engine behind [`super::read_table`] and its kin.
pub(super) fn read<T, C, S>(
    source: Source<'_>,
    table: &Table<'_>,
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
    let Table {
        file,
        columns,
        opts,
        comment,
    } = *table;
    let Chunking { block, chunk } = opts.chunking.unwrap_or(Chunking {
        block: BLOCK_BYTES,
        chunk: CHUNK_BYTES,
    });
    let block = block.max(1);
    let opened = Opened::open(source);
    if let Some(p) = opened.problem(file) {
        errors.push(p);
        return FileStats::default();
    }
    let len = opened.len;
    let mut text = Text::new(opened, opts.encoding);
    let progress = |text: &Text<'_>, rows: u64| {
        if let Some(p) = &opts.progress {
            p.0.update(file, text.input.done, len, rows);
        }
    };
    let mut buf = Vec::new();
    if let Err(e) = text.read(&mut buf, block) {
        errors.push(Problem::whole_file(file, cannot_read(&e)));
        return FileStats::default();
    }
    // Enough of the head to see a byte order mark and the first line that holds anything.
    let mut failed: Option<io::Error> = None;
    while !text.eof && !head_ready(&buf) {
        if let Err(e) = text.read(&mut buf, block) {
            failed = Some(e);
            break;
        }
    }
    // A byte order mark is skipped (positions still count its bytes); a UTF-16 one means the
    // whole file is in the wrong encoding, which is better said once than on every field.
    if buf.starts_with(&[0xFF, 0xFE]) || buf.starts_with(&[0xFE, 0xFF]) {
        errors.push(Problem::whole_file(
            file,
            "the file is UTF-16 (it starts with a UTF-16 byte order mark): expected UTF-8, e.g. saved as \"CSV UTF-8\"",
        ));
        return FileStats::default();
    }
    let base = if buf.starts_with(BOM) { 3 } else { 0 };
    let delimiter = opts
        .delimiter
        .unwrap_or_else(|| detect_delimiter(&buf[base..], columns, &opts.mapping));
    if opts.delimiter.is_none() && delimiter != b',' {
        info.detected_delimiter = Some(delimiter);
    }
    let syn = Syntax::new(delimiter, comment);
    let mut stats = FileStats::default();

    // The header: the first record that holds anything. The csv parser would take a second
    // byte order mark right after the first for one too.
    let mut p = base + if buf[base..].starts_with(BOM) { 3 } else { 0 };
    let (head, head_line) = loop {
        let eof = text.eof && failed.is_none();
        let c = parse(&syn, &buf, p, p + 1, eof);
        let Some(r) = c.recs.first().copied() else {
            p = c.end;
            if p < buf.len() && !c.incomplete {
                continue;
            }
            // More bytes are needed for the header, if there are any.
            if eof {
                errors.push(Problem::whole_file(
                    file,
                    format!(
                        "empty file: expected a header row with {}",
                        required_names(columns)
                    ),
                ));
                return stats;
            }
            if let Some(e) = &failed {
                let line = 1 + newlines(&buf);
                errors.push(Problem::new(file, line, 1, cannot_read(e)));
                return stats;
            }
            let want = block.max(buf.len());
            if let Err(e) = text.read(&mut buf, want) {
                failed = Some(e);
            }
            continue;
        };
        let record = record_of(&c, &r);
        if empty_record(&record).is_some() {
            p = c.end;
            continue;
        }
        let line = 1 + newlines(&buf[..r.start]);
        break ((c, r), line);
    };
    let (hc, hr) = head;
    let header = {
        let record = record_of(&hc, &hr);
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
            let at = Raw {
                line: head_line,
                byte: hr.start as u64,
                raw: &buf[hr.start..hr.end],
                delimiter,
                comment,
            };
            resolve_header(file, &at, &record, columns, &opts.mapping, errors, info)
        }
    };
    let first = Block {
        line: head_line + newlines(&buf[hr.start..hr.end]),
        from: hr.end,
        buf,
        byte: 0,
        eof: text.eof && failed.is_none(),
    };
    drop(hc);

    let reader = Reader {
        table,
        syn: &syn,
        header: header.as_ref(),
        chunk,
        check: &check,
    };
    let mut sum = Sums::default();
    let mut cur = Some(reader.prepare(&first));
    let mut cur_block = first;
    while let Some(prepared) = cur.take() {
        let (tail, tail_line) = (prepared.tail, prepared.tail_line);
        // The next block: the text not yet made into records, and more. A record longer
        // than a block makes the next one as large again, so it is parsed a bounded number of
        // times.
        let next = if cur_block.eof || failed.is_some() {
            None
        } else {
            let mut buf = Vec::with_capacity(block.max(cur_block.buf.len() - tail) * 2);
            buf.extend_from_slice(&cur_block.buf[tail..]);
            let want = block.max(buf.len());
            match text.read(&mut buf, want) {
                Ok(()) => Some(Block {
                    buf,
                    from: 0,
                    line: tail_line,
                    byte: cur_block.byte + tail as u64,
                    eof: text.eof,
                }),
                Err(e) => {
                    failed = Some(e);
                    None
                }
            }
        };
        // Store this block on this thread while the next is tokenized and checked.
        let next_prepared = std::thread::scope(|s| {
            let job = next.as_ref().map(|b| {
                let reader = &reader;
                s.spawn(move || reader.prepare(b))
            });
            reader.store(
                &cur_block, prepared, &mut store, &mut stats, &mut sum, errors,
            );
            progress(&text, stats.read);
            job.map(|j| j.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
        });
        if let Some(e) = failed.take() {
            if next.is_none() && next_prepared.is_none() {
                // An I/O failure mid-file: the rest cannot be read, and says so.
                let line = tail_line + newlines(&cur_block.buf[tail..]);
                stats.read += 1;
                stats.rejected += 1;
                errors.push(Problem::new(file, line.max(1), 1, cannot_read(&e)));
                break;
            }
        }
        match (next, next_prepared) {
            (Some(b), Some(p)) => {
                cur_block = b;
                cur = Some(p);
            }
            _ => break,
        }
    }
    progress(&text, stats.read);
    for (other, n) in sum.unresolved {
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
    if sum.omitted > 0 {
        let mut summed = Problem::whole_file(
            file,
            format!(
                "{} more problems in {} more rejected rows not listed: the first {MAX_ROW_ERRORS} problems of a file are listed",
                sum.omitted, sum.omitted_rows
            ),
        );
        summed.unlisted = sum.omitted;
        errors.push(summed);
    }
    // "No data rows" is said of the line after the header.
    finish(file, &stats, header.is_some(), head_line + 1, errors);
    stats
}

/// Whether the head of a file is in memory: its first three bytes and its first line that
/// holds anything, with its line end.
fn head_ready(buf: &[u8]) -> bool {
    buf.len() >= 3
        && buf
            .split_inclusive(|&b| b == b'\n')
            .find(|l| !l.trim_ascii().is_empty())
            .is_some_and(|l| l.ends_with(b"\n"))
}

/// Line ends in `bytes`.
fn newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

fn record_of<'a>(c: &'a Chunk, r: &Rec) -> Record<'a> {
    Record {
        data: c.bytes(),
        text: c.text(),
        ends: &c.ends[r.first..r.last],
        start: c.data_start(r),
    }
}

/// Counts kept across blocks for the messages at the end of a file.
#[derive(Default)]
struct Sums {
    /// Row problems listed, and those only counted (past MAX_ROW_ERRORS) with their rows.
    kept: usize,
    omitted: u64,
    omitted_rows: u64,
    /// Rows rejected because they refer into a file none of whose rows loaded, per file.
    unresolved: Vec<(Arc<str>, u64)>,
}

/// What every block is read with.
struct Reader<'r, C> {
    table: &'r Table<'r>,
    syn: &'r Syntax,
    header: Option<&'r Header>,
    chunk: usize,
    check: &'r C,
}

impl<C> Reader<'_, C> {
    /// The row of record `r` of chunk `c` of `block`, with no problem found yet.
    fn row<'a>(&'a self, header: &'a Header, block: &'a Block, c: &'a Chunk, r: &Rec) -> Row<'a> {
        let line = c.line + r.newlines;
        Row {
            file: self.table.file,
            record: record_of(c, r),
            fields: &header.fields,
            names: &header.names,
            encoding: self.table.opts.encoding,
            line,
            raw: Raw {
                line,
                byte: block.byte + r.start as u64,
                raw: &block.buf[r.start..r.end],
                delimiter: self.syn.delimiter,
                comment: self.syn.comment,
            },
            errors: Vec::new(),
            unresolved: None,
        }
    }

    /// Tokenizes `block` and checks its rows, on all cores.
    fn prepare<T>(&self, block: &Block) -> Prepared<T>
    where
        T: Send,
        C: Fn(&mut Row<'_>) -> Option<T> + Sync,
    {
        let chunks = tokenize(
            self.syn, &block.buf, block.from, block.line, block.eof, self.chunk,
        );
        let check_chunk = |c: &Chunk| -> Checked<T> {
            let mut found = Vec::new();
            let rows = c
                .recs
                .iter()
                .enumerate()
                .map(|(rec, r)| {
                    let record = record_of(c, r);
                    match empty_record(&record) {
                        Some(true) => return (Kind::Blank, None),
                        Some(false) => return (Kind::Skipped, None),
                        None => {}
                    }
                    let Some(header) = self.header else {
                        return (Kind::Row { width_ok: false }, None);
                    };
                    let mut row = self.row(header, block, c, r);
                    let width_ok = record.len() == header.width;
                    let value = if width_ok {
                        (self.check)(&mut row)
                    } else {
                        let column = record.len().min(header.width) as u64 + 1;
                        row.errors.push(Problem::new(
                            self.table.file,
                            row.line,
                            column,
                            format!(
                                "found {} field{}: expected {} as in the header{}",
                                record.len(),
                                if record.len() == 1 { "" } else { "s" },
                                header.width,
                                open_quote_hint(&record)
                            ),
                        ));
                        None
                    };
                    if !row.errors.is_empty() || row.unresolved.is_some() {
                        found.push(Found {
                            rec,
                            errors: row.errors,
                            unresolved: row.unresolved,
                        });
                    }
                    (Kind::Row { width_ok }, value)
                })
                .collect();
            Checked { rows, found }
        };
        let rows: Vec<Checked<T>> = if chunks.len() > 1 {
            chunks.par_iter().map(check_chunk).collect()
        } else {
            chunks.iter().map(check_chunk).collect()
        };
        let (tail, tail_line) = chunks
            .last()
            .map_or((block.from, block.line), |c| (c.end, c.line + c.newlines));
        Prepared {
            chunks,
            rows,
            tail,
            tail_line,
        }
    }

    /// Gives every row of a prepared block to `store`, in file order, and counts it.
    fn store<T, S>(
        &self,
        block: &Block,
        prepared: Prepared<T>,
        store: &mut S,
        stats: &mut FileStats,
        sum: &mut Sums,
        errors: &mut Vec<Problem>,
    ) where
        S: FnMut(Option<T>, &mut Row<'_>),
    {
        for (c, checked) in prepared.chunks.iter().zip(prepared.rows) {
            let mut found = checked.found.into_iter().peekable();
            for (rec, (r, (kind, value))) in c.recs.iter().zip(checked.rows).enumerate() {
                let width_ok = match kind {
                    Kind::Blank => continue,
                    Kind::Skipped => {
                        stats.read += 1;
                        stats.skipped += 1;
                        continue;
                    }
                    Kind::Row { width_ok } => width_ok,
                };
                stats.read += 1;
                let Some(header) = self.header else {
                    // Without a header no row can be read: count them all as rejected.
                    stats.rejected += 1;
                    continue;
                };
                let mut row = self.row(header, block, c, r);
                if let Some(f) = found.next_if(|f| f.rec == rec) {
                    row.errors = f.errors;
                    row.unresolved = f.unresolved;
                }
                if width_ok {
                    store(value, &mut row);
                }
                let quiet = row.unresolved.take();
                if let Some(other) = &quiet {
                    match sum.unresolved.iter_mut().find(|(f, _)| f == other) {
                        Some((_, n)) => *n += 1,
                        None => sum.unresolved.push((Arc::clone(other), 1)),
                    }
                }
                if row.errors.is_empty() && quiet.is_none() {
                    stats.loaded += 1;
                } else {
                    stats.rejected += 1;
                    if sum.kept + row.errors.len() <= MAX_ROW_ERRORS {
                        sum.kept += row.errors.len();
                        errors.append(&mut row.errors);
                    } else {
                        sum.kept = MAX_ROW_ERRORS;
                        sum.omitted += row.errors.len() as u64;
                        sum.omitted_rows += 1;
                    }
                }
            }
        }
    }
}

/// Whether a record holds no data: a blank line (nothing, or a CR alone in a CRLF file),
/// which is no row at all, or whitespace and separators only (Excel's empty rows `,,,,`),
/// which is a row that is skipped and counted. `None` when it holds data.
fn empty_record(record: &Record<'_>) -> Option<bool> {
    if !record.iter().all(|f| f.trim_ascii().is_empty()) {
        return None;
    }
    let blank = record.len() == 1 && matches!(record.get(0), Some(b"" | b"\r"));
    Some(blank)
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

/// For a row with the wrong number of fields that spans several lines: the likely cause, a
/// quote that was never closed and swallowed the lines after it.
fn open_quote_hint(record: &Record<'_>) -> String {
    let newlines = newlines(record.as_slice());
    if newlines == 0 {
        String::new()
    } else {
        format!(
            " (a quoted field runs over {} lines from here: is a closing quote missing?)",
            newlines + 1
        )
    }
}
