//! Every kind of bad input gets a clear message at an exact position (file:line:column).
//!
//! Each test writes a small network to a temp dir, damages one file, loads it and compares the
//! complete list of problems, so an extra or missing error fails too.

use std::path::Path;

use csp_audit::load::{builtin_regions, load, load_from_bytes, load_regions, InputPaths, Loaded};
use csp_audit::model::{FileStats, InputFile, TenantIdx};
use tempfile::TempDir;

const TENANTS: &str = "\
tenant_id,name,kind,country,organization_id
T-P1,Contoso CSP,partner,US,ORG-C
C1,Adventure Works,customer,US,ORG-A
";
const PARTNERS: &str = "\
partner_id,name,role,country,organization_id,csp_tenant_id,onboarded_on,enrolled_on,mpa_signed_on
P1,Contoso,indirect_provider,US,ORG-C,T-P1,2018-01-01,2018-01-01,2019-01-01
P2,Fabrikam,indirect_reseller,US,ORG-F,,2018-01-01,2018-01-01,2019-01-01
";
const RELATIONSHIPS: &str = "\
relationship_id,kind,from_id,to_id,reseller_id,effective_on
R1,reseller,P1,P2,,2019-06-01
R2,customer,P1,C1,P2,2020-03-01
R3,affiliate,ORG-C,ORG-F,,
";

/// A temp folder with the valid network, `file` replaced by `bytes`.
fn network_with(file: InputFile, bytes: &[u8]) -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (f, text) in [
        (InputFile::Tenants, TENANTS),
        (InputFile::Partners, PARTNERS),
        (InputFile::Relationships, RELATIONSHIPS),
    ] {
        let content = if f == file { bytes } else { text.as_bytes() };
        std::fs::write(dir.path().join(f.file_name()), content).expect("write");
    }
    dir
}

/// Every problem as `file:line:column: message`, with the temp folder left out of paths.
fn problems(dir: &Path, loaded: &Loaded) -> Vec<String> {
    let prefix = format!("{}/", dir.display());
    loaded
        .errors
        .iter()
        .map(|e| e.to_string().replace(&prefix, ""))
        .collect()
}

/// Loads the network with `file` replaced by `bytes`; returns its problems and that file's counts.
fn load_with(file: InputFile, bytes: &[u8]) -> (Vec<String>, FileStats) {
    let dir = network_with(file, bytes);
    let loaded = load(&InputPaths::in_dir(dir.path()), builtin_regions());
    let stats = *loaded.model.stats(file);
    assert_eq!(
        stats.read,
        stats.loaded + stats.rejected,
        "rows lost: {stats:?}"
    );
    (problems(dir.path(), &loaded), stats)
}

fn stats(read: u64, loaded: u64, rejected: u64) -> FileStats {
    FileStats {
        read,
        loaded,
        rejected,
        skipped: 0,
    }
}

#[test]
fn the_base_network_is_clean() {
    for file in InputFile::ALL {
        let text = match file {
            InputFile::Partners => PARTNERS,
            InputFile::Tenants => TENANTS,
            InputFile::Relationships => RELATIONSHIPS,
        };
        let (errors, _) = load_with(file, text.as_bytes());
        assert_eq!(errors, Vec::<String>::new());
    }
}

#[test]
fn empty_file() {
    let (errors, st) = load_with(InputFile::Relationships, b"");
    assert_eq!(
        errors,
        ["relationships.csv:1:1: empty file: expected a header row with kind, from_id, to_id, effective_on"]
    );
    assert_eq!(st, stats(0, 0, 0));
}

#[test]
fn header_only() {
    let (errors, st) = load_with(
        InputFile::Relationships,
        b"relationship_id,kind,from_id,to_id,reseller_id,effective_on\n",
    );
    assert_eq!(
        errors,
        ["relationships.csv:2:1: no data rows after the header: expected at least one row"]
    );
    assert_eq!(st, stats(0, 0, 0));
}

#[test]
fn missing_column() {
    let (errors, st) = load_with(
        InputFile::Tenants,
        b"tenant_id,name,country\nC1,Adventure Works,US\n",
    );
    assert_eq!(
        errors[..2],
        [
            "tenants.csv:1:1: missing required column 'kind': expected a header with tenant_id, name, kind, country",
            "tenants.csv:1:1: 1 data row not loaded because the header is invalid",
        ]
    );
    assert_eq!(st, stats(1, 0, 1));
}

