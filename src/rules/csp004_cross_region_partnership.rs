use rayon::prelude::*;

use super::{Entity, Finding, Params, RuleId};
use crate::graph::Network;
use crate::model::RelKind;

declare_rule! {
    /// ## What it finds
    /// A `reseller` row (indirect provider → indirect reseller) between partners in different
    /// CSP regions.
    ///
    /// ## Why it matters
    /// "A partner can only establish a relationship with a partner from the same region"
    /// (sample scenario 8). A provider–reseller relationship that crosses regions lets the
    /// reseller sell where it is not authorised.
    ///
    /// ## Example
    /// ```csv
    /// kind,from_id,to_id,reseller_id,effective_on
    /// reseller,PROVIDER-US,RESELLER-CA,,2021-01-15
    /// ```
    /// The United States and Canada are separate CSP regions.
    ///
    /// ## How to fix
    /// Have the reseller partner with a provider authorised in its own region (often the same
    /// distributor's entity there), and end the cross-region relationship.
    pub const RULE = {
        name: "cross-region-partnership",
        summary: "a provider-reseller relationship links partners in different CSP regions",
        severity: Error,
        check: Some(check),
    };
}

/// One finding per cross-region `reseller` row.
///
/// # Complexity
/// O(E) over the reseller edges, in parallel.
pub fn check(net: &Network, _: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP004;
    let m = &net.model;
    let regions = &m.regions;
    net.par_rows(RelKind::Reseller)
        .filter_map(|r| {
            let (p, q) = (m.partner(r.from_partner()), m.partner(r.to_partner()));
            (p.region != q.region).then(|| {
                Finding::new(
                    rule,
                    format!(
                        "provider '{}' ({}, {}) and reseller '{}' ({}, {}) are in different CSP regions",
                        m.partner_id(r.from_partner()),
                        regions.code(p.country),
                        regions.region_name(p.region),
                        m.partner_id(r.to_partner()),
                        regions.code(q.country),
                        regions.region_name(q.region)
                    ),
                )
                .entity(Entity::Partner(r.from_partner()))
                .entity(Entity::Partner(r.to_partner()))
                .rel_row(r.line())
            })
        })
        .collect()
}
