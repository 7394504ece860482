//! Reports that tell CI the truth (issue 8): what was not audited, baselines that do not forget,
//! JUnit that agrees with the exit code, usage errors in the machine reports, the CSV and JSON
//! Lines exports, guarded outputs, and the smaller items.

use std::collections::BTreeSet;
use std::path::Path;

use crate::support::{copy_sample, run, run_json, s};
use serde_json::Value;

fn fingerprints(v: &Value, key: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| f["fingerprint"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn rules_of(v: &Value) -> BTreeSet<String> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect()
}

/// A copy of the sample with one bad partners.csv row (unknown role).
fn broken_sample(dir: &Path) {
    copy_sample(dir);
    let path = dir.join("partners.csv");
    let mut text = std::fs::read_to_string(&path).expect("read");
    text.push_str("X-BAD,Bad Partner,wizard,US,,,,,\n");
    std::fs::write(path, text).expect("write");
}

const STALE: &str = r#"[[allow]]
rule = "CSP001"
entities = ["r-contoso-us"]
reason = "a typo in the id's case"
"#;

// ---- item 3 ----------------------------------------------------------------------------

#[test]
fn a_baseline_never_records_rejected_rows_or_stale_allow_entries() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("net");
    std::fs::create_dir(&data).expect("mkdir");
    broken_sample(&data);
    std::fs::write(data.join("csp-audit.toml"), STALE).expect("write");
    let base = tmp.path().join("base.json");
    let r = run(&[
        "audit",
        s(&data),
        "--keep-going",
        "--write-baseline",
        s(&base),
    ]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // The run itself reports both.
    assert!(r.stdout.contains("CSP100 rejected-row"), "{}", r.stdout);
    assert!(
        r.stdout.contains("CSP101 stale-allow-entry"),
        "{}",
        r.stdout
    );
    let written: Value =
        serde_json::from_str(&std::fs::read_to_string(&base).expect("baseline")).expect("json");
    let rules: BTreeSet<&str> = written["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|e| e["rule"].as_str().expect("rule"))
        .collect();
    assert!(
        !rules.contains("CSP100") && !rules.contains("CSP101"),
        "{rules:?}"
    );
    assert!(rules.contains("CSP002"));
}

// ---- item 4 ----------------------------------------------------------------------------

#[test]
fn a_new_deal_does_not_inherit_a_fixed_ones_identity() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let data = tmp.path().join("net");
    std::fs::create_dir(&data).expect("mkdir");
    copy_sample(&data);
    let base = tmp.path().join("base.json");
    let r = run(&["audit", s(&data), "--write-baseline", s(&base)]);
    assert_eq!(r.code, 0, "{}", r.stderr);

    // Re-exported in another order: nothing new, nothing fixed.
    let rels = data.join("relationships.csv");
    let text = std::fs::read_to_string(&rels).expect("read");
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    std::fs::write(&rels, lines.join("\n") + "\n").expect("write");
    let (code, v) = run_json(&["audit", s(&data), "--baseline", s(&base)]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["findings"], 0);
    assert_eq!(v["summary"]["baseline"]["fixed"], 0);
    assert_eq!(v["fixed"], serde_json::json!([]));

    // V-002 is gone and another deal between the same parties is new.
    let replaced = text.replace(
        "customer,P-WOODGROVE-US,t-fincher-us,,2021-10-01,V-002\n",
        "customer,P-WOODGROVE-US,t-fincher-us,,2025-06-01,NEW-SALE-99\n",
    );
    assert_ne!(replaced, text);
    std::fs::write(&rels, replaced).expect("write");
    let (code, v) = run_json(&["audit", s(&data), "--baseline", s(&base)]);
    assert_eq!(code, 1);
    assert_eq!(v["summary"]["findings"], 1);
    assert_eq!(
        v["findings"][0]["rows"][0]["relationship_id"],
        "NEW-SALE-99"
    );
    assert_eq!(v["summary"]["baseline"]["fixed"], 1);
    // JSON names the fixed finding by its fingerprint: the one recorded for V-002.
    let (_, before) = run_json(&["audit", "data/sample"]);
    let v002: Vec<&Value> = before["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rows"][0]["relationship_id"] == "V-002")
        .collect();
    assert_eq!(v002.len(), 1);
    assert_eq!(v["fixed"], serde_json::json!([v002[0]["fingerprint"]]));
}

