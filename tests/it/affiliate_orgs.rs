//! Organizations named only by affiliate rows (a holding company with no partner or tenant in
//! the export) are accepted, so a self-sale through a parent company can be expressed.

use csp_audit::audit::audit;
use csp_audit::graph::Network;
use csp_audit::load::{builtin_regions, load_from_bytes};
use csp_audit::rules::Params;

const PARTNERS: &str = "\
partner_id,name,role,country,organization_id,onboarded_on,enrolled_on,mpa_signed_on
P1,Contoso,direct_bill,US,ORG-C,2018-01-01,2018-01-01,2019-01-01
";
const TENANTS: &str = "\
tenant_id,name,kind,country,organization_id
C1,Adventure Works,customer,US,ORG-A
";

/// A finding as (rule code, the ids of its path).
type Seen = (String, Vec<String>);

fn run(relationships: &str) -> (Vec<String>, Vec<Seen>, usize) {
    let loaded = load_from_bytes(
        PARTNERS.as_bytes(),
        TENANTS.as_bytes(),
        relationships.as_bytes(),
        builtin_regions(),
    );
    let errors = loaded.errors.iter().map(|e| e.to_string()).collect();
    let orgs = loaded.model.organizations.len();
    let net = Network::build(loaded.model);
    let findings = audit(&net, &Params::default())
        .iter()
        .map(|f| {
            let path = f.path.iter().map(|e| e.id(&net).to_string()).collect();
            (f.rule.info().code.to_string(), path)
        })
        .collect();
    (errors, findings, orgs)
}

#[test]
fn a_self_sale_through_a_parent_company_is_found() {
    let (errors, findings, orgs) = run("\
kind,from_id,to_id,reseller_id,effective_on
customer,P1,C1,,2020-03-01
affiliate,ORG-C,HOLD,,
affiliate,HOLD,ORG-A,,
");
    assert_eq!(errors, Vec::<String>::new());
    // ORG-C, ORG-A and the holding company, created once for its two rows.
    assert_eq!(orgs, 3);
    assert_eq!(
        findings,
        [(
            "CSP005".to_string(),
            ["P1", "C1", "ORG-A", "HOLD", "ORG-C", "P1"]
                .map(String::from)
                .to_vec()
        )]
    );
}

#[test]
fn two_unknown_organizations_and_a_self_link() {
    let (errors, findings, orgs) = run("\
kind,from_id,to_id,reseller_id,effective_on
affiliate,H1,H2,,
affiliate,H2,H2,,
");
    assert_eq!(
        errors,
        ["relationships.csv:3:3: affiliate row links organization 'H2' to itself: expected two different organizations"]
    );
    assert_eq!(orgs, 4);
    assert!(findings.is_empty(), "{findings:?}");
}
