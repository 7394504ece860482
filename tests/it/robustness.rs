//! No input makes csp-audit panic or lose a row: random bytes and mutations of the sample and
//! fixture files go through the loader, the network, every rule and the whole command line.
//!
//! Bounded: a thousand in-memory cases per property and a few dozen whole runs (a few seconds
//! in all; `PROPTEST_CASES` raises the former).
//! `fuzz/` runs the same checks for as long as one likes.

use std::path::Path;

use clap::Parser;
use csp_audit::app::run;
use csp_audit::audit::audit;
use csp_audit::cli::Cli;
use csp_audit::exit::Exit;
use csp_audit::graph::Network;
use csp_audit::load::{builtin_regions, load_from_bytes, load_from_readers, parse_regions};
use csp_audit::model::InputFile;
use csp_audit::rules::Params;
use proptest::prelude::*;

/// Cases per in-memory property: `default`, or `PROPTEST_CASES` for a longer run, e.g.
/// `PROPTEST_CASES=100000 cargo test --release --test robustness` (the whole-command-line
/// properties keep their small count).
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The networks mutations start from: (partners, tenants, relationships).
fn bases() -> Vec<[Vec<u8>; 3]> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    ["data/sample", "tests/fixtures/hostile-base"]
        .iter()
        .map(|dir| {
            let read = |f: InputFile| {
                std::fs::read(root.join(dir).join(f.file_name()))
                    .unwrap_or_else(|e| panic!("{dir}/{}: {e}", f.file_name()))
            };
            [
                read(InputFile::Partners),
                read(InputFile::Tenants),
                read(InputFile::Relationships),
            ]
        })
        .collect()
}

/// Bytes that matter to a CSV reader and to the loader's checks.
const TOKENS: &[&[u8]] = &[
    b"\"",
    b",",
    b"\n",
    b"\r\n",
    b"\r",
    b"\0",
    b"\xFF",
    b"\xC3",
    b"\xEF\xBB\xBF",
    b"\"\"",
    b",,,,",
    b"2020-02-30",
    b"9999-99-99",
    b"affiliate",
    b"customer",
    b"reseller",
    b"indirect_reseller",
    b"partner",
    b"P1",
    b"T1",
    b"ORG-1",
    b"  ",
];

/// One edit of a file.
#[derive(Clone, Debug)]
enum Edit {
    /// Overwrite the byte at a position (modulo the length).
    Set(usize, u8),
    /// Insert a token.
    Insert(usize, usize),
    /// Delete a range.
    Delete(usize, usize),
    /// Cut the file.
    Truncate(usize),
    /// Copy a line over another one.
    CopyLine(usize, usize),
    /// Repeat a byte many times (long fields and rows).
    Repeat(usize, u8, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Set(p, b)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(p, t)| Edit::Insert(p, t)),
        (any::<usize>(), 0usize..64).prop_map(|(p, n)| Edit::Delete(p, n)),
        any::<usize>().prop_map(Edit::Truncate),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::CopyLine(a, b)),
        (
            any::<usize>(),
            prop::sample::select(b",\"a\n".to_vec()),
            1usize..6000
        )
            .prop_map(|(p, b, n)| Edit::Repeat(p, b, n)),
    ]
}

fn apply(bytes: &mut Vec<u8>, e: &Edit) {
    let at = |p: usize, len: usize| if len == 0 { 0 } else { p % (len + 1) };
    match *e {
        Edit::Set(p, b) => {
            if !bytes.is_empty() {
                let i = p % bytes.len();
                bytes[i] = b;
            }
        }
        Edit::Insert(p, t) => {
            let i = at(p, bytes.len());
            bytes.splice(i..i, TOKENS[t].iter().copied());
        }
        Edit::Delete(p, n) => {
            let i = at(p, bytes.len());
            let j = (i + n).min(bytes.len());
            bytes.drain(i..j);
        }
        Edit::Truncate(p) => bytes.truncate(at(p, bytes.len())),
        Edit::CopyLine(a, b) => {
            let lines: Vec<Vec<u8>> = bytes.split(|&c| c == b'\n').map(<[u8]>::to_vec).collect();
            let (a, b) = (a % lines.len(), b % lines.len());
            let mut lines = lines;
            lines[b] = lines[a].clone();
            *bytes = lines.join(&b'\n');
        }
        Edit::Repeat(p, b, n) => {
            let i = at(p, bytes.len());
            bytes.splice(i..i, std::iter::repeat_n(b, n));
        }
    }
}