#[test]
fn a_baseline_of_the_old_scheme_is_refused_with_a_hint() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = tmp.path().join("old.json");
    std::fs::write(&base, r#"{"version": 1, "findings": []}"#).expect("write");
    let r = run(&["audit", "data/sample", "--baseline", s(&base)]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "baseline version 1 is not supported (expected 2): write it again with \
             --write-baseline (version 2 fingerprints include relationship ids)"
        ),
        "{}",
        r.stderr
    );
}

// ---- item 5 ----------------------------------------------------------------------------

#[test]
fn a_run_that_audited_nothing_does_not_look_clean() {
    let tmp = tempfile::tempdir().expect("tempdir");
    broken_sample(tmp.path());
    assert_nothing_ran(
        tmp.path(),
        "not run: 1 problem in the input, nothing was audited",
    );

    let r = run(&["audit", s(tmp.path()), "--format", "markdown"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.starts_with(
            "## csp-audit: nothing audited\n\nNo rule ran, so nothing was audited and no \
             finding is known: 1 problem in the input (listed below).\n"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("0 findings"), "{}", r.stdout);
}

// ---- item 6 ----------------------------------------------------------------------------

fn junit_counts(xml: &str) -> (usize, usize, usize) {
    let count = |tag: &str| xml.matches(tag).count();
    (count("<testcase "), count("<failure "), count("<skipped "))
}

#[test]
fn junit_fails_exactly_the_cases_that_fail_the_run() {
    // Only the warning rule CSP006: exit 0 by default, and no failed case.
    let mut args = vec!["audit", "data/sample", "--format", "junit"];
    let off: Vec<String> = (1..=10)
        .filter(|n| *n != 6)
        .map(|n| format!("CSP{n:03}"))
        .collect();
    for code in &off {
        args.extend(["--allow", code]);
    }
    let r = run(&args);
    assert_eq!(r.code, 0);
    assert_eq!(junit_counts(&r.stdout), (10, 0, 9), "{}", r.stdout);
    // The findings are listed all the same.
    assert!(r.stdout.contains("<system-out>"), "{}", r.stdout);
    assert!(r.stdout.contains("is recorded 2 times"));
    assert!(r.stdout.contains(
        "<testcase classname=\"csp-audit\" name=\"CSP008 reseller-buys-from-own-provider\">\n      \
         <skipped message=\"switched off by --allow\"/>"
    ));

    // --fail-on warning: now the case fails, and so does the run.
    args.extend(["--fail-on", "warning"]);
    let r = run(&args);
    assert_eq!(r.code, 1);
    assert_eq!(junit_counts(&r.stdout), (10, 1, 9));

    // --exit-zero: nothing fails.
    let r = run(&["audit", "data/sample", "--format", "junit", "--exit-zero"]);
    assert_eq!(r.code, 0);
    assert_eq!(junit_counts(&r.stdout), (10, 0, 0));
}

#[test]
fn json_and_text_say_which_rules_were_off() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_sample(tmp.path());
    std::fs::write(
        tmp.path().join("csp-audit.toml"),
        "[rules]\nCSP009 = \"off\"\n",
    )
    .expect("write");
    let (code, v) = run_json(&["audit", s(tmp.path()), "--allow", "CSP008"]);
    assert_eq!(code, 1);
    let by_rule = v["summary"]["by_rule"].as_object().expect("by_rule");
    assert!(!by_rule.contains_key("CSP008") && !by_rule.contains_key("CSP009"));
    let config = format!("{}/csp-audit.toml", s(tmp.path()));
    assert_eq!(
        v["summary"]["skipped"],
        serde_json::json!([
            {"rule": "CSP008", "reason": "switched off by --allow"},
            {"rule": "CSP009", "reason": format!("switched off in {config}")},
        ])
    );
    let r = run(&["audit", s(tmp.path()), "--allow", "CSP008"]);
    assert!(
        r.stdout.contains("\n  CSP008 switched off by --allow\n"),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains(&format!("\n  CSP009 switched off in {config}\n")));
}

// ---- item 7 ----------------------------------------------------------------------------

#[test]
fn argument_errors_leave_no_stale_reports() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o.json");
    let sarif = tmp.path().join("x.sarif");
    let misspelt = format!("sarf={}", s(&sarif));
    let cases: [(Vec<&str>, &str); 3] = [
        (
            vec![
                "--format",
                "json",
                "--output",
                s(&out),
                "--fail-on",
                "warnings",
            ],
            "invalid value 'warnings' for '--fail-on <FAIL_ON>'",
        ),
        (
            vec!["--format=json", "-o", s(&out), "--bogus"],
            "unexpected argument '--bogus' found",
        ),
        (
            vec![
                "--output",
                s(&out),
                "--format",
                "json",
                "--report",
                &misspelt,
            ],
            "unknown format 'sarf'",
        ),
    ];
    for (extra, message) in cases {
        std::fs::write(&out, "{\"stale\": true}").expect("write");
        let mut args = vec!["audit", "data/sample"];
        args.extend(extra.iter().copied());
        let r = run(&args);
        assert_eq!(r.code, 2, "{extra:?}");
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
        assert_eq!(v["errors"][0]["file"], "command line", "{extra:?}");
        let got = v["errors"][0]["message"].as_str().expect("message");
        assert!(got.contains(message), "{extra:?}: {got}");
        assert_eq!(v["summary"]["findings"], 0);
    }
    // A report path whose format is misspelt gets the closest format's report.
    std::fs::write(&sarif, "stale").expect("write");
    let r = run(&[
        "audit",
        "data/sample",
        "--report",
        &format!("sarf={}", s(&sarif)),
    ]);
    assert_eq!(r.code, 2);
    let v: Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).expect("read")).expect("json");
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], false);
}

