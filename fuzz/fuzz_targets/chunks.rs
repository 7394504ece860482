//! Any bytes as a table, read in one piece and read again cut into tiny blocks and chunks
//! (their sizes taken from the first two bytes): both reads give the same rows, lines, values,
//! messages, counts and header notes. Every cut then lands somewhere a real 8 MiB block
//! boundary can: inside a quoted field, between a CR and its LF, inside a UTF-8 character.
#![no_main]

use csp_audit::load::table::{
    opt, read_table, req, Chunking, Column, ReadOptions, Source, TableInfo,
};
use csp_audit::model::FileStats;
use libfuzzer_sys::fuzz_target;

/// The columns of relationships.csv, so the relationships corpus seeds this target too.
const COLUMNS: [Column; 6] = [
    req("kind"),
    req("from_id"),
    req("to_id"),
    opt("reseller_id"),
    opt("effective_on"),
    opt("relationship_id"),
];

type Read = (
    Vec<(u64, Vec<Option<String>>)>,
    Vec<String>,
    FileStats,
    TableInfo,
);

fn read(bytes: &[u8], chunking: Option<Chunking>) -> Read {
    let opts = ReadOptions {
        chunking,
        ..ReadOptions::default()
    };
    let (mut rows, mut errors, mut info) = (Vec::new(), Vec::new(), TableInfo::default());
    let stats = read_table(
        Source::Bytes(bytes),
        &"relationships.csv".into(),
        &COLUMNS,
        &opts,
        &mut errors,
        &mut info,
        |row| {
            let values = (0..COLUMNS.len())
                .map(|c| row.get(c).map(str::to_string))
                .collect();
            rows.push((row.line, values));
        },
    );
    let errors = errors.iter().map(ToString::to_string).collect();
    (rows, errors, stats, info)
}

fuzz_target!(|data: &[u8]| {
    let [block, chunk, bytes @ ..] = data else {
        return;
    };
    let chunking = Chunking {
        block: 1 + usize::from(*block % 64),
        chunk: 1 + usize::from(*chunk % 32),
    };
    let whole = read(bytes, None);
    let cut = read(bytes, Some(chunking));
    assert_eq!(whole, cut, "{chunking:?}");
});
