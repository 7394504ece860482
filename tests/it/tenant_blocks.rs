//! tenants.csv is read in blocks, checked on all cores and stored in file order: whatever the
//! blocks, what loads is what the rules say row by row. A file of repeated ids (in other
//! letter cases, GUIDs and plain ids), rows rejected for another reason that repeat a loaded
//! id, and organizations shared between rows is loaded in blocks of every size, from one
//! record to the whole file, and compared with the rules worked out row by row here.

use std::collections::HashMap;

use csp_audit::load::table::Chunking;
use csp_audit::load::{builtin_regions, load_with, InputPaths, LoadOptions};

const PARTNERS: &str = "\
partner_id,name,role,country,organization_id,csp_tenant_id,onboarded_on,enrolled_on,mpa_signed_on
P1,Contoso,indirect_provider,US,ORG-P,,2018-01-01,2018-01-01,2019-01-01
";
const RELATIONSHIPS: &str = "\
relationship_id,kind,from_id,to_id,reseller_id,effective_on
R1,customer,P1,T1,,2020-03-01
";

/// One row of the file: its id, whether its country is known, its organization.
struct Line {
    id: String,
    valid: bool,
    org: Option<String>,
}

/// The earlier row that row `i` repeats: spread over all of them (Knuth's multiplicative
/// hash of `i`, folded onto `0..i`).
fn earlier(i: usize) -> usize {
    ((i as u64).wrapping_mul(2_654_435_761) >> 7) as usize % i
}

/// 900 rows: every 7th repeats an earlier id (in upper case every other time), every 11th
/// has an unknown country, organizations repeat over 48 ids, every 5th row has none.
fn lines() -> Vec<Line> {
    let mut out: Vec<Line> = Vec::new();
    for i in 0..900usize {
        let id = if i % 7 == 6 {
            let earlier = &out[earlier(i)].id;
            if i % 2 == 0 {
                earlier.to_uppercase()
            } else {
                earlier.clone()
            }
        } else if i % 3 == 0 {
            format!("{i:08x}-0000-4000-8000-{:012x}", i * 977)
        } else {
            format!("t{i}")
        };
        out.push(Line {
            id,
            valid: i % 11 != 10,
            org: (i % 5 != 4).then(|| format!("ORG-{}", (i * 13) % 60)),
        });
    }
    out
}

fn csv(lines: &[Line]) -> String {
    let mut s = String::from("tenant_id,name,kind,country,organization_id\n");
    for (i, l) in lines.iter().enumerate() {
        let country = if l.valid { "US" } else { "XX" };
        let org = l.org.as_deref().unwrap_or("");
        s += &format!("{},Tenant {i},customer,{country},{org}\n", l.id);
    }
    s
}

/// A loaded tenant: its id and organization.
type Loaded = (String, Option<String>);

/// What storing the rows one after another gives: the problems, the tenants loaded and the
/// organizations in the order they were first named.
fn one_by_one(lines: &[Line]) -> (Vec<String>, Vec<Loaded>, Vec<String>) {
    let mut first_line: HashMap<String, usize> = HashMap::new();
    let (mut errors, mut tenants, mut orgs) = (Vec::new(), Vec::new(), Vec::<String>::new());
    for (i, l) in lines.iter().enumerate() {
        let line = i + 2;
        let mut bad = false;
        if !l.valid {
            errors.push(format!(
                "tenants.csv:{line}:4: unknown country 'XX': expected an ISO 3166-1 alpha-2 code from the region table"
            ));
            bad = true;
        }
        if let Some(first) = first_line.get(&l.id.to_lowercase()) {
            errors.push(format!(
                "tenants.csv:{line}:1: duplicate tenant_id '{}' (tenant ids compare case-insensitively): first defined on line {first}",
                l.id
            ));
            bad = true;
        }
        if bad {
            continue;
        }
        first_line.insert(l.id.to_lowercase(), line);
        if let Some(o) = &l.org {
            if !orgs.contains(o) {
                orgs.push(o.clone());
            }
        }
        tenants.push((l.id.clone(), l.org.clone()));
    }
    (errors, tenants, orgs)
}

#[test]
fn blocks_of_every_size_load_what_one_row_after_another_loads() {
    let lines = lines();
    let (errors, tenants, orgs) = one_by_one(&lines);
    // The rules hold what the file was made to hold.
    assert!(errors.iter().filter(|e| e.contains("duplicate")).count() > 100);
    // Line 8 (row 6) repeats row 2's id in upper case.
    assert_eq!(earlier(6), 2);
    assert!(errors.contains(&"tenants.csv:8:1: duplicate tenant_id 'T2' (tenant ids compare case-insensitively): first defined on line 4".to_string()));
    // Repeats in another case, of GUIDs with letters and of plain ids.
    let dup_of = |pat: fn(&str) -> bool| {
        lines
            .iter()
            .enumerate()
            .filter(|(i, l)| i % 7 == 6 && pat(&l.id))
            .count()
    };
    assert!(dup_of(|id| id.len() == 36 && id.bytes().any(|b| b.is_ascii_uppercase())) > 5);
    assert!(dup_of(|id| id.starts_with('T')) > 5 && dup_of(|id| id.starts_with('t')) > 5);
    // A row rejected for its country whose id a later row repeats: the later row is the
    // first definition, and loads.
    let rejected_then_loaded = lines
        .iter()
        .enumerate()
        .filter(|(i, l)| {
            i % 7 == 6
                && !lines[earlier(*i)].valid
                && l.valid
                && !errors
                    .iter()
                    .any(|e| e.starts_with(&format!("tenants.csv:{}:", i + 2)))
        })
        .count();
    assert!(rejected_then_loaded > 0);
    assert!(
        tenants.len() > 600 && orgs.len() > 40,
        "{} {}",
        tenants.len(),
        orgs.len()
    );

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("tenants.csv"), csv(&lines)).expect("write");
    std::fs::write(dir.path().join("partners.csv"), PARTNERS).expect("write");
    std::fs::write(dir.path().join("relationships.csv"), RELATIONSHIPS).expect("write");
    let prefix = format!("{}/", dir.path().display());
    for (block, chunk) in [(1, 1), (40, 7), (333, 64), (4096, 500), (1 << 20, 1 << 20)] {
        let opts = LoadOptions {
            chunking: Some(Chunking { block, chunk }),
            ..LoadOptions::default()
        };
        let loaded = load_with(&InputPaths::in_dir(dir.path()), builtin_regions(), &opts);
        let m = &loaded.model;
        let got_errors: Vec<String> = loaded
            .errors
            .iter()
            .map(|e| e.to_string().replace(&prefix, ""))
            .collect();
        assert_eq!(got_errors, errors, "block {block}");
        let got_tenants: Vec<Loaded> = m
            .tenants
            .iter()
            .enumerate()
            .map(|(t, tenant)| {
                let org = tenant
                    .org
                    .map(|o| m.organizations.text(o.0 as usize).to_string());
                (m.tenant_ids.text(t).to_string(), org)
            })
            .collect();
        assert_eq!(got_tenants, tenants, "block {block}");
        let got_orgs: Vec<String> = m.organizations.iter().map(str::to_string).collect();
        // The partner's organization comes after those of the tenants.
        assert_eq!(got_orgs[..orgs.len()], orgs[..], "block {block}");
        assert_eq!(
            got_orgs[orgs.len()..],
            ["ORG-P".to_string()],
            "block {block}"
        );
        // The relationship names tenant `t1` in upper case: resolved case-insensitively.
        assert_eq!(m.relationships.len(), 1, "block {block}");
    }
}
