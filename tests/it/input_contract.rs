//! The input contract (README, "Input contract v1") as a user meets it through the binary: each
//! broken rule of the contract gets its exact `FILE:LINE:COLUMN: message`, the listing stops at
//! 100 problems, `--regions` and the per-file flags replace what they name, problems that stop a
//! run early are in the JSON `errors` array, and a failing standard error changes nothing.
//!
//! Each test writes a small network to `net/` in a temp dir and runs the binary from there, so
//! paths in messages are the relative ones a user types; whole standard-error listings are
//! compared, so an extra or missing message fails too.

use std::path::Path;

use serde_json::{json, Value};
use tempfile::TempDir;

use crate::support::{csp_audit, run_in as run, run_json_in as run_json};

const TENANTS: &str = "\
tenant_id,name,kind,country,organization_id
T-P1,Contoso CSP,partner,US,ORG-C
T-P2,Fabrikam CSP,partner,US,ORG-F
C1,Adventure Works,customer,US,ORG-A
";
const PARTNERS_HEADER: &str =
    "partner_id,name,role,country,organization_id,csp_tenant_id,onboarded_on,enrolled_on,mpa_signed_on\n";
const P1: &str = "P1,Contoso,indirect_provider,US,ORG-C,T-P1,2018-01-01,2018-01-01,2019-01-01\n";
const P2: &str = "P2,Fabrikam,indirect_reseller,US,ORG-F,T-P2,2018-01-01,2018-01-01,2019-01-01\n";
const RELATIONSHIPS_HEADER: &str = "relationship_id,kind,from_id,to_id,reseller_id,effective_on\n";
/// Scenario 1 and an affiliate row: a clean network.
const RELATIONSHIPS_ROWS: &str = "\
R1,reseller,P1,P2,,2019-06-01
R2,customer,P1,C1,P2,2020-03-01
R3,affiliate,ORG-C,ORG-F,,
";

fn partners() -> String {
    format!("{PARTNERS_HEADER}{P1}{P2}")
}

fn relationships() -> String {
    format!("{RELATIONSHIPS_HEADER}{RELATIONSHIPS_ROWS}")
}

/// Writes a network folder `root/name`.
fn write_network(root: &Path, name: &str, partners: &str, tenants: &str, relationships: &str) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("partners.csv"), partners).expect("write");
    std::fs::write(dir.join("tenants.csv"), tenants).expect("write");
    std::fs::write(dir.join("relationships.csv"), relationships).expect("write");
}

/// A temp dir with the clean network in `net/`, `file` (e.g. "partners.csv") replaced by `text`.
fn network_with(file: &str, text: &str) -> TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    write_network(root.path(), "net", &partners(), TENANTS, &relationships());
    std::fs::write(root.path().join("net").join(file), text).expect("write");
    root
}

/// The standard error of a run of `audit net` stopped by bad input: the problems, then rows
/// read, loaded and rejected of partners, tenants and relationships, then the total.
fn stopped(problems: &[&str], counts: [(u64, u64, u64); 3]) -> Vec<String> {
    let mut lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
    for (file, (read, loaded, rejected)) in
        ["partners", "tenants", "relationships"].iter().zip(counts)
    {
        let rows = if read == 1 { "row" } else { "rows" };
        lines.push(format!(
            "net/{file}.csv: {read} {rows} read, {loaded} loaded, {rejected} rejected"
        ));
    }
    let n = problems.len();
    lines.push(format!(
        "error: {n} problem{} in the input; nothing was audited",
        if n == 1 { "" } else { "s" }
    ));
    lines
}

/// `(file, line, column, message)` of each entry of a JSON report's `errors` array.
fn json_errors(doc: &Value) -> Vec<(String, u64, u64, String)> {
    doc["errors"]
        .as_array()
        .expect("errors array")
        .iter()
        .map(|e| {
            (
                e["file"].as_str().expect("file").to_string(),
                e["line"].as_u64().expect("line"),
                e["column"].as_u64().expect("column"),
                e["message"].as_str().expect("message").to_string(),
            )
        })
        .collect()
}

fn error(file: &str, line: u64, column: u64, message: &str) -> (String, u64, u64, String) {
    (file.to_string(), line, column, message.to_string())
}

/// The rule codes of a JSON report's findings, in order.
fn finding_rules(doc: &Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| f["rule"].as_str().expect("rule").to_string())
        .collect()
}

