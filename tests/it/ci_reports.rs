//! The CI report formats on the bundled sample: SARIF validated against the official SARIF 2.1.0
//! schema, snapshots of every format, several reports in one run.

use std::collections::BTreeSet;

use crate::support::{run, s};
use serde_json::Value;

/// The official OASIS schema, kept in the repository (see tests/schemas/README.md).
fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        crate::support::root().join("tests/schemas/sarif-schema-2.1.0.json"),
    )
    .expect("schema");
    let mut schema: Value = serde_json::from_str(&text).expect("schema JSON");
    // The published schema has one pattern that is not a valid regular expression (an unmatched
    // `]`, on `run.language` and `toolComponent.language`), which the validator's meta-schema
    // check rejects. It is corrected here, in memory; csp-audit never writes `language`.
    for def in ["run", "toolComponent"] {
        let language = &mut schema["definitions"][def]["properties"]["language"]["pattern"];
        assert_eq!(language, "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$");
        *language = Value::from("^[a-zA-Z]{2}$|^[a-zA-Z]{2}-[a-zA-Z]{2}$");
    }
    jsonschema::validator_for(&schema).expect("valid schema")
}

fn assert_valid_sarif(doc: &Value) {
    let v = sarif_validator();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
}

const ALLOW: &str = r#"[[allow]]
rule = "CSP003"
entities = ["D-ALPINE-US", "t-liberty-ca"]
reason = "tenant moves to the US entity"
owner = "partner-ops"
expires = 2026-12-31

[[allow]]
rule = "CSP001"
entities = ["R-NOBODY"]
reason = "a partner that has left the program"
"#;

#[test]
fn sarif_is_valid_and_complete() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let cfg = tmp.path().join("csp-audit.toml");
    std::fs::write(&cfg, ALLOW).expect("write");
    let r = run(&[
        "audit",
        "data/sample",
        "--format",
        "sarif",
        "--config",
        s(&cfg),
    ]);
    assert_eq!(r.code, 1);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_valid_sarif(&doc);

    let run0 = &doc["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), 12, "every rule of the registry");
    assert_eq!(rules[4]["id"], "CSP005");
    assert_eq!(rules[4]["name"], "self-sale");
    assert!(rules[4]["help"]["text"]
        .as_str()
        .is_some_and(|t| t.starts_with("## What it finds\n")));

    let results = run0["results"].as_array().expect("results");
    // 26 findings: 25 reported, 1 allowed (suppressed); 1 CSP101 for the unmatched entry.
    assert_eq!(results.len(), 27);
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["ruleId"], "CSP003");
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "external");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "tenant moves to the US entity (owner: partner-ops) (expires 2026-12-31)"
    );
    let loc = &suppressed[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "data/sample/relationships.csv"
    );
    assert_eq!(loc["region"]["startLine"], 60);

    let stale: Vec<&Value> = results.iter().filter(|r| r["ruleId"] == "CSP101").collect();
    assert_eq!(stale.len(), 1);
    assert_eq!(stale[0]["level"], "warning");
    assert_eq!(
        stale[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        8
    );

    // Fingerprints: present on every result, all different.
    let fps: BTreeSet<&str> = results
        .iter()
        .map(|r| {
            r["partialFingerprints"]["cspAuditFinding/v1"]
                .as_str()
                .expect("fp")
        })
        .collect();
    assert_eq!(fps.len(), 27);

    // The self-sale through an affiliate chain carries its cycle as a code flow.
    let cycle = results
        .iter()
        .find(|r| {
            r["ruleId"] == "CSP005"
                && r["message"]["text"]
                    .as_str()
                    .is_some_and(|m| m.contains("R-FABRIKAM-DE"))
        })
        .expect("CSP005 result");
    let steps: Vec<&str> = cycle["codeFlows"][0]["threadFlows"][0]["locations"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|l| l["location"]["message"]["text"].as_str().expect("text"))
        .collect();
    assert_eq!(
        steps,
        [
            "partner R-FABRIKAM-DE",
            "tenant t-fabrikam-uk-ops",
            "organization ORG-FABRIKAM-UK",
            "organization ORG-FABRIKAM-HOLDING",
            "organization ORG-FABRIKAM",
            "partner R-FABRIKAM-DE",
        ]
    );
}

