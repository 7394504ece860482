//! Record boundaries and parallel tokenizing of one block of text.
//!
//! A block is cut at newlines into chunks that are tokenized on all cores at once, each as if
//! a record started there (cut-and-verify). A cut is right only when the chunk before it,
//! itself started right, ends exactly there with a record ended: then the state of the parser
//! at the cut is the record start, and the chunk after it was parsed as the whole file would
//! be. Where a cut fell inside a quoted field, the chunk after it is parsed again, on this
//! thread, from where the chunk before it really ended. A quote-parity pre-pass could not
//! decide this alone: a quote in the middle of an unquoted field is a literal byte to the csv
//! parser, so parity says nothing about whether a newline ends a record.
//!
//! A record without a quote character is split at its separators with `memchr`: for it the
//! csv parser's result is exactly that (comments and blank lines are only ever at a record's
//! start, where they are skipped first). A record with a quote goes through `csv_core`, the
//! parser of the csv crate, configured as the crate was (records end at LF, so a CR stays at
//! the end of the last field), so every record is what the csv crate would read.

use memchr::{memchr, memchr2, memchr_iter};
use rayon::prelude::*;

/// How bytes are tokenized.
pub(super) struct Syntax {
    pub(super) delimiter: u8,
    pub(super) comment: Option<u8>,
    builder: csv_core::ReaderBuilder,
}

impl Syntax {
    pub(super) fn new(delimiter: u8, comment: Option<u8>) -> Syntax {
        let mut builder = csv_core::ReaderBuilder::new();
        builder
            .delimiter(delimiter)
            .comment(comment)
            .terminator(csv_core::Terminator::Any(b'\n'));
        Syntax {
            delimiter,
            comment,
            builder,
        }
    }

    /// A csv-core reader at a record start that has read before, so that it does not take a
    /// byte order mark in the middle of a file for one. Built, not cloned: csv-core 0.1.13's
    /// `Clone` of its DFA copies only the transition table (not which states end a field or
    /// a record), and a cloned reader ends a record at every byte.
    fn core(&self) -> csv_core::Reader {
        let mut core = self.builder.build();
        // A blank line is skipped: the reader stays at a record start, having read.
        let _ = core.read_record(b"\n", &mut [0; 1], &mut [0; 1]);
        core
    }
}

/// A record found in a chunk.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rec {
    /// Where its raw bytes start and end in the block (its line end included).
    pub(super) start: usize,
    pub(super) end: usize,
    /// Its fields: indices into the chunk's `ends`.
    pub(super) first: usize,
    pub(super) last: usize,
    /// Line ends between the chunk's start and the record's.
    pub(super) newlines: u64,
}

/// The records of a run of a block, parsed from a record start.
pub(super) struct Chunk {
    /// Where parsing started and where it stopped (both at record starts).
    pub(super) start: usize,
    pub(super) end: usize,
    /// Whether it stopped because the bytes ran out inside a record (or a comment line):
    /// the rest is carried into the next block.
    pub(super) incomplete: bool,
    /// Line ends in `start..end`.
    pub(super) newlines: u64,
    /// The physical line of `start`, set once the chunks before it are known.
    pub(super) line: u64,
    /// Field bytes of every record, one after the other, while they are not valid UTF-8 as a
    /// whole (else they are in `text`, and this is empty).
    data: Vec<u8>,
    /// Field bytes of every record when they are valid UTF-8 as a whole: a field is then cut
    /// out of it as text without being checked again (see [`Chunk::text`]).
    text: String,
    /// Where each field ends in `data`.
    pub(super) ends: Vec<usize>,
    pub(super) recs: Vec<Rec>,
}

impl Chunk {
    /// A chunk to parse into, with the buffers of a spent one (cleared) if there is one.
    fn reuse(spent: Option<Chunk>, start: usize) -> Chunk {
        let (mut data, mut ends, mut recs) = match spent {
            Some(c) => {
                let mut data = c.text.into_bytes();
                if data.capacity() < c.data.capacity() {
                    data = c.data;
                }
                (data, c.ends, c.recs)
            }
            None => Default::default(),
        };
        data.clear();
        ends.clear();
        recs.clear();
        Chunk {
            start,
            end: start,
            incomplete: false,
            newlines: 0,
            line: 0,
            data,
            text: String::new(),
            ends,
            recs,
        }
    }

