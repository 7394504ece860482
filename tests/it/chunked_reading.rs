//! The table reader cut into tiny blocks and chunks (every cut lands everywhere: inside
//! quoted fields, between a CR and its LF, in a multi-byte character, in a comment line)
//! reads exactly what it reads in one piece, and what the csv crate reads.

use std::sync::{Arc, Mutex};

use csp_audit::load::table::{
    opt, read_comments_with, read_table, req, row_estimate, Chunking, Column, Progress,
    ProgressSink, ReadOptions, Row, Source, TableInfo,
};
use csp_audit::model::FileStats;
use proptest::prelude::*;

const COLUMNS: [Column; 3] = [req("id"), opt("name"), opt("note")];

/// Everything a read gives: rows (line and every column's value), messages, counts, notes.
#[derive(Debug, PartialEq)]
struct Read {
    rows: Vec<(u64, Vec<Option<String>>)>,
    errors: Vec<String>,
    stats: FileStats,
    info: TableInfo,
}

fn on_row(rows: &mut Vec<(u64, Vec<Option<String>>)>, row: &mut Row<'_>) {
    let values = (0..COLUMNS.len())
        .map(|c| row.get(c).map(str::to_string))
        .collect();
    rows.push((row.line, values));
}

fn options(chunking: Option<Chunking>) -> ReadOptions {
    ReadOptions {
        chunking,
        ..ReadOptions::default()
    }
}

fn read(source: Source<'_>, chunking: Option<Chunking>) -> Read {
    let (mut rows, mut errors, mut info) = (Vec::new(), Vec::new(), TableInfo::default());
    let stats = read_table(
        source,
        &"t.csv".into(),
        &COLUMNS,
        &options(chunking),
        &mut errors,
        &mut info,
        |row| on_row(&mut rows, row),
    );
    let errors = errors.iter().map(ToString::to_string).collect();
    Read {
        rows,
        errors,
        stats,
        info,
    }
}

fn read_comments(bytes: &[u8], chunking: Option<Chunking>) -> Read {
    let (mut rows, mut errors) = (Vec::new(), Vec::new());
    let stats = read_comments_with(
        Source::Bytes(bytes),
        &"t.csv".into(),
        &COLUMNS,
        Some(b'#'),
        &options(chunking),
        &mut errors,
        |row| on_row(&mut rows, row),
    );
    let errors = errors.iter().map(ToString::to_string).collect();
    Read {
        rows,
        errors,
        stats,
        info: TableInfo::default(),
    }
}

/// Reads `bytes` in one piece, then cut in every small block and chunk size (from memory,
/// from a file, and from a file opened ahead by the row estimate), and checks that every
/// read gives the same; returns the one-piece read.
fn same_at_every_cut(bytes: &[u8]) -> Read {
    let whole = read(Source::Bytes(bytes), None);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("t.csv");
    std::fs::write(&path, bytes).expect("write");
    for block in 1..=13 {
        for chunk in 1..=5 {
            let cut = Some(Chunking { block, chunk });
            let at = format!("block {block}, chunk {chunk}");
            assert_eq!(read(Source::Bytes(bytes), cut), whole, "{at}");
            assert_eq!(read(Source::Path(&path), cut), whole, "{at}, file");
            let mut ahead = Source::Path(&path);
            row_estimate(&mut ahead);
            assert_eq!(read(ahead, cut), whole, "{at}, read ahead");
        }
    }
    whole
}

fn row(line: u64, values: [Option<&str>; 3]) -> (u64, Vec<Option<String>>) {
    (line, values.iter().map(|v| v.map(str::to_string)).collect())
}

fn stats(read: u64, loaded: u64, rejected: u64, skipped: u64) -> FileStats {
    FileStats {
        read,
        loaded,
        rejected,
        skipped,
    }
}

#[test]
fn quoted_newlines_and_doubled_quotes_across_every_cut() {
    let r = same_at_every_cut(
        b"id,name,note\n1,\"two\nlines\",\"say \"\"hi\"\"\"\n2,plain,x\n\"3\",\"a\r\nb\",\n",
    );
    assert_eq!(
        r.rows,
        [
            row(2, [Some("1"), Some("two\nlines"), Some("say \"hi\"")]),
            row(4, [Some("2"), Some("plain"), Some("x")]),
            row(5, [Some("3"), Some("a\r\nb"), None]),
        ]
    );
    assert_eq!(r.stats, stats(3, 3, 0, 0));
    assert!(r.errors.is_empty(), "{:?}", r.errors);
}

#[test]
fn crlf_blank_lines_and_excel_empty_rows_at_cuts() {
    let r = same_at_every_cut(b"\r\nid,name,note\r\n\r\n1,a,b\r\n,,\r\n  \r\n\n2,b,c\r\n");
    assert_eq!(
        r.rows,
        [
            row(4, [Some("1"), Some("a"), Some("b")]),
            row(8, [Some("2"), Some("b"), Some("c")]),
        ]
    );
    assert_eq!(r.stats, stats(4, 2, 0, 2));
}

