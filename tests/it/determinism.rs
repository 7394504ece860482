//! The same network gives the same findings whatever the order of its rows and however many
//! threads run the rules.
//!
//! Lines change with a shuffle, so a finding is compared by what it says: rule, entity ids,
//! path, message, and the rows it cites by their content (a relationship row by its
//! `relationship_id`, as the row's text includes it).

use std::path::Path;

use assert_cmd::Command;
use csp_audit::audit::audit;
use csp_audit::generate::{generate, Config, Violations};
use csp_audit::graph::Network;
use csp_audit::load::{builtin_regions, load_from_bytes};
use csp_audit::model::InputFile;
use csp_audit::rules::{Finding, Params};

use crate::support::root;

/// The three files of a network: (partners, tenants, relationships).
type Files = [Vec<u8>; 3];

const FILES: [InputFile; 3] = [
    InputFile::Partners,
    InputFile::Tenants,
    InputFile::Relationships,
];

fn read_dir(dir: &Path) -> Files {
    FILES.map(|f| {
        std::fs::read(dir.join(f.file_name()))
            .unwrap_or_else(|e| panic!("{}: {e}", dir.join(f.file_name()).display()))
    })
}

/// The data lines of a file (one record per line: checked).
fn lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    if lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    for l in &lines {
        let quotes = l.iter().filter(|&&b| b == b'"').count();
        assert_eq!(
            quotes % 2,
            0,
            "a record spans lines; shuffle records instead"
        );
    }
    lines
}

/// The file with its data rows in a seeded random order (the header stays first).
fn shuffled(bytes: &[u8], seed: u64) -> Vec<u8> {
    let mut all = lines(bytes);
    let rows = &mut all[1..];
    // xorshift64*: a small, seeded, dependency-free permutation (Fisher-Yates).
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..rows.len()).rev() {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let j = (state.wrapping_mul(0x2545_F491_4F6C_DD1D) % (i as u64 + 1)) as usize;
        rows.swap(i, j);
    }
    let mut out = all.join(&b'\n');
    out.push(b'\n');
    out
}

/// What a finding says, independent of line numbers.
fn identity(f: &Finding, net: &Network, files: &Files) -> String {
    let ids = |es: &[csp_audit::rules::Entity]| {
        es.iter()
            .map(|e| e.id(net).to_string())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut rows: Vec<String> = f
        .rows
        .iter()
        .map(|r| {
            let i = FILES.iter().position(|&x| x == r.file).expect("file");
            let text = lines(&files[i])[r.line as usize - 1];
            format!("{:?}:{}", r.file, String::from_utf8_lossy(text))
        })
        .collect();
    rows.sort();
    format!(
        "{} [{}] [{}] {} {:?}",
        f.rule.info().code,
        ids(&f.entities),
        ids(&f.path),
        f.message,
        rows
    )
}

/// Every finding's identity, sorted, auditing on a pool of `threads` threads.
fn findings(files: &Files, threads: usize) -> Vec<String> {
    let [p, t, r] = files;
    let loaded = load_from_bytes(p, t, r, builtin_regions());
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let net = Network::build(loaded.model);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("thread pool");
    let found = pool.install(|| audit(&net, &Params::default()));
    let mut ids: Vec<String> = found.iter().map(|f| identity(f, &net, files)).collect();
    ids.sort();
    ids
}

fn same_findings_in_any_order(files: &Files, expected_findings: usize) {
    let reference = findings(files, 1);
    assert_eq!(reference.len(), expected_findings);
    for seed in 1..=4u64 {
        let shuffled: Files = [0, 1, 2].map(|i| shuffled(&files[i], seed * 3 + i as u64));
        assert_ne!(&shuffled, files, "the shuffle changes the order");
        for threads in [1, 2, 5] {
            assert_eq!(
                findings(&shuffled, threads),
                reference,
                "seed {seed}, {threads} threads"
            );
        }
    }
}

#[test]
fn the_sample_in_any_row_order() {
    let files = read_dir(&root().join("data/sample"));
    // The sample breaks every rule at least once; its exact findings are tested elsewhere.
    let count = findings(&files, 1).len();
    assert!(count >= 10, "{count} findings");
    same_findings_in_any_order(&files, count);
}

#[test]
fn a_fixture_in_any_row_order() {
    let files = read_dir(&root().join("tests/fixtures/hostile-base"));
    same_findings_in_any_order(&files, 13);
}

#[test]
fn a_generated_network_in_any_row_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = Config {
        seed: 7,
        violations: Violations::Rate(0.02),
        ..Config::new(4000)
    };
    let generated = generate(&cfg, dir.path()).expect("generate");
    let files = read_dir(dir.path());
    same_findings_in_any_order(&files, generated.findings);
}

#[test]
fn output_is_byte_identical_at_any_thread_count() {
    let run = |threads: &str, format: &str| {
        let out = Command::cargo_bin("csp-audit")
            .expect("binary")
            .current_dir(root())
            .env("RAYON_NUM_THREADS", threads)
            .args(["audit", "tests/fixtures/hostile-mixed", "--keep-going"])
            .args(["--format", format])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2));
        out.stdout
    };
    for format in ["text", "json"] {
        let one = run("1", format);
        assert!(!one.is_empty());
        for threads in ["2", "3", "8"] {
            assert_eq!(run(threads, format), one, "{format}, {threads} threads");
        }
    }
}
