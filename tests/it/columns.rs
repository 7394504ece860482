//! Header columns as real exports name them: a column under another name is an error with a
//! suggestion (not silently ignored), `[columns.*]` in csp-audit.toml maps an export's names
//! onto the contract, every file's ignored, absent and mapped columns are noted, and a rule
//! whose input column is absent does not run (no findings made of the missing column).

use std::path::{Path, PathBuf};

use assert_cmd::cargo::cargo_bin_cmd;
use csp_audit::audit::load_network;
use csp_audit::load::{builtin_regions, load_from_bytes, InputPaths};
use csp_audit::model::{ColumnNotes, CoverageStatus, InputFile};
use csp_audit::rules::{self, coverage, Params};
use serde_json::Value;
use tempfile::TempDir;

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// A copy of data/sample in a temp dir, `file`'s header line passed through `edit` (a column
/// renamed), or the column `drop` removed from every line.
fn sample_with(file: &str, edit: impl Fn(&str) -> String, drop: Option<&str>) -> TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    for name in ["partners.csv", "tenants.csv", "relationships.csv"] {
        let text = std::fs::read_to_string(sample().join(name)).expect("sample");
        let text = if name != file {
            text
        } else {
            let mut lines = text.lines();
            let header = lines.next().unwrap_or_default();
            let at = drop.and_then(|d| header.split(',').position(|c| c == d));
            let cut = |line: &str| -> String {
                match at {
                    Some(i) => {
                        let mut fields: Vec<&str> = line.split(',').collect();
                        fields.remove(i);
                        fields.join(",")
                    }
                    None => line.to_string(),
                }
            };
            let mut out = edit(&cut(header)) + "\n";
            for line in lines {
                out += &cut(line);
                out.push('\n');
            }
            out
        };
        std::fs::write(tmp.path().join(name), text).expect("write");
    }
    tmp
}

fn rename(from: &'static str, to: &'static str) -> impl Fn(&str) -> String {
    move |h: &str| {
        h.split(',')
            .map(|c| if c == from { to } else { c })
            .collect::<Vec<_>>()
            .join(",")
    }
}

/// `audit DIR --format json` with `extra` args: exit code, the report, standard error.
fn audit_json(dir: &Path, extra: &[&str]) -> (i32, Value, String) {
    let out = cargo_bin_cmd!("csp-audit")
        .env_remove("RAYON_NUM_THREADS")
        .env("NO_COLOR", "1")
        .arg("audit")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("run");
    let doc = serde_json::from_slice(&out.stdout).expect("json report");
    (
        out.status.code().unwrap_or(-1),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn messages(doc: &Value) -> Vec<String> {
    doc["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| {
            let file = e["file"].as_str().unwrap_or_default();
            let file = Path::new(file)
                .file_name()
                .map_or(file.into(), |f| f.to_string_lossy());
            format!(
                "{file}:{}:{}: {}",
                e["line"],
                e["column"],
                e["message"].as_str().unwrap_or_default()
            )
        })
        .collect()
}

fn by_rule(doc: &Value, code: &str) -> u64 {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == code)
        .count() as u64
}

#[test]
fn a_column_under_another_name_with_its_words_is_an_error_with_a_suggestion() {
    // (file, contract column, the export's name for it, its position in the header)
    let cases = [
        ("relationships.csv", "reseller_id", "reseller", 4),
        ("relationships.csv", "reseller_id", "reseller_mpn_id", 4),
        ("relationships.csv", "reseller_id", "ResellerMpnId", 4),
        ("partners.csv", "mpa_signed_on", "mpa_date", 9),
        ("partners.csv", "csp_tenant_id", "tenant_id", 6),
        ("tenants.csv", "organization_id", "org_id", 5),
    ];
    for (file, column, name, at) in cases {
        let tmp = sample_with(file, rename(column, name), None);
        let (code, doc, _) = audit_json(tmp.path(), &[]);
        assert_eq!(code, 2, "{name}: nothing is audited");
        let errors = messages(&doc);
        assert_eq!(
            errors[0],
            format!("{file}:1:{at}: unknown column '{name}' (did you mean '{column}'?): fix the header, or its values would be ignored"),
            "{name}"
        );
        assert_eq!(doc["findings"].as_array().map(Vec::len), Some(0));
    }
}

