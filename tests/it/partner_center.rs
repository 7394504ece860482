//! Partner Center input (issue 11): a folder of hand-written files in the documented shapes
//! (never real data) audited directly, imported to contract v1, and its bad input.

use std::path::Path;

use assert_cmd::Command;

const FIXTURE: &str = "tests/fixtures/partner-center/indirect-provider";

fn csp_audit() -> Command {
    Command::cargo_bin("csp-audit").expect("binary")
}

/// Every finding as `RULE entities | origin file:line#pointer xrecords, ...`, and the exit code.
fn findings(dir: &Path, extra: &[&str]) -> (Vec<String>, Vec<String>, i32, String) {
    let out = csp_audit()
        .arg("audit")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("run");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json report");
    let mut lines = Vec::new();
    let mut fps = Vec::new();
    for f in v["findings"].as_array().expect("findings") {
        let ents: Vec<&str> = f["entities"]
            .as_array()
            .expect("entities")
            .iter()
            .map(|e| e.as_str().expect("id"))
            .collect();
        let rows: Vec<String> = f["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| match r.get("source") {
                Some(s) => {
                    let file = s["file"].as_str().expect("file");
                    let file = file.rsplit('/').next().expect("name");
                    let ptr = s["pointer"]
                        .as_str()
                        .map(|p| format!("#{p}"))
                        .unwrap_or_default();
                    format!("{file}:{}{ptr} x{}", s["line"], s["records"])
                }
                None => format!("{}:{}", r["file"].as_str().expect("file"), r["line"]),
            })
            .collect();
        lines.push(format!(
            "{} {} | {}",
            f["rule"].as_str().expect("rule"),
            ents.join(" "),
            rows.join(", ")
        ));
        fps.push(f["fingerprint"].as_str().unwrap_or("").to_string());
    }
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (lines, fps, out.status.code().unwrap_or(-1), stderr)
}

/// Hand-checked against the fixture: see the comments for why each finding is there.
const EXPECTED: [&str; 14] = [
    // The -1 reseller (removed) and the purchase into the provider's own tenant: provider
    // sales without a reseller.
    "CSP002 1000001 aaaaaaaa-0000-4000-8000-000000000001 | invoice-2020-12.csv:7 x1",
    "CSP002 1000001 cccccccc-0000-4000-8000-000000000003 | invoice-2020-12.csv:6 x1",
    // A US reseller's sale to a DE customer; the FR reseller's own tenant bought from the US
    // provider.
    "CSP003 1000001 2000001 cccccccc-0000-4000-8000-000000000002 | invoice-2020-12.csv:5 x1",
    "CSP003 1000001 2000002 bbbbbbbb-0000-4000-8000-000000000002 | invoice-2020-12.csv:8 x1",
    // partners.csv says the reseller is in FR (the API said DE): Europe either way.
    "CSP004 1000001 2000002 | resellers.json:3#/items/1 x1",
    // affiliates.csv links the provider to Tailspin's organization; the other two are
    // purchases into a partner's own tenant.
    "CSP005 1000001 2000001 cccccccc-0000-4000-8000-000000000003 | daily-usage-2021-01.csv:2 x2",
    "CSP005 1000001 2000002 bbbbbbbb-0000-4000-8000-000000000002 | invoice-2020-12.csv:8 x1",
    "CSP005 1000001 aaaaaaaa-0000-4000-8000-000000000001 | invoice-2020-12.csv:7 x1",
    "CSP005 1000001 cccccccc-0000-4000-8000-000000000003 | invoice-2020-12.csv:6 x1",
    "CSP007 1000001 aaaaaaaa-0000-4000-8000-000000000001 1000001 | invoice-2020-12.csv:7 x1",
    "CSP007 1000001 bbbbbbbb-0000-4000-8000-000000000002 2000002 | invoice-2020-12.csv:8 x1",
    "CSP008 1000001 2000002 bbbbbbbb-0000-4000-8000-000000000002 | resellers.json:3#/items/1 x1, invoice-2020-12.csv:8 x1",
    // isAgreementSigned false.
    "CSP009 2000002 | resellers.json:3#/items/1 x1, invoice-2020-12.csv:8 x1",
    // Onboarded 2020-10-01 per partners.csv; the earliest of the subscription's three line
    // items is 9/15/2020 (line 4), the first line item is line 2. One relationship: no CSP006.
    "CSP010 2000001 | invoice-2020-12.csv:2 x3",
];

#[test]
fn the_fixture_gives_exactly_the_expected_findings() {
    let (lines, _, code, stderr) = findings(Path::new(FIXTURE), &[]);
    assert_eq!(lines, EXPECTED);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("as Partner Center files"),
        "auto says what it chose: {stderr}"
    );
    for w in [
        "warning: partner '2000002': country is 'FR' in",
        "but 'DE' in",
        "warning: role indirect_provider inferred (not in partners.csv) for '1000001'",
        "warning: role indirect_reseller inferred (not in partners.csv) for '2000001', '2000002'",
        "ResellerMpnId -1",
        "tenant 'cccccccc-0000-4000-8000-000000000004' left out",
    ] {
        assert!(stderr.contains(w), "missing {w:?} in {stderr}");
    }
}