    /// The field bytes of every record, one after the other.
    pub(super) fn bytes(&self) -> &[u8] {
        if self.text.is_empty() {
            &self.data
        } else {
            self.text.as_bytes()
        }
    }

    /// The field bytes of every record as text, when they are valid UTF-8 as a whole (a field
    /// cut out of it at char boundaries is valid UTF-8 then).
    pub(super) fn text(&self) -> Option<&str> {
        (!self.text.is_empty() || self.data.is_empty()).then_some(self.text.as_str())
    }

    /// Checks the field bytes for UTF-8 once, for all fields at once.
    fn settle_text(&mut self) {
        match String::from_utf8(std::mem::take(&mut self.data)) {
            Ok(text) => self.text = text,
            Err(e) => self.data = e.into_bytes(),
        }
    }

    /// Where record `r`'s first field starts in `data`.
    pub(super) fn data_start(&self, r: &Rec) -> usize {
        if r.first == 0 {
            0
        } else {
            self.ends[r.first - 1]
        }
    }
}

/// Parses the records of `buf` that start in `start..limit`, `start` being a record start;
/// a record may run past `limit`. `eof`: whether `buf` ends the file (else a record it cuts
/// short is left for the next block).
pub(super) fn parse(syn: &Syntax, buf: &[u8], start: usize, limit: usize, eof: bool) -> Chunk {
    parse_into(syn, buf, start, limit, eof, None)
}

/// [`parse`] into the buffers of a spent chunk (one whose speculative cut was wrong).
fn parse_into(
    syn: &Syntax,
    buf: &[u8],
    start: usize,
    limit: usize,
    eof: bool,
    spent: Option<Chunk>,
) -> Chunk {
    // Records asked for past the bytes there are: more bytes are needed, unless at the end.
    let short = limit > buf.len() && !eof;
    let limit = limit.min(buf.len());
    let mut c = Chunk::reuse(spent, start);
    let span = limit.saturating_sub(start).min(buf.len());
    c.data.reserve(span);
    // Room for the fields and records of rows like the contract's (fields of eight bytes or
    // more with their separators, records of sixteen or more); shorter ones grow the vectors.
    c.ends.reserve(span / 8);
    c.recs.reserve(span / 16);
    let mut core: Option<csv_core::Reader> = None;
    let (mut p, mut newlines) = (start, 0u64);
    'records: loop {
        // Blank lines and comment lines are no records (as the csv parser skips them).
        while p < limit {
            let b = buf[p];
            if b == b'\n' {
                p += 1;
                newlines += 1;
            } else if Some(b) == syn.comment {
                match memchr(b'\n', &buf[p..]) {
                    Some(i) => {
                        p += i + 1;
                        newlines += 1;
                    }
                    None if eof => p = buf.len(),
                    None => {
                        c.incomplete = true;
                        break 'records;
                    }
                }
            } else {
                break;
            }
        }
        if p >= limit {
            c.incomplete = short && p >= buf.len();
            break;
        }
        let rest = &buf[p..];
        let first = c.ends.len();
        let (len, lines) = match memchr2(b'\n', b'"', rest) {
            Some(i) if rest[i] == b'\n' => {
                split(&rest[..i], syn.delimiter, &mut c.data, &mut c.ends);
                (i + 1, 1)
            }
            None if eof => {
                split(rest, syn.delimiter, &mut c.data, &mut c.ends);
                (rest.len(), 0)
            }
            None => {
                c.incomplete = true;
                break;
            }
            Some(_) => {
                let core = core.get_or_insert_with(|| syn.core());
                match quoted(core, rest, eof, &mut c.data, &mut c.ends) {
                    Some(found) => found,
                    None => {
                        *core = syn.core();
                        c.incomplete = true;
                        break;
                    }
                }
            }
        };
        c.recs.push(Rec {
            start: p,
            end: p + len,
            first,
            last: c.ends.len(),
            newlines,
        });
        p += len;
        newlines += lines;
    }
    c.end = p;
    c.newlines = newlines;
    c.settle_text();
    c
}

