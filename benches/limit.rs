//! The limit a CSV loader can reach on this machine: the csv crate's raw `ByteRecord` parse of
//! a network's three files, with no checks, no model and no graph, measured twice:
//!
//! - on one thread, each file read through the csv crate's own buffered reader;
//! - on every core, each file read into memory at once and cut at newlines into as many
//!   pieces as there are threads, the pieces parsed side by side (generated files have no
//!   quoted line ends, so a cut at a newline is a record boundary there).
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

/// `bytes` cut at newlines into `pieces` parts of about equal size.
fn cut(bytes: &[u8], pieces: usize) -> Vec<&[u8]> {
    let mut parts = Vec::with_capacity(pieces);
    let mut start = 0;
    for i in 1..pieces {
        let target = (bytes.len() * i / pieces).max(start);
        let end = match bytes[target..].iter().position(|&b| b == b'\n') {
            Some(at) => target + at + 1,
            None => bytes.len(),
        };
        parts.push(&bytes[start..end]);
        start = end;
    }
    parts.push(&bytes[start..]);
    parts
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| {
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
        let file = std::fs::File::open(path).unwrap_or_else(|e| {
            eprintln!("{}: {e}", path.display());
            std::process::exit(2);
        });
        let (r, f) = parse(file);
        one = (one.0 + r, one.1 + f);
    }
    let one_s = t0.elapsed().as_secs_f64();

    let threads = rayon::current_num_threads();
    let t1 = Instant::now();
    let mut par = (0, 0);
    for path in &paths {
        let data = read(path);
        let (r, f) = cut(&data, threads)
            .into_par_iter()
            .map(parse)
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
