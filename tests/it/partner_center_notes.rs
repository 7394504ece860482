//! The roles the Partner Center loader inferred and the warnings about the input (a
//! disagreement between the user's partners.csv and a Partner Center file, with both sources)
//! are in every report, not only on standard error; a contract-v1 audit has none of them.

use assert_cmd::Command;
use serde_json::{json, Value};

const FIXTURE: &str = "tests/fixtures/partner-center/indirect-provider";

fn csp_audit() -> Command {
    Command::cargo_bin("csp-audit").expect("binary")
}

fn report(dir: &str, format: &str) -> String {
    let out = csp_audit()
        .args(["audit", dir, "--format", format])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1), "{format}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The notes of the fixture, as people read them: checked by hand against its files (roles
/// are blank in its partners.csv; 2000002 is FR there and DE in resellers.json; tenant 4 is
/// named only by GDAP; line 6 of the invoice has ResellerMpnId -1).
fn lines() -> Vec<String> {
    let f = FIXTURE;
    vec![
        format!("role inferred: '1000001' indirect_provider (sells through indirect resellers; first named at {f}/daily-usage-2021-01.csv:2)"),
        format!("role inferred: '2000001' indirect_reseller (named as a reseller of record or in an indirect reseller list; first named at {f}/agreement-status.jsonl:1#/response)"),
        format!("role inferred: '2000002' indirect_reseller (named as a reseller of record or in an indirect reseller list; first named at {f}/agreement-status.jsonl:2#/response)"),
        format!("warning: partner '2000002': country is 'FR' in {f}/partners.csv:3 but 'DE' in {f}/resellers.json:3#/items/1: the user's file wins"),
        "warning: tenant 'cccccccc-0000-4000-8000-000000000004' left out (with its admin relationships): no file gives its country and nothing was sold to it".to_string(),
        format!("warning: the reseller of record of partner '1000001''s sale to tenant 'cccccccc-0000-4000-8000-000000000003' was removed (ResellerMpnId -1, {f}/invoice-2020-12.csv:6): audited as a sale without a reseller"),
    ]
}

#[test]
fn the_json_summary_lists_inferred_roles_and_warnings_with_their_sources() {
    let v: Value = serde_json::from_str(&report(FIXTURE, "json")).expect("json");
    let f = FIXTURE;
    assert_eq!(
        v["summary"]["inferred_roles"],
        json!([
            {"partner": "1000001", "role": "indirect_provider", "why": "sells through indirect resellers",
             "source": {"file": format!("{f}/daily-usage-2021-01.csv"), "line": 2}},
            {"partner": "2000001", "role": "indirect_reseller", "why": "named as a reseller of record or in an indirect reseller list",
             "source": {"file": format!("{f}/agreement-status.jsonl"), "line": 1, "pointer": "/response"}},
            {"partner": "2000002", "role": "indirect_reseller", "why": "named as a reseller of record or in an indirect reseller list",
             "source": {"file": format!("{f}/agreement-status.jsonl"), "line": 2, "pointer": "/response"}},
        ])
    );
    let warnings = v["summary"]["input_warnings"].as_array().expect("warnings");
    assert_eq!(warnings.len(), 3);
    assert_eq!(
        warnings[0]["sources"],
        json!([
            {"file": format!("{f}/partners.csv"), "line": 3},
            {"file": format!("{f}/resellers.json"), "line": 3, "pointer": "/items/1"},
        ])
    );
    let messages: Vec<String> = warnings
        .iter()
        .map(|w| format!("warning: {}", w["message"].as_str().expect("message")))
        .collect();
    assert_eq!(messages, lines()[3..]);
    assert_eq!(
        warnings[2]["sources"],
        json!([{"file": format!("{f}/invoice-2020-12.csv"), "line": 6}])
    );
}