/// A network whose file `which` (0 partners, 1 tenants, 2 relationships) is mutated, or replaced
/// by random bytes.
fn damaged() -> impl Strategy<Value = [Vec<u8>; 3]> {
    let bases = bases();
    (
        0..bases.len(),
        0usize..3,
        prop::collection::vec(edit(), 1..12),
        prop::option::weighted(0.15, prop::collection::vec(any::<u8>(), 0..512)),
    )
        .prop_map(move |(base, which, edits, random)| {
            let mut files = bases[base].clone();
            match random {
                Some(bytes) => files[which] = bytes,
                None => edits.iter().for_each(|e| apply(&mut files[which], e)),
            }
            files
        })
}

/// Loads and audits; checks that no row is lost and every position is real.
fn check_network(files: &[Vec<u8>; 3]) {
    let [partners, tenants, relationships] = files;
    let loaded = load_from_bytes(partners, tenants, relationships, builtin_regions());
    for file in InputFile::ALL {
        let s = loaded.model.stats(file);
        assert_eq!(
            s.read,
            s.loaded + s.rejected + s.skipped,
            "{file:?}: rows lost"
        );
        if s.rejected > 0 {
            assert!(
                loaded.errors.iter().any(|e| e.input == Some(file)),
                "{file:?}: {} rejected rows and no error",
                s.rejected
            );
        }
    }
    for e in &loaded.errors {
        assert!(e.line >= 1 && e.column >= 1, "position: {e}");
        assert!(!e.message.is_empty(), "empty message: {e:?}");
    }
    // Readers give the same problems (byte offsets in messages may differ, so compare places).
    let from_readers = load_from_readers(
        &partners[..],
        &tenants[..],
        &relationships[..],
        builtin_regions(),
    );
    let places = |l: &csp_audit::load::Loaded| {
        l.errors
            .iter()
            .map(|e| (e.file.clone(), e.line, e.column))
            .collect::<Vec<_>>()
    };
    assert_eq!(places(&loaded), places(&from_readers));
    let net = Network::build(loaded.model);
    for f in audit(&net, &Params::default()) {
        assert!(
            f.rows.iter().all(|r| r.line >= 2),
            "finding at the header: {f:?}"
        );
    }
}

/// Runs the whole command line on the files; returns the exit code.
fn run_cli(files: &[Vec<u8>; 3], extra: &[&str]) -> Exit {
    let dir = tempfile::tempdir().expect("temp dir");
    for (f, bytes) in [
        InputFile::Partners,
        InputFile::Tenants,
        InputFile::Relationships,
    ]
    .iter()
    .zip(files)
    {
        std::fs::write(dir.path().join(f.file_name()), bytes).expect("write");
    }
    let out = dir.path().join("report");
    let mut args = vec![
        "csp-audit".to_string(),
        "audit".into(),
        dir.path().display().to_string(),
        "--output".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let cli = Cli::try_parse_from(&args).expect("arguments");
    let exit = run(cli).expect("the run fails only on I/O");
    let report = std::fs::read(&out).expect("a report is written");
    if extra.contains(&"json") {
        let json: serde_json::Value = serde_json::from_slice(&report).expect("valid JSON");
        assert!(json["errors"].is_array() && json["findings"].is_array());
    }
    exit
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(1000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_networks_load_and_audit_without_panic(files in damaged()) {
        check_network(&files);
    }

    #[test]
    fn random_bytes_in_every_file(
        p in prop::collection::vec(any::<u8>(), 0..300),
        t in prop::collection::vec(any::<u8>(), 0..300),
        r in prop::collection::vec(any::<u8>(), 0..300),
    ) {
        check_network(&[p, t, r]);
    }

    #[test]
    fn random_region_tables(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let mut errors = Vec::new();
        let table = parse_regions(&bytes, &"regions.csv".into(), &mut errors);
        for e in &errors {
            prop_assert!(e.line >= 1 && e.column >= 1);
        }
        let [p, t, r] = &bases()[1];
        let loaded = load_from_bytes(p, t, r, table);
        let s = loaded.model.stats(InputFile::Partners);
        prop_assert_eq!(s.read, s.loaded + s.rejected + s.skipped);
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_whole_command_line_survives_damaged_networks(files in damaged()) {
        let json = run_cli(&files, &["--format", "json"]);
        let kept = run_cli(&files, &["--format", "json", "--keep-going"]);
        let text = run_cli(&files, &["--keep-going"]);
        // Bad input always exits 2, with or without --keep-going, in every format.
        prop_assert_eq!(json == Exit::BadInput, kept == Exit::BadInput);
        prop_assert_eq!(kept, text);
    }
}

/// Runs `csp-audit audit DIR --format FORMAT` with standard output into a pipe whose reader
/// reads `keep` lines and closes it; returns the exit code and standard error.
fn audit_into_closed_pipe(dir: &Path, format: &str, keep: usize) -> (Option<i32>, String) {
    use std::io::{BufRead, BufReader, Read};
    use std::process::{Command, Stdio};
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("csp-audit"))
        .args(["audit", &dir.display().to_string(), "--format", format])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    for _ in 0..keep {
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a line");
        assert!(!line.is_empty());
    }
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("stderr");
    (child.wait().expect("wait").code(), stderr)
}

#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    // A network whose report is several times a pipe's buffer (64 KiB), so that writing fails.
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = csp_audit::generate::Config {
        violations: csp_audit::generate::Violations::Rate(0.05),
        ..csp_audit::generate::Config::new(20_000)
    };
    csp_audit::generate::generate(&cfg, dir.path()).expect("generate");
    let full = std::process::Command::new(assert_cmd::cargo::cargo_bin("csp-audit"))
        .args(["audit", &dir.path().display().to_string()])
        .output()
        .expect("run");
    assert!(full.stdout.len() > 4 << 16, "{} bytes", full.stdout.len());
    assert_eq!(full.status.code(), Some(1));
    for format in ["text", "json"] {
        for keep in [0, 1] {
            let (code, stderr) = audit_into_closed_pipe(dir.path(), format, keep);
            assert!(!stderr.contains("panicked"), "{format}: {stderr}");
            assert_eq!(stderr, "", "{format}");
            // The exit code is that of what was found, as if the whole report had been read.
            assert_eq!(code, Some(1), "{format}, {keep} lines read");
        }
    }
}

/// The configuration mutations start from: every key in use.
fn config_seed() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile-config/csp-audit.toml"),
    )
    .expect("config fixture")
}