#[test]
fn a_bom_and_a_bad_byte_in_a_quoted_field_keep_exact_offsets() {
    let r = same_at_every_cut(b"\xEF\xBB\xBFid,name,note\n\"1\",\"x\xFFy\",z\n1,a,\"\"\"q\xFE\"\n");
    // The BOM (3) and the header line (13) come first; `"1",` and `"x` then put the bad
    // byte at 22. The next row starts at 28: `1,a,`, the opening quote, the doubled quote
    // and `q` put it at 36.
    assert_eq!(
        r.errors,
        [
            "t.csv:2:2: invalid UTF-8 in column 'name' at byte offset 22: expected UTF-8 text (the file may be Windows-1252: try --encoding windows-1252)",
            "t.csv:3:3: invalid UTF-8 in column 'note' at byte offset 36: expected UTF-8 text (the file may be Windows-1252: try --encoding windows-1252)",
        ]
    );
    assert_eq!(r.stats, stats(2, 0, 2, 0));
}

#[test]
fn a_quote_inside_an_unquoted_field_is_a_literal() {
    let r = same_at_every_cut(b"id,name,note\n1,ab\"c,d\"\n2,\"x\",y\n");
    assert_eq!(
        r.rows,
        [
            row(2, [Some("1"), Some("ab\"c"), Some("d\"")]),
            row(3, [Some("2"), Some("x"), Some("y")]),
        ]
    );
}

#[test]
fn an_unclosed_quote_at_the_end_swallows_the_lines_after_it() {
    let r = same_at_every_cut(b"id,name,note\n0,a,b\n1,\"abc\n2,b,c\n");
    assert_eq!(r.rows, [row(2, [Some("0"), Some("a"), Some("b")])]);
    assert_eq!(
        r.errors,
        ["t.csv:3:3: found 2 fields: expected 3 as in the header (a quoted field runs over 3 lines from here: is a closing quote missing?)"]
    );
}

#[test]
fn a_last_row_without_a_line_end() {
    let r = same_at_every_cut(b"id,name,note\n1,a,b\n\n\"2\",b,\"c\"");
    assert_eq!(
        r.rows,
        [
            row(2, [Some("1"), Some("a"), Some("b")]),
            row(4, [Some("2"), Some("b"), Some("c")]),
        ]
    );
}

#[test]
fn comment_lines_of_the_region_table_at_every_cut() {
    let bytes: &[u8] = b"# a comment\nid,name,note\n#x,y,z\n1,a,b\n# \"open\n2,\"b\nc\",d\n#end";
    let whole = read_comments(bytes, None);
    assert_eq!(
        whole.rows,
        [
            row(4, [Some("1"), Some("a"), Some("b")]),
            row(6, [Some("2"), Some("b\nc"), Some("d")]),
        ]
    );
    for block in 1..=13 {
        for chunk in 1..=5 {
            let cut = Some(Chunking { block, chunk });
            assert_eq!(
                read_comments(bytes, cut),
                whole,
                "block {block}, chunk {chunk}"
            );
        }
    }
}

/// One progress report: file, bytes, length, rows.
type Report = (String, u64, Option<u64>, u64);

/// Records progress reports.
#[derive(Default)]
struct Seen(Mutex<Vec<Report>>);

impl Progress for Seen {
    fn update(&self, file: &str, bytes: u64, len: Option<u64>, rows: u64) {
        let mut seen = self.0.lock().expect("lock");
        seen.push((file.to_string(), bytes, len, rows));
    }
}

#[test]
fn progress_grows_and_ends_at_the_files_size() {
    let mut text = String::from("id,name,note\n");
    for i in 0..500 {
        text += &format!("{i},\"name\n{i}\",x\n");
    }
    let seen = Arc::new(Seen::default());
    let opts = ReadOptions {
        progress: Some(ProgressSink(seen.clone())),
        chunking: Some(Chunking {
            block: 1000,
            chunk: 100,
        }),
        ..ReadOptions::default()
    };
    let (mut errors, mut info) = (Vec::new(), TableInfo::default());
    let st = read_table(
        Source::Bytes(text.as_bytes()),
        &"t.csv".into(),
        &COLUMNS,
        &opts,
        &mut errors,
        &mut info,
        |_| {},
    );
    assert_eq!(st.read, 500);
    let seen = seen.0.lock().expect("lock");
    assert!(seen.len() > 5, "{seen:?}");
    let len = text.len() as u64;
    assert!(seen.iter().all(|s| s.0 == "t.csv" && s.2 == Some(len)));
    assert!(seen
        .windows(2)
        .all(|w| w[0].1 <= w[1].1 && w[0].3 <= w[1].3));
    assert_eq!(seen.last().map(|s| (s.1, s.3)), Some((len, 500)));
}