#[test]
fn the_base_network_is_clean() {
    let root = network_with("partners.csv", &partners());
    let r = run(root.path(), &["audit", "net"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(r.stderr, "");
    assert!(r.stdout.contains("findings: 0 (0 errors, 0 warnings)"));
}

// --- runs stopped by bad input: input rows → exact messages and counts ----------------------

/// A network that bad input stops: the files written over the clean network in `net/`, and
/// exactly what `audit net` lists on standard error.
struct StoppedCase {
    /// What the case shows.
    shows: &'static str,
    /// Files of `net/` replaced, with their new text.
    files: Vec<(&'static str, String)>,
    /// Every problem, in order, as `FILE:LINE:COLUMN: message`.
    problems: Vec<String>,
    /// Rows (read, loaded, rejected) of partners.csv, tenants.csv and relationships.csv.
    counts: [(u64, u64, u64); 3],
}

/// The clean network with `rows` added to relationships.csv (from line 5 on).
fn with_relationships(rows: &str) -> Vec<(&'static str, String)> {
    vec![("relationships.csv", format!("{}{rows}", relationships()))]
}

/// partners.csv with `header`; relationships.csv has only affiliate rows (their organizations
/// are in tenants.csv), so that no row refers to the partners a bad header keeps out.
fn partners_header(header: &str) -> Vec<(&'static str, String)> {
    vec![
        ("partners.csv", format!("{header}\n{P1}{P2}")),
        (
            "relationships.csv",
            format!(
                "{RELATIONSHIPS_HEADER}R3,affiliate,ORG-C,ORG-F,,\nR4,affiliate,ORG-A,ORG-F,,\n"
            ),
        ),
    ]
}

fn lines(problems: &[&str]) -> Vec<String> {
    problems.iter().map(|p| p.to_string()).collect()
}

fn stopped_cases() -> Vec<StoppedCase> {
    let rejected_p2 = [
        "net/relationships.csv:2:4: to_id 'P2' names a partner whose row was rejected (net/partners.csv:3)",
        "net/relationships.csv:3:5: reseller_id 'P2' names a partner whose row was rejected (net/partners.csv:3)",
    ];
    let misspelt_partners_column = |problem: &str| {
        lines(&[
            problem,
            "net/partners.csv:1:1: 2 data rows not loaded because the header is invalid",
        ])
    };
    let unresolved_rows = |file: &str, rows: u32, into: &str| {
        format!(
            "{file}:1:1: {rows} rows not loaded: they refer to {into}, of which no row was loaded"
        )
    };
    vec![
        // --- partners.csv: ids
        StoppedCase {
            shows: "a duplicate partner_id points at the second row and the first",
            files: vec![(
                "partners.csv",
                format!(
                    "{}P1,Contoso again,indirect_provider,US,ORG-C,,2018-01-01,2018-01-01,2019-01-01\n",
                    partners()
                ),
            )],
            problems: lines(&["net/partners.csv:4:1: duplicate partner_id 'P1': first defined on line 2"]),
            counts: [(3, 2, 1), (3, 3, 0), (3, 3, 0)],
        },
        // The exact-case collision is in input_errors.rs; tenant ids compare case-insensitively,
        // so a partner id equal to a tenant id in another case collides too.
        StoppedCase {
            shows: "a partner_id equal to a tenant_id in another case is refused",
            files: vec![(
                "partners.csv",
                format!("{}c1,Contoso again,indirect_provider,US,,,,,\n", partners()),
            )],
            problems: lines(&["net/partners.csv:4:1: partner_id 'c1' is also a tenant_id (net/tenants.csv:4): expected ids unique across partners and tenants"]),
            counts: [(3, 2, 1), (3, 3, 0), (3, 3, 0)],
        },
        // --- partners.csv: csp_tenant_id
        StoppedCase {
            shows: "a csp_tenant_id of kind customer is refused",
            files: vec![(
                "partners.csv",
                format!("{PARTNERS_HEADER}{P1}{}", P2.replace("T-P2", "c1")),
            )],
            problems: [
                &["net/partners.csv:3:6: csp_tenant_id 'c1' is a tenant of kind 'customer' (net/tenants.csv:4): expected a tenant of kind 'partner'"][..],
                &rejected_p2,
            ]
            .concat()
            .iter()
            .map(|p| p.to_string())
            .collect(),
            counts: [(2, 1, 1), (3, 3, 0), (3, 1, 2)],
        },
        StoppedCase {
            shows: "an unknown csp_tenant_id is refused",
            files: vec![(
                "partners.csv",
                format!("{PARTNERS_HEADER}{P1}{}", P2.replace("T-P2", "T-P9")),
            )],
            problems: [
                &["net/partners.csv:3:6: unknown csp_tenant_id 'T-P9': expected a tenant_id of kind 'partner' from net/tenants.csv"][..],
                &rejected_p2,
            ]
            .concat()
            .iter()
            .map(|p| p.to_string())
            .collect(),
            counts: [(2, 1, 1), (3, 3, 0), (3, 1, 2)],
        },
        // Tenant ids compare case-insensitively: `t-p1` is P1's tenant.
        StoppedCase {
            shows: "a csp_tenant_id claimed by two partners names the first",
            files: vec![(
                "partners.csv",
                format!("{PARTNERS_HEADER}{P1}{}", P2.replace("T-P2", "t-p1")),
            )],
            problems: [
                &["net/partners.csv:3:6: csp_tenant_id 't-p1' is already the CSP tenant of partner 'P1' (line 2): expected each CSP tenant to belong to one partner"][..],
                &rejected_p2,
            ]
            .concat()
            .iter()
            .map(|p| p.to_string())
            .collect(),
            counts: [(2, 1, 1), (3, 3, 0), (3, 1, 2)],
        },
        // --- relationships.csv: reseller_id and to_id
        StoppedCase {
            shows: "a customer row with an unknown reseller",
            files: with_relationships("R4,customer,P1,C1,P9,2020-03-01\n"),
            problems: lines(&["net/relationships.csv:5:5: unknown partner 'P9' in reseller_id: expected a partner_id from net/partners.csv"]),
            counts: [(2, 2, 0), (3, 3, 0), (4, 3, 1)],
        },
        StoppedCase {
            shows: "a customer row whose reseller is a tenant",
            files: with_relationships("R4,customer,P1,C1,T-P2,2020-03-01\n"),
            problems: lines(&["net/relationships.csv:5:5: reseller_id 'T-P2' is a tenant: expected a partner_id from net/partners.csv"]),
            counts: [(2, 2, 0), (3, 3, 0), (4, 3, 1)],
        },
        StoppedCase {
            shows: "a reseller_id on a reseller row",
            files: with_relationships("R4,reseller,P1,P2,P2,2019-06-01\n"),
            problems: lines(&["net/relationships.csv:5:5: reseller_id on a reseller row: expected it only on customer rows"]),
            counts: [(2, 2, 0), (3, 3, 0), (4, 3, 1)],
        },
        StoppedCase {
            shows: "a reseller_id on an admin or affiliate row",
            files: with_relationships("R4,admin,P2,C1,P2,2020-03-01\nR5,affiliate,ORG-C,ORG-F,P2,\n"),
            problems: lines(&[
                "net/relationships.csv:5:5: reseller_id on an admin row: expected it only on customer rows",
                "net/relationships.csv:6:5: reseller_id on an affiliate row: expected it only on customer rows",
            ]),
            counts: [(2, 2, 0), (3, 3, 0), (5, 3, 2)],
        },
        StoppedCase {
            shows: "an empty effective_on of an admin row",
            files: with_relationships("R4,admin,P2,C1,,\n"),
            problems: lines(&["net/relationships.csv:5:6: empty 'effective_on': an admin relationship needs the date it took effect"]),
            counts: [(2, 2, 0), (3, 3, 0), (4, 3, 1)],
        },
        StoppedCase {
            shows: "a customer row to a partner expects a tenant",
            files: with_relationships("R4,customer,P1,P2,,2020-03-01\n"),
            problems: lines(&["net/relationships.csv:5:4: to_id 'P2' is a partner: expected a tenant_id from net/tenants.csv"]),
            counts: [(2, 2, 0), (3, 3, 0), (4, 3, 1)],
        },
        StoppedCase {
            shows: "a reseller row to a tenant expects a partner",
            files: with_relationships("R4,reseller,P1,T-P2,,2019-06-01\n"),
            problems: lines(&["net/relationships.csv:5:4: to_id 'T-P2' is a tenant: expected a partner_id from net/partners.csv"]),
            counts: [(2, 2, 0), (3, 3, 0), (4, 3, 1)],
        },
        // --- extra columns that resemble optional ones
        StoppedCase {
            shows: "onboarded_on with other punctuation is a misspelt column",
            files: partners_header(
                "partner_id,name,role,country,organization_id,csp_tenant_id,onboarded-on,enrolled_on,mpa_signed_on",
            ),
            problems: misspelt_partners_column(
                "net/partners.csv:1:7: unknown column 'onboarded-on' (did you mean 'onboarded_on'?): fix the header, or its values would be ignored",
            ),
            counts: [(2, 0, 2), (3, 3, 0), (2, 2, 0)],
        },
        StoppedCase {
            shows: "onboarded_on in words is a misspelt column, quoted as written",
            files: partners_header(
                "partner_id,name,role,country,organization_id,csp_tenant_id,Onboarded On,enrolled_on,mpa_signed_on",
            ),
            problems: misspelt_partners_column(
                "net/partners.csv:1:7: unknown column 'Onboarded On' (did you mean 'onboarded_on'?): fix the header, or its values would be ignored",
            ),
            counts: [(2, 0, 2), (3, 3, 0), (2, 2, 0)],
        },
        StoppedCase {
            shows: "organisation_id is a misspelt column",
            files: partners_header(
                "partner_id,name,role,country,organisation_id,csp_tenant_id,onboarded_on,enrolled_on,mpa_signed_on",
            ),
            problems: misspelt_partners_column(
                "net/partners.csv:1:5: unknown column 'organisation_id' (did you mean 'organization_id'?): fix the header, or its values would be ignored",
            ),
            counts: [(2, 0, 2), (3, 3, 0), (2, 2, 0)],
        },
        // Every reference into the partners file (partner and organization ids) says why it
        // fails.
        StoppedCase {
            shows: "references into a file with a bad header say no row of it loaded",
            files: vec![(
                "partners.csv",
                format!(
                    "{}{P1}{P2}",
                    PARTNERS_HEADER.replace("organization_id", "organisation_id")
                ),
            )],
            // The references into the file are summed up in one message, not one per row.
            problems: [
                misspelt_partners_column(
                    "net/partners.csv:1:5: unknown column 'organisation_id' (did you mean 'organization_id'?): fix the header, or its values would be ignored",
                ),
                vec![unresolved_rows("net/relationships.csv", 2, "net/partners.csv")],
            ]
            .concat(),
            counts: [(2, 0, 2), (3, 3, 0), (3, 1, 2)],
        },
        // Partners' CSP tenants, customer tenants and organizations known only from
        // tenants.csv; the partner rows themselves were read (and rejected), so references to
        // them say so.
        StoppedCase {
            shows: "references to tenants when the tenants header is bad",
            files: vec![("tenants.csv", TENANTS.replace("tenant_id", "tenant-id"))],
            // Partners rejected only for their CSP tenant are unresolved for the same reason:
            // every reference that tenants.csv would have settled is in one message per
            // referring file.
            problems: vec![
                "net/tenants.csv:1:1: unknown column 'tenant-id' (did you mean 'tenant_id'?): fix the header, or its values would be ignored".to_string(),
                "net/tenants.csv:1:1: 3 data rows not loaded because the header is invalid".to_string(),
                unresolved_rows("net/partners.csv", 2, "net/tenants.csv"),
                unresolved_rows("net/relationships.csv", 3, "net/tenants.csv"),
            ],
            counts: [(2, 0, 2), (3, 0, 3), (3, 0, 3)],
        },
    ]
}

/// Each case: exit 2, nothing audited, and exactly its problems and counts on standard error.
#[test]
fn runs_stopped_by_bad_input_list_exactly_their_problems() {
    let cases = stopped_cases();
    assert_eq!(cases.len(), 17, "every case of the table runs");
    for case in cases {
        let root = tempfile::tempdir().expect("temp dir");
        write_network(root.path(), "net", &partners(), TENANTS, &relationships());
        for (file, text) in &case.files {
            std::fs::write(root.path().join("net").join(file), text).expect("write");
        }
        let problems: Vec<&str> = case.problems.iter().map(String::as_str).collect();
        let r = run(root.path(), &["audit", "net"]);
        assert_eq!(r.code, 2, "{}: {}", case.shows, r.stderr);
        assert_eq!(r.stdout, "", "{}: nothing is audited", case.shows);
        assert_eq!(
            r.stderr.lines().collect::<Vec<_>>(),
            stopped(&problems, case.counts),
            "{}",
            case.shows
        );
    }
}

// --- the first 100 problems, then the total --------------------------------------------------

/// The clean network's reseller row, then `n` customer rows from an unknown partner (lines 3..).
fn many_bad_rows(n: usize) -> TempDir {
    let mut text = format!("{RELATIONSHIPS_HEADER}R1,reseller,P1,P2,,2019-06-01\n");
    for i in 0..n {
        text.push_str(&format!("X{i},customer,P9,C1,,2020-01-01\n"));
    }
    network_with("relationships.csv", &text)
}

fn unknown_p9(line: usize) -> String {
    format!("net/relationships.csv:{line}:3: unknown partner 'P9' in from_id: expected a partner_id from net/partners.csv")
}

#[test]
fn the_first_100_problems_are_listed_then_the_total() {
    let root = many_bad_rows(150);
    let r = run(root.path(), &["audit", "net"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    let mut expected: Vec<String> = (3..103).map(unknown_p9).collect();
    expected.extend(
        [
            "... and 50 more problems not listed",
            "net/partners.csv: 2 rows read, 2 loaded, 0 rejected",
            "net/tenants.csv: 3 rows read, 3 loaded, 0 rejected",
            "net/relationships.csv: 151 rows read, 1 loaded, 150 rejected",
            "error: 150 problems in the input; nothing was audited",
        ]
        .map(String::from),
    );
    assert_eq!(r.stderr.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn one_more_problem_and_one_row_read_are_singular() {
    let root = us_de_network(US_TENANT, NORTH_ATLANTIC);
    let mut text = String::from("kind,from_id,to_id,reseller_id,effective_on\n");
    for _ in 0..101 {
        text.push_str("customer,P9,C1,,2020-01-01\n");
    }
    std::fs::write(root.path().join("net/relationships.csv"), text).expect("write");
    let r = run(root.path(), &["audit", "net"]);
    assert_eq!(r.code, 2);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(lines.len(), 105, "{}", r.stderr);
    assert_eq!(
        lines[100..],
        [
            "... and 1 more problem not listed",
            "net/partners.csv: 2 rows read, 2 loaded, 0 rejected",
            "net/tenants.csv: 1 row read, 1 loaded, 0 rejected",
            "net/relationships.csv: 101 rows read, 0 loaded, 101 rejected",
            "error: 101 problems in the input; nothing was audited",
        ]
    );
}

#[test]
fn json_has_every_problem_past_the_first_100() {
    let root = many_bad_rows(150);
    let (code, doc) = run_json(root.path(), &["audit", "net"]);
    assert_eq!(code, 2);
    assert_eq!(doc["findings"], json!([]));
    let errors = json_errors(&doc);
    assert_eq!(errors.len(), 150);
    assert_eq!(
        errors[149],
        error(
            "net/relationships.csv",
            152,
            3,
            "unknown partner 'P9' in from_id: expected a partner_id from net/partners.csv"
        )
    );
    assert_eq!(
        doc["summary"]["files"]["relationships.csv"],
        json!({"read": 151, "loaded": 1, "rejected": 150})
    );
}

// --- --regions FILE --------------------------------------------------------------------------

const US_DE_PARTNERS: &str = "\
partner_id,name,role,country,onboarded_on,enrolled_on,mpa_signed_on
P1,Contoso,indirect_provider,US,2018-01-01,2018-01-01,2019-01-01
P2,Fabrikam,indirect_reseller,DE,2018-01-01,2018-01-01,2019-01-01
";
const US_TENANT: &str = "tenant_id,name,kind,country\nC1,Adventure Works,customer,US\n";
/// A US provider, a German reseller and a US customer: cross-region in the built-in table.
const US_DE_RELATIONSHIPS: &str = "\
kind,from_id,to_id,reseller_id,effective_on
reseller,P1,P2,,2019-06-01
customer,P1,C1,P2,2020-03-01
";
/// A table where the US and Germany are one region.
const NORTH_ATLANTIC: &str = "\
# Lines starting with # are comments.
country_code,country_name,csp_region
US,United States,North Atlantic
DE,Germany,North Atlantic
";

fn us_de_network(tenants: &str, regions: &str) -> TempDir {
    let root = tempfile::tempdir().expect("temp dir");
    write_network(
        root.path(),
        "net",
        US_DE_PARTNERS,
        tenants,
        US_DE_RELATIONSHIPS,
    );
    std::fs::write(root.path().join("regions.csv"), regions).expect("write");
    root
}

#[test]
fn a_custom_region_table_replaces_the_builtin_one() {
    let root = us_de_network(US_TENANT, NORTH_ATLANTIC);
    let (code, doc) = run_json(root.path(), &["audit", "net"]);
    assert_eq!(code, 1);
    assert_eq!(finding_rules(&doc), ["CSP003", "CSP004"]);
    let (code, doc) = run_json(root.path(), &["audit", "net", "--regions", "regions.csv"]);
    assert_eq!(code, 0, "{doc}");
    assert_eq!(finding_rules(&doc), Vec::<String>::new());
    assert_eq!(doc["errors"], json!([]));
}

/// One tenant: the text and Markdown summaries count it in the singular.
#[test]
fn summaries_of_one_tenant_are_singular() {
    let root = us_de_network(US_TENANT, NORTH_ATLANTIC);
    let args = ["audit", "net", "--regions", "regions.csv"];
    let r = run(root.path(), &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let summary: Vec<&str> = r
        .stdout
        .lines()
        .skip_while(|l| *l != "Summary")
        .take(5)
        .collect();
    assert_eq!(
        summary,
        [
            "Summary",
            "  partners.csv       2 rows read, 2 loaded, 0 rejected",
            "  tenants.csv        1 row read, 1 loaded, 0 rejected",
            "  relationships.csv  2 rows read, 2 loaded, 0 rejected",
            "  network: 2 partners, 1 tenant, 2 relationships",
        ],
        "{}",
        r.stdout
    );
    let r = run(
        root.path(),
        &[&args[..], &["--format", "markdown"]].concat(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("(0 errors, 0 warnings) in 2 partners, 1 tenant, 2 relationships."),
        "{}",
        r.stdout
    );
}

#[test]
fn a_country_missing_from_the_custom_table_is_unknown() {
    let tenants = format!("{US_TENANT}C2,Lamna,customer,FR\n");
    let root = us_de_network(&tenants, NORTH_ATLANTIC);
    let r = run(root.path(), &["audit", "net", "--regions", "regions.csv"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr.lines().collect::<Vec<_>>(),
        stopped(
            &["net/tenants.csv:3:4: unknown country 'FR': expected an ISO 3166-1 alpha-2 code from the region table"],
            [(2, 2, 0), (2, 1, 1), (2, 2, 0)],
        )
    );
    // France is in the built-in table.
    assert_eq!(run(root.path(), &["audit", "net"]).code, 1);
}

#[test]
fn a_region_table_with_a_bad_header() {
    let root = us_de_network(
        US_TENANT,
        "country,country_name,csp_region\nUS,United States,North Atlantic\n",
    );
    let r = run(root.path(), &["audit", "net", "--regions", "regions.csv"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "regions.csv:1:1: unknown column 'country' (did you mean 'country_code'?): fix the header, or its values would be ignored\n\
         regions.csv:1:1: 1 data row not loaded because the header is invalid\n\
         error: 2 problems in the input; nothing was audited\n"
    );
}

#[test]
fn a_region_table_with_a_duplicated_country_code() {
    // Line 1 is a comment, so `us` (the same code as US, in another case) is on line 5.
    let regions = format!("{NORTH_ATLANTIC}us,USA,Other\n");
    let root = us_de_network(US_TENANT, &regions);
    let r = run(root.path(), &["audit", "net", "--regions", "regions.csv"]);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "regions.csv:5:1: duplicate country code 'us'\n\
         error: 1 problem in the input; nothing was audited\n"
    );
    let (code, doc) = run_json(root.path(), &["audit", "net", "--regions", "regions.csv"]);
    assert_eq!(code, 2);
    assert_eq!(doc["findings"], json!([]));
    assert_eq!(
        json_errors(&doc),
        [error("regions.csv", 5, 1, "duplicate country code 'us'")]
    );
}

// --- --partners / --tenants / --relationships FILE -------------------------------------------

#[test]
fn three_file_flags_give_the_same_report_as_the_folder() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("temp dir");
    for (from, to) in [
        ("partners.csv", "p.csv"),
        ("tenants.csv", "t.csv"),
        ("relationships.csv", "r.csv"),
    ] {
        std::fs::copy(repo.join("data/sample").join(from), tmp.path().join(to)).expect("copy");
    }
    let files = [
        "--partners",
        "p.csv",
        "--tenants",
        "t.csv",
        "--relationships",
        "r.csv",
    ];
    for format in ["json", "text"] {
        let folder = run(repo, &["audit", "data/sample", "--format", format]);
        let mut args = vec!["audit", "--format", format];
        args.extend(files);
        let flags = run(tmp.path(), &args);
        assert_eq!(folder.code, 1, "{format}");
        assert_eq!(flags.code, 1, "{format}: {}", flags.stderr);
        assert!(!folder.stdout.is_empty());
        // The text report names rows by the path as given (issue 8 item 15).
        let want = folder
            .stdout
            .replace("data/sample/relationships.csv:", "r.csv:");
        assert_eq!(flags.stdout, want, "{format}");
    }
}

#[test]
fn one_file_flag_replaces_that_file_of_the_folder() {
    let root = network_with("partners.csv", &partners());
    let dup = format!("{}P1,Contoso again,indirect_provider,US,,,,,\n", partners());
    std::fs::write(root.path().join("other.csv"), dup).expect("write");
    let r = run(root.path(), &["audit", "net", "--partners", "other.csv"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.lines().collect::<Vec<_>>(),
        [
            "other.csv:4:1: duplicate partner_id 'P1': first defined on line 2",
            "other.csv: 3 rows read, 2 loaded, 1 rejected",
            "net/tenants.csv: 3 rows read, 3 loaded, 0 rejected",
            "net/relationships.csv: 3 rows read, 3 loaded, 0 rejected",
            "error: 1 problem in the input; nothing was audited",
        ]
    );
}

#[test]
fn file_flags_without_a_folder_need_all_three() {
    let root = network_with("partners.csv", &partners());
    let args = [
        "audit",
        "--partners",
        "net/partners.csv",
        "--tenants",
        "net/tenants.csv",
    ];
    let r = run(root.path(), &args);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "error: no data folder: give DIR, or all of --partners, --tenants and --relationships\n"
    );
    let (code, doc) = run_json(root.path(), &args);
    assert_eq!(code, 2);
    assert_eq!(
        json_errors(&doc),
        [error(
            "command line",
            1,
            1,
            "no data folder: give DIR, or all of --partners, --tenants and --relationships"
        )]
    );
}

// --- runs stopped before auditing, in JSON ---------------------------------------------------

/// A run stopped before auditing: a file written next to the clean network, the arguments after
/// `audit net`, and the one error the JSON report must hold.
struct StoppedInJson {
    shows: &'static str,
    file: Option<(&'static str, &'static str)>,
    extra: &'static [&'static str],
    expected: (&'static str, u64, u64, &'static str),
}

const STOPPED_IN_JSON: [StoppedInJson; 4] = [
    StoppedInJson {
        shows: "a bad config stops the run with its error in JSON",
        file: Some(("bad.toml", "fail-on = \"error\"\nfail_on = \"x\"\n")),
        extra: &["--config", "bad.toml"],
        expected: (
            "bad.toml",
            2,
            1,
            "unknown key 'fail_on' (did you mean 'fail-on'?): expected 'fail-on', 'rules', 'params', 'allow' or 'columns'",
        ),
    },
    StoppedInJson {
        shows: "an unknown rule in the config points at the rule name",
        file: Some(("bad.toml", "[rules]\nCSP001 = \"error\"\nCSP03 = \"warning\"\n")),
        extra: &["--config", "bad.toml"],
        expected: (
            "bad.toml",
            3,
            1,
            "unknown rule 'CSP03' (did you mean 'CSP003'?): expected a code or name from `csp-audit rules`",
        ),
    },
    StoppedInJson {
        shows: "a bad baseline stops the run with its error in JSON",
        file: Some(("base.json", "{\"version\": 9, \"findings\": []}")),
        extra: &["--baseline", "base.json"],
        expected: (
            "base.json",
            1,
            1,
            "baseline version 9 is not supported (expected 2): write it again with --write-baseline",
        ),
    },
    StoppedInJson {
        shows: "an unknown rule flag stops the run with its error in JSON",
        file: None,
        extra: &["--warn", "CSP999"],
        expected: (
            "command line",
            1,
            1,
            "unknown rule 'CSP999' in --warn (did you mean 'CSP009'?): see `csp-audit rules`",
        ),
    },
];

/// Each case: exit 2, the version-1 envelope, no finding, and exactly its one error.
#[test]
fn runs_stopped_before_auditing_carry_their_error_in_json() {
    for case in &STOPPED_IN_JSON {
        let root = network_with("partners.csv", &partners());
        if let Some((name, text)) = case.file {
            std::fs::write(root.path().join(name), text).expect("write");
        }
        let mut args = vec!["audit", "net"];
        args.extend(case.extra);
        let (code, doc) = run_json(root.path(), &args);
        assert_eq!(code, 2, "{}: {doc}", case.shows);
        assert_eq!(doc["version"], 1, "{}", case.shows);
        assert_eq!(doc["findings"], json!([]), "{}", case.shows);
        let (f, l, c, m) = case.expected;
        assert_eq!(json_errors(&doc), [error(f, l, c, m)], "{}", case.shows);
    }
}

// --- extra columns that resemble optional ones -----------------------------------------------

#[test]
fn relationship_type_without_relationship_id_is_an_extra_column() {
    let text = "\
relationship_type,kind,from_id,to_id,reseller_id,effective_on
Indirect,reseller,P1,P2,,2019-06-01
Indirect,customer,P1,C1,P2,2020-03-01
Org,affiliate,ORG-C,ORG-F,,
";
    let root = network_with("relationships.csv", text);
    let r = run(root.path(), &["audit", "net"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stderr, "");
    assert!(r
        .stdout
        .contains("relationships.csv  3 rows read, 3 loaded, 0 rejected"));
}

#[test]
fn reseller_name_and_onboarded_date_are_extra_columns() {
    // Next to the onboarded_on column they resemble, both are the export's extra columns.
    let text = "\
partner_id,name,role,country,organization_id,csp_tenant_id,reseller_name,onboarded_date,onboarded_on,enrolled_on,mpa_signed_on
P1,Contoso,indirect_provider,US,ORG-C,T-P1,,2018-01-01,2018-01-01,2018-01-01,2019-01-01
P2,Fabrikam,indirect_reseller,US,ORG-F,T-P2,Fabrikam,2018-01-01,,2018-01-01,2019-01-01
";
    let root = network_with("partners.csv", text);
    let (code, doc) = run_json(root.path(), &["audit", "net"]);
    assert_eq!(code, 1);
    assert_eq!(doc["errors"], json!([]));
    // P2's onboarded_on is empty: CSP010, not an input error.
    assert_eq!(finding_rules(&doc), ["CSP010"]);
    assert_eq!(
        doc["summary"]["files"]["partners.csv"],
        json!({"read": 2, "loaded": 2, "rejected": 0})
    );
}

#[test]
fn references_into_a_file_with_a_bad_header_do_not_call_its_ids_unknown() {
    let text = format!(
        "{}{P1}{P2}",
        PARTNERS_HEADER.replace("organization_id", "organisation_id")
    );
    let root = network_with("partners.csv", &text);
    let r = run(root.path(), &["audit", "net"]);
    assert_eq!(r.code, 2);
    let lines: Vec<&str> = r.stderr.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "net/partners.csv:1:5: unknown column 'organisation_id' (did you mean 'organization_id'?): fix the header, or its values would be ignored",
            "net/partners.csv:1:1: 2 data rows not loaded because the header is invalid",
        ]
    );
    assert!(
        !lines.iter().any(|l| l.contains("unknown partner 'P1'")),
        "{}",
        r.stderr
    );
}

// --- a failing standard error ----------------------------------------------------------------

#[cfg(target_os = "linux")]
#[test]
fn a_full_stderr_does_not_change_the_exit_code() {
    use std::process::{Command, Stdio};

    let text = format!("{}P1,Contoso again,indirect_provider,US,,,,,\n", partners());
    let root = network_with("partners.csv", &text);
    let status = |args: &[&str]| {
        let full = std::fs::File::options()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full");
        Command::new(env!("CARGO_BIN_EXE_csp-audit"))
            .current_dir(root.path())
            .env("NO_COLOR", "1")
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::from(full))
            .status()
            .expect("run")
            .code()
    };
    // 101 would be a panic.
    assert_eq!(status(&["audit", "net"]), Some(2), "bad input");
    assert_eq!(
        status(&["audit", "net", "--warn", "CSP999"]),
        Some(2),
        "bad flag"
    );
}

#[test]
fn problems_across_many_batches_of_rows_come_in_file_order_at_any_thread_count() {
    // 20,000 rows (several of the loader's parallel batches), every 997th with an unknown tenant.
    let mut text = String::from(RELATIONSHIPS_HEADER);
    let mut want = Vec::new();
    for i in 0..20_000u32 {
        let line = i + 2;
        if i % 997 == 0 {
            text += &format!("X{i},customer,P1,C-missing-{i},P2,2020-03-01\n");
            want.push(format!(
                "net/relationships.csv:{line}:4: unknown tenant 'C-missing-{i}' in to_id: \
                 expected a tenant_id from net/tenants.csv"
            ));
        } else {
            text += &format!("X{i},customer,P1,C1,P2,2020-03-01\n");
        }
    }
    let root = network_with("relationships.csv", &text);
    for threads in ["1", "2", "5"] {
        let out = csp_audit()
            .current_dir(root.path())
            .env("RAYON_NUM_THREADS", threads)
            .args(["audit", "net", "--format", "json"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2));
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let got: Vec<String> = v["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| {
                format!(
                    "{}:{}:{}: {}",
                    e["file"].as_str().unwrap_or(""),
                    e["line"],
                    e["column"],
                    e["message"].as_str().unwrap_or("")
                )
            })
            .collect();
        assert_eq!(got, want, "RAYON_NUM_THREADS={threads}");
        let rel = &v["summary"]["files"]["relationships.csv"];
        assert_eq!(rel["read"], 20_000);
        assert_eq!(rel["rejected"], want.len());
        assert_eq!(rel["loaded"], 20_000 - want.len());
    }
}

#[test]
fn a_file_read_from_a_pipe_loses_nothing() {
    let root = network_with("tenants.csv", TENANTS);
    let net = root.path().join("net");
    let out = csp_audit()
        .current_dir(root.path())
        .args(["audit", "--format", "json", "--tenants", "/dev/stdin"])
        .arg("--partners")
        .arg(net.join("partners.csv"))
        .arg("--relationships")
        .arg(net.join("relationships.csv"))
        .write_stdin(TENANTS)
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(out.status.code(), Some(0), "{v}");
    assert_eq!(v["summary"]["files"]["tenants.csv"]["loaded"], 3);
}

#[test]
fn problems_reach_stderr_when_the_report_cannot_be_written() {
    let root = network_with("partners.csv", &format!("{PARTNERS_HEADER}{P1}{P1}"));
    let r = run(
        root.path(),
        &[
            "audit",
            "net",
            "--format",
            "json",
            "--output",
            "no/such/dir/r.json",
        ],
    );
    assert_eq!(r.code, 2);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.starts_with(
            "net/partners.csv:3:1: duplicate partner_id 'P1': first defined on line 2\n"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("error: cannot write report to no/such/dir/r.json"),
        "{}",
        r.stderr
    );
}

#[test]
fn byte_offsets_past_the_listing_cap_do_not_depend_on_threads() {
    // 12,000 rows with invalid UTF-8 after a quoted field: exact offsets need the row read
    // again, which stops once a file's listed problems are used up, in file order.
    let mut bytes = RELATIONSHIPS_HEADER.as_bytes().to_vec();
    for i in 0..12_000 {
        bytes.extend_from_slice(format!("X{i},\"customer\",P1,t").as_bytes());
        bytes.extend_from_slice(b"\xff,,2024-01-01\n");
    }
    let root = tempfile::tempdir().expect("temp dir");
    write_network(root.path(), "net", &partners(), TENANTS, &relationships());
    std::fs::write(root.path().join("net/relationships.csv"), &bytes).expect("write");
    let errors = |threads: &str| -> Vec<Value> {
        let out = csp_audit()
            .current_dir(root.path())
            .env("RAYON_NUM_THREADS", threads)
            .args(["audit", "net", "--format", "json"])
            .output()
            .expect("runs");
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        v["errors"].as_array().expect("errors").clone()
    };
    let one = errors("1");
    assert_eq!(one, errors("2"));
    assert_eq!(one, errors("6"));
    // The first row: its bad byte is the 16th of the row (the quotes counted), which starts
    // right after the header.
    let start = RELATIONSHIPS_HEADER.len() as u64;
    assert_eq!(
        one[0]["message"],
        format!(
            "invalid UTF-8 in column 'to_id' at byte offset {}: expected UTF-8 text (the file may be Windows-1252: try --encoding windows-1252)",
            start + "X0,\"customer\",P1,t".len() as u64
        )
    );
}