#[test]
fn duplicated_column() {
    let (errors, st) = load_with(
        InputFile::Tenants,
        b"tenant_id,name,kind,country,name\nC1,Adventure Works,customer,US,AW\n",
    );
    assert_eq!(
        errors[..2],
        [
            "tenants.csv:1:5: duplicated column 'name' (first in column 2): expected each column once",
            "tenants.csv:1:1: 1 data row not loaded because the header is invalid",
        ]
    );
    assert_eq!(st, stats(1, 0, 1));
}

#[test]
fn misspelt_column_suggests_the_closest() {
    let (errors, _) = load_with(
        InputFile::Tenants,
        b"tenant_id,name,kind,contry\nC1,Adventure Works,customer,US\n",
    );
    assert_eq!(
        errors[0],
        "tenants.csv:1:4: unknown column 'contry' (did you mean 'country'?): fix the header, or its values would be ignored"
    );
    // A misspelt optional column is caught as well: ignoring it would drop every row's value.
    let (errors, _) = load_with(
        InputFile::Tenants,
        b"tenant_id,name,kind,country,organisation_id\nC1,Adventure Works,customer,US,ORG-A\n",
    );
    assert_eq!(
        errors[..2],
        [
            "tenants.csv:1:5: unknown column 'organisation_id' (did you mean 'organization_id'?): fix the header, or its values would be ignored",
            "tenants.csv:1:1: 1 data row not loaded because the header is invalid",
        ]
    );
}

#[test]
fn an_unrelated_extra_column_is_ignored() {
    let (errors, st) = load_with(
        InputFile::Tenants,
        b"tenant_id,name,kind,country,organization_id,notes\nT-P1,Contoso CSP,partner,US,ORG-C,x\nC1,Adventure Works,customer,US,ORG-A,y\n",
    );
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(st, stats(2, 2, 0));
}

#[test]
fn byte_order_mark_is_accepted_even_before_a_quoted_header() {
    let text = "\u{feff}\"tenant_id\",\"name\",\"kind\",\"country\",\"organization_id\"\nT-P1,Contoso CSP,partner,US,ORG-C\nC1,Adventure Works,customer,US,ORG-A\n";
    let (errors, st) = load_with(InputFile::Tenants, text.as_bytes());
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(st, stats(2, 2, 0));
    // Positions after a BOM are unchanged.
    let text = "\u{feff}tenant_id,name,kind,country\nT-P1,Contoso CSP,partner,US\nC1,Adventure Works,customer,XX\n";
    let (errors, _) = load_with(InputFile::Tenants, text.as_bytes());
    assert_eq!(
        errors[0],
        "tenants.csv:3:4: unknown country 'XX': expected an ISO 3166-1 alpha-2 code from the region table"
    );
}

#[test]
fn utf16_file_is_named_as_such() {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in "tenant_id,name\n".encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    let (errors, _) = load_with(InputFile::Tenants, &bytes);
    assert_eq!(
        errors[0],
        "tenants.csv:1:1: the file is UTF-16 (it starts with a UTF-16 byte order mark): expected UTF-8, e.g. saved as \"CSV UTF-8\""
    );
}

#[test]
fn crlf_line_ends() {
    let text = TENANTS.replace('\n', "\r\n");
    let (errors, st) = load_with(InputFile::Tenants, text.as_bytes());
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(st, stats(2, 2, 0));
    // Blank lines, a quoted last field and a CR inside a quoted value.
    let text = "\r\ntenant_id,name,kind,country\r\nT-P1,\"Contoso\r\nCSP\",partner,\"US\"\r\n\r\nC1,Adventure Works,customer,US\r\n\r\n";
    let (errors, st) = load_with(InputFile::Tenants, text.as_bytes());
    assert_eq!(errors, Vec::<String>::new());
    assert_eq!(st, stats(2, 2, 0));
    let (errors, _) = load_with(InputFile::Tenants, b"\r\n\r\n");
    assert_eq!(
        errors[0],
        "tenants.csv:1:1: empty file: expected a header row with tenant_id, name, kind, country"
    );
    let (errors, _) = load_with(
        InputFile::Tenants,
        b"tenant_id,name,kind,country\r\nT-P1,Contoso CSP,partner,US\r\nC1,Adventure Works,custmer,US\r\n",
    );
    assert_eq!(
        errors[0],
        "tenants.csv:3:3: unknown kind 'custmer' (did you mean 'customer'?): expected one of partner, customer"
    );
}

