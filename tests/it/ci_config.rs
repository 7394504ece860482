//! `csp-audit.toml`: the allow-list (active, expired, unmatched entries), rule levels from the
//! file and from flags, `fail-on`, and errors in the file with their line and column.

use crate::support::{copy_sample, rule_entities, run, run_json, s};

/// Active (CSP003, line 4), expired on 2026-01-31 (CSP004, line 11) and unmatched (line 17)
/// entries; the tests run with today = 2026-06-01.
const ALLOW: &str = r#"# accepted exceptions
fail-on = "error"

[[allow]]
rule = "CSP003"
entities = ["D-ALPINE-US", "t-liberty-ca"]
reason = "tenant moves to the US entity, ticket 42"
owner = "partner-ops"
expires = 2026-12-31

[[allow]]
rule = "cross-region-partnership"
entities = ["P-TAILSPIN-ZA", "R-TREY-KE"]
reason = "temporary, until the Kenyan entity signs"
expires = "2026-01-31"

[[allow]]
rule = "CSP001"
entities = ["R-NOBODY"]
reason = "a partner that has left the program"
"#;

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write");
    s(&p).to_string()
}

#[test]
fn allow_entries_active_expired_and_unmatched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = write(tmp.path(), "csp-audit.toml", ALLOW);
    let (code, v) = run_json(&["audit", "data/sample", "--config", &cfg]);
    assert_eq!(code, 1);
    // The active entry excuses exactly the D-ALPINE-US → t-liberty-ca finding.
    assert_eq!(
        rule_entities(&v, "allowed"),
        vec![(
            "CSP003".to_string(),
            vec!["D-ALPINE-US".to_string(), "t-liberty-ca".to_string()]
        )]
    );
    let allow = &v["allowed"][0]["allow"];
    assert_eq!(allow["reason"], "tenant moves to the US entity, ticket 42");
    assert_eq!(allow["owner"], "partner-ops");
    assert_eq!(allow["expires"], "2026-12-31");
    assert_eq!(allow["line"], 4);
    assert_eq!(v["summary"]["allowed"], 1);

    let found = rule_entities(&v, "findings");
    assert!(!found.contains(&(
        "CSP003".to_string(),
        vec!["D-ALPINE-US".to_string(), "t-liberty-ca".to_string()]
    )));
    // The expired entry no longer excuses its finding...
    assert!(found.contains(&(
        "CSP004".to_string(),
        vec!["P-TAILSPIN-ZA".to_string(), "R-TREY-KE".to_string()]
    )));
    // ...and it and the unmatched entry are CSP101 warnings. 26 sample findings - 1 + 2.
    assert_eq!(found.len(), 27);
    let stale: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "CSP101")
        .collect();
    assert_eq!(stale.len(), 2);
    assert_eq!(stale[0]["severity"], "warning");
    assert_eq!(
        stale[0]["message"],
        "allow entry for CSP004 [P-TAILSPIN-ZA, R-TREY-KE] expired on 2026-01-31, so its \
         finding is reported again: renew it or delete it"
    );
    assert_eq!(
        stale[1]["message"],
        "allow entry for CSP001 [R-NOBODY] matches no finding: delete it"
    );

    // The CSP101 findings point at their entries' lines in csp-audit.toml.
    let r = run(&[
        "audit",
        "data/sample",
        "--config",
        &cfg,
        "--format",
        "github",
    ]);
    let cfg_slashes = cfg
        .replace('\\', "/")
        .replace(':', "%3A")
        .replace(',', "%2C");
    assert!(r.stdout.contains(&format!(
        "::warning file={cfg_slashes},line=11,title=CSP101 stale-allow-entry::"
    )));
    assert!(r.stdout.contains(&format!(
        "::warning file={cfg_slashes},line=17,title=CSP101 stale-allow-entry::"
    )));

    // With another "today" the first entry has expired as well.
    let r = run(&[
        "audit",
        "data/sample",
        "--config",
        &cfg,
        "--format",
        "json",
        "--today",
        "2027-01-01",
    ]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["summary"]["allowed"], 0);
    assert_eq!(v["summary"]["by_rule"]["CSP101"], 3);
}

