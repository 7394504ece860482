//! Bytes once: a table's source opened once and read front to back in large blocks, the
//! first of which may be read ahead (for the row estimate) and is then handed on, not read
//! again; Windows-1252 decoded block by block.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::Arc;

use super::{Encoding, Source};
use crate::problem::Problem;

/// Why a file could not be opened.
enum Failure {
    Dir,
    NotFound,
    Io(io::Error),
}

enum From<'a> {
    File(File),
    Slice(&'a [u8]),
    Reader(Box<dyn Read + 'a>),
}

/// A table's source once opened: where its bytes come from, and those read ahead.
pub struct Opened<'a> {
    from: Result<From<'a>, Failure>,
    /// Bytes read ahead and not yet handed on.
    ahead: Vec<u8>,
    /// A read failure met while reading ahead, given after the bytes read before it.
    failed: Option<io::Error>,
    /// The length of a regular file or of bytes in memory.
    pub(super) len: Option<u64>,
    /// Bytes handed on so far.
    pub(super) done: u64,
}

impl<'a> Opened<'a> {
    /// Opens `source` (nothing is read yet).
    pub(super) fn open(source: Source<'a>) -> Opened<'a> {
        let (from, len) = match source {
            Source::Path(path) => match open(path) {
                Ok((f, len)) => (Ok(From::File(f)), len),
                Err(e) => (Err(e), None),
            },
            Source::Bytes(b) => (Ok(From::Slice(b)), Some(b.len() as u64)),
            Source::Reader(r) => (Ok(From::Reader(r)), None),
            Source::Opened(o) => return *o,
        };
        Opened {
            from,
            ahead: Vec::new(),
            failed: None,
            len,
            done: 0,
        }
    }

    /// The problem with the source as a whole when it could not be opened.
    pub(super) fn problem(&self, file: &Arc<str>) -> Option<Problem> {
        Some(match self.from.as_ref().err()? {
            Failure::Dir => Problem::whole_file(file, "is a directory: expected a CSV file"),
            Failure::NotFound => {
                Problem::whole_file(file, "file not found: expected a CSV file here")
            }
            Failure::Io(e) => Problem::whole_file(file, cannot_read(e)),
        })
    }

    /// Reads up to `n` bytes ahead (fewer at the end), keeping them for [`Opened::read`].
    pub(super) fn read_ahead(&mut self, n: usize) -> &[u8] {
        if self.ahead.len() < n && self.failed.is_none() {
            let mut ahead = std::mem::take(&mut self.ahead);
            let want = n - ahead.len();
            self.failed = self.fetch(&mut ahead, want).1;
            self.ahead = ahead;
        }
        &self.ahead
    }

    /// Appends up to `n` more bytes of the source to `out`: fewer only at its end. A read
    /// failure comes after the bytes read before it.
    pub(super) fn read(&mut self, out: &mut Vec<u8>, n: usize) -> io::Result<usize> {
        let take = n.min(self.ahead.len());
        out.extend_from_slice(&self.ahead[..take]);
        self.ahead.drain(..take);
        let mut got = take;
        if got < n {
            let failed = match self.failed.take() {
                Some(e) => Some(e),
                None => {
                    let (k, failed) = self.fetch(out, n - got);
                    got += k;
                    failed
                }
            };
            if let Some(e) = failed {
                if got == 0 {
                    return Err(e);
                }
                self.failed = Some(e);
            }
        }
        self.done += got as u64;
        Ok(got)
    }

    /// Reads up to `n` bytes from the source itself into `out`: how many, and the failure
    /// that stopped it early.
    fn fetch(&mut self, out: &mut Vec<u8>, n: usize) -> (usize, Option<io::Error>) {
        let r: &mut dyn Read = match &mut self.from {
            Ok(From::File(f)) => f,
            Ok(From::Reader(r)) => r.as_mut(),
            Ok(From::Slice(s)) => {
                let take = n.min(s.len());
                out.extend_from_slice(&s[..take]);
                *s = &s[take..];
                return (take, None);
            }
            Err(_) => return (0, None),
        };
        let start = out.len();
        out.resize(start + n, 0);
        let mut got = 0;
        let mut failed = None;
        while got < n {
            match r.read(&mut out[start + got..]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
        }
        out.truncate(start + got);
        (got, failed)
    }
}

/// Opens a file for reading, telling the usual failures apart; with its length when it is a
/// regular file.
fn open(path: &Path) -> Result<(File, Option<u64>), Failure> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => return Err(Failure::Dir),
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(Failure::NotFound),
        Err(e) => return Err(Failure::Io(e)),
    };
    let len = meta.is_file().then_some(meta.len());
    File::open(path).map(|f| (f, len)).map_err(Failure::Io)
}

/// Reads a whole (small) file, with the same messages as the table reader.
pub(crate) fn read_all(path: &Path, file: &Arc<str>) -> Result<Vec<u8>, Problem> {
    let mut opened = Opened::open(Source::Path(path));
    if let Some(p) = opened.problem(file) {
        return Err(p);
    }
    let mut bytes = Vec::new();
    loop {
        match opened.read(&mut bytes, 1 << 20) {
            Ok(0) => return Ok(bytes),
            Ok(_) => {}
            Err(e) => return Err(Problem::whole_file(file, cannot_read(&e))),
        }
    }
}

/// The message for an I/O failure.
pub(super) fn cannot_read(e: &io::Error) -> String {
    format!("cannot read file: {e}")
}

/// Gives a table's text block by block: UTF-8 as it is, Windows-1252 decoded to UTF-8 (every
/// byte one character, so lines, fields and quotes are unchanged).
pub(super) struct Text<'a> {
    pub(super) input: Opened<'a>,
    decoder: Option<(encoding_rs::Decoder, Vec<u8>)>,
    /// Whether the end of the source was reached.
    pub(super) eof: bool,
}

impl<'a> Text<'a> {
    pub(super) fn new(input: Opened<'a>, encoding: Encoding) -> Text<'a> {
        let decoder = (encoding == Encoding::Windows1252).then(|| {
            (
                encoding_rs::WINDOWS_1252.new_decoder_without_bom_handling(),
                Vec::new(),
            )
        });
        Text {
            input,
            decoder,
            eof: false,
        }
    }

    /// Appends the text of up to `n` more bytes of the source to `out`; sets `eof` at its end.
    pub(super) fn read(&mut self, out: &mut Vec<u8>, n: usize) -> io::Result<()> {
        let Some((decoder, raw)) = &mut self.decoder else {
            let got = self.input.read(out, n)?;
            self.eof = got < n && self.input.failed.is_none();
            return Ok(());
        };
        raw.clear();
        let got = self.input.read(raw, n)?;
        let last = got < n && self.input.failed.is_none();
        let start = out.len();
        let room = decoder.max_utf8_buffer_length(got).unwrap_or(3 * got + 16);
        out.resize(start + room, 0);
        let (_, _, written, _) = decoder.decode_to_utf8(raw, &mut out[start..], last);
        out.truncate(start + written);
        self.eof = last;
        Ok(())
    }
}