fn damaged_config() -> impl Strategy<Value = Vec<u8>> {
    let seed = config_seed();
    (
        prop::collection::vec(edit(), 1..8),
        prop::option::weighted(0.2, prop::collection::vec(any::<u8>(), 0..300)),
    )
        .prop_map(move |(edits, random)| match random {
            Some(bytes) => bytes,
            None => {
                let mut bytes = seed.clone();
                edits.iter().for_each(|e| apply(&mut bytes, e));
                bytes
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(1000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_configurations_parse_or_say_where(bytes in damaged_config()) {
        use csp_audit::config::{Config, LevelFlags, Levels};
        let text = String::from_utf8_lossy(&bytes);
        match Config::parse("csp-audit.toml", &text) {
            Ok(config) => {
                let _ = Levels::resolve(&config, &LevelFlags::default());
            }
            Err(e) => {
                prop_assert!(e.line >= 1 && e.column >= 1, "{}", e);
                // At most the line after the last newline (where an error at the end of the file is).
                prop_assert!(e.line <= text.matches('\n').count() as u64 + 1, "{}", e);
                prop_assert!(!e.message.is_empty());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 16,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_command_line_survives_damaged_configurations(bytes in damaged_config()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let [p, t, r] = &bases()[1];
        for (f, content) in [
            ("partners.csv", p),
            ("tenants.csv", t),
            ("relationships.csv", r),
            ("csp-audit.toml", &bytes),
        ] {
            std::fs::write(dir.path().join(f), content).expect("write");
        }
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("csp-audit"))
            .args(["audit", &dir.path().display().to_string(), "--format", "json"])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        // Findings (1), a clean run (0) or a configuration error (2) with its position.
        match out.status.code() {
            Some(0 | 1) => {
                let json: serde_json::Value =
                    serde_json::from_slice(&out.stdout).expect("valid JSON");
                prop_assert!(json["findings"].is_array());
            }
            Some(2) => {
                // With --format json the configuration problems (all of them) are the
                // report's errors.
                let json: serde_json::Value =
                    serde_json::from_slice(&out.stdout).expect("valid JSON");
                let errors = json["errors"].as_array().expect("an errors array");
                prop_assert!(!errors.is_empty(), "{}", json);
                for e in errors {
                    let file = e["file"].as_str().unwrap_or_default();
                    prop_assert!(file.ends_with("csp-audit.toml"), "{}", json);
                    prop_assert!(e["line"].as_u64().is_some_and(|l| l >= 1), "{}", json);
                }
                prop_assert_eq!(json["findings"].as_array().map(Vec::len), Some(0));
            }
            other => prop_assert!(false, "exit {:?}: {}", other, stderr),
        }
    }
}
