use rayon::prelude::*;

use super::{Entity, Finding, Params, RuleId};
use rustc_hash::FxHashSet;

use crate::graph::Network;
use crate::model::{PartnerIdx, RelKind, TenantIdx};

declare_rule! {
    /// ## What it finds
    /// An indirect provider P that has a `reseller` relationship with reseller R and also a
    /// `customer` row into R's CSP tenant. One finding per (provider, reseller, tenant), listing
    /// the `customer` and `reseller` rows.
    ///
    /// ## Why it matters
    /// When a reseller's organization already has a provider–reseller relationship, that
    /// "prevents the partner from establishing any new relationship type as an end-customer with
    /// the same indirect provider" (sample scenario 6).
    ///
    /// ## Example
    /// ```csv
    /// kind,from_id,to_id,reseller_id,effective_on
    /// reseller,PROVIDER-1,RESELLER-1,,2020-01-10
    /// customer,PROVIDER-1,tenant-csp-reseller-1,RESELLER-2,2021-03-01
    /// ```
    ///
    /// ## How to fix
    /// The scenario's options: buy into a separate Customer-type tenant (option 1), or buy from
    /// another indirect provider or a direct-bill partner (options 2 and 3).
    pub const RULE = {
        name: "reseller-buys-from-own-provider",
        summary: "a provider sells into the CSP tenant of one of its own resellers",
        severity: Error,
        check: Some(check),
    };
}

/// One finding per (provider, reseller, tenant) triple.
///
/// # Complexity
/// O(E) to find the sales into CSP tenants and the reseller rows of the same pairs, in
/// parallel, then a sort of what was found.
pub fn check(net: &Network, _: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP008;
    let m = &net.model;
    // (provider, reseller, tenant, line) of the sales into a reseller's CSP tenant; then the
    // reseller rows of the same (provider, reseller) pairs, to list beside them.
    let mut sales: Vec<(PartnerIdx, PartnerIdx, TenantIdx, u32)> = net
        .par_rows(RelKind::Customer)
        .filter_map(|r| {
            let reseller = net.csp_owner(r.to_tenant())?;
            net.reseller_since
                .contains(r.from_partner(), reseller)
                .then_some((r.from_partner(), reseller, r.to_tenant(), r.line()))
        })
        .collect();
    if sales.is_empty() {
        return Vec::new();
    }
    let pairs: FxHashSet<(PartnerIdx, PartnerIdx)> = sales.iter().map(|s| (s.0, s.1)).collect();
    let mut links: Vec<(PartnerIdx, PartnerIdx, u32)> = net
        .par_rows(RelKind::Reseller)
        .map(|r| (r.from_partner(), r.to_partner(), r.line()))
        .filter(|l| pairs.contains(&(l.0, l.1)))
        .collect();
    sales.par_sort_unstable();
    links.par_sort_unstable();
    sales
        .chunk_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2))
        .map(|group| {
            let (p, r, t) = (group[0].0, group[0].1, group[0].2);
            let start = links.partition_point(|l| (l.0, l.1) < (p, r));
            let end = links.partition_point(|l| (l.0, l.1) <= (p, r));
            let mut lines: Vec<u32> = group.iter().map(|s| s.3).collect();
            lines.extend(links[start..end].iter().map(|l| l.2));
            lines.sort_unstable();
            let mut f = Finding::new(
                rule,
                format!(
                    "provider '{}' sells into tenant '{}', the CSP tenant of its own reseller '{}'",
                    m.partner_id(p),
                    m.tenant_id(t),
                    m.partner_id(r)
                ),
            )
            .entity(Entity::Partner(p))
            .entity(Entity::Partner(r))
            .entity(Entity::Tenant(t));
            for line in lines {
                f = f.rel_row(line);
            }
            f
        })
        .collect()
}