fn copy_fixture(to: &Path) {
    for e in std::fs::read_dir(FIXTURE).expect("fixture") {
        let e = e.expect("entry");
        std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
    }
}

#[test]
fn fingerprints_survive_another_month_s_file() {
    let (_, before, ..) = findings(Path::new(FIXTURE), &[]);
    let dir = tempfile::tempdir().expect("temp");
    copy_fixture(dir.path());
    // The same line items in next month's file, in another order.
    let text = std::fs::read_to_string(dir.path().join("invoice-2020-12.csv")).expect("read");
    let mut lines: Vec<&str> = text.lines().collect();
    lines[1..].reverse();
    std::fs::remove_file(dir.path().join("invoice-2020-12.csv")).expect("rm");
    std::fs::write(
        dir.path().join("recon-2021-01.csv"),
        lines.join("\n") + "\n",
    )
    .expect("write");
    let (_, after, ..) = findings(dir.path(), &[]);
    let (mut a, mut b) = (before.clone(), after);
    a.sort();
    b.sort();
    assert_eq!(a, b);
    assert_eq!(before.len(), EXPECTED.len());
    assert!(before.iter().all(|f| f.len() == 32), "{before:?}");
}

#[test]
fn import_writes_contract_v1_that_audits_the_same() {
    let out = tempfile::tempdir().expect("temp");
    csp_audit()
        .args(["import", "partner-center", FIXTURE, "--out"])
        .arg(out.path())
        .assert()
        .code(0);
    let rels = std::fs::read_to_string(out.path().join("relationships.csv")).expect("rels");
    // 6 customer relationships from 9 line items, 2 reseller, 1 admin, 1 affiliate.
    assert_eq!(rels.lines().count(), 1 + 10, "{rels}");
    assert!(rels.contains(
        "5d027261-d21f-4aa9-b7db-7fa1f56fb163-8777b240-c6f0-4469-9e98-a3205431b836,admin,1000001,cccccccc-0000-4000-8000-000000000001,,2021-02-02"
    ));
    assert!(
        rels.contains(",customer,1000001,cccccccc-0000-4000-8000-000000000001,2000001,2020-09-15")
    );
    let summary = std::fs::read_to_string(out.path().join("mapping.txt")).expect("summary");
    assert!(
        summary.contains("9 line items -> 6 customer relationships"),
        "{summary}"
    );
    assert!(summary.contains("CSP010 partial"), "{summary}");
    let (lines, _, code, _) = findings(out.path(), &["--source", "contract"]);
    assert_eq!(code, 1);
    let strip = |l: &str| l.split(" | ").next().unwrap_or("").to_string();
    let want: Vec<String> = EXPECTED.iter().map(|l| strip(l)).collect();
    let got: Vec<String> = lines.iter().map(|l| strip(l)).collect();
    assert_eq!(got, want);
}

#[test]
fn a_folder_with_both_kinds_is_an_error_that_says_how_to_choose() {
    let dir = tempfile::tempdir().expect("temp");
    copy_fixture(dir.path());
    for f in ["tenants.csv", "relationships.csv"] {
        std::fs::copy(Path::new("data/sample").join(f), dir.path().join(f)).expect("copy");
    }
    let out = csp_audit()
        .arg("audit")
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("choose with --source contract or --source partner-center"),
        "{err}"
    );
}

