//! The bundled sample network (`data/sample/`): its exact findings, worked out by hand from the
//! design of the data (see `data/sample/README.md`, which says what each row group shows).

use std::collections::BTreeMap;
use std::path::Path;

use crate::support::expect::{assert_same, audit_dir, Seen};

/// Every finding the sample must produce: rule, entity ids, `relationships.csv` lines, and the
/// cycle for CSP005. Nothing else may be reported: every row not listed here is an allowed
/// scenario (1, 2, 3, 4 and 6) or a near miss of a rule.
fn expected() -> Vec<Seen> {
    let f = Seen::new;
    vec![
        // An indirect reseller sells on its own.
        f("CSP001", &["R-CONTOSO-US", "t-bellows-us"], &[54], &[]),
        // Provider sale without a reseller.
        f("CSP002", &["P-WOODGROVE-US", "t-fincher-us"], &[55], &[]),
        // Adventure Works has no reseller relationship with Fabrikam UK.
        f(
            "CSP002",
            &["P-ADVENTURE-NL", "R-FABRIKAM-UK", "t-vanarsdel-fr"],
            &[56],
            &[],
        ),
        // Sold 2020-06-10, five days before the provider-reseller relationship (line 8).
        f(
            "CSP002",
            &["P-WOODGROVE-CA", "R-FOURTH-CA", "t-liberty-ca"],
            &[57],
            &[],
        ),
        // A direct-bill sale that names a reseller.
        f(
            "CSP002",
            &["D-MARGIE-DE", "R-FABRIKAM-DE", "t-southridge-nl"],
            &[58],
            &[],
        ),
        // A `reseller` row whose reseller end is a direct-bill partner.
        f("CSP002", &["P-NORTHWIND-EU", "D-MARGIE-DE"], &[18], &[]),
        // The reseller is in Canada, the provider and the tenant in the United States.
        f(
            "CSP003",
            &["P-WOODGROVE-US", "R-FOURTH-CA", "t-fincher-us"],
            &[59],
            &[],
        ),
        // A US direct-bill partner sells to a Canadian tenant.
        f("CSP003", &["D-ALPINE-US", "t-liberty-ca"], &[60], &[]),
        // South Africa is in Middle East, Central and Eastern Europe; Kenya is in Africa.
        f(
            "CSP003",
            &["P-TAILSPIN-ZA", "R-LUCERNE-ZA", "t-nod-ke"],
            &[61],
            &[],
        ),
        f("CSP004", &["P-TAILSPIN-ZA", "R-TREY-KE"], &[16], &[]),
        f("CSP004", &["P-WOODGROVE-US", "R-FOURTH-CA"], &[17], &[]),
        // The reseller's organization reaches the tenant's through the holding company.
        f(
            "CSP005",
            &["P-NORTHWIND-EU", "R-FABRIKAM-DE", "t-fabrikam-uk-ops"],
            &[62],
            &[
                "R-FABRIKAM-DE",
                "t-fabrikam-uk-ops",
                "ORG-FABRIKAM-UK",
                "ORG-FABRIKAM-HOLDING",
                "ORG-FABRIKAM",
                "R-FABRIKAM-DE",
            ],
        ),
        // A direct-bill partner sells into its own internal-use tenant.
        f(
            "CSP005",
            &["D-ALPINE-US", "t-alpine-internal"],
            &[63],
            &[
                "D-ALPINE-US",
                "t-alpine-internal",
                "ORG-ALPINE",
                "D-ALPINE-US",
            ],
        ),
        // The Canadian provider sells to a tenant of its US parent.
        f(
            "CSP005",
            &["P-WOODGROVE-CA", "R-FOURTH-CA", "t-woodgrove-canada-office"],
            &[64],
            &[
                "P-WOODGROVE-CA",
                "t-woodgrove-canada-office",
                "ORG-WOODGROVE",
                "ORG-WOODGROVE-CA",
                "P-WOODGROVE-CA",
            ],
        ),
        // Affiliate rows A->B and B->A are one relationship.
        f(
            "CSP006",
            &["ORG-WOODGROVE", "ORG-WOODGROVE-CA"],
            &[4, 5],
            &[],
        ),
        f("CSP006", &["P-WOODGROVE-US", "R-CONTOSO-US"], &[6, 19], &[]),
        f(
            "CSP006",
            &["P-NORTHWIND-EU", "R-FABRIKAM-DE", "t-wideworld-de"],
            &[23, 65],
            &[],
        ),
        f(
            "CSP007",
            &["D-ALPINE-US", "t-contoso-csp", "R-CONTOSO-US"],
            &[66],
            &[],
        ),
        f(
            "CSP007",
            &["P-WOODGROVE-US", "t-adatum-csp", "R-ADATUM-US"],
            &[67],
            &[],
        ),
        f(
            "CSP007",
            &["P-WOODGROVE-US", "t-contoso-csp", "R-CONTOSO-US"],
            &[68],
            &[],
        ),
        f(
            "CSP008",
            &["P-WOODGROVE-US", "R-ADATUM-US", "t-adatum-csp"],
            &[7, 67],
            &[],
        ),
        // Both recorded provider-reseller rows are listed with the sale.
        f(
            "CSP008",
            &["P-WOODGROVE-US", "R-CONTOSO-US", "t-contoso-csp"],
            &[6, 19, 68],
            &[],
        ),
        // Signed 2021-06-30: the sales of 2021-03-01 and 2021-06-29 are uncovered; those of
        // 2019-11-01 (before the cut-off), 2021-06-30 (the day it signed) and later are not.
        f("CSP009", &["D-BLUEYONDER-GB"], &[69, 70], &[]),
        // Never signed: its provider-reseller row and its sale are both transactions.
        f("CSP009", &["R-WINGTIP-AE"], &[13, 26], &[]),
        // Onboarded but never enrolled.
        f("CSP010", &["R-PROSEWARE-FR"], &[71], &[]),
        // Sold through on 2020-05-01, enrolled only on 2020-05-15.
        f("CSP010", &["R-TREY-KE"], &[72], &[]),
    ]
}

fn sample_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample"))
}

#[test]
fn sample_findings_are_exactly_the_planted_ones() {
    let found = audit_dir(sample_dir());
    assert_same("data/sample", &found, &expected());
}

#[test]
fn sample_breaks_every_rule_and_is_the_promised_size() {
    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    for f in audit_dir(sample_dir()) {
        *by_rule.entry(f.rule).or_default() += 1;
    }
    let codes: Vec<String> = csp_audit::rules::NetworkRule::ALL
        .iter()
        .map(|r| r.code().to_string())
        .collect();
    assert_eq!(by_rule.keys().cloned().collect::<Vec<_>>(), codes);

    let loaded = csp_audit::audit::load_network(
        &csp_audit::load::InputPaths::in_dir(sample_dir()),
        csp_audit::load::builtin_regions(),
    );
    let m = &loaded.net.model;
    assert!(m.tenants.len() >= 30, "{} tenants", m.tenants.len());
    assert!(
        m.relationships.len() >= 60,
        "{} relationships",
        m.relationships.len()
    );
    let regions: std::collections::BTreeSet<_> = m.partners.iter().map(|p| p.region).collect();
    assert!(regions.len() >= 3, "partners in {} regions", regions.len());
}

#[test]
fn sample_findings_come_in_the_documented_order() {
    // Sorted by rule, then entity ids, then rows.
    let found = audit_dir(sample_dir());
    let keys: Vec<(String, Vec<String>, Vec<u32>)> = found
        .iter()
        .map(|f| (f.rule.clone(), f.entities.clone(), f.rows.clone()))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
}