#[test]
fn extra_columns_next_to_the_ones_they_resemble_are_ignored_and_noted() {
    let partners = b"partner_id,name,role,country\nP1,Contoso,indirect_provider,US\nP2,Fabrikam,indirect_reseller,US\n";
    let tenants = b"tenant_id,name,kind,country,organization_id,tenant_name\nC1,Adventure Works,customer,US,ORG-A,x\n";
    let relationships = b"relationship_type,kind,from_id,to_id,reseller_id,reseller_name,effective_on\nIndirect,reseller,P1,P2,,,2019-06-01\nIndirect,customer,P1,C1,P2,Fabrikam,2020-03-01\n";
    let loaded = load_from_bytes(partners, tenants, relationships, builtin_regions());
    assert_eq!(loaded.errors, []);
    let notes: Vec<(Option<InputFile>, Vec<String>, Vec<&str>)> = loaded
        .model
        .columns
        .iter()
        .map(|n| (n.file, n.ignored.clone(), n.absent.clone()))
        .collect();
    assert_eq!(
        notes,
        [
            (
                Some(InputFile::Partners),
                vec![],
                vec![
                    "organization_id",
                    "csp_tenant_id",
                    "onboarded_on",
                    "enrolled_on",
                    "mpa_signed_on"
                ]
            ),
            (
                Some(InputFile::Tenants),
                vec!["tenant_name".to_string()],
                vec![]
            ),
            (
                Some(InputFile::Relationships),
                vec!["relationship_type".to_string(), "reseller_name".to_string()],
                vec!["relationship_id"]
            ),
        ]
    );
    assert_eq!(loaded.model.columns[2].path, "relationships.csv");
}

#[test]
fn csp_audit_toml_maps_an_exports_header_names_onto_the_contract() {
    let tmp = sample_with(
        "relationships.csv",
        |h| rename("reseller_id", "ResellerMpnId")(&rename("effective_on", "Effective Date")(h)),
        None,
    );
    std::fs::write(
        tmp.path().join("csp-audit.toml"),
        "[columns.relationships]\nreseller_id = \"ResellerMpnId\"\neffective_on = \"effective date\"\n",
    )
    .expect("write");
    let (code, doc, stderr) = audit_json(tmp.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(doc["errors"], serde_json::json!([]));
    // The same findings as the sample itself.
    let (_, plain, _) = audit_json(&sample(), &[]);
    assert_eq!(doc["findings"], plain["findings"]);
    assert_eq!(by_rule(&doc, "CSP002"), 5);
    assert_eq!(by_rule(&doc, "CSP010"), 2);

    // The mapping is noted, and messages quote the header as written.
    let paths = InputPaths::in_dir(tmp.path());
    let opts = csp_audit::load::LoadOptions {
        columns: [
            vec![],
            vec![],
            vec![csp_audit::load::ColumnMapping {
                column: "reseller_id".into(),
                header: "ResellerMpnId".into(),
                origin: "csp-audit.toml:2".into(),
            }],
        ],
        ..Default::default()
    };
    let text = std::fs::read_to_string(&paths.relationships).expect("read");
    let text = text.replace("Effective Date", "effective_on").replace(
        "customer,R-CONTOSO-US,t-bellows-us,,",
        "customer,R-CONTOSO-US,t-bellows-us,NOBODY,",
    );
    std::fs::write(&paths.relationships, text).expect("write");
    let loaded = csp_audit::load::load_with(&paths, builtin_regions(), &opts);
    let notes: &ColumnNotes = &loaded.model.columns[2];
    assert_eq!(notes.mapped, [("reseller_id", "ResellerMpnId".to_string())]);
    assert_eq!(notes.ignored, Vec::<String>::new());
    let messages: Vec<&str> = loaded.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "unknown partner 'NOBODY' in ResellerMpnId: expected a partner_id from ".to_string()
                + &paths.partners.display().to_string()
        ]
    );
}

#[test]
fn a_mapped_name_the_header_lacks_names_the_config_line() {
    let tmp = sample_with("relationships.csv", |h| h.to_string(), None);
    std::fs::write(
        tmp.path().join("csp-audit.toml"),
        "fail-on = \"error\"\n\n[columns.relationships]\nreseller_id = \"ResellerMpnId\"\n",
    )
    .expect("write");
    let (code, doc, _) = audit_json(tmp.path(), &[]);
    assert_eq!(code, 2);
    let config = tmp.path().join("csp-audit.toml").display().to_string();
    let errors = messages(&doc);
    assert_eq!(
        errors[0],
        format!("relationships.csv:1:1: no column 'ResellerMpnId' (did you mean 'reseller_id'?) in the header: {config}:4 reads reseller_id from it")
    );
    // The contract's own reseller_id column is not read under the mapping: it is extra.
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(
        errors[1],
        "relationships.csv:1:1: 71 data rows not loaded because the header is invalid"
    );
}

