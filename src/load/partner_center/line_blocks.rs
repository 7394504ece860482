//! The fast path of a line-item file: read in blocks, each block tokenized and its rows checked
//! on all cores while the rows of the block before it are gathered ([`LineItems::add`], in file
//! order) beside them. A checked row keeps only the cells a line item needs, copied into its
//! chunk's own text, so a block's rows outlive the block's bytes and the next block can be read
//! into the same buffer while they are gathered.

use std::io::Read;
use std::sync::Arc;

use rayon::prelude::*;

use super::csv_files::{ids_full, line_item, open, slow_line_items, Cells, Found, Record, BLOCK};
use super::detect::Kind;
use super::facts::Facts;
use super::line_items::{Item, LineItems};
use super::values::Reseller;
use crate::load::table::tokenize_records;
use crate::model::Date;
use crate::problem::Problem;

/// Where a cell's text is in its chunk's [`Checked::text`] (a record may be longer than
/// 4 GiB, so not `u32`).
type Span = (usize, usize);

/// A line item's reseller column, its id held in its chunk's text.
#[derive(Clone, Copy)]
enum HeldReseller {
    None,
    Removed,
    Id(Span),
}

/// A line item's cells, held in its chunk's text.
struct Held {
    partner_tenant: Option<Span>,
    seller: Span,
    reseller: HeldReseller,
    customer: Span,
    name: Option<Span>,
    country: Option<Span>,
    date: Option<Date>,
}

impl Held {
    fn new(text: &mut String, item: &Item<'_>) -> Held {
        let mut hold = |s: &str| {
            let start = text.len();
            text.push_str(s);
            (start, text.len())
        };
        Held {
            partner_tenant: item.partner_tenant.map(&mut hold),
            seller: hold(item.seller),
            reseller: match item.reseller {
                Reseller::Id(r) => HeldReseller::Id(hold(r)),
                Reseller::None => HeldReseller::None,
                Reseller::Removed => HeldReseller::Removed,
            },
            customer: hold(item.customer),
            name: item.name.map(&mut hold),
            country: item.country.map(&mut hold),
            date: item.date,
        }
    }

    fn item<'t>(&self, text: &'t str) -> Item<'t> {
        let at = |s: Span| &text[s.0..s.1];
        Item {
            partner_tenant: self.partner_tenant.map(at),
            seller: at(self.seller),
            reseller: match self.reseller {
                HeldReseller::Id(r) => Reseller::Id(at(r)),
                HeldReseller::None => Reseller::None,
                HeldReseller::Removed => Reseller::Removed,
            },
            customer: at(self.customer),
            name: self.name.map(at),
            country: self.country.map(at),
            date: self.date,
        }
    }
}

/// What a record of the fast path is.
enum Seen {
    /// A line the csv parser skips (`\r\n` alone): no record at all.
    Blank,
    /// A record of one empty cell: read, and no line item. With the line the csv parser
    /// says the next record starts on.
    Empty(u32),
    /// A line item (none when the row has problems, which are given with line 0).
    Row(u32, Vec<Problem>, Option<Held>),
}

/// The checked records of one chunk, in file order, and the text their cells are held in.
struct Checked {
    text: String,
    seen: Vec<Seen>,
}

/// What checking the text after `at` gave.
enum Block {
    /// Its records, chunk by chunk, and where the text not yet made into records starts.
    Read(Vec<Checked>, (usize, u64)),
    /// No whole record in it: read more.
    Short,
    /// Text the fast path does not read exactly.
    GiveUp,
}

/// The file's state where rows are gathered: the line the next record is on, rows read.
struct Gather {
    prev: u32,
    read: u64,
}

impl Gather {
    /// Gathers one block's rows, in file order.
    fn add(
        &mut self,
        block: Vec<Checked>,
        path: &Arc<str>,
        items: &mut LineItems,
        problems: &mut Vec<Problem>,
    ) {
        for c in block {
            for s in c.seen {
                match s {
                    Seen::Blank => {}
                    Seen::Empty(after) => self.prev = after,
                    Seen::Row(after, mut row_problems, held) => {
                        self.read += 1;
                        for p in &mut row_problems {
                            p.line = u64::from(self.prev);
                        }
                        problems.append(&mut row_problems);
                        if let Some(h) = held {
                            if !items.add(self.prev, &h.item(&c.text)) {
                                problems.push(ids_full(path, self.prev));
                            }
                        }
                        self.prev = after;
                    }
                }
            }
        }
    }
}

