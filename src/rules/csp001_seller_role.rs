use rayon::prelude::*;

use super::{Entity, Finding, Params, RuleId};
use crate::graph::Network;
use crate::model::{RelKind, Role};

declare_rule! {
    /// ## What it finds
    /// A `customer` relationship whose seller is an indirect reseller.
    ///
    /// ## Why it matters
    /// Only direct-bill partners and indirect providers buy from Microsoft and sell to customers
    /// (sample scenario 1). An indirect reseller has no billing relationship with Microsoft and
    /// transacts only through an indirect provider, so a sale recorded with a reseller as the
    /// seller is either a mis-recorded sale or business done outside the program.
    ///
    /// ## Example
    /// ```csv
    /// kind,from_id,to_id,reseller_id,effective_on
    /// customer,RESELLER-1,tenant-9,,2021-04-01
    /// ```
    /// `RESELLER-1` is an `indirect_reseller`: it cannot be the seller.
    ///
    /// ## How to fix
    /// Record the sale with the indirect provider as the seller and the reseller in
    /// `reseller_id` (`customer,PROVIDER-1,tenant-9,RESELLER-1,2021-04-01`), or, if the partner
    /// really bills the customer itself, correct its role to `direct_bill`.
    pub const RULE = {
        name: "seller-role",
        summary: "an indirect reseller is recorded as the seller of a customer relationship",
        severity: Error,
        check: Some(check),
    };
}

/// One finding per `customer` row whose seller is an indirect reseller.
///
/// # Complexity
/// O(E) over the customer edges, in parallel.
pub fn check(net: &Network, _: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP001;
    let m = &net.model;
    net.par_rows(RelKind::Customer)
        .filter(|r| net.partner_role[r.from_partner().ix()] == Role::IndirectReseller)
        .map(|r| {
            Finding::new(
                rule,
                format!(
                    "indirect reseller '{}' is the seller to tenant '{}': an indirect reseller sells only through an indirect provider",
                    m.partner_id(r.from_partner()),
                    m.tenant_id(r.to_tenant())
                ),
            )
            .entity(Entity::Partner(r.from_partner()))
            .entity(Entity::Tenant(r.to_tenant()))
            .rel_row(r.line())
        })
        .collect()
}