/// Splits a line without quotes at `delimiter`.
fn split(line: &[u8], delimiter: u8, data: &mut Vec<u8>, ends: &mut Vec<usize>) {
    let mut from = 0;
    for i in memchr_iter(delimiter, line) {
        data.extend_from_slice(&line[from..i]);
        ends.push(data.len());
        from = i + 1;
    }
    data.extend_from_slice(&line[from..]);
    ends.push(data.len());
}

/// Reads one record that holds a quote with csv-core: its length in bytes and the line ends
/// in it, or `None` (nothing added) when `rest` ends inside it and more bytes are to come.
fn quoted(
    core: &mut csv_core::Reader,
    mut rest: &[u8],
    eof: bool,
    data: &mut Vec<u8>,
    ends: &mut Vec<usize>,
) -> Option<(usize, u64)> {
    use csv_core::ReadRecordResult as R;
    let (data0, ends0, line0) = (data.len(), ends.len(), core.line());
    let (mut out, mut nends, mut read) = (data0, ends0, 0);
    let mut room = 256;
    loop {
        data.resize(out + room, 0);
        ends.resize(nends + 16, 0);
        let (res, nin, nout, nend) = core.read_record(rest, &mut data[out..], &mut ends[nends..]);
        for e in &mut ends[nends..nends + nend] {
            *e += data0;
        }
        rest = &rest[nin..];
        (read, out, nends) = (read + nin, out + nout, nends + nend);
        match res {
            R::InputEmpty if !eof => {
                data.truncate(data0);
                ends.truncate(ends0);
                return None;
            }
            // At the end of the file the next call, with no input, ends the record.
            R::InputEmpty | R::OutputEndsFull => {}
            R::OutputFull => room *= 2,
            R::Record | R::End => {
                data.truncate(out);
                ends.truncate(nends);
                if ends.len() == ends0 {
                    ends.push(out);
                }
                return Some((read, core.line() - line0));
            }
        }
    }
}

/// Tokenizes `buf` from `from` (a record start) in chunks of about `chunk` bytes on all
/// cores, and returns them verified, in order, each with its first line set from `line`, the
/// physical line of `from`. The last chunk is `incomplete` when a record is cut short by the
/// end of `buf` (never when `eof`).
pub(super) fn tokenize(
    syn: &Syntax,
    buf: &[u8],
    from: usize,
    line: u64,
    eof: bool,
    chunk: usize,
) -> Vec<Chunk> {
    // Speculative cuts: after the first line end past every `chunk` bytes.
    let mut cuts = vec![from];
    let mut at = from + chunk.max(1);
    while at < buf.len() {
        match memchr(b'\n', &buf[at..]) {
            Some(i) if at + i + 1 < buf.len() => {
                cuts.push(at + i + 1);
                at += i + 1 + chunk.max(1);
            }
            _ => break,
        }
    }
    cuts.push(buf.len());
    let guessed: Vec<Chunk> = if cuts.len() > 2 {
        cuts.par_windows(2)
            .map(|w| parse(syn, buf, w[0], w[1], eof))
            .collect()
    } else {
        vec![parse(syn, buf, from, buf.len(), eof)]
    };
    let mut out = Vec::with_capacity(guessed.len());
    let (mut pos, mut line) = (from, line);
    for (c, &limit) in guessed.into_iter().zip(&cuts[1..]) {
        // The chunk before ended elsewhere than this cut (it was inside a quoted field):
        // parse again from where it really ended.
        let mut c = if c.start == pos {
            c
        } else {
            parse_into(syn, buf, pos, limit, eof, Some(c))
        };
        c.line = line;
        line += c.newlines;
        pos = c.end;
        let last = c.incomplete;
        out.push(c);
        if last {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{parse, Syntax};

    fn fields(text: &[u8]) -> Vec<Vec<String>> {
        let syn = Syntax::new(b',', None);
        let c = parse(&syn, text, 0, text.len(), true);
        c.recs
            .iter()
            .map(|r| {
                (r.first..r.last)
                    .map(|i| {
                        let s = if i == 0 { 0 } else { c.ends[i - 1] };
                        String::from_utf8_lossy(&c.bytes()[s..c.ends[i]]).into_owned()
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn quoted_records_keep_their_fields() {
        assert_eq!(
            fields(b"a,b\nSH,\"x, y\",z\nc,d\n"),
            [vec!["a", "b"], vec!["SH", "x, y", "z"], vec!["c", "d"]]
        );
    }
}