#[test]
fn text_markdown_html_sarif_and_junit_list_the_same_notes() {
    let want = lines();
    let text = report(FIXTURE, "text");
    let got: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  "))
        .filter(|l| l.starts_with("role inferred: ") || l.starts_with("warning: "))
        .collect();
    assert_eq!(got, want, "text");

    let md = report(FIXTURE, "markdown");
    for line in &want {
        // Markdown escapes its own markup (`_`, `*`, ...) in the notes.
        let escaped = line.replace('_', "\\_").replace('*', "\\*");
        assert!(md.contains(&escaped), "markdown lacks {escaped:?}:\n{md}");
    }

    let html = report(FIXTURE, "html");
    let section = html
        .split("<section class=\"input-notes\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("an input-notes section");
    let items: Vec<String> = section
        .split("<li>")
        .skip(1)
        .map(|li| li.split("</li>").next().expect("item").to_string())
        .collect();
    let escaped: Vec<String> = want.iter().map(|l| l.replace('\'', "&#39;")).collect();
    assert_eq!(items, escaped, "html");

    let sarif: Value = serde_json::from_str(&report(FIXTURE, "sarif")).expect("sarif");
    let notes: Vec<(String, String)> = sarif["runs"][0]["invocations"][0]
        ["toolExecutionNotifications"]
        .as_array()
        .expect("notifications")
        .iter()
        .map(|n| {
            (
                n["level"].as_str().expect("level").to_string(),
                n["message"]["text"].as_str().expect("text").to_string(),
            )
        })
        .filter(|(_, t)| t.starts_with("role inferred: ") || t.starts_with("warning: "))
        .collect();
    let levels: Vec<(String, String)> = want
        .iter()
        .enumerate()
        .map(|(i, l)| {
            (
                (if i < 3 { "note" } else { "warning" }).to_string(),
                l.clone(),
            )
        })
        .collect();
    assert_eq!(notes, levels, "sarif");

    let junit = report(FIXTURE, "junit");
    for (name, value) in [
        (
            "inferred role 1000001",
            "indirect_provider (sells through indirect resellers)",
        ),
        (
            "inferred role 2000002",
            "indirect_reseller (named as a reseller of record or in an indirect reseller list)",
        ),
    ] {
        let prop = format!("<property name=\"{name}\" value=\"{value}\"/>");
        assert!(junit.contains(&prop), "junit lacks {prop}:\n{junit}");
    }
    assert!(junit.contains("<property name=\"input warning 1\" value=\"partner &apos;2000002&apos;: country is &apos;FR&apos;"), "{junit}");
}

#[test]
fn a_contract_audit_has_no_notes() {
    let v: Value = serde_json::from_str(&report("data/sample", "json")).expect("json");
    let summary = v["summary"].as_object().expect("summary");
    assert!(!summary.contains_key("inferred_roles"));
    assert!(!summary.contains_key("input_warnings"));
    let text = report("data/sample", "text");
    assert!(!text.contains("role inferred: ") && !text.contains("  warning: "));
    assert!(!report("data/sample", "html").contains("input-notes"));
}

#[test]
fn github_annotates_each_note_at_its_first_record() {
    let f = FIXTURE;
    let got: Vec<String> = report(FIXTURE, "github")
        .lines()
        .filter(|l| {
            l.contains("title=csp-audit role inferred::") || l.contains("title=csp-audit input::")
        })
        .map(str::to_string)
        .collect();
    let reseller =
        "indirect_reseller (named as a reseller of record or in an indirect reseller list)";
    let want = vec![
        format!("::notice file={f}/daily-usage-2021-01.csv,line=2,title=csp-audit role inferred::'1000001' taken as indirect_provider (sells through indirect resellers)"),
        format!("::notice file={f}/agreement-status.jsonl,line=1,title=csp-audit role inferred::'2000001' taken as {reseller}"),
        format!("::notice file={f}/agreement-status.jsonl,line=2,title=csp-audit role inferred::'2000002' taken as {reseller}"),
        format!("::warning file={f}/partners.csv,line=3,title=csp-audit input::partner '2000002': country is 'FR' in {f}/partners.csv:3 but 'DE' in {f}/resellers.json:3#/items/1: the user's file wins"),
        format!("::warning file={f}/Customers.csv,line=3,title=csp-audit input::tenant 'cccccccc-0000-4000-8000-000000000004' left out (with its admin relationships): no file gives its country and nothing was sold to it"),
        format!("::warning file={f}/invoice-2020-12.csv,line=6,title=csp-audit input::the reseller of record of partner '1000001''s sale to tenant 'cccccccc-0000-4000-8000-000000000003' was removed (ResellerMpnId -1, {f}/invoice-2020-12.csv:6): audited as a sale without a reseller"),
    ];
    assert_eq!(got, want);
    assert!(!report("data/sample", "github").contains("csp-audit role inferred"));
}
