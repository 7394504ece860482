//! Outputs are written atomically: a run killed at any point leaves the previous report or the
//! new complete one at the output path, never a partial file; special files are written in place.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_csp-audit"));
    cmd.env("CSP_AUDIT_TODAY", "2026-06-01")
        .env("NO_COLOR", "1");
    cmd
}

fn audit(net: &Path, out: &Path) -> Command {
    let mut cmd = bin();
    cmd.arg("audit")
        .arg(net)
        .args(["--format", "json", "--output"])
        .arg(out)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

const OLD: &str = "{\"old\": \"a complete report of an earlier run\"}\n";

#[test]
fn a_killed_run_leaves_the_old_report_or_the_new_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let net = tmp.path().join("net");
    // Many violations, so that the JSON report is several megabytes and takes a while to write.
    let status = bin()
        .args(["generate", "--relationships", "300000", "--seed", "11"])
        .args(["--violations", "0.02", "--out"])
        .arg(&net)
        .stderr(Stdio::null())
        .status()
        .expect("generate");
    assert!(status.success());
    let out = tmp.path().join("found.json");

    std::fs::write(&out, OLD).expect("write");
    let started = Instant::now();
    let status = audit(&net, &out).status().expect("audit");
    let full = started.elapsed();
    assert_eq!(status.code(), Some(1));
    let new = std::fs::read_to_string(&out).expect("read");
    let doc: serde_json::Value = serde_json::from_str(&new).expect("a complete JSON report");
    assert!(doc["findings"].as_array().expect("findings").len() > 1000);

    let mut saw_old = false;
    // The timed run may be slower than the next ones (cold caches, other tests beside it),
    // so the kills start early enough that at least one lands before the report is complete.
    for fraction in [0.05, 0.2, 0.5, 0.8, 0.9, 0.95, 1.0] {
        std::fs::write(&out, OLD).expect("write");
        let mut child = audit(&net, &out).spawn().expect("spawn");
        std::thread::sleep(full.mul_f64(fraction));
        // SIGKILL: nothing of the process runs after it, no clean-up.
        let _ = child.kill();
        let _ = child.wait();
        let now = std::fs::read_to_string(&out).expect("read");
        assert!(
            now == OLD || now == new,
            "killed at {fraction} of the run: {} bytes that are neither the old report nor \
             the new one",
            now.len()
        );
        saw_old |= now == OLD;
    }
    assert!(saw_old, "no kill landed before the report was complete");
}

#[cfg(unix)]
#[test]
fn a_named_pipe_is_written_in_place() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let fifo = tmp.path().join("report.fifo");
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).expect("read the pipe"))
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let status = bin()
        .current_dir(root)
        .args(["audit", "data/sample", "--format", "json", "--output"])
        .arg(&fifo)
        .stderr(Stdio::null())
        .status()
        .expect("audit");
    assert_eq!(status.code(), Some(1));
    let text = reader.join().expect("reader");
    let doc: serde_json::Value = serde_json::from_str(&text).expect("the report came through");
    assert_eq!(doc["summary"]["findings"], 26);
    let meta = std::fs::symlink_metadata(&fifo).expect("still there");
    assert!(
        !meta.file_type().is_file(),
        "the pipe was replaced by a file"
    );
}

#[test]
fn a_failed_write_exits_2_and_says_where() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = bin()
        .current_dir(root)
        .args([
            "audit",
            "data/sample",
            "--format",
            "json",
            "--output",
            "/dev/full",
        ])
        .output()
        .expect("audit");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot write report to /dev/full"),
        "{stderr}"
    );
}

#[test]
fn a_baseline_is_replaced_whole() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let path = tmp.path().join("csp-baseline.json");
    std::fs::write(&path, "old").expect("write");
    let root = env!("CARGO_MANIFEST_DIR");
    let status = bin()
        .current_dir(root)
        .args(["audit", "data/sample", "--write-baseline"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("audit");
    assert_eq!(status.code(), Some(0));
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
    assert!(!doc["findings"].as_array().expect("findings").is_empty());
    let names: Vec<String> = std::fs::read_dir(tmp.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["csp-baseline.json"], "no temporary file is left");
}
