//! The limit a CSV loader can reach on this machine: the csv crate's raw `ByteRecord` parse of
//! a network's three files, with no checks, no model and no graph, measured twice:
//!
//! - on one thread, each file read through the csv crate's own buffered reader;
//! - on every core, each file cut into pieces of [`PIECE_BYTES`] (many more pieces than cores,
//!   shared out by rayon's work stealing, so a core that another program slows down does not
//!   hold the others up), each piece read from the file and parsed on the core that took it, a
//!   piece's records being those that start in it (generated files have no quoted line ends,
//!   so a newline ends a record there). Nothing is read on one thread first.
//!
//! Every record's fields are counted, so no work is optimised away. One JSON line on stdout;
//! `benches/peers/run.sh` and `benches/scaling.sh` run it in the same run as the audit they
//! compare it with. By hand:
//!
//! ```sh
//! cargo bench --bench limit -- DIR
//! ```

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

const FILES: [&str; 3] = ["partners.csv", "tenants.csv", "relationships.csv"];

/// Records and fields of one CSV source.
fn parse(reader: impl std::io::Read) -> (u64, u64) {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(reader);
    let mut record = csv::ByteRecord::new();
    let (mut records, mut fields) = (0u64, 0u64);
    loop {
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {
                records += 1;
                fields += record.len() as u64;
            }
            Ok(false) => break,
            Err(e) => {
                eprintln!("cannot parse: {e}");
                std::process::exit(2);
            }
        }
    }
    (records, fields)
}

/// Bytes of a file read and parsed as one piece of work.
const PIECE_BYTES: u64 = 4 << 20;

/// Bytes read past a piece's end at a time, to find where its last record ends.
const OVERRUN_BYTES: usize = 64 << 10;

/// Bytes `at..at + len` of `file`, fewer at its end.
fn read_at(file: &std::fs::File, at: u64, len: usize) -> Vec<u8> {
    use std::os::unix::fs::FileExt;
    let mut buf = vec![0u8; len];
    let mut done = 0;
    while done < len {
        match file.read_at(&mut buf[done..], at + done as u64) {
            Ok(0) => break,
            Ok(n) => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                eprintln!("cannot read: {e}");
                std::process::exit(2);
            }
        }
    }
    buf.truncate(done);
    buf
}

/// Records and fields of the records that start in bytes `start..end` of `file` (of `len`
/// bytes): a record starts at 0 or after a newline. The piece is read with the byte before it
/// and as much after it as its last record needs.
fn parse_piece(file: &std::fs::File, len: u64, start: u64, end: u64) -> (u64, u64) {
    let from = start.saturating_sub(1);
    let mut buf = read_at(file, from, (end - from) as usize);
    // The first record: at 0, or after the first newline from the byte before the piece.
    let first = if start == 0 {
        0
    } else {
        match memchr::memchr(b'\n', &buf) {
            Some(i) => i + 1,
            // No record starts in the piece: the one that runs over it is its neighbour's.
            None => return (0, 0),
        }
    };
    // The end: after the first newline from the piece's last byte on, reading on as needed.
    let mut last = (end - from) as usize - 1;
    let stop = loop {
        if let Some(i) = memchr::memchr(b'\n', &buf[last.min(buf.len())..]) {
            break last + i + 1;
        }
        let at = from + buf.len() as u64;
        if at >= len {
            break buf.len();
        }
        last = buf.len();
        buf.extend(read_at(file, at, OVERRUN_BYTES));
    };
    if first >= stop {
        return (0, 0);
    }
    parse(&buf[first..stop])
}

fn open(path: &Path) -> std::fs::File {
    std::fs::File::open(path).unwrap_or_else(|e| {
        eprintln!("{}: {e}", path.display());
        std::process::exit(2);
    })
}

fn main() {
    // `cargo bench` passes `--bench`; the folder is the first other argument.
    let Some(dir) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench limit -- DIR");
        std::process::exit(2);
    };
    let paths: Vec<PathBuf> = FILES.iter().map(|f| Path::new(&dir).join(f)).collect();
    let bytes: u64 = paths
        .iter()
        .map(|p| std::fs::metadata(p).map_or(0, |m| m.len()))
        .sum();

    let t0 = Instant::now();
    let mut one = (0, 0);
    for path in &paths {
        let (r, f) = parse(open(path));
        one = (one.0 + r, one.1 + f);
    }
    let one_s = t0.elapsed().as_secs_f64();

    let threads = rayon::current_num_threads();
    let t1 = Instant::now();
    let mut par = (0, 0);
    for path in &paths {
        let file = open(path);
        let len = file.metadata().map_or(0, |m| m.len());
        let (r, f) = (0..len.div_ceil(PIECE_BYTES))
            .into_par_iter()
            .map(|i| {
                let start = i * PIECE_BYTES;
                parse_piece(&file, len, start, (start + PIECE_BYTES).min(len))
            })
            .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        par = (par.0 + r, par.1 + f);
    }
    let par_s = t1.elapsed().as_secs_f64();
    if one != par {
        eprintln!("the two parses disagree: {one:?} and {par:?} (records, fields)");
        std::process::exit(2);
    }
    println!(
        "{{\"bytes\":{bytes},\"records\":{},\"fields\":{},\"threads\":{threads},\"one_thread_s\":{one_s:.6},\"parallel_s\":{par_s:.6}}}",
        one.0, one.1
    );
}