#[test]
fn cr_alone_line_ends() {
    let text = TENANTS.replace('\n', "\r");
    let (errors, st) = load_with(InputFile::Tenants, text.as_bytes());
    assert_eq!(
        errors[0],
        "tenants.csv:1:1: lines end with CR alone: expected LF or CRLF line ends"
    );
    assert_eq!(st, stats(0, 0, 0));
}

#[test]
fn quoted_commas_and_newlines_keep_physical_lines() {
    let text = "tenant_id,name,kind,country\n\
                T-P1,\"Contoso, CSP\nsecond line\nthird line\",partner,US\n\
                C1,\"Adventure \"\"Works\"\"\",customer,US\n\
                C2,Wingtip,customer,ZZ\n";
    let (errors, st) = load_with(InputFile::Tenants, text.as_bytes());
    assert_eq!(
        errors,
        ["tenants.csv:6:4: unknown country 'ZZ': expected an ISO 3166-1 alpha-2 code from the region table"]
    );
    assert_eq!(st, stats(3, 2, 1));
}

#[test]
fn unclosed_quote_is_explained() {
    let text = "tenant_id,name,kind,country\n\
                T-P1,\"Contoso CSP,partner,US\n\
                C1,Adventure Works,customer,US\n";
    let (errors, st) = load_with(InputFile::Tenants, text.as_bytes());
    assert_eq!(
        errors[0],
        "tenants.csv:2:3: found 2 fields: expected 4 as in the header (a quoted field runs over 3 lines from here: is a closing quote missing?)"
    );
    assert_eq!(st, stats(1, 0, 1));
}

/// The byte offset of the first occurrence of `needle` in `bytes`.
fn offset_of(bytes: &[u8], needle: u8) -> usize {
    bytes.iter().position(|&b| b == needle).expect("needle")
}

#[test]
fn invalid_utf8_reports_the_byte_offset_of_the_bad_byte() {
    // An earlier quoted field with a doubled quote, and a quoted bad field: a naive sum of
    // field lengths would be 5 bytes short.
    let mut bytes =
        b"tenant_id,name,kind,country\nT-P1,Contoso CSP,partner,US\n\"C1\",\"Adv \"\"W\"\" "
            .to_vec();
    bytes.push(0xFF);
    bytes.extend(b"\",customer,US\n");
    let bad = offset_of(&bytes, 0xFF);
    let expected = format!(
        "tenants.csv:3:2: invalid UTF-8 in column 'name' at byte offset {bad}: expected UTF-8 text (the file may be Windows-1252: try --encoding windows-1252)"
    );
    let (errors, st) = load_with(InputFile::Tenants, &bytes);
    assert_eq!(errors[0], expected);
    assert_eq!(st, stats(2, 1, 1));
    // The same from memory.
    let loaded = load_from_bytes(
        PARTNERS.as_bytes(),
        &bytes,
        RELATIONSHIPS.as_bytes(),
        builtin_regions(),
    );
    assert_eq!(loaded.errors[0].to_string(), expected);
    // With a BOM and CRLF the offset still counts every byte of the file.
    let mut bytes = b"\xEF\xBB\xBFtenant_id,name,kind,country\r\nT-P1,\"Contoso, CSP\",partner,US\r\nC1,Adventure Works,customer,U".to_vec();
    bytes.push(0xC3);
    bytes.extend(b"\r\n");
    let bad = offset_of(&bytes, 0xC3);
    let (errors, _) = load_with(InputFile::Tenants, &bytes);
    assert_eq!(
        errors[0],
        format!(
            "tenants.csv:3:4: invalid UTF-8 in column 'country' at byte offset {bad}: expected UTF-8 text (the file may be Windows-1252: try --encoding windows-1252)"
        )
    );
}

