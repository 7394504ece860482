use rayon::prelude::*;

use super::csp007_partner_tenant_purchase::csp_tenant_owners;
use super::{declare_rule, id_of, Entity, Finding, Params};
use crate::graph::{EdgeKind, Network};
use crate::model::{PartnerIdx, TenantIdx};

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
    pub static RULE = {
        code: "CSP008",
        name: "reseller-buys-from-own-provider",
        summary: "a provider sells into the CSP tenant of one of its own resellers",
        severity: Error,
        check: Some(check),
    };
}

/// One finding per (provider, reseller, tenant) triple.
///
/// # Complexity
/// O(E log E): customer edges into CSP tenants are matched with a hash look-up, grouped by a
/// sort; each group then scans the provider's edges for its reseller rows.
pub fn check(net: &Network, _: &Params) -> Vec<Finding> {
    let rule = id_of(&RULE);
    let m = &net.model;
    let owners = csp_tenant_owners(net);
    let mut hits: Vec<(PartnerIdx, PartnerIdx, TenantIdx, u32)> = net
        .par_rows(EdgeKind::Customer)
        .filter_map(|(_, r)| {
            let reseller = owners[r.to_tenant().ix()]?;
            net.reseller_since
                .contains_key(&(r.from_partner(), reseller))
                .then_some((r.from_partner(), reseller, r.to_tenant(), r.line))
        })
        .collect();
    hits.par_sort_unstable();
    hits.chunk_by(|a, b| a.0 == b.0 && a.1 == b.1 && a.2 == b.2)
        .map(|group| {
            let (p, r, t, _) = group[0];
            let mut lines: Vec<u32> = group.iter().map(|h| h.3).collect();
            let (pn, rn) = (net.partner_node(p), net.partner_node(r));
            lines.extend(
                net.graph
                    .edges_connecting(pn, rn)
                    .filter(|e| e.weight().kind == EdgeKind::Reseller)
                    .map(|e| m.relationships[e.weight().row as usize].line),
            );
            lines.sort_unstable();
            let mut f = Finding::new(
                rule,
                format!(
                    "provider '{}' sells into tenant '{}', the CSP tenant of its own reseller '{}'",
                    m.partner(p).id,
                    m.tenant(t).id,
                    m.partner(r).id
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