#[test]
fn a_mapping_to_no_contract_column_is_a_config_error_with_a_suggestion() {
    let tmp = sample_with("relationships.csv", |h| h.to_string(), None);
    std::fs::write(
        tmp.path().join("csp-audit.toml"),
        "[columns.relationships]\nreseller = \"ResellerMpnId\"\n[columns.partner]\nname = \"Name\"\n",
    )
    .expect("write");
    let (code, doc, _) = audit_json(tmp.path(), &[]);
    assert_eq!(code, 2);
    assert_eq!(
        messages(&doc),
        [
            "csp-audit.toml:2:1: unknown column 'reseller' in [columns.relationships] (did you mean 'reseller_id'?): expected 'kind', 'from_id', 'to_id', 'reseller_id', 'effective_on' or 'relationship_id'",
            "csp-audit.toml:3:10: unknown key 'partner' in [columns] (did you mean 'partners'?): expected 'partners', 'tenants' or 'relationships'",
        ]
    );
}

#[test]
fn a_rule_whose_column_is_absent_does_not_run_and_says_why() {
    // Without mpa_signed_on every transacting partner would be "unsigned": CSP009 is not run.
    let tmp = sample_with("partners.csv", |h| h.to_string(), Some("mpa_signed_on"));
    let loaded = load_network(&InputPaths::in_dir(tmp.path()), builtin_regions());
    assert_eq!(loaded.errors, []);
    let findings = rules::run(&loaded.net, &Params::default(), |_| true);
    let count = |code: &str| {
        findings
            .iter()
            .filter(|f| f.rule.info().code == code)
            .count()
    };
    assert_eq!(count("CSP009"), 0);
    assert_eq!(count("CSP010"), 2, "the other rules run as before");
    let cov = coverage(&loaded.net.model);
    assert_eq!(cov.len(), 1);
    assert_eq!(cov[0].code, "CSP009");
    assert_eq!(cov[0].status, CoverageStatus::NotChecked);
    let partners = tmp.path().join("partners.csv").display().to_string();
    assert_eq!(
        cov[0].reason,
        format!("{partners} has no mpa_signed_on column: no partner has an MPA signature date, so every transacting partner would be reported")
    );
}

#[test]
fn without_reseller_id_csp010_is_not_checked_and_csp002_checks_reseller_rows_only() {
    let tmp = sample_with("relationships.csv", |h| h.to_string(), Some("reseller_id"));
    let loaded = load_network(&InputPaths::in_dir(tmp.path()), builtin_regions());
    assert_eq!(loaded.errors, []);
    let findings = rules::run(&loaded.net, &Params::default(), |_| true);
    let lines = |code: &str| -> Vec<Vec<u32>> {
        findings
            .iter()
            .filter(|f| f.rule.info().code == code)
            .map(|f| f.rows.iter().map(|r| r.line).collect())
            .collect()
    };
    // Of the sample's five CSP002 findings only the reseller row P-NORTHWIND-EU → D-MARGIE-DE
    // (line 18) can be judged: no sale says its reseller.
    assert_eq!(lines("CSP002"), [vec![18]]);
    assert_eq!(lines("CSP010"), Vec::<Vec<u32>>::new());
    let cov: Vec<(&str, &str)> = coverage(&loaded.net.model)
        .iter()
        .map(|c| (c.code, c.status.as_str()))
        .collect();
    assert_eq!(
        cov,
        [
            ("CSP002", "partial"),
            ("CSP003", "partial"),
            ("CSP005", "partial"),
            ("CSP006", "partial"),
            ("CSP009", "partial"),
            ("CSP010", "not_checked"),
        ]
    );
}

#[test]
fn a_rule_that_did_not_run_is_not_counted_as_run_in_the_json_summary() {
    let tmp = sample_with("partners.csv", |h| h.to_string(), Some("mpa_signed_on"));
    let (code, doc, stderr) = audit_json(tmp.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    let by_rule = doc["summary"]["by_rule"].as_object().expect("by_rule");
    // `by_rule` has every rule that ran: CSP009 did not (it is not "0 findings").
    assert!(!by_rule.contains_key("CSP009"), "{by_rule:?}");
    assert_eq!(by_rule.get("CSP010"), Some(&Value::from(2)));
    assert_eq!(by_rule.len(), 9);
}

/// A machine report carries coverage in its summary; standard error says it too, so a person
/// watching a CI log sees that CSP009 was not checked and why.
#[test]
fn a_machine_format_run_says_on_stderr_what_was_not_checked() {
    let tmp = sample_with("partners.csv", |h| h.to_string(), Some("mpa_signed_on"));
    let (code, doc, stderr) = audit_json(tmp.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(doc["summary"]["coverage"][0]["rule"], "CSP009");
    let partners = tmp.path().join("partners.csv").display().to_string();
    assert_eq!(
        stderr.lines().collect::<Vec<_>>(),
        [
            format!("note: CSP009 not checked: {partners} has no mpa_signed_on column: no partner has an MPA signature date, so every transacting partner would be reported"),
            format!("note: columns of {partners}: optional columns absent: mpa_signed_on"),
        ]
    );
}