/// Reads `buf` on from `input` until it holds `want` bytes or the input ends (then true).
pub(super) fn fill<R: Read + ?Sized>(
    input: &mut R,
    buf: &mut Vec<u8>,
    want: usize,
) -> std::io::Result<bool> {
    let have = buf.len();
    if have < want {
        <&mut R as Read>::take(input, (want - have) as u64).read_to_end(buf)?;
    }
    Ok(buf.len() < want)
}

/// What a block is checked with.
struct Ctx<'a> {
    kind: Kind,
    header: &'a [String],
    found: &'a Found,
    path: &'a Arc<str>,
    chunk: Option<usize>,
}

/// Tokenizes the records of `buf` after `at` (on physical line `line`) and checks each, in
/// parallel.
fn check_block(cx: &Ctx<'_>, buf: &[u8], (at, line): (usize, u64), eof: bool) -> Block {
    let records = tokenize_records(buf, at, line, eof, cx.chunk);
    let (next, next_line) = records.next();
    if !eof && next == at {
        return Block::Short;
    }
    let text = &buf[at..next];
    let lone_cr = memchr::memchr_iter(b'\r', text).any(|i| text.get(i + 1) != Some(&b'\n'));
    if lone_cr || std::str::from_utf8(text).is_err() || u32::try_from(next_line).is_err() {
        return Block::GiveUp;
    }
    let chunks: Vec<_> = records.chunks().collect();
    let checked = chunks
        .par_iter()
        .map(|c| {
            let mut held = String::new();
            let seen = c
                .records()
                .map(|r| {
                    let raw = &buf[r.span.0..r.span.1];
                    if raw == b"\r\n" {
                        return Seen::Blank;
                    }
                    // The line the csv parser stands on after this record: past its LF, but
                    // on the CR of a CRLF.
                    let nl = memchr::memchr_iter(b'\n', raw).count() as u64;
                    let after = (r.line + nl - u64::from(raw.ends_with(b"\r\n"))) as u32;
                    if r.len() == 1 && r.cell(0).unwrap_or("").trim().is_empty() {
                        return Seen::Empty(after);
                    }
                    let mut row_problems = Vec::new();
                    let mut c = Cells {
                        header: cx.header,
                        found: cx.found,
                        row: r,
                        _row: std::marker::PhantomData,
                        line: 0,
                        path: cx.path,
                        errors: &mut row_problems,
                        ok: true,
                    };
                    let item = line_item(cx.kind, &mut c);
                    Seen::Row(after, row_problems, item.map(|i| Held::new(&mut held, &i)))
                })
                .collect();
            Checked { text: held, seen }
        })
        .collect();
    Block::Read(checked, (next, next_line))
}

