//! Damaged inputs lose no row, and `--keep-going` audits the valid rows while reporting every
//! rejected one as a CSP100 finding.
//!
//! `tests/fixtures/hostile-mixed` is `tests/fixtures/hostile-base` with bad rows mixed in: three
//! tenants, two partners and five relationships are broken, one way each.

use std::collections::BTreeSet;

use assert_cmd::Command;
use csp_audit::load::{builtin_regions, load, InputPaths};
use csp_audit::model::{FileStats, InputFile};
use serde_json::Value;

use crate::support::root;

const MIXED: &str = "tests/fixtures/hostile-mixed";
const BASE: &str = "tests/fixtures/hostile-base";

/// The physical lines of the rows broken on purpose, per file.
fn broken_lines(file: InputFile) -> Vec<u64> {
    match file {
        InputFile::Tenants => vec![5, 7, 9],
        InputFile::Partners => vec![4, 6],
        InputFile::Relationships => vec![5, 7, 9, 11, 14],
    }
}

#[test]
fn damaged_inputs_lose_no_row() {
    let loaded = load(&InputPaths::in_dir(&root().join(MIXED)), builtin_regions());
    let expected = |read, rejected| FileStats {
        read,
        loaded: read - rejected,
        rejected,
        skipped: 0,
    };
    assert_eq!(*loaded.model.stats(InputFile::Tenants), expected(8, 3));
    assert_eq!(*loaded.model.stats(InputFile::Partners), expected(6, 2));
    assert_eq!(
        *loaded.model.stats(InputFile::Relationships),
        expected(15, 5)
    );
    for file in InputFile::ALL {
        let s = loaded.model.stats(file);
        assert_eq!(s.read, s.loaded + s.rejected);
        // Every rejected row has an error at its line (and a column inside the row).
        let lines: BTreeSet<u64> = loaded
            .errors
            .iter()
            .filter(|e| e.input == Some(file))
            .inspect(|e| assert!(e.column >= 1 && e.column <= 9, "{e}"))
            .map(|e| e.line)
            .collect();
        assert_eq!(
            lines.into_iter().collect::<Vec<_>>(),
            broken_lines(file),
            "{file:?}"
        );
        assert_eq!(s.rejected as usize, broken_lines(file).len());
    }
    assert_eq!(loaded.model.partners.len(), 4);
    assert_eq!(loaded.model.tenants.len(), 5);
    assert_eq!(loaded.model.relationships.len(), 10);
}

fn audit(dir: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("csp-audit")
        .expect("binary")
        .current_dir(root())
        .arg("audit")
        .arg(dir)
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().expect("exit code"),
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    )
}