#[test]
fn invalid_utf8_in_the_header() {
    let mut bytes = b"tenant_id,\"na".to_vec();
    bytes.push(0xFE);
    bytes.extend(b"me\",kind,country\nC1,Adventure Works,customer,US\n");
    let bad = offset_of(&bytes, 0xFE);
    let (errors, _) = load_with(InputFile::Tenants, &bytes);
    assert_eq!(
        errors[0],
        format!("tenants.csv:1:2: invalid UTF-8 in header name at byte offset {bad}: expected UTF-8 text (the file may be Windows-1252: try --encoding windows-1252)")
    );
}

#[test]
fn nul_bytes() {
    let (errors, st) = load_with(
        InputFile::Tenants,
        b"tenant_id,name,kind,country\nT-P1,Contoso CSP,partner,US\nC1,Adventure\0Works,customer,US\n",
    );
    assert_eq!(
        errors,
        ["tenants.csv:3:2: NUL byte in column 'name': expected text without control characters",
"relationships.csv:3:4: to_id 'C1' names a tenant whose row was rejected (tenants.csv:3)"]
    );
    assert_eq!(st, stats(2, 1, 1));
}

#[test]
fn a_field_of_one_megabyte() {
    let big = "x".repeat(1 << 20);
    let text =
        format!("tenant_id,name,kind,country\nT-P1,Contoso CSP,partner,US\nC1,{big},customer,US\n");
    let (errors, st) = load_with(InputFile::Tenants, text.as_bytes());
    assert_eq!(
        errors,
        ["tenants.csv:3:2: value in column 'name' is 1048576 bytes long: expected at most 4096",
"relationships.csv:3:4: to_id 'C1' names a tenant whose row was rejected (tenants.csv:3)"]
    );
    assert_eq!(st, stats(2, 1, 1));
}

#[test]
fn a_row_of_ten_thousand_fields() {
    let wide = vec!["x"; 10_000].join(",");
    let text = format!("tenant_id,name,kind,country\nT-P1,Contoso CSP,partner,US\n{wide}\nC1,Adventure Works,customer,US\n");
    let (errors, st) = load_with(InputFile::Tenants, text.as_bytes());
    assert_eq!(
        errors,
        ["tenants.csv:3:5: found 10000 fields: expected 4 as in the header"]
    );
    assert_eq!(st, stats(3, 2, 1));
}

#[test]
fn unknown_enum_values_suggest_the_closest() {
    let text = PARTNERS.replace(
        "P2,Fabrikam,indirect_reseller",
        "P2,Fabrikam,indirect_resseller",
    );
    let (errors, _) = load_with(InputFile::Partners, text.as_bytes());
    assert_eq!(
        errors[0],
        "partners.csv:3:3: unknown role 'indirect_resseller' (did you mean 'indirect_reseller'?): expected one of indirect_provider, indirect_reseller, direct_bill"
    );
    let text = RELATIONSHIPS.replace("R1,reseller", "R1,resale");
    let (errors, _) = load_with(InputFile::Relationships, text.as_bytes());
    assert_eq!(
        errors,
        ["relationships.csv:2:2: unknown kind 'resale' (did you mean 'reseller'?): expected one of reseller, customer, admin, affiliate"]
    );
    // Nothing close: no suggestion.
    let text = RELATIONSHIPS.replace("R1,reseller", "R1,zzz");
    let (errors, _) = load_with(InputFile::Relationships, text.as_bytes());
    assert_eq!(
        errors,
        ["relationships.csv:2:2: unknown kind 'zzz': expected one of reseller, customer, admin, affiliate"]
    );
}

#[test]
fn impossible_and_malformed_dates() {
    let text = PARTNERS.replace("2019-01-01\nP2", "2020-02-30\nP2");
    let (errors, st) = load_with(InputFile::Partners, text.as_bytes());
    assert_eq!(
        errors[0],
        "partners.csv:2:9: impossible date in 'mpa_signed_on': '2020-02-30'; expected an ISO date YYYY-MM-DD"
    );
    assert_eq!(st, stats(2, 1, 1));
    let text = RELATIONSHIPS.replace("2019-06-01", "01/06/2019");
    let (errors, _) = load_with(InputFile::Relationships, text.as_bytes());
    assert_eq!(
        errors[0],
        "relationships.csv:2:6: malformed date in 'effective_on': '01/06/2019'; expected an ISO date YYYY-MM-DD"
    );
}

