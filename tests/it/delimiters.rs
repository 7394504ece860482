//! Real exports' bad input: other field separators, the Windows-1252 code page, a missing file
//! or folder, non-ISO country codes; each gets one clear message, never a flood of follow-ons.

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use csp_audit::load::{builtin_regions, load_with, Encoding, InputPaths, LoadOptions};
use serde_json::Value;
use tempfile::TempDir;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// data/sample copied into `net/` of a temp dir, every file passed through `edit(name, text)`.
fn sample_with(edit: impl Fn(&str, String) -> String) -> TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(tmp.path().join("net")).expect("mkdir");
    for name in ["partners.csv", "tenants.csv", "relationships.csv"] {
        let text = std::fs::read_to_string(sample().join(name)).expect("sample");
        std::fs::write(tmp.path().join("net").join(name), edit(name, text)).expect("write");
    }
    tmp
}

/// Runs the binary in `dir` with `args`: exit code, standard output, standard error.
fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = cargo_bin_cmd!("csp-audit")
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings(json: &str) -> Value {
    let doc: Value = serde_json::from_str(json).expect("json");
    doc["findings"].clone()
}

#[test]
fn semicolon_tab_and_pipe_files_are_read_as_they_are_with_a_note() {
    let (_, plain, _) = run(&sample(), &["audit", ".", "--format", "json"]);
    for (sep, name) in [(";", "';'"), ("\t", "tab"), ("|", "'|'")] {
        let tmp = sample_with(|_, text| text.replace(',', sep));
        let (code, json, stderr) = run(tmp.path(), &["audit", "net", "--format", "json"]);
        assert_eq!(code, 1, "{name}: {stderr}");
        assert_eq!(
            findings(&json),
            findings(&plain),
            "{name}: the sample's findings"
        );
        assert_eq!(
            stderr,
            ["partners.csv", "tenants.csv", "relationships.csv"]
                .map(|f| format!("note: net/{f}: fields are separated by {name} (found in the header; --delimiter sets it)\n"))
                .concat()
        );
    }
    // A comma file says nothing.
    let (_, _, stderr) = run(&sample(), &["audit", ".", "--format", "json"]);
    assert_eq!(stderr, "");
}

#[test]
fn a_forced_delimiter_is_used_without_a_note_and_a_wrong_one_fails_once_per_file() {
    let tmp = sample_with(|_, text| text.replace(',', ";"));
    let (code, _, stderr) = run(
        tmp.path(),
        &["audit", "net", "--delimiter", ";", "--format", "json"],
    );
    assert_eq!((code, stderr.as_str()), (1, ""));
    // Forced to the wrong one: the header problems and one line per file, not a message per row.
    let (code, _, stderr) = run(tmp.path(), &["audit", "net", "--delimiter", ","]);
    assert_eq!(code, 2);
    let one = "the header is one column: its names are separated by ';', not ',': expected --delimiter ; or no --delimiter";
    assert_eq!(
        stderr,
        format!(
            "net/tenants.csv:1:1: {one}\n\
             net/tenants.csv:1:1: 36 data rows not loaded because the header is invalid\n\
             net/partners.csv:1:1: {one}\n\
             net/partners.csv:1:1: 19 data rows not loaded because the header is invalid\n\
             net/relationships.csv:1:1: {one}\n\
             net/relationships.csv:1:1: 71 data rows not loaded because the header is invalid\n\
             net/partners.csv: 19 rows read, 0 loaded, 19 rejected\n\
             net/tenants.csv: 36 rows read, 0 loaded, 36 rejected\n\
             net/relationships.csv: 71 rows read, 0 loaded, 71 rejected\n\
             error: 6 problems in the input; nothing was audited\n"
        )
    );
    let (code, _, stderr) = run(tmp.path(), &["audit", "net", "--delimiter", "x"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("expected ',', ';', '|' or 'tab', found 'x'"),
        "{stderr}"
    );
}

/// The sample with one partner's name in Windows-1252 (`ü` is the single byte 0xFC).
fn windows_1252_sample() -> TempDir {
    let tmp = sample_with(|_, text| text);
    let path = tmp.path().join("net/partners.csv");
    let text = std::fs::read_to_string(&path).expect("read");
    let mut bytes = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("P-WOODGROVE-US,") {
            bytes.extend(
                line.replacen("Woodgrove Distribution US", "M\u{FC}ller Distribution", 1)
                    .chars()
                    .map(|c| c as u32 as u8),
            );
        } else {
            bytes.extend(line.bytes());
        }
    }
    std::fs::write(&path, bytes).expect("write");
    tmp
}