/// A finding without its lines (which differ between the two fixtures): rule, entities,
/// relationship ids, path and message.
fn identity(f: &Value) -> String {
    let ids: Vec<&Value> = f["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| &r["relationship_id"])
        .collect();
    format!(
        "{} {} {:?} {} {}",
        f["rule"], f["entities"], ids, f["path"], f["message"]
    )
}

#[test]
fn without_keep_going_nothing_is_audited() {
    let (code, stdout, stderr) = audit(MIXED, &[]);
    assert_eq!(code, 2);
    assert_eq!(stdout, "");
    assert_eq!(stderr.lines().count(), 14, "{stderr}");
    assert!(
        stderr.starts_with("tests/fixtures/hostile-mixed/tenants.csv:5:4: unknown country 'XX'")
    );
    assert!(stderr.ends_with("error: 10 problems in the input; nothing was audited\n"));
}

#[test]
fn keep_going_audits_the_valid_rows_and_reports_the_rejected_ones() {
    let (code, stdout, _) = audit(MIXED, &["--keep-going", "--format", "json"]);
    assert_eq!(code, 2, "rejected rows keep the exit code at 2");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    let findings = report["findings"].as_array().expect("findings");

    // The rejected rows: one CSP100 finding each, at its file and line, with the message.
    let rejected: Vec<(String, u64)> = findings
        .iter()
        .filter(|f| f["rule"] == "CSP100")
        .map(|f| {
            assert_eq!(f["rows"].as_array().map(Vec::len), Some(1));
            let row = &f["rows"][0];
            let file = row["file"].as_str().expect("file").to_string();
            let line = row["line"].as_u64().expect("line");
            let message = f["message"].as_str().expect("message");
            assert!(
                message.starts_with(&format!("{MIXED}/{file}:{line}:")),
                "{message}"
            );
            (file, line)
        })
        .collect();
    let mut expected = Vec::new();
    for file in InputFile::ALL {
        for line in broken_lines(file) {
            expected.push((file.file_name().to_string(), line));
        }
    }
    let sorted = |mut v: Vec<(String, u64)>| {
        v.sort();
        v
    };
    assert_eq!(sorted(rejected), sorted(expected));

    // The same problems are in the errors array, with file, line, column and message.
    let errors = report["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 10);
    assert_eq!(
        errors[0],
        serde_json::json!({
            "file": "tests/fixtures/hostile-mixed/tenants.csv", "line": 5, "column": 4,
            "message": "unknown country 'XX': expected an ISO 3166-1 alpha-2 code from the region table"
        })
    );

    // The valid rows are exactly the clean base network: the same findings as auditing it.
    let (base_code, base_stdout, _) = audit(BASE, &["--format", "json"]);
    assert_eq!(base_code, 1);
    let base: Value = serde_json::from_str(&base_stdout).expect("JSON");
    let audited: Vec<String> = findings
        .iter()
        .filter(|f| f["rule"] != "CSP100")
        .map(identity)
        .collect();
    let clean: Vec<String> = base["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(identity)
        .collect();
    assert_eq!(clean.len(), 13);
    assert_eq!(audited, clean);

    let files = &report["summary"]["files"];
    assert_eq!(
        files["relationships.csv"],
        serde_json::json!({"read": 15, "loaded": 10, "rejected": 5})
    );
    assert_eq!(report["summary"]["by_rule"]["CSP100"], 10);
}

#[test]
fn keep_going_in_text() {
    let (code, stdout, _) = audit(MIXED, &["--keep-going"]);
    assert_eq!(code, 2);
    assert!(stdout.contains("CSP100 rejected-row: "));
    assert!(stdout.contains(
        "tests/fixtures/hostile-mixed/relationships.csv:7:4: affiliate row links organization 'ORG-CONTOSO' to itself: expected two different organizations"
    ));
    assert!(stdout.contains("relationships.csv  15 rows read, 10 loaded, 5 rejected"));
    assert!(stdout.contains("CSP001 seller-role"));
}

#[test]
fn without_keep_going_json_has_the_errors_and_no_findings() {
    let (code, stdout, stderr) = audit(MIXED, &["--format", "json"]);
    assert_eq!(code, 2);
    assert_eq!(stderr, "");
    let report: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(report["findings"], serde_json::json!([]));
    let errors = report["errors"].as_array().expect("errors");
    let places: Vec<String> = errors
        .iter()
        .map(|e| {
            format!(
                "{}:{}:{}",
                e["file"].as_str().unwrap_or(""),
                e["line"],
                e["column"]
            )
        })
        .collect();
    assert_eq!(
        places,
        [
            "tests/fixtures/hostile-mixed/tenants.csv:5:4",
            "tests/fixtures/hostile-mixed/tenants.csv:7:1",
            "tests/fixtures/hostile-mixed/tenants.csv:9:4",
            "tests/fixtures/hostile-mixed/partners.csv:4:3",
            "tests/fixtures/hostile-mixed/partners.csv:6:9",
            "tests/fixtures/hostile-mixed/relationships.csv:5:3",
            "tests/fixtures/hostile-mixed/relationships.csv:7:4",
            "tests/fixtures/hostile-mixed/relationships.csv:9:3",
            "tests/fixtures/hostile-mixed/relationships.csv:11:6",
            "tests/fixtures/hostile-mixed/relationships.csv:14:4",
        ]
    );
}