// ---- item 8 ----------------------------------------------------------------------------

#[test]
fn csv_has_every_row_and_name_of_a_finding() {
    let r = run(&["audit", "data/sample", "--format", "csv"]);
    assert_eq!(r.code, 1);
    let mut reader = csv::Reader::from_reader(r.stdout.as_bytes());
    let header = reader.headers().expect("header").clone();
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("record")).collect();
    assert_eq!(records.len(), 26, "one record per finding");
    let dup = records
        .iter()
        .find(|r| r[col("rule")] == *"CSP006" && r[col("relationship_id")] == *"CR-004")
        .expect("the CSP006 duplicate of CR-004");
    assert_eq!(
        &dup[col("rows")],
        "data/sample/relationships.csv:23;data/sample/relationships.csv:65"
    );
    assert_eq!(&dup[col("relationship_ids")], "CR-004;V-012");
    assert_eq!(
        &dup[col("entity_names")],
        "Northwind Traders Europe;Fabrikam GmbH;Wide World Importers"
    );
    let csp008 = records
        .iter()
        .find(|r| r[col("rule")] == *"CSP008")
        .expect("CSP008");
    assert_eq!(csp008[col("rows")].split(';').count(), 2, "{csp008:?}");
}

#[test]
fn jsonl_has_one_finding_per_line_with_every_field() {
    let r = run(&["audit", "data/sample", "--format", "jsonl"]);
    assert_eq!(r.code, 1);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let (_, json) = run_json(&["audit", "data/sample"]);
    let findings = json["findings"].as_array().expect("findings");
    assert_eq!(lines.len(), findings.len());
    for (line, f) in lines.iter().zip(findings) {
        assert_eq!(line["record"], "finding");
        assert_eq!(line["status"], "reported");
        for key in [
            "rule",
            "name",
            "severity",
            "message",
            "entities",
            "rows",
            "fingerprint",
        ] {
            assert_eq!(line[key], f[key], "{key}");
        }
        assert_eq!(
            line["entity_names"].as_array().map(Vec::len),
            f["entities"].as_array().map(Vec::len)
        );
        assert_eq!(
            line["locations"].as_array().map(Vec::len),
            f["rows"].as_array().map(Vec::len)
        );
    }
    let shown = r.stdout.replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[version]\"",
    );
    crate::support::snapshots()
        .bind(|| insta::assert_snapshot!("ci_truth__ci_sample_jsonl", shown));
}