#[test]
fn a_windows_1252_file_gets_a_hint_and_reads_with_encoding_windows_1252() {
    let tmp = windows_1252_sample();
    let (code, _, stderr) = run(tmp.path(), &["audit", "net"]);
    assert_eq!(code, 2);
    let first = stderr.lines().next().unwrap_or_default();
    // The row is line 2; the bad byte is the 2nd of its name: "P-WOODGROVE-US,M" before it.
    let header = "partner_id,name,role,country,organization_id,csp_tenant_id,onboarded_on,enrolled_on,mpa_signed_on\n";
    let offset = header.len() + "P-WOODGROVE-US,M".len();
    assert_eq!(
        first,
        format!("net/partners.csv:2:2: invalid UTF-8 in column 'name' at byte offset {offset}: expected UTF-8 text (the file may be Windows-1252: try --encoding windows-1252)")
    );
    let (code, json, stderr) = run(
        tmp.path(),
        &[
            "audit",
            "net",
            "--encoding",
            "windows-1252",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    let (_, plain, _) = run(&sample(), &["audit", ".", "--format", "json"]);
    assert_eq!(findings(&json), findings(&plain));
    // The name is read as the text it is.
    let opts = LoadOptions {
        encoding: Encoding::Windows1252,
        ..LoadOptions::default()
    };
    let loaded = load_with(
        &InputPaths::in_dir(&tmp.path().join("net")),
        builtin_regions(),
        &opts,
    );
    assert_eq!(loaded.errors, []);
    assert_eq!(
        loaded.model.partner_name(csp_audit::model::PartnerIdx(0)),
        "M\u{FC}ller Distribution"
    );
}

#[test]
fn utf8_that_is_not_windows_1252_gets_no_hint() {
    // 0x81 is unused in Windows-1252: no hint.
    let tmp = sample_with(|name, text| {
        if name == "tenants.csv" {
            text.replacen("Woodgrove", "Wood\u{0}grove", 1)
        } else {
            text
        }
    });
    let path = tmp.path().join("net/tenants.csv");
    let bytes: Vec<u8> = std::fs::read(&path)
        .expect("read")
        .into_iter()
        .map(|b| if b == 0 { 0x81 } else { b })
        .collect();
    std::fs::write(&path, bytes).expect("write");
    let (code, _, stderr) = run(tmp.path(), &["audit", "net"]);
    assert_eq!(code, 2);
    let first = stderr.lines().next().unwrap_or_default();
    assert!(first.ends_with(": expected UTF-8 text"), "{first}");
}

#[test]
fn a_missing_file_is_one_problem_and_its_references_one_more_per_file() {
    let tmp = sample_with(|_, text| text);
    std::fs::remove_file(tmp.path().join("net/tenants.csv")).expect("rm");
    let (code, _, stderr) = run(tmp.path(), &["audit", "net"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "net/tenants.csv:1:1: file not found: expected a CSV file here\n\
         net/partners.csv:1:1: 12 rows not loaded: they refer to net/tenants.csv, of which no row was loaded\n\
         net/relationships.csv:1:1: 71 rows not loaded: they refer to net/tenants.csv, of which no row was loaded\n\
         net/partners.csv: 19 rows read, 7 loaded, 12 rejected\n\
         net/tenants.csv: 0 rows read, 0 loaded, 0 rejected\n\
         net/relationships.csv: 71 rows read, 0 loaded, 71 rejected\n\
         error: 3 problems in the input; nothing was audited\n"
    );
    // (The seven partners without a csp_tenant_id loaded; every relationship names a tenant
    // or a rejected partner.) Partners missing: the references to them are one message; the
    // sample's four affiliate rows between organizations of tenants.csv still load.
    let tmp = sample_with(|_, text| text);
    std::fs::remove_file(tmp.path().join("net/partners.csv")).expect("rm");
    let (_, _, stderr) = run(tmp.path(), &["audit", "net"]);
    let problems: Vec<&str> = stderr.lines().filter(|l| l.contains(".csv:1:1:")).collect();
    assert_eq!(
        problems,
        [
            "net/partners.csv:1:1: file not found: expected a CSV file here",
            "net/relationships.csv:1:1: 67 rows not loaded: they refer to net/partners.csv, of which no row was loaded",
        ]
    );
}

#[test]
fn a_file_or_a_missing_folder_for_the_data_folder_is_one_message() {
    let (code, _, stderr) = run(&sample(), &["audit", "partners.csv"]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        "partners.csv:1:1: is a file: expected a folder with partners.csv, tenants.csv and relationships.csv (or give the files with --partners, --tenants and --relationships)\n\
         error: 1 problem in the input; nothing was audited\n"
    );
    let (code, json, _) = run(&sample(), &["audit", "no-such-folder", "--format", "json"]);
    assert_eq!(code, 2);
    let doc: Value = serde_json::from_str(&json).expect("json");
    assert_eq!(
        doc["errors"],
        serde_json::json!([{"file": "no-such-folder", "line": 1, "column": 1,
            "message": "folder not found: expected a folder with partners.csv, tenants.csv and relationships.csv"}])
    );
    // With every file given, DIR is not read and needs not exist.
    let (code, _, _) = run(
        &sample(),
        &[
            "audit",
            "no-such-folder",
            "--partners",
            "partners.csv",
            "--tenants",
            "tenants.csv",
            "--relationships",
            "relationships.csv",
        ],
    );
    assert_eq!(code, 1);
}

#[test]
fn a_common_non_iso_country_code_suggests_the_iso_one() {
    let tmp = sample_with(|name, text| {
        if name == "tenants.csv" {
            text.replacen(",GB,", ",UK,", 1)
        } else {
            text
        }
    });
    let (code, _, stderr) = run(tmp.path(), &["audit", "net"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(": unknown country 'UK' (did you mean 'GB'?): expected an ISO 3166-1 alpha-2 code from the region table\n"),
        "{stderr}"
    );
}
