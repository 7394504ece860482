use rayon::prelude::*;

use super::{Finding, Params, RuleId};
use crate::graph::Network;
use crate::model::RelKind;

declare_rule! {
    /// ## What it finds
    /// A `customer` row whose seller, or whose indirect reseller, is in another CSP region than
    /// the customer tenant. Regions come from the region table (`data/regions.csv` or
    /// `--regions`), by the country of each partner and tenant.
    ///
    /// ## Why it matters
    /// "A partner in the CSP program can only sell to customers from the same region"
    /// (sample scenario 7). The region is the CSP region of the country, not the country: a
    /// German partner may sell to a French customer, but not to one in the United States or in
    /// Canada, and South Africa belongs to Middle East, Central and Eastern Europe, not Africa.
    ///
    /// ## Example
    /// ```csv
    /// kind,from_id,to_id,reseller_id,effective_on
    /// customer,PROVIDER-DE,tenant-us,RESELLER-DE,2022-03-01
    /// ```
    /// The provider and reseller are in Europe, the tenant in the United States.
    ///
    /// ## How to fix
    /// Move the customer to a partner authorised in its region (for example the provider's
    /// affiliate there), or correct the country of the partner or tenant if it is wrong.
    pub const RULE = {
        name: "cross-region-customer",
        summary: "a seller or reseller sells to a customer tenant in another CSP region",
        severity: Error,
        check: Some(check),
    };
}

/// One finding per `customer` row with a party outside the tenant's region.
///
/// # Complexity
/// O(E) over the customer edges, in parallel.
pub fn check(net: &Network, _: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP003;
    let m = &net.model;
    let regions = &m.regions;
    net.par_rows(RelKind::Customer)
        .filter_map(|r| {
            // Most sales stay in the region: decide from the dense region columns, and read
            // the tenant row and the ids only to word a finding.
            let region = net.tenant_region[r.to_tenant().ix()];
            let outside = |p: crate::model::PartnerIdx| m.partner(p).region != region;
            if !outside(r.from_partner()) && !r.reseller().is_some_and(outside) {
                return None;
            }
            let tenant = m.tenant(r.to_tenant());
            let parties = std::iter::once(r.from_partner()).chain(r.reseller());
            let outside: Vec<String> = parties
                .map(|p| (m.partner_id(p), m.partner(p)))
                .filter(|(_, p)| p.region != tenant.region)
                .map(|(id, p)| {
                    format!(
                        "'{}' ({}, {})",
                        id,
                        regions.code(p.country),
                        regions.region_name(p.region)
                    )
                })
                .collect();
            if outside.is_empty() {
                return None;
            }
            Some(
                Finding::new(
                    rule,
                    format!(
                        "{} {} outside the region of tenant '{}' ({}, {})",
                        outside.join(" and "),
                        if outside.len() == 1 { "sells" } else { "sell" },
                        m.tenant_id(r.to_tenant()),
                        regions.code(tenant.country),
                        regions.region_name(tenant.region)
                    ),
                )
                .sale(r),
            )
        })
        .collect()
}
