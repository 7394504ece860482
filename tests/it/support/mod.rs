//! The helpers the tests share: runs of the binary (from the repository root, so that paths in
//! reports are the relative ones a CI job sees, with a fixed "today"; or from a folder of the
//! test's own), the sample, and in [`expect`] findings compared with hand-written expectations.

// Each test module uses only part of this.
#![allow(dead_code)]

pub mod expect;

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use assert_cmd::Command;

/// The date allow-list expiry is judged against in every test.
pub const TODAY: &str = "2026-06-01";

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A run of the binary from the repository root.
pub fn bin() -> Command {
    let mut cmd = Command::cargo_bin("csp-audit").expect("binary");
    cmd.current_dir(root())
        .env("CSP_AUDIT_TODAY", TODAY)
        .env("NO_COLOR", "1")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

/// Output of a run.
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

/// Runs `csp-audit` with `args` from the repository root.
pub fn run(args: &[&str]) -> Run {
    let out = bin().args(args).output().expect("run");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

/// The binary with the environment cleared of what changes its output (thread count, "today",
/// colour); the caller chooses the folder.
pub fn csp_audit() -> Command {
    let mut cmd = cargo_bin_cmd!("csp-audit");
    cmd.env_remove("RAYON_NUM_THREADS")
        .env_remove("CSP_AUDIT_TODAY")
        .env("NO_COLOR", "1");
    cmd
}

/// Runs `csp-audit args` (see [`csp_audit`]) from `root`.
pub fn run_in(root: &Path, args: &[&str]) -> Run {
    let out = csp_audit()
        .current_dir(root)
        .args(args)
        .output()
        .expect("run csp-audit");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    }
}

/// Runs `csp-audit args --format json` from `root` and parses the report.
pub fn run_json_in(root: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let r = run_in(root, &all);
    let doc = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, doc)
}

/// Runs with `--format json` and parses the report.
pub fn run_json(args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    let r = run(&all);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, v)
}

/// Copies the three CSV files of `data/sample` into `dir`.
pub fn copy_sample(dir: &Path) {
    for f in ["partners.csv", "tenants.csv", "relationships.csv"] {
        std::fs::copy(root().join("data/sample").join(f), dir.join(f)).expect("copy sample");
    }
}

/// `(rule, entities)` of each finding of a JSON report's `key` array.
pub fn rule_entities(v: &serde_json::Value, key: &str) -> Vec<(String, Vec<String>)> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| {
                    let ents = f["entities"]
                        .as_array()
                        .map(|e| {
                            e.iter()
                                .map(|x| x.as_str().unwrap_or_default().to_string())
                                .collect()
                        })
                        .unwrap_or_default();
                    (f["rule"].as_str().unwrap_or_default().to_string(), ents)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The path as a `&str` (the tests use UTF-8 temporary paths).
pub fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// insta settings that keep a snapshot where it was when each test file was its own binary:
/// `tests/snapshots/<file>__<name>.snap` (the module path would add `it__` and a folder).
pub fn snapshots() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path("../snapshots");
    settings.set_prepend_module_to_snapshot(false);
    settings
}