/// What the csv crate, as csp-audit configures it, reads from `bytes`: each record with the
/// physical line where it starts (the csv crate's position is where it began reading it,
/// before the blank lines it skipped).
fn csv_records(bytes: &[u8]) -> Vec<(u64, Vec<Vec<u8>>)> {
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(bytes);
    let mut out = Vec::new();
    for record in rdr.byte_records() {
        let record = record.expect("in memory");
        let mut start = record.position().expect("position").byte() as usize;
        while bytes.get(start) == Some(&b'\n') {
            start += 1;
        }
        let line = 1 + bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64;
        out.push((line, record.iter().map(<[u8]>::to_vec).collect()));
    }
    out
}

/// Pieces random CSV-like text is made of.
fn piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a", "b", " ", ",", ",", "\"", "\"", "\"\"", "\r", "\n", "\n", "\r\n", "é", "#",
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_text_reads_the_same_cut_or_whole_and_as_the_csv_crate(
        pieces in prop::collection::vec(piece(), 0..120),
        block in 1usize..40,
        chunk in 1usize..12,
    ) {
        let text = format!("id,name,note\n{}", pieces.concat());
        let bytes = text.as_bytes();
        let whole = read(Source::Bytes(bytes), None);
        let cut = read(Source::Bytes(bytes), Some(Chunking { block, chunk }));
        prop_assert_eq!(&cut, &whole);
        // Every record the csv crate reads after the header is a row at its line, a row
        // with the wrong number of fields, or a row that holds nothing.
        let mut rows = Vec::new();
        let mut widths = Vec::new();
        let mut skipped = 0;
        for (line, fields) in csv_records(bytes).into_iter().skip(1) {
            let blank = fields.iter().all(|f| f.trim_ascii().is_empty());
            if blank {
                if !(fields.len() == 1 && matches!(&fields[0][..], b"" | b"\r")) {
                    skipped += 1;
                }
                continue;
            }
            if fields.len() != 3 {
                widths.push((line, fields.len().min(3) + 1));
                continue;
            }
            let values = fields
                .iter()
                .map(|f| {
                    let t = std::str::from_utf8(f).expect("utf-8 pieces").trim();
                    (!t.is_empty()).then(|| t.to_string())
                })
                .collect::<Vec<_>>();
            rows.push((line, values));
        }
        prop_assert_eq!(&whole.rows, &rows);
        let found = whole
            .errors
            .iter()
            .filter(|e| e.contains(": found "))
            .map(|e| {
                let mut parts = e.split(':');
                let (_, line, col) = (parts.next(), parts.next(), parts.next());
                (
                    line.and_then(|l| l.parse::<u64>().ok()).unwrap_or(0),
                    col.and_then(|c| c.parse::<usize>().ok()).unwrap_or(0),
                )
            })
            .collect::<Vec<_>>();
        prop_assert_eq!(found, widths);
        prop_assert_eq!(whole.stats.skipped, skipped);
    }

    #[test]
    fn random_bytes_read_the_same_cut_or_whole(
        bytes in prop::collection::vec(
            prop::sample::select(vec![b'a', b',', b'"', b'\r', b'\n', b'\n', 0xC3, 0xA9, 0xFF, b'#']),
            0..150,
        ),
        block in 1usize..40,
        chunk in 1usize..12,
    ) {
        let mut text = b"id,name,note\n".to_vec();
        text.extend_from_slice(&bytes);
        let whole = read(Source::Bytes(&text), None);
        let cut = read(Source::Bytes(&text), Some(Chunking { block, chunk }));
        prop_assert_eq!(&cut, &whole);
        // Without a header in front too: the header itself is cut.
        prop_assert_eq!(
            read(Source::Bytes(&bytes), Some(Chunking { block, chunk })),
            read(Source::Bytes(&bytes), None)
        );
    }
}

#[test]
fn a_run_whose_standard_error_is_no_terminal_shows_no_progress() {
    let dir = tempfile::tempdir().expect("temp dir");
    let net = dir.path().join("net");
    let net = net.to_str().expect("utf-8 path");
    let made = crate::support::run(&[
        "generate",
        "--out",
        net,
        "--relationships",
        "20000",
        "--seed",
        "3",
    ]);
    assert_eq!(made.code, 0, "{}", made.stderr);
    let plain = crate::support::run(&["audit", net, "--format", "json", "--output", "/dev/null"]);
    let quiet = crate::support::run(&[
        "audit",
        net,
        "--format",
        "json",
        "--output",
        "/dev/null",
        "--quiet",
    ]);
    assert_eq!(plain.code, 1, "{}", plain.stderr);
    assert_eq!(quiet.code, 1);
    // Captured standard error is no terminal: not a byte of a bar, with or without --quiet.
    assert_eq!(plain.stderr, quiet.stderr);
    for bar in ["rows", "[=", "\u{1b}[", "\r"] {
        assert!(!plain.stderr.contains(bar), "{bar:?} in {}", plain.stderr);
    }
}