#[test]
fn jsonl_of_a_failed_run_has_the_problems() {
    let tmp = tempfile::tempdir().expect("tempdir");
    broken_sample(tmp.path());
    let r = run(&["audit", s(tmp.path()), "--format", "jsonl"]);
    assert_eq!(r.code, 2);
    let v: Value = serde_json::from_str(r.stdout.trim()).expect("one line");
    assert_eq!(v["record"], "problem");
    assert_eq!(v["line"], 21);
    assert!(v["file"].as_str().expect("file").ends_with("partners.csv"));
}

// ---- item 13 ---------------------------------------------------------------------------

#[test]
fn generate_refuses_a_folder_with_files_unless_forced() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let keep = tmp.path().join("notes.txt");
    std::fs::write(&keep, "mine").expect("write");
    let gen = |force: bool| {
        let mut args = vec![
            "generate",
            "--relationships",
            "1000",
            "--out",
            s(tmp.path()),
        ];
        if force {
            args.push("--force");
        }
        run(&args)
    };
    let r = gen(false);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        format!(
            "error: {} already holds files (notes.txt): give a new or empty folder, or \
             --force to overwrite\n",
            s(tmp.path())
        )
    );
    assert!(!tmp.path().join("partners.csv").exists());
    let r = gen(true);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(tmp.path().join("expected.json").is_file());
    assert_eq!(std::fs::read_to_string(&keep).expect("read"), "mine");
}

#[test]
fn one_output_path_given_twice_is_an_error() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = tmp.path().join("o.sarif");
    let other = format!("{}/./o.sarif", s(tmp.path()));
    for second in [s(&out).to_string(), other] {
        let r = run(&[
            "audit",
            "data/sample",
            "--format",
            "json",
            "--output",
            s(&out),
            "--report",
            &format!("sarif={second}"),
        ]);
        assert_eq!(r.code, 2, "{second}");
        let v: Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("read")).expect("json");
        let message = v["errors"][0]["message"].as_str().unwrap_or_default();
        // Whichever report was written last, the problem is in it.
        let text = std::fs::read_to_string(&out).expect("read");
        assert!(
            text.contains("--output and --report sarif= name the same file"),
            "{message} {text}"
        );
    }
}

// ---- item 15 ---------------------------------------------------------------------------

#[test]
fn text_names_files_as_given_and_lists_allowed_findings() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let rels = tmp.path().join("pc_rel.csv");
    std::fs::copy("data/sample/relationships.csv", &rels).expect("copy");
    let cfg = tmp.path().join("audit.toml");
    std::fs::write(
        &cfg,
        format!(
            "{STALE}\n[[allow]]\nrule = \"CSP001\"\nentities = [\"R-CONTOSO-US\"]\nreason = \
             \"accepted\"\n"
        ),
    )
    .expect("write");
    let r = run(&[
        "audit",
        "data/sample",
        "--relationships",
        s(&rels),
        "--config",
        s(&cfg),
    ]);
    assert_eq!(r.code, 1);
    let rel = s(&rels);
    assert!(
        r.stdout.contains(&format!("rows: {rel}:55 [V-002]")),
        "{}",
        r.stdout
    );
    assert!(
        !r.stdout.contains("rows: relationships.csv:"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains(
            "Allowed: excused by the allow-list, not failing (1 finding)\n  CSP001 \
             seller-role\n  error indirect reseller 'R-CONTOSO-US' is the seller to tenant \
             't-bellows-us'"
        ),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .contains(&format!("    allowed by: {}:6 (accepted)", s(&cfg))));
    // The stale entry: its position, and the hint about the id's case.
    assert!(
        r.stdout.contains(&format!(
            "  warning allow entry for CSP001 [r-contoso-us] matches no finding: delete it \
             (did you mean partner 'R-CONTOSO-US'? partner ids are compared exactly, case \
             included)\n    allow entry: {}:1\n",
            s(&cfg)
        )),
        "{}",
        r.stdout
    );
    let (_, v) = run_json(&[
        "audit",
        "data/sample",
        "--relationships",
        s(&rels),
        "--config",
        s(&cfg),
    ]);
    let stale = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["rule"] == "CSP101")
        .expect("CSP101");
    assert_eq!(
        stale["config"],
        serde_json::json!({"file": s(&cfg), "line": 1})
    );
}