#[test]
fn bad_partner_center_input_is_listed_with_positions() {
    let dir = tempfile::tempdir().expect("temp");
    let header = std::fs::read_to_string(Path::new(FIXTURE).join("invoice-2020-12.csv"))
        .expect("read")
        .lines()
        .next()
        .expect("header")
        .to_string();
    let good = std::fs::read_to_string(Path::new(FIXTURE).join("invoice-2020-12.csv"))
        .expect("read")
        .lines()
        .nth(1)
        .expect("row")
        .to_string();
    let bad_date = good.replace(",10/3/2020,", ",13/3/2020,");
    let bad_guid = good.replace("cccccccc-0000-4000-8000-000000000001", "not-a-guid");
    let no_customer = good.replace("cccccccc-0000-4000-8000-000000000001", "");
    std::fs::write(
        dir.path().join("recon.csv"),
        format!("{header}\n{bad_date}\n{bad_guid}\n{no_customer}\n"),
    )
    .expect("write");
    std::fs::write(dir.path().join("other.json"), "{\"hello\": 1}").expect("write");
    std::fs::write(
        dir.path().join("near.csv"),
        "PartnerId,CustomerId,CustomerCountry,InvoiceNumber,MpnId,ResellerMpnId,OrderDate,ChargeType,SubscriptionId\n",
    )
    .expect("write");
    let out = csp_audit()
        .args(["audit", "--source", "partner-center"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).replace(&*dir.path().display().to_string(), "D");
    for want in [
        "D/near.csv:1:1: not a Partner Center file: its header is closest to a New Commerce invoice reconciliation file, which also has the columns skuid",
        "D/other.json:1:1: not a Partner Center response",
        "D/recon.csv:2:10: invalid date '13/3/2020' in OrderDate: expected M/D/YYYY",
        "D/recon.csv:3:2: invalid CustomerId 'not-a-guid': expected the customer's tenant GUID",
        "D/recon.csv:4:2: line item with no customer: empty 'CustomerId'",
    ] {
        assert!(err.contains(want), "missing {want:?} in {err}");
    }
}

#[test]
fn explain_partner_center_prints_the_mapping() {
    let out = csp_audit()
        .args(["explain", "partner-center"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("one per (MpnId, ResellerMpnId unless 0, CustomerId)"));
    assert!(text.contains("What this input can show: every rule but CSP006."));
}

#[test]
fn every_other_kind_is_read_direct_bill_fixture() {
    // Legacy license-based (Tier2MpnId -1 = no reseller there, billing-entity PartnerId) and
    // usage-based files, the customers and invoice line items API responses (ids as numbers
    // and strings, ISO dates), the organization profile and the MPA signed status download.
    let dir = Path::new("tests/fixtures/partner-center/direct-bill-every-kind");
    let (lines, _, code, stderr) = findings(dir, &[]);
    assert_eq!(
        lines,
        [
            // GB partner (organization profile), US customer (customers.json billingProfile).
            "CSP003 3000001 99999999-0000-4000-8000-000000000002 | legacy-usage.csv:2 x1",
            "CSP005 3000001 dddddddd-0000-4000-8000-000000000001 | invoice-lineitems.json:3#/items/1 x1",
            "CSP007 3000001 dddddddd-0000-4000-8000-000000000001 3000001 | invoice-lineitems.json:3#/items/1 x1",
            // "Not signed"; the 2019 legacy line items are before the MPA cut-off.
            "CSP009 3000001 | legacy-usage.csv:2 x1, invoice-lineitems.json:2#/items/0 x1, invoice-lineitems.json:3#/items/1 x1",
        ]
    );
    assert_eq!(code, 1);
    assert!(!stderr.contains("removed"), "{stderr}");
}

#[test]
fn a_partner_without_a_country_is_one_problem_not_a_cascade() {
    let dir = tempfile::tempdir().expect("temp");
    let fixture = Path::new("tests/fixtures/partner-center/direct-bill-every-kind");
    for f in ["invoice-lineitems.json", "customers.json"] {
        std::fs::copy(fixture.join(f), dir.path().join(f)).expect("copy");
    }
    let out = csp_audit()
        .args(["audit", "--source", "partner-center"])
        .arg(dir.path())
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr).replace(&*dir.path().display().to_string(), "D");
    let problems: Vec<&str> = err.lines().filter(|l| l.starts_with("D/")).collect();
    assert_eq!(
        problems,
        ["D/invoice-lineitems.json:2:1: at /items/0: partner '3000001' has no country: Partner Center does not give one for it; add it to partners.csv (partner_id,country)"]
    );
}

#[test]
fn subscriptions_are_the_exporting_partner_s_sales() {
    let dir = tempfile::tempdir().expect("temp");
    copy_fixture(dir.path());
    // One subscription of Adventure Works through reseller 2000001 (the relationship the
    // invoice already shows: one relationship, one more record, an earlier date), in the
    // envelope that names the customer; another through the items' self link.
    std::fs::write(
        dir.path().join("subscriptions-c1.json"),
        r#"{"customerId":"cccccccc-0000-4000-8000-000000000001","response":{"totalCount":1,"items":[
 {"id":"a1","offerId":"CFQ7TTC0LH18","offerName":"Microsoft 365 Business Basic","quantity":5,"creationDate":"2020-08-01T10:00:00Z","status":"active","partnerId":"2000001"}
],"attributes":{"objectType":"Collection"}}}"#,
    )
    .expect("write");
    std::fs::write(
        dir.path().join("subscriptions-c2.json"),
        r#"{"totalCount":1,"items":[
 {"id":"a2","offerId":"X","offerName":"Azure plan","quantity":1,"creationDate":"2021-01-01T00:00:00Z","status":"active","partnerId":"","links":{"self":{"uri":"/customers/cccccccc-0000-4000-8000-000000000002/subscriptions/a2"}}}
],"attributes":{"objectType":"Collection"}}"#,
    )
    .expect("write");
    let (lines, _, code, stderr) = findings(dir.path(), &[]);
    assert_eq!(code, 1, "{stderr}");
    let mut want: Vec<String> = EXPECTED.iter().map(|s| s.to_string()).collect();
    // The provider's own sale to Contoso GmbH (DE): no reseller, and outside its region.
    want.insert(
        1,
        "CSP002 1000001 cccccccc-0000-4000-8000-000000000002 | subscriptions-c2.json:2#/items/0 x1"
            .into(),
    );
    want.insert(
        5,
        "CSP003 1000001 cccccccc-0000-4000-8000-000000000002 | subscriptions-c2.json:2#/items/0 x1"
            .into(),
    );
    let last = want.len() - 1;
    want[last] = "CSP010 2000001 | invoice-2020-12.csv:2 x4".into();
    assert_eq!(lines, want);
}