/// The line items of a file whose rows the chunked parallel tokenizer reads exactly as the csv
/// crate would: valid UTF-8 with no CR but before a LF. The file is read in blocks of
/// `block` bytes (`head`: its start, read already; `rest`: the bytes after it), each checked
/// before its rows are: the number of rows read, or `None` as soon as a block is of any other
/// kind (what was gathered is then to be dropped, and the file read by the csv crate).
///
/// Lines are as the csv crate gives them: a record is on the line where the reader stood
/// after the record before it (after its LF, or on its CR of a CRLF), so blank lines before a
/// record count as its own, as they always have in these messages.
#[allow(clippy::too_many_arguments)]
pub(super) fn fast_line_items(
    kind: Kind,
    header: &[String],
    found: &Found,
    (mut buf, (from, line), rest): (Vec<u8>, (u64, u64), &mut dyn Read),
    path: &Arc<str>,
    (block, chunk): (usize, Option<usize>),
    items: &mut LineItems,
    problems: &mut Vec<Problem>,
) -> std::io::Result<Option<u64>> {
    let (Ok(mut at), Ok(prev)) = (usize::try_from(from), u32::try_from(line)) else {
        return Ok(None);
    };
    if at > buf.len() {
        return Ok(None);
    }
    let cx = Ctx {
        kind,
        header,
        found,
        path,
        chunk,
    };
    let mut gather = Gather { prev, read: 0 };
    let mut line = line;
    let mut want = block.max(1);
    let mut eof = false;
    // The rows of the block before, checked and not yet gathered.
    let mut pending: Option<Vec<Checked>> = None;
    loop {
        if !eof && buf.len() - at < want {
            // Keep only the text not yet made into records, then read up to a block of it.
            buf.drain(..at);
            at = 0;
            eof = fill(rest, &mut buf, want)?;
        }
        let ((), checked) = rayon::join(
            || {
                if let Some(b) = pending.take() {
                    gather.add(b, path, items, problems);
                }
            },
            || check_block(&cx, &buf, (at, line), eof),
        );
        match checked {
            Block::Short => {
                // A record longer than the block: read it with a block as large again.
                want = want.saturating_mul(2);
                continue;
            }
            Block::GiveUp => return Ok(None),
            Block::Read(b, next) => {
                want = block.max(1);
                pending = Some(b);
                (at, line) = (next.0, next.1);
            }
        }
        if eof && at >= buf.len() {
            break;
        }
    }
    if let Some(b) = pending {
        gather.add(b, path, items, problems);
    }
    Ok(Some(gather.read))
}

/// A line-item file as [`load_line_items`] reads it: the bytes read so far (its header row
/// among them), where its first record after the header starts, the rest of the file, and
/// the whole file again from its start for the files the fast path cannot read.
pub struct LineInput<'a> {
    /// The bytes read so far, from the start of the file.
    pub head: Vec<u8>,
    /// The byte offset in `head` and the line ([`Rows::position`]) after the header row.
    pub start: (u64, u64),
    /// The bytes after `head`.
    pub rest: &'a mut dyn Read,
    /// The file from its start, read again only when the fast path gives it up.
    pub whole: &'a dyn Fn() -> std::io::Result<Box<dyn Read + 'a>>,
}

/// Reads a line-item file's rows into `facts`: read in blocks, every row checked in
/// parallel, gathered on interned ids ([`LineItems`]) in file order, and put into `facts`
/// once the whole file has been read (a file that cannot be read to its end gives only that
/// problem, as [`read`] does). False when it could not be read.
#[allow(clippy::too_many_arguments)]
pub fn load_line_items(
    kind: Kind,
    header: &[String],
    input: LineInput<'_>,
    path: &Arc<str>,
    file: usize,
    facts: &mut Facts,
    errors: &mut Vec<Problem>,
) -> bool {
    let found = Found::new(header);
    let mut items = LineItems::new();
    let mut problems = Vec::new();
    let LineInput {
        head,
        start,
        rest,
        whole,
    } = input;
    let fast = fast_line_items(
        kind,
        header,
        &found,
        (head, start, rest),
        path,
        (BLOCK, None),
        &mut items,
        &mut problems,
    );
    let read = match fast {
        Ok(Some(n)) => n,
        Ok(None) => {
            // Given up part of the way: read the whole file again, the csv crate's way.
            items = LineItems::new();
            problems.clear();
            let slow = whole().map(|r| open(r, path, errors));
            let Ok(Some((_, rows))) = slow else {
                if let Err(e) = slow {
                    errors.push(Problem::whole_file(path, format!("cannot read: {e}")));
                }
                return false;
            };
            match slow_line_items(
                kind,
                header,
                &found,
                rows,
                path,
                &mut items,
                &mut problems,
                errors,
            ) {
                Some(n) => n,
                None => return false,
            }
        }
        Err(e) => {
            errors.push(Problem::whole_file(path, format!("cannot read: {e}")));
            return false;
        }
    };
    *facts.line_items.entry(kind.name()).or_default() += read;
    errors.append(&mut problems);
    items.into_facts(facts, file);
    true
}