#[test]
fn allowed_findings_do_not_fail_the_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = write(
        tmp.path(),
        "c.toml",
        "[rules]\nCSP002 = \"off\"\nCSP003 = \"off\"\nCSP004 = \"off\"\nCSP005 = \"off\"\n\
         CSP006 = \"off\"\nCSP007 = \"off\"\nCSP008 = \"off\"\nCSP009 = \"off\"\nCSP010 = \"off\"\n\n\
         [[allow]]\nrule = \"seller-role\"\nentities = [\"R-CONTOSO-US\"]\nreason = \"accepted\"\n",
    );
    let (code, v) = run_json(&["audit", "data/sample", "--config", &cfg]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["findings"], 0);
    assert_eq!(v["summary"]["allowed"], 1);
    assert_eq!(v["allowed"][0]["entities"][1], "t-bellows-us");
    // by_rule lists the rules that ran: CSP001 and CSP101, not the ones switched off.
    let by_rule: Vec<&String> = v["summary"]["by_rule"]
        .as_object()
        .expect("by_rule")
        .keys()
        .collect();
    assert_eq!(by_rule, ["CSP001", "CSP101"]);
    // The text summary counts it.
    let r = run(&["audit", "data/sample", "--config", &cfg]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .contains(&format!("  allowed: 1 (excused by {cfg}, not failing)")),
        "{}",
        r.stdout
    );
}

#[test]
fn config_next_to_the_data_is_found() {
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_sample(tmp.path());
    write(
        tmp.path(),
        "csp-audit.toml",
        "[rules]\nduplicate-relationship = \"error\"\n",
    );
    let (_, v) = run_json(&["audit", s(tmp.path())]);
    let six: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "CSP006")
        .collect();
    assert_eq!(six.len(), 3);
    assert!(six.iter().all(|f| f["severity"] == "error"));
    assert_eq!(v["summary"]["by_severity"]["warning"], 0);
}

#[test]
fn levels_from_flags_override_the_file_and_fail_on() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // Only CSP003 runs (3 findings in the sample), and the file asks to fail on warnings.
    let mut text = String::from("fail-on = \"warning\"\n[rules]\n");
    for n in [1, 2, 4, 5, 6, 7, 8, 9, 10] {
        text.push_str(&format!("CSP{n:03} = \"off\"\n"));
    }
    let cfg = write(tmp.path(), "c.toml", &text);
    let (code, v) = run_json(&["audit", "data/sample", "--config", &cfg]);
    assert_eq!(
        (code, v["summary"]["by_severity"]["error"].as_u64()),
        (1, Some(3))
    );
    let (code, v) = run_json(&["audit", "data/sample", "--config", &cfg, "--warn", "CSP003"]);
    assert_eq!(
        (code, v["summary"]["by_severity"]["warning"].as_u64()),
        (1, Some(3))
    );
    let (code, _) = run_json(&[
        "audit",
        "data/sample",
        "--config",
        &cfg,
        "--warn",
        "CSP003",
        "--fail-on",
        "error",
    ]);
    assert_eq!(code, 0);
    let (code, v) = run_json(&["audit", "data/sample", "--config", &cfg, "--exit-zero"]);
    assert_eq!((code, v["summary"]["findings"].as_u64()), (0, Some(3)));
    let (code, v) = run_json(&[
        "audit",
        "data/sample",
        "--config",
        &cfg,
        "--allow",
        "CSP003",
    ]);
    assert_eq!((code, v["summary"]["findings"].as_u64()), (0, Some(0)));
    let (_, v) = run_json(&["audit", "data/sample", "--deny", "CSP006"]);
    assert_eq!(v["summary"]["by_severity"]["warning"], 0);
    assert_eq!(v["summary"]["by_severity"]["error"], 26);
    let r = run(&[
        "audit",
        "data/sample",
        "--warn",
        "CSP006",
        "--deny",
        "duplicate-relationship",
    ]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr,
        "error: CSP006 is given to both --warn and --deny\n"
    );
    let r = run(&["audit", "data/sample", "--warn", "CSP03"]);
    assert_eq!(r.code, 2);
    assert!(r
        .stderr
        .starts_with("error: unknown rule 'CSP03' in --warn (did you mean"));
}