#[test]
fn a_partner_id_used_as_a_tenant_id() {
    let text = PARTNERS.replace("P2,Fabrikam", "C1,Fabrikam");
    let (errors, st) = load_with(InputFile::Partners, text.as_bytes());
    assert_eq!(
        errors[0],
        "partners.csv:3:1: partner_id 'C1' is also a tenant_id (tenants.csv:3): expected ids unique across partners and tenants"
    );
    assert_eq!(st, stats(2, 1, 1));
}

#[test]
fn duplicate_ids() {
    let text = format!("{TENANTS}c1,Adventure Works again,customer,US,ORG-A\n");
    let (errors, st) = load_with(InputFile::Tenants, text.as_bytes());
    assert_eq!(
        errors,
        ["tenants.csv:4:1: duplicate tenant_id 'c1' (tenant ids compare case-insensitively): first defined on line 3"]
    );
    assert_eq!(st, stats(3, 2, 1));
}

#[test]
fn guid_tenant_ids_compare_case_insensitively_and_keep_their_case() {
    // Canonical GUIDs are kept in 16 bytes, a mixed-case one as text: all are one id.
    let lower = "0f8e2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
    let upper = lower.to_ascii_uppercase();
    let mixed = "0F8E2a3b-4c5d-4e6f-8a9b-0c1d2e3f4a5b";
    let tenants = TENANTS.replace("C1,", &format!("{upper},"))
        + &format!("{mixed},Adventure Works again,customer,US,ORG-A\n");
    let dir = network_with(InputFile::Tenants, tenants.as_bytes());
    let rels = RELATIONSHIPS.replace("P1,C1,", &format!("P1,{lower},"));
    std::fs::write(dir.path().join("relationships.csv"), rels).expect("write");
    let loaded = load(&InputPaths::in_dir(dir.path()), builtin_regions());
    assert_eq!(
        problems(dir.path(), &loaded),
        [format!("tenants.csv:4:1: duplicate tenant_id '{mixed}' (tenant ids compare case-insensitively): first defined on line 3")]
    );
    let m = &loaded.model;
    assert_eq!(m.tenant_id(TenantIdx(1)), upper.as_str());
    assert_eq!(m.tenant_id(TenantIdx(0)), "T-P1");
    let sale = &m.relationships[1];
    assert_eq!(sale.to_tenant(), TenantIdx(1));
    assert_eq!(m.relationship_id(1).as_deref(), Some("R2"));
}

#[test]
fn references_to_unknown_ids() {
    let text = format!(
        "{RELATIONSHIPS}R4,customer,P9,C1,,2020-01-01\nR5,customer,P1,C9,P2,2020-01-01\nR6,reseller,P1,C1,,2020-01-01\nR7,affiliate,ORG-C,ORG-Q,,\n"
    );
    let (errors, st) = load_with(InputFile::Relationships, text.as_bytes());
    assert_eq!(
        errors,
        [
            "relationships.csv:5:3: unknown partner 'P9' in from_id: expected a partner_id from partners.csv",
            "relationships.csv:6:4: unknown tenant 'C9' in to_id: expected a tenant_id from tenants.csv",
            "relationships.csv:7:4: to_id 'C1' is a tenant: expected a partner_id from partners.csv",
        ]
    );
    // An organization named only by affiliate rows (ORG-Q) is accepted (issue 11, item 7).
    assert_eq!(st, stats(7, 4, 3));
}

#[test]
fn a_reference_to_a_rejected_row_says_so() {
    let text = PARTNERS.replace(
        "P2,Fabrikam,indirect_reseller,US",
        "P2,Fabrikam,indirect_reseller,XX",
    );
    let (errors, _) = load_with(InputFile::Partners, text.as_bytes());
    assert_eq!(
        errors,
        [
            "partners.csv:3:4: unknown country 'XX': expected an ISO 3166-1 alpha-2 code from the region table",
            "relationships.csv:2:4: to_id 'P2' names a partner whose row was rejected (partners.csv:3)",
            "relationships.csv:3:5: reseller_id 'P2' names a partner whose row was rejected (partners.csv:3)",
        ]
    );
}

