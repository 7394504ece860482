use rayon::prelude::*;

use super::{Entity, Finding, Params, RuleId};
use crate::graph::Network;
use crate::model::{RelKind, TenantKind};

declare_rule! {
    /// ## What it finds
    /// A `customer` row into a tenant of kind `partner`: a partner's CSP tenant.
    ///
    /// ## Why it matters
    /// A partner may buy for its own use, but "services bought by the partner need to be
    /// provisioned to a tenant designated as a Customer type (a tenant for internal use only).
    /// Such services cannot be provisioned to the existing partner's CSP tenant" (sample
    /// scenario 4).
    ///
    /// ## Example
    /// ```csv
    /// kind,from_id,to_id,reseller_id,effective_on
    /// customer,DIRECT-1,tenant-csp-of-reseller-7,,2022-02-01
    /// ```
    ///
    /// ## How to fix
    /// Provision the purchase into a separate Customer-type tenant of the buying partner's
    /// organization, and move the subscriptions off the CSP tenant.
    pub const RULE = {
        name: "partner-tenant-purchase",
        summary: "services are sold into a partner's CSP tenant",
        severity: Error,
        check: Some(check),
    };
}

/// One finding per `customer` row into a partner tenant.
///
/// # Complexity
/// O(E) over the customer edges, in parallel.
pub fn check(net: &Network, _: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP007;
    let m = &net.model;
    net.par_rows(RelKind::Customer)
        .filter(|r| m.tenant(r.to_tenant()).kind == TenantKind::Partner)
        .map(|r| {
            let t = r.to_tenant();
            let owner = net.csp_owner(t);
            let whose = owner.map_or(
                "a partner tenant no partner names as its CSP tenant".to_string(),
                |p| format!("the CSP tenant of partner '{}'", m.partner_id(p)),
            );
            let mut f = Finding::new(
                rule,
                format!(
                    "'{}' sells into tenant '{}', {whose}: purchases for own use need a Customer-type tenant",
                    m.partner_id(r.from_partner()),
                    m.tenant_id(t)
                ),
            )
            .entity(Entity::Partner(r.from_partner()))
            .entity(Entity::Tenant(t));
            if let Some(p) = owner {
                f = f.entity(Entity::Partner(p));
            }
            f.rel_row(r.line())
        })
        .collect()
}
