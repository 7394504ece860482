//! csp-audit.toml problems are reported all at once, in csp-audit's words, with "did you mean"
//! for keys and values, each at its line and column.

use assert_cmd::cargo::cargo_bin_cmd;
use csp_audit::config::Config;

fn problems(text: &str) -> Vec<String> {
    match Config::parse_all("c.toml", text) {
        Ok(_) => Vec::new(),
        Err(errors) => errors.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn every_problem_of_the_file_is_reported_at_once() {
    let text = "\
fail-on = \"warnings\"
failon = \"error\"

[rules]
CSP006 = \"eror\"
CSP03 = \"off\"

[params]
mpa-cutof = 2020-02-01

[[allow]]
rule = \"CSP003\"
entities = [\"P1\"]
owners = \"me\"

[[alow]]
rule = \"CSP003\"
";
    assert_eq!(
        problems(text),
        [
            "c.toml:1:11: unknown fail-on 'warnings' (did you mean 'warning'?): expected 'error', 'warning' or 'never'",
            "c.toml:2:1: unknown key 'failon' (did you mean 'fail-on'?): expected 'fail-on', 'rules', 'params', 'allow' or 'columns'",
            "c.toml:5:10: unknown level 'eror' (did you mean 'error'?): expected 'off', 'warning' or 'error'",
            "c.toml:6:1: unknown rule 'CSP03' (did you mean 'CSP003'?): expected a code or name from `csp-audit rules`",
            "c.toml:9:1: unknown key 'mpa-cutof' in [params] (did you mean 'mpa-cutoff'?): expected 'mpa-cutoff'",
            "c.toml:11:1: [[allow]] entry without reason: say why the exception is accepted",
            "c.toml:14:1: unknown key 'owners' in [[allow]] (did you mean 'owner'?): expected 'rule', 'entities', 'reason', 'owner' or 'expires'",
            "c.toml:16:3: unknown key 'alow' (did you mean 'allow'?): expected 'fail-on', 'rules', 'params', 'allow' or 'columns'",
        ]
    );
}

#[test]
fn a_good_file_still_parses_with_entries_in_file_order() {
    let text = "\
fail-on = \"warning\"
[rules]
CSP006 = \"error\"
[[allow]]
rule = \"CSP003\"
entities = [\"B\"]
reason = \"second\"
[[allow]]
rule = \"CSP001\"
entities = [\"A\"]
reason = \"first\"
expires = 2026-12-31
";
    let config = Config::parse_all("c.toml", text).expect("valid");
    let entries: Vec<(&str, u32)> = config
        .allow
        .iter()
        .map(|e| (e.reason.as_str(), e.line))
        .collect();
    assert_eq!(entries, [("second", 4), ("first", 8)]);
}

#[test]
fn the_command_line_lists_every_problem_before_stopping() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = tmp.path().join("c.toml");
    std::fs::write(
        &cfg,
        "fail-on = \"warnings\"\n[rules]\nCSP006 = \"warnings\"\n",
    )
    .expect("write");
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample");
    let out = cargo_bin_cmd!("csp-audit")
        .args(["audit", sample, "--config"])
        .arg(&cfg)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let c = cfg.display();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!(
            "{c}:1:11: unknown fail-on 'warnings' (did you mean 'warning'?): expected 'error', 'warning' or 'never'\n\
             {c}:3:10: unknown level 'warnings' (did you mean 'warning'?): expected 'off', 'warning' or 'error'\n\
             error: invalid configuration; nothing was audited\n"
        )
    );
}
