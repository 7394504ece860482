//! Line numbers are physical lines whatever blank lines, whitespace-only lines or Excel's empty
//! rows (`,,,,,`) a file holds; such rows are skipped and counted, never errors.

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use csp_audit::load::{builtin_regions, load_from_bytes};
use csp_audit::model::{FileStats, InputFile};
use serde_json::Value;
use tempfile::TempDir;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// data/sample copied into a temp dir, relationships.csv passed through `edit`.
fn sample_with_relationships(edit: impl Fn(&str) -> String) -> TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in ["partners.csv", "tenants.csv", "relationships.csv"] {
        let text = std::fs::read_to_string(sample().join(name)).expect("sample");
        let text = if name == "relationships.csv" {
            edit(&text)
        } else {
            text
        };
        std::fs::write(tmp.path().join(name), text).expect("write");
    }
    tmp
}

fn run(dir: &Path, format: &str) -> (i32, String, String) {
    let out = cargo_bin_cmd!("csp-audit")
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .args(["audit", ".", "--format", format])
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The line of the finding whose row has relationship id `rel_id`.
fn line_of(doc: &Value, rel_id: &str) -> Vec<u64> {
    let mut lines = Vec::new();
    for f in doc["findings"].as_array().expect("findings") {
        for r in f["rows"].as_array().expect("rows") {
            if r["relationship_id"] == rel_id {
                lines.push(r["line"].as_u64().unwrap_or(0));
            }
        }
    }
    lines
}

#[test]
fn a_blank_line_before_a_row_moves_it_one_line_down_in_every_report() {
    // V-001 is on line 54 of the sample; one blank line before it puts it on line 55.
    let plain = std::fs::read_to_string(sample().join("relationships.csv")).expect("sample");
    assert!(plain
        .lines()
        .nth(53)
        .unwrap_or_default()
        .ends_with(",V-001"));
    let tmp = sample_with_relationships(|text| {
        text.replace(
            "\ncustomer,R-CONTOSO-US,t-bellows-us",
            "\n\ncustomer,R-CONTOSO-US,t-bellows-us",
        )
    });
    let (code, json, _) = run(tmp.path(), "json");
    assert_eq!(code, 1);
    let doc: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(line_of(&doc, "V-001"), [55]);
    // Every later row moved too; earlier ones did not.
    assert_eq!(line_of(&doc, "V-019"), [73]);
    let (_, github, _) = run(tmp.path(), "github");
    let annotation = github
        .lines()
        .find(|l| l.contains("t-bellows-us") && l.starts_with("::error"))
        .expect("an annotation for V-001");
    assert!(annotation.contains("line=55,"), "{annotation}");
}

#[test]
fn blank_lines_in_a_crlf_file_and_before_the_header_count_too() {
    let tmp = sample_with_relationships(|text| {
        let text = text.replace(
            "\ncustomer,R-CONTOSO-US,t-bellows-us",
            "\n\n\ncustomer,R-CONTOSO-US,t-bellows-us",
        );
        format!("\n{}", text.replace('\n', "\r\n"))
    });
    let (_, json, _) = run(tmp.path(), "json");
    let doc: Value = serde_json::from_str(&json).expect("json");
    // One line before the header, two before V-001.
    assert_eq!(line_of(&doc, "V-001"), [57]);
}

#[test]
fn a_row_after_blank_lines_at_the_end_without_a_line_end_keeps_its_line() {
    // The last row has no line end and comes after two blank lines: its problem is on line 6.
    let tenants = b"tenant_id,name,kind,country\nT-P1,Contoso CSP,partner,US\nC1,Adventure Works,customer,US\n\n\nC2,Bad,customer,XX";
    let loaded = load_from_bytes(
        b"partner_id,name,role,country\n",
        tenants,
        b"kind,from_id,to_id,effective_on\n",
        builtin_regions(),
    );
    let first: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    assert_eq!(
        first[0],
        "tenants.csv:6:4: unknown country 'XX': expected an ISO 3166-1 alpha-2 code from the region table"
    );
    // A quoted field over two lines still moves the next row down two lines.
    let tenants = b"tenant_id,name,kind,country\n\nT-P1,\"Contoso\nCSP\",partner,US\n\nC1,Adventure Works,customer,XX\n";
    let loaded = load_from_bytes(
        b"partner_id,name,role,country\n",
        tenants,
        b"kind,from_id,to_id,effective_on\n",
        builtin_regions(),
    );
    assert_eq!(
        loaded.errors[0].to_string(),
        "tenants.csv:6:4: unknown country 'XX': expected an ISO 3166-1 alpha-2 code from the region table"
    );
}

#[test]
fn whitespace_only_lines_and_excel_empty_rows_are_skipped_and_counted() {
    // A whitespace-only last line (the case that used to be reported, on the line before it),
    // Excel's empty rows, and one with fewer separators than the header.
    let tmp = sample_with_relationships(|text| {
        text.replace(
            "\ncustomer,R-CONTOSO-US,t-bellows-us",
            "\n,,,,,\n ,  ,,,,\ncustomer,R-CONTOSO-US,t-bellows-us",
        ) + ",,\n   \t"
    });
    let (code, json, stderr) = run(tmp.path(), "json");
    assert_eq!(code, 1, "{stderr}");
    let doc: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(doc["errors"], serde_json::json!([]));
    assert_eq!(line_of(&doc, "V-001"), [56]);
    assert_eq!(
        doc["summary"]["files"]["relationships.csv"],
        serde_json::json!({"read": 75, "loaded": 71, "rejected": 0, "skipped": 4})
    );
    // Files without such rows report no skipped count.
    assert_eq!(
        doc["summary"]["files"]["partners.csv"],
        serde_json::json!({"read": 19, "loaded": 19, "rejected": 0})
    );
}

#[test]
fn skipped_rows_are_counted_in_the_library_and_in_a_failed_runs_summary() {
    let tenants = b"tenant_id,name,kind,country\n,,,\nT-P1,Contoso CSP,partner,US\n  \nC1,Adventure Works,customer,XX\n";
    let loaded = load_from_bytes(
        b"partner_id,name,role,country\n",
        tenants,
        b"kind,from_id,to_id,effective_on\n",
        builtin_regions(),
    );
    assert_eq!(
        *loaded.model.stats(InputFile::Tenants),
        FileStats {
            read: 4,
            loaded: 1,
            rejected: 1,
            skipped: 2
        }
    );
    assert_eq!(
        loaded.errors[0].to_string(),
        "tenants.csv:5:4: unknown country 'XX': expected an ISO 3166-1 alpha-2 code from the region table"
    );
    // Only empty rows after the header: no data rows.
    let loaded = load_from_bytes(
        b"partner_id,name,role,country\n,,,\n",
        b"tenant_id,name,kind,country\n",
        b"kind,from_id,to_id,effective_on\n",
        builtin_regions(),
    );
    let errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    assert!(
        errors.contains(
            &"partners.csv:2:1: no data rows after the header: expected at least one row"
                .to_string()
        ),
        "{errors:?}"
    );
    assert_eq!(loaded.model.stats(InputFile::Partners).skipped, 1);
    let tmp = sample_with_relationships(|text| {
        text.replace(
            "\ncustomer,R-CONTOSO-US,t-bellows-us,,",
            "\n,,,,,\ncustomer,R-CONTOSO-US,t-bellows-us,NOBODY,",
        )
    });
    let (code, _, stderr) = run(tmp.path(), "text");
    assert_eq!(code, 2);
    assert!(
        stderr.contains("./relationships.csv: 72 rows read, 70 loaded, 1 rejected, 1 skipped\n"),
        "{stderr}"
    );
    assert!(
        stderr.starts_with("./relationships.csv:55:4: unknown partner 'NOBODY' in reseller_id"),
        "{stderr}"
    );
}