#[test]
fn a_self_referencing_affiliate_row() {
    let text = RELATIONSHIPS.replace("ORG-C,ORG-F", "ORG-C,ORG-C");
    let (errors, st) = load_with(InputFile::Relationships, text.as_bytes());
    assert_eq!(
        errors,
        ["relationships.csv:4:4: affiliate row links organization 'ORG-C' to itself: expected two different organizations"]
    );
    assert_eq!(st, stats(3, 2, 1));
}

#[test]
fn a_file_that_is_a_directory() {
    let dir = network_with(InputFile::Partners, PARTNERS.as_bytes());
    let tenants = dir.path().join("tenants.csv");
    std::fs::remove_file(&tenants).expect("remove");
    std::fs::create_dir(&tenants).expect("mkdir");
    let loaded = load(&InputPaths::in_dir(dir.path()), builtin_regions());
    assert_eq!(
        problems(dir.path(), &loaded)[0],
        "tenants.csv:1:1: is a directory: expected a CSV file"
    );
    assert_eq!(*loaded.model.stats(InputFile::Tenants), stats(0, 0, 0));
    // The region table gets the same message.
    let errors = load_regions(&tenants).expect_err("a directory");
    assert_eq!(
        errors[0]
            .to_string()
            .replace(&format!("{}/", dir.path().display()), ""),
        "tenants.csv:1:1: is a directory: expected a CSV file"
    );
}

#[test]
fn a_missing_file() {
    let dir = network_with(InputFile::Partners, PARTNERS.as_bytes());
    std::fs::remove_file(dir.path().join("relationships.csv")).expect("remove");
    let loaded = load(&InputPaths::in_dir(dir.path()), builtin_regions());
    assert_eq!(
        problems(dir.path(), &loaded),
        ["relationships.csv:1:1: file not found: expected a CSV file here"]
    );
}

#[test]
fn a_file_that_cannot_be_opened() {
    // Tests may run as root, where permissions do not stop reading; a path through a regular
    // file fails to open for everyone (ENOTDIR).
    let dir = network_with(InputFile::Partners, PARTNERS.as_bytes());
    let mut paths = InputPaths::in_dir(dir.path());
    paths.partners = dir.path().join("tenants.csv").join("partners.csv");
    let loaded = load(&paths, builtin_regions());
    assert_eq!(
        problems(dir.path(), &loaded)[0],
        "tenants.csv/partners.csv:1:1: cannot read file: Not a directory (os error 20)"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_file_that_fails_while_being_read() {
    // /proc/self/mem opens for reading, but reading at offset 0 (unmapped memory) fails with
    // EIO, whoever runs the test: a real read failure on an open file.
    let dir = network_with(InputFile::Partners, PARTNERS.as_bytes());
    let mut paths = InputPaths::in_dir(dir.path());
    paths.tenants = "/proc/self/mem".into();
    let loaded = load(&paths, builtin_regions());
    assert_eq!(
        loaded.errors[0].to_string(),
        "/proc/self/mem:1:1: cannot read file: Input/output error (os error 5)"
    );
    assert_eq!(*loaded.model.stats(InputFile::Tenants), stats(0, 0, 0));
}

#[test]
fn a_file_broken_on_every_row_keeps_the_first_ten_thousand_problems() {
    let mut text = String::from(RELATIONSHIPS);
    for i in 0..10_002 {
        text.push_str(&format!("X{i},customer,P9,C1,,2020-01-01\n"));
    }
    let (errors, st) = load_with(InputFile::Relationships, text.as_bytes());
    assert_eq!(st, stats(10_005, 3, 10_002));
    assert_eq!(errors.len(), 10_001);
    assert_eq!(
        errors[0],
        "relationships.csv:5:3: unknown partner 'P9' in from_id: expected a partner_id from partners.csv"
    );
    assert_eq!(
        errors[9_999],
        "relationships.csv:10004:3: unknown partner 'P9' in from_id: expected a partner_id from partners.csv"
    );
    assert_eq!(
        errors[10_000],
        "relationships.csv:1:1: 2 more problems in 2 more rejected rows not listed: the first 10000 problems of a file are listed"
    );
}