#[test]
fn sarif_fingerprints_are_the_baseline_fingerprints() {
    let sarif: Value =
        serde_json::from_str(&run(&["audit", "data/sample", "--format", "sarif"]).stdout)
            .expect("sarif");
    let json: Value =
        serde_json::from_str(&run(&["audit", "data/sample", "--format", "json"]).stdout)
            .expect("json");
    let a: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| &r["partialFingerprints"]["cspAuditFinding/v1"])
        .collect();
    let b: Vec<&Value> = json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| &f["fingerprint"])
        .collect();
    assert_eq!(a.len(), 26);
    assert_eq!(a, b);
}

#[test]
fn sarif_with_input_errors_is_valid() {
    let tmp = tempfile::tempdir().expect("tempdir");
    crate::support::copy_sample(tmp.path());
    let rels = tmp.path().join("relationships.csv");
    let mut text = std::fs::read_to_string(&rels).expect("read");
    text.push_str("customer,P-NOBODY,t-relecloud-us,,2022-05-01,CR-BAD\n");
    std::fs::write(&rels, text).expect("write");
    let r = run(&["audit", s(tmp.path()), "--format", "sarif"]);
    assert_eq!(r.code, 2);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_valid_sarif(&doc);
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    assert_eq!(
        inv["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]["region"]
            ["startLine"],
        73
    );
}

#[test]
fn several_reports_in_one_run() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = |n: &str| tmp.path().join(n);
    let r = run(&[
        "audit",
        "data/sample",
        "--report",
        &format!("sarif={}", s(&p("out.sarif"))),
        "--report",
        &format!("junit={}", s(&p("out.xml"))),
        "--report",
        &format!("markdown={}", s(&p("summary.md"))),
        "--report",
        &format!("csv={}", s(&p("out.csv"))),
        "--format",
        "github",
    ]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stdout,
        run(&["audit", "data/sample", "--format", "github"]).stdout
    );
    for (file, format) in [
        ("out.sarif", "sarif"),
        ("out.xml", "junit"),
        ("summary.md", "markdown"),
        ("out.csv", "csv"),
    ] {
        let written = std::fs::read_to_string(p(file)).expect("report written");
        assert_eq!(
            written,
            run(&["audit", "data/sample", "--format", format]).stdout,
            "{format}"
        );
    }
    let r = run(&["audit", "data/sample", "--report", "yaml=x"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown format 'yaml': expected one of text, json, sarif, junit, github, markdown, csv"), "{}", r.stderr);
}

#[test]
fn junit_is_well_formed_with_one_case_per_rule() {
    let r = run(&["audit", "data/sample", "--format", "junit"]);
    let mut reader = quick_xml::Reader::from_str(&r.stdout);
    let (mut cases, mut failures) = (0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    b"testcase" => cases += 1,
                    b"failure" => failures += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    // Ten network rules ran; each breaks at least once in the sample, and the findings of
    // all but the warning rule CSP006 fail the run (--fail-on error).
    assert_eq!((cases, failures), (10, 9));
    // A clean rule passes.
    let r = run(&[
        "audit",
        "data/sample",
        "--format",
        "junit",
        "--allow",
        "CSP001",
    ]);
    // A rule switched off is a skipped case.
    assert!(r.stdout.contains(
        "name=\"CSP001 seller-role\">\n      <skipped message=\"switched off by --allow\"/>"
    ));
    let mut text = String::new();
    for n in 2..=10 {
        text.push_str(&format!("--allow CSP{n:03} "));
    }
    let mut args = vec!["audit", "data/sample", "--format", "junit"];
    args.extend(text.split_whitespace());
    let r = run(&args);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("tests=\"10\" failures=\"1\""),
        "{}",
        r.stdout
    );
}

/// Snapshots of what each format shows for the sample, run from the repository root so paths are
/// the relative ones a CI job sees; the tool version is redacted.
#[test]
fn snapshots_of_every_format() {
    for format in [
        "text", "json", "sarif", "junit", "github", "markdown", "csv",
    ] {
        let r = run(&["audit", "data/sample", "--format", format]);
        assert_eq!(r.code, 1, "{format}");
        let shown = r.stdout.replace(
            &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
            "\"[version]\"",
        );
        // SARIF's SRCROOT is the working directory: the checkout's place on this machine.
        let srcroot = format!("\"file://{}/\"", crate::support::root().display());
        let shown = shown.replace(&srcroot, "\"[srcroot]\"");
        crate::support::snapshots()
            .bind(|| insta::assert_snapshot!(format!("ci_reports__ci_sample_{format}"), shown));
    }
}

/// Ids holding `%`, `,`, `:`, `<`, `&`, `>`, `_`, `*` and a folder named `we,ird%dir`: each
/// format escapes them by its own rules, and a parser gets the text back as written.
#[test]
fn each_format_escapes_by_its_own_rules() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("we,ird%dir");
    std::fs::create_dir(&dir).expect("mkdir");
    for f in ["partners.csv", "tenants.csv", "relationships.csv"] {
        std::fs::copy(
            crate::support::root()
                .join("tests/fixtures/ci-escaping")
                .join(f),
            dir.join(f),
        )
        .expect("copy");
    }
    let message = "indirect reseller 'R-50%,A:B<&>' is the seller to tenant 't_one*two': an \
                   indirect reseller sells only through an indirect provider";

    // GitHub: `%` in the message; `,` and `%` (and `:`) in the file property.
    let r = run(&["audit", s(&dir), "--format", "github"]);
    assert_eq!(r.code, 1);
    // The fixture has no organization_id or csp_tenant_id columns: notices say what was not
    // checked, their messages escaped like the annotations' (`%` of the folder name).
    let (notices, lines): (Vec<&str>, Vec<&str>) =
        r.stdout.lines().partition(|l| l.starts_with("::notice "));
    assert_eq!(notices.len(), 4, "{notices:?}");
    assert!(
        notices
            .iter()
            .all(|n| n.contains("we,ird%25dir/") && !n.contains("%dir")),
        "{notices:?}"
    );
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].ends_with(
            "we%2Cird%25dir/relationships.csv,line=2,title=CSP001 seller-role::indirect reseller \
             'R-50%25,A:B<&>' is the seller to tenant 't_one*two': an indirect reseller sells \
             only through an indirect provider"
        ),
        "{}",
        lines[0]
    );
    assert!(lines[0].starts_with("::error file="));
    assert_eq!(lines[1], "csp-audit: 1 finding (1 error, 0 warnings)");

    // JUnit: an XML parser reads the message back unchanged.
    let r = run(&["audit", s(&dir), "--format", "junit"]);
    let mut reader = quick_xml::Reader::from_str(&r.stdout);
    let (mut inside, mut text) = (false, String::new());
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"failure" => inside = true,
            quick_xml::events::Event::End(e) if e.name().as_ref() == b"failure" => inside = false,
            quick_xml::events::Event::Text(t) if inside => {
                text.push_str(&t.decode().expect("utf-8"));
            }
            quick_xml::events::Event::GeneralRef(r) if inside => {
                let name = r.decode().expect("utf-8");
                let c = quick_xml::escape::resolve_predefined_entity(&name).expect("predefined");
                text.push_str(c);
            }
            _ => {}
        }
    }
    assert!(
        text.ends_with(&format!("relationships.csv:2: error: {message}")),
        "{text}"
    );

    // Markdown: `<`, `_` and `*` escaped, so the id shows as written.
    let r = run(&["audit", s(&dir), "--format", "markdown"]);
    assert!(r.stdout.contains(
        "- **error** indirect reseller 'R-50%,A:B\\<&>' is the seller to tenant 't\\_one\\*two': \
         an indirect reseller sells only through an indirect provider"
    ));

    // CSV: a CSV reader gets the fields back.
    let r = run(&["audit", s(&dir), "--format", "csv"]);
    let mut rd = csv::Reader::from_reader(r.stdout.as_bytes());
    let rows: Vec<csv::StringRecord> = rd.records().map(|r| r.expect("row")).collect();
    assert_eq!(rows.len(), 1);
    assert_eq!(&rows[0][7], "R-50%,A:B<&>;t_one*two");
    assert_eq!(&rows[0][8], message);

    // SARIF: the message and the location, valid against the schema.
    let r = run(&["audit", s(&dir), "--format", "sarif"]);
    let doc: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_valid_sarif(&doc);
    assert_eq!(doc["runs"][0]["results"][0]["message"]["text"], message);
}