#[test]
fn csp010_gives_the_sales_date() {
    let (_, v) = run_json(&["audit", "data/sample"]);
    let messages: Vec<&str> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "CSP010")
        .map(|f| f["message"].as_str().expect("message"))
        .collect();
    assert!(
        messages.contains(
            &"indirect reseller 'R-TREY-KE' resells on 1 row from 2020-05-01 before it is \
              ready (onboarded: 2020-03-01, enrolled: 2020-05-15)"
        ),
        "{messages:?}"
    );
}

#[test]
fn a_missing_baseline_says_how_to_make_one() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let base = tmp.path().join("csp-baseline.json");
    let (code, v) = run_json(&["audit", "data/sample", "--baseline", s(&base)]);
    assert_eq!(code, 2);
    assert_eq!(
        v["errors"][0]["message"],
        format!(
            "baseline file not found: record one first with `csp-audit audit DIR \
             --write-baseline {}`",
            s(&base)
        )
    );
    // Doing so bootstraps the first CI run.
    let r = run(&["audit", "data/sample", "--write-baseline", s(&base)]);
    assert_eq!(r.code, 0);
    let (code, v) = run_json(&["audit", "data/sample", "--baseline", s(&base)]);
    assert_eq!(code, 0);
    assert_eq!(v["summary"]["baseline"]["baselined"], 26);
}

#[test]
fn json_reports_carry_the_tool_version() {
    let (_, v) = run_json(&["audit", "data/sample"]);
    assert_eq!(
        v["tool"],
        serde_json::json!({"name": "csp-audit", "version": env!("CARGO_PKG_VERSION")})
    );
    assert!(rules_of(&v).contains("CSP010"));
    assert_eq!(fingerprints(&v, "findings").len(), 26);
}

/// A bad csp-audit.toml stops the run before any rule: JUnit skips every rule with the reason
/// and JSON counts none as run, as for bad input.
#[test]
fn a_run_stopped_by_its_configuration_lists_every_rule_as_not_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_sample(tmp.path());
    std::fs::write(
        tmp.path().join("csp-audit.toml"),
        "fail-on = \"warnings\"\n",
    )
    .expect("write");
    assert_nothing_ran(
        tmp.path(),
        "not run: invalid configuration, nothing was audited",
    );
}

/// A run of `dir` that stops before auditing: exit 2, no rule counted as run in JSON, every
/// rule listed as not run with `reason`, and every rule a skipped JUnit case with it.
fn assert_nothing_ran(dir: &Path, reason: &str) {
    let (code, v) = run_json(&["audit", s(dir)]);
    assert_eq!(code, 2);
    assert_eq!(v["summary"]["by_rule"], serde_json::json!({}));
    let skipped = v["summary"]["skipped"].as_array().expect("skipped");
    let codes: Vec<&str> = skipped.iter().filter_map(|e| e["rule"].as_str()).collect();
    let all: Vec<String> = (1..=10).map(|n| format!("CSP{n:03}")).collect();
    assert_eq!(codes, all);
    assert!(skipped.iter().all(|e| e["reason"] == reason), "{skipped:?}");

    let r = run(&["audit", s(dir), "--format", "junit"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("tests=\"11\" failures=\"1\" errors=\"0\" skipped=\"10\""),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains(&format!(
        "<testcase classname=\"csp-audit\" name=\"CSP003 cross-region-customer\">\n      \
         <skipped message=\"{reason}\"/>"
    )));
}
