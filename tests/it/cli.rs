//! The binary as a user runs it: exit codes, `--fail-on`, positioned input errors, the JSON
//! envelope, `--output`, thread-count determinism, `rules` and `explain`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

use crate::support::csp_audit;

const PARTNERS: &str = "partner_id,name,role,country,organization_id,csp_tenant_id,onboarded_on,enrolled_on,mpa_signed_on
PROV,Woodgrove Distribution,indirect_provider,US,,,2018-01-01,2018-01-01,2019-01-01
RES,Contoso Solutions,indirect_reseller,US,,,2018-01-01,2018-01-01,2019-01-01
DIR,Alpine Ski House,direct_bill,US,,,2018-01-01,2018-01-01,2019-01-01
";
const TENANTS: &str = "tenant_id,name,kind,country,organization_id
t-1,Relecloud,customer,US,
t-2,Lamna Healthcare,customer,US,
";
/// Scenario 1 (both chains), 2 and 3: nothing to report.
const CLEAN: &str = "kind,from_id,to_id,reseller_id,effective_on
reseller,PROV,RES,,2019-01-01
customer,PROV,t-1,RES,2021-01-01
customer,DIR,t-1,,2021-01-01
admin,RES,t-2,,2021-01-01
admin,DIR,t-2,,2021-01-01
";

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// A network folder in a fresh temporary directory.
fn network(relationships: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    std::fs::write(dir.path().join("partners.csv"), PARTNERS).expect("write");
    std::fs::write(dir.path().join("tenants.csv"), TENANTS).expect("write");
    std::fs::write(dir.path().join("relationships.csv"), relationships).expect("write");
    dir
}

/// The clean network plus the admin row of line 5 recorded again: one CSP006 warning only.
fn warnings_only() -> tempfile::TempDir {
    network(&format!("{CLEAN}admin,RES,t-2,,2022-01-01\n"))
}

fn code(cmd: &mut Command) -> i32 {
    cmd.output()
        .expect("run csp-audit")
        .status
        .code()
        .expect("exit code")
}

#[test]
fn clean_network_exits_0_at_every_threshold() {
    let dir = network(CLEAN);
    for fail_on in ["error", "warning", "never"] {
        let out = csp_audit()
            .args(["audit", "--fail-on", fail_on])
            .arg(dir.path())
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "--fail-on {fail_on}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("findings: 0 (0 errors, 0 warnings)"),
            "{text}"
        );
    }
}

#[test]
fn warnings_fail_the_run_only_with_fail_on_warning() {
    let dir = warnings_only();
    let run = |extra: &[&str]| code(csp_audit().arg("audit").arg(dir.path()).args(extra));
    assert_eq!(run(&[]), 0, "default threshold is error");
    assert_eq!(run(&["--fail-on", "error"]), 0);
    assert_eq!(run(&["--fail-on", "warning"]), 1);
    assert_eq!(run(&["--fail-on", "never"]), 0);
    let out = csp_audit()
        .arg("audit")
        .arg(dir.path())
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("findings: 1 (0 errors, 1 warning)"), "{text}");
    // Rows are named by the path as given (issue 8 item 15).
    let rels = dir.path().join("relationships.csv").display().to_string();
    assert!(text.contains(&format!("{rels}:5, {rels}:7")), "{text}");
}

#[test]
fn sample_exits_1_unless_told_never() {
    let run = |extra: &[&str]| code(csp_audit().arg("audit").arg(sample()).args(extra));
    assert_eq!(run(&[]), 1);
    assert_eq!(run(&["--fail-on", "error"]), 1);
    assert_eq!(run(&["--fail-on", "warning"]), 1);
    assert_eq!(run(&["--fail-on", "never"]), 0);
}

