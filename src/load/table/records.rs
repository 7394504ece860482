//! The tokenizer of this reader for other readers of CSV bytes already in memory (the Partner
//! Center line-item files): records cut from a block and tokenized on all cores, as `chunks`
//! does for a table, without the header resolution, row checks and messages of a table.

use super::chunks::{tokenize, Chunk, Rec, Syntax};
use super::CHUNK_BYTES;

/// The records of a block of comma-separated text, tokenized in chunks (each chunk can be
/// read on its own thread), in file order.
pub(crate) struct Records {
    chunks: Vec<Chunk>,
    /// Where the text not yet made into records starts, and its physical line.
    next: usize,
    next_line: u64,
}

/// Tokenizes the records of `buf` from `from` (a record start on physical line `line`),
/// comma-separated with RFC 4180 quotes, records ended by LF (a CR stays at the end of the
/// last field). `eof`: whether `buf` ends the text; else a record that `buf` cuts short is left
/// for the next call, from [`Records::next`]. `chunk`: bytes per chunk, `None` for
/// [`CHUNK_BYTES`].
pub(crate) fn tokenize_records(
    buf: &[u8],
    from: usize,
    line: u64,
    eof: bool,
    chunk: Option<usize>,
) -> Records {
    let syn = Syntax::new(b',', None);
    let chunks = tokenize(
        &syn,
        buf,
        from,
        line,
        eof,
        chunk.unwrap_or(CHUNK_BYTES).max(1),
    );
    let (next, next_line) = chunks
        .last()
        .map_or((from, line), |c| (c.end, c.line + c.newlines));
    Records {
        chunks,
        next,
        next_line,
    }
}

impl Records {
    /// The chunks, in file order.
    pub(crate) fn chunks(&self) -> impl ExactSizeIterator<Item = RecordChunk<'_>> {
        self.chunks.iter().map(RecordChunk)
    }

    /// Where the text not yet made into records starts, and its physical line.
    pub(crate) fn next(&self) -> (usize, u64) {
        (self.next, self.next_line)
    }
}

/// One chunk of [`Records`].
#[derive(Clone, Copy)]
pub(crate) struct RecordChunk<'a>(&'a Chunk);

impl<'a> RecordChunk<'a> {
    /// Its records, in file order.
    pub(crate) fn records(self) -> impl Iterator<Item = Fields<'a>> {
        let c = self.0;
        c.recs.iter().map(move |r: &Rec| Fields {
            data: c.bytes(),
            ends: &c.ends[r.first..r.last],
            start: c.data_start(r),
            span: (r.start, r.end),
            line: c.line + r.newlines,
        })
    }
}

/// One record: its fields (unquoted, not decoded) and where its raw bytes are.
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a> {
    data: &'a [u8],
    ends: &'a [usize],
    start: usize,
    /// Where its raw bytes start and end in the block (its line end included).
    pub(crate) span: (usize, usize),
    /// The physical line its first byte is on.
    pub(crate) line: u64,
}

impl<'a> Fields<'a> {
    /// How many fields it has (at least one).
    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i`, if the record has it.
    pub(crate) fn get(&self, i: usize) -> Option<&'a [u8]> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { self.start } else { self.ends[i - 1] };
        Some(&self.data[start..end])
    }
}