/// Each bad file: its text, then the expected `LINE:COLUMN: message`.
#[test]
fn config_errors_name_file_line_and_column() {
    let cases: &[(&str, &str)] = &[
        (
            "fail-on = \"error\"\nfail_on = \"x\"\n",
            "2:1: unknown key 'fail_on' (did you mean 'fail-on'?): expected 'fail-on', 'rules', 'params', 'allow' or 'columns'",
        ),
        (
            "[rules]\nCSP001 = \"error\"\nCSP03 = \"warning\"\n",
            "3:1: unknown rule 'CSP03' (did you mean 'CSP003'?): expected a code or name from \
             `csp-audit rules`",
        ),
        (
            "[rules]\nCSP001 = \"fatal\"\n",
            "2:10: unknown level 'fatal': expected 'off', 'warning' or 'error'",
        ),
        (
            "\n[[allow]]\nrule = \"CSP003\"\nentities = [\"P1\"]\nowner = \"me\"\n",
            "2:1: [[allow]] entry without reason: say why the exception is accepted",
        ),
        (
            "[[allow]]\nrule = \"CSP003\"\nentities = [\"P1\"]\nreason = \"x\"\nexpires = \"2026-02-30\"\n",
            "5:11: invalid expires: expected a date YYYY-MM-DD",
        ),
        (
            "[params]\nmpa-cutoff = 2020\n",
            "2:14: invalid mpa-cutoff: expected a date YYYY-MM-DD",
        ),
        ("fail-on = \n", "1:11: string values must be quoted, expected literal string"),
    ];
    let tmp = tempfile::tempdir().expect("tempdir");
    for (i, (text, want)) in cases.iter().enumerate() {
        let cfg = write(tmp.path(), &format!("bad{i}.toml"), text);
        let r = run(&["audit", "data/sample", "--config", &cfg]);
        assert_eq!(r.code, 2, "case {i}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "case {i}: nothing is audited");
        assert_eq!(
            r.stderr,
            format!("{cfg}:{want}\nerror: invalid configuration; nothing was audited\n"),
            "case {i}"
        );
    }
}

#[test]
fn mpa_cutoff_parameter_moves_the_agreement_rule() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // With a cut-off after every transaction in the sample, nobody needs an MPA yet.
    let cfg = write(tmp.path(), "c.toml", "[params]\nmpa-cutoff = 2030-01-01\n");
    let (_, v) = run_json(&["audit", "data/sample", "--config", &cfg]);
    assert_eq!(v["summary"]["by_rule"]["CSP009"], 0);
    assert_eq!(v["summary"]["by_rule"]["CSP010"], 0);
    let (_, v) = run_json(&["audit", "data/sample"]);
    assert_eq!(v["summary"]["by_rule"]["CSP009"], 2);
}

#[test]
fn identical_stale_entries_get_distinct_fingerprints() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let entry =
        "[[allow]]\nrule = \"CSP001\"\nentities = [\"NOBODY\"]\nreason = \"copied twice\"\n";
    let cfg = write(tmp.path(), "c.toml", &format!("{entry}\n{entry}"));
    let (_, v) = run_json(&["audit", "data/sample", "--config", &cfg]);
    let stale: Vec<(&str, u64)> = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "CSP101")
        .map(|f| {
            (
                f["fingerprint"].as_str().expect("fingerprint"),
                f["rows"][0]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(stale.len(), 2, "{stale:?}");
    assert_ne!(
        stale[0].0, stale[1].0,
        "a baseline must be able to tell them apart"
    );
}

/// A run that cannot start says every problem of its command line and files at once, in the
/// order they are checked, not one per run.
#[test]
fn every_problem_before_the_audit_is_reported_at_once() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = write(tmp.path(), "bad.toml", "fail-on = \n");
    let missing = tmp.path().join("none.json");
    let (code, doc) = run_json(&[
        "audit",
        "data/sample",
        "--config",
        &cfg,
        "--today",
        "2026-13-01",
        "--baseline",
        s(&missing),
    ]);
    assert_eq!(code, 2);
    let errors = doc["errors"].as_array().expect("errors");
    let seen: Vec<(String, u64, u64)> = errors
        .iter()
        .map(|e| {
            (
                e["file"].as_str().expect("file").to_string(),
                e["line"].as_u64().expect("line"),
                e["column"].as_u64().expect("column"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (cfg.clone(), 1, 11),
            ("command line".to_string(), 1, 1),
            (s(&missing).to_string(), 1, 1),
        ]
    );
    assert_eq!(
        errors[0]["message"],
        "string values must be quoted, expected literal string"
    );
    assert_eq!(
        errors[1]["message"],
        "invalid date '2026-13-01' in --today: expected YYYY-MM-DD"
    );
    assert!(
        errors[2]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("baseline file not found")),
        "{}",
        errors[2]
    );
    assert!(doc["findings"].as_array().is_some_and(|f| f.is_empty()));
}