#[test]
fn sample_text_report_has_rows_entities_cycle_and_summary() {
    let out = csp_audit()
        .arg("audit")
        .arg(sample())
        .output()
        .expect("run");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(!text.contains('\u{1b}'), "no colour when not on a terminal");
    // Rows are named by the path as given (issue 8 item 15).
    let rels = format!("{}/relationships.csv", sample().display()).replace('\\', "/");
    for needle in [
        "CSP005 self-sale",
        &format!("rows: {rels}:62 [V-009]"),
        "cycle: partner R-FABRIKAM-DE -> tenant t-fabrikam-uk-ops -> organization ORG-FABRIKAM-UK -> organization ORG-FABRIKAM-HOLDING -> organization ORG-FABRIKAM -> partner R-FABRIKAM-DE",
        &format!("rows: {rels}:6 [PR-001], {rels}:19 [PR-014], {rels}:68 [V-015]"),
        "network: 19 partners, 36 tenants, 71 relationships",
        "findings: 26 (23 errors, 3 warnings)",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

/// A folder with one problem in each file, each on its own row.
fn bad_input(root: &Path) {
    let dir = root.join("bad");
    std::fs::create_dir(&dir).expect("mkdir");
    std::fs::write(
        dir.join("tenants.csv"),
        "tenant_id,name,kind,country\nt1,Relecloud,customr,US\nt2,Lamna,customer,US\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("partners.csv"),
        "partner_id,name,role,country\nP1,Woodgrove,indirect_provider,US\nP2,Contoso,indirect_reseller,XX\n",
    )
    .expect("write");
    std::fs::write(
        dir.join("relationships.csv"),
        "kind,from_id,to_id,reseller_id,effective_on\ncustomer,P1,t2,,2021-02-30\ncustomer,P1,t9,,2021-01-01\n",
    )
    .expect("write");
}

const BAD_INPUT_ERRORS: [(&str, u64, u64, &str); 4] = [
    (
        "bad/tenants.csv",
        2,
        3,
        "unknown kind 'customr' (did you mean 'customer'?): expected one of partner, customer",
    ),
    (
        "bad/partners.csv",
        3,
        4,
        "unknown country 'XX': expected an ISO 3166-1 alpha-2 code from the region table",
    ),
    (
        "bad/relationships.csv",
        2,
        5,
        "impossible date in 'effective_on': '2021-02-30'; expected an ISO date YYYY-MM-DD",
    ),
    (
        "bad/relationships.csv",
        3,
        3,
        "unknown tenant 't9' in to_id: expected a tenant_id from bad/tenants.csv",
    ),
];

#[test]
fn bad_input_lists_every_problem_as_file_line_column_and_exits_2() {
    let root = tempfile::tempdir().expect("temporary directory");
    bad_input(root.path());
    let out = csp_audit()
        .current_dir(root.path())
        .args(["audit", "bad"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "nothing is audited");
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    let mut expected: Vec<String> = BAD_INPUT_ERRORS
        .iter()
        .map(|(file, line, col, msg)| format!("{file}:{line}:{col}: {msg}"))
        .collect();
    expected.extend(
        [
            "bad/partners.csv: 2 rows read, 1 loaded, 1 rejected",
            "bad/tenants.csv: 2 rows read, 1 loaded, 1 rejected",
            "bad/relationships.csv: 2 rows read, 0 loaded, 2 rejected",
            "error: 4 problems in the input; nothing was audited",
        ]
        .map(String::from),
    );
    assert_eq!(stderr.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn bad_input_in_json_comes_as_the_errors_array() {
    let root = tempfile::tempdir().expect("temporary directory");
    bad_input(root.path());
    let out = csp_audit()
        .current_dir(root.path())
        .args(["audit", "bad", "--format", "json"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["findings"], Value::Array(vec![]));
    let errors: Vec<(String, u64, u64, String)> = doc["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .map(|e| {
            (
                e["file"].as_str().unwrap_or_default().to_string(),
                e["line"].as_u64().unwrap_or_default(),
                e["column"].as_u64().unwrap_or_default(),
                e["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, u64, u64, String)> = BAD_INPUT_ERRORS
        .iter()
        .map(|(f, l, c, m)| (f.to_string(), *l, *c, m.to_string()))
        .collect();
    assert_eq!(errors, expected);
}

#[test]
fn missing_folder_is_bad_input() {
    let root = tempfile::tempdir().expect("temporary directory");
    let out = csp_audit()
        .current_dir(root.path())
        .args(["audit", "nowhere"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    // One message for the folder, not one per file in it.
    assert_eq!(
        stderr,
        "nowhere:1:1: folder not found: expected a folder with partners.csv, tenants.csv and relationships.csv\n\
         error: 1 problem in the input; nothing was audited\n"
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(code(csp_audit().arg("audit")), 2, "no folder");
    assert_eq!(code(csp_audit().args(["audit", "--no-such-flag"])), 2);
    assert_eq!(
        code(
            csp_audit()
                .args(["audit", "--fail-on", "sometimes"])
                .arg(sample())
        ),
        2
    );
    assert_eq!(code(csp_audit().arg("frobnicate")), 2);
    assert_eq!(code(csp_audit().arg("--help")), 0);
}

#[test]
fn json_report_has_the_documented_envelope() {
    let out = csp_audit()
        .args(["audit", "--format", "json"])
        .arg(sample())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(doc["version"], 1);
    let s = &doc["summary"];
    assert_eq!(s["partners"], 19);
    assert_eq!(s["tenants"], 36);
    assert_eq!(s["relationships"], 71);
    assert_eq!(s["findings"], 26);
    assert_eq!(s["by_severity"]["error"], 23);
    assert_eq!(s["by_severity"]["warning"], 3);
    let by_rule = [1, 5, 3, 2, 3, 3, 3, 2, 2, 2];
    for (i, n) in by_rule.iter().enumerate() {
        assert_eq!(
            s["by_rule"][format!("CSP{:03}", i + 1)],
            *n,
            "CSP{:03}",
            i + 1
        );
    }
    for file in ["partners.csv", "tenants.csv", "relationships.csv"] {
        assert_eq!(s["files"][file]["rejected"], 0, "{file}");
    }
    assert_eq!(s["files"]["relationships.csv"]["read"], 71);
    assert_eq!(doc["errors"], Value::Array(vec![]));

    let findings = doc["findings"].as_array().expect("findings array");
    assert_eq!(findings.len(), 26);
    for f in findings {
        let rule = f["rule"].as_str().expect("rule");
        assert!(f["name"].as_str().is_some_and(|n| !n.is_empty()), "{f}");
        assert!(
            matches!(f["severity"].as_str(), Some("error" | "warning")),
            "{f}"
        );
        assert!(f["message"].as_str().is_some_and(|m| !m.is_empty()), "{f}");
        assert!(
            f["entities"].as_array().is_some_and(|e| !e.is_empty()),
            "{f}"
        );
        for row in f["rows"].as_array().expect("rows") {
            assert_eq!(row["file"], "relationships.csv");
            assert!(row["line"].as_u64().is_some_and(|l| (2..=72).contains(&l)));
            assert!(
                row["relationship_id"].is_string(),
                "the sample has relationship ids"
            );
        }
        assert_eq!(f.get("path").is_some(), rule == "CSP005", "{f}");
    }
    let self_sale = findings
        .iter()
        .find(|f| f["rows"][0]["line"] == 63)
        .expect("the finding of line 63");
    assert_eq!(self_sale["rule"], "CSP005");
    assert_eq!(self_sale["name"], "self-sale");
    assert_eq!(self_sale["severity"], "error");
    assert_eq!(
        self_sale["entities"],
        serde_json::json!(["D-ALPINE-US", "t-alpine-internal"])
    );
    assert_eq!(self_sale["rows"][0]["relationship_id"], "V-010");
    assert_eq!(
        self_sale["path"],
        serde_json::json!([
            "D-ALPINE-US",
            "t-alpine-internal",
            "ORG-ALPINE",
            "D-ALPINE-US"
        ])
    );
}

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let tmp = tempfile::tempdir().expect("temporary directory");
    for format in ["text", "json"] {
        let to_stdout = csp_audit()
            .args(["audit", "--format", format])
            .arg(sample())
            .output()
            .expect("run");
        let path = tmp.path().join(format!("report.{format}"));
        let to_file = csp_audit()
            .args(["audit", "--format", format, "--output"])
            .arg(&path)
            .arg(sample())
            .output()
            .expect("run");
        assert_eq!(to_file.status.code(), Some(1), "{format}");
        assert!(to_file.stdout.is_empty(), "{format}: stdout");
        let written = std::fs::read(&path).expect("report file");
        assert!(!written.is_empty());
        assert_eq!(written, to_stdout.stdout, "{format}");
    }
}

#[test]
fn output_is_byte_identical_with_one_or_four_threads() {
    for format in ["text", "json"] {
        let run = |threads: &str| {
            csp_audit()
                .env("RAYON_NUM_THREADS", threads)
                .args(["audit", "--format", format])
                .arg(sample())
                .output()
                .expect("run")
                .stdout
        };
        let one = run("1");
        assert!(!one.is_empty());
        assert_eq!(one, run("4"), "{format}");
    }
}

#[test]
fn explain_prints_the_four_sections() {
    for query in ["CSP005", "csp005", "self-sale"] {
        let out = csp_audit().args(["explain", query]).output().expect("run");
        assert_eq!(out.status.code(), Some(0), "{query}");
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        assert!(text.starts_with("# CSP005 self-sale (error)"), "{text}");
        let mut at = 0;
        for section in [
            "## What it finds",
            "## Why it matters",
            "## Example",
            "## How to fix",
        ] {
            let pos = text[at..]
                .find(section)
                .unwrap_or_else(|| panic!("{section} missing or out of order in:\n{text}"));
            at += pos + section.len();
        }
        assert!(text.contains("scenario 5"), "cites its scenario");
    }
}

#[test]
fn explain_of_an_unknown_rule_exits_2_with_a_hint() {
    let out = csp_audit()
        .args(["explain", "CSP999"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert!(stderr.contains("unknown rule 'CSP999'"), "{stderr}");

    let out = csp_audit()
        .args(["explain", "self-sael"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).expect("UTF-8");
    assert!(stderr.contains("did you mean 'self-sale'?"), "{stderr}");
    // A code is matched in any case, as `--warn CSP03` is.
    let out = csp_audit()
        .args(["explain", "CSP03"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8(out.stderr).expect("UTF-8"),
        "error: unknown rule 'CSP03' (did you mean 'CSP003'?): see `csp-audit rules`\n"
    );
}

#[test]
fn rules_lists_every_code_in_order() {
    let out = csp_audit().arg("rules").output().expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let codes: Vec<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let expected: Vec<&str> = csp_audit::rules::REGISTRY.iter().map(|r| r.code).collect();
    assert_eq!(codes, expected);
    for rule in csp_audit::rules::NetworkRule::ALL {
        assert!(codes.contains(&rule.code()));
    }
    for r in csp_audit::rules::REGISTRY {
        assert!(text.contains(r.name), "{}", r.name);
    }
}
