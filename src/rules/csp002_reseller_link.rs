use rayon::prelude::*;

use super::{Entity, Finding, Params, RuleId};
use crate::graph::Network;
use crate::model::{RelKind, Relationship, Role};

declare_rule! {
    /// ## What it finds
    /// - A `customer` row sold by an indirect provider that names no `reseller_id`, names a
    ///   partner that is not an indirect reseller, or names a reseller with no `reseller`
    ///   relationship with that provider in effect on or before the sale's date.
    /// - A `customer` row sold by a direct-bill partner that names a `reseller_id`.
    /// - A `reseller` row whose ends are not an indirect provider → an indirect reseller.
    ///
    /// ## Why it matters
    /// The program has two chains of sale (sample scenario 1): Microsoft → direct-bill partner →
    /// customer, and Microsoft → indirect provider → indirect reseller → customer. An indirect
    /// provider's sale always goes through a reseller it has a provider–reseller relationship
    /// with; a direct-bill partner sells on its own. Anything else is a broken chain.
    ///
    /// ## Example
    /// ```csv
    /// kind,from_id,to_id,reseller_id,effective_on
    /// reseller,PROVIDER-1,RESELLER-1,,2022-01-01
    /// customer,PROVIDER-1,tenant-9,RESELLER-1,2021-06-01
    /// ```
    /// The sale is dated before the provider–reseller relationship took effect.
    ///
    /// ## How to fix
    /// Name the indirect reseller on the sale, record (or correct the date of) the `reseller`
    /// relationship between the provider and that reseller, drop the `reseller_id` from a
    /// direct-bill sale, or correct the partners' roles.
    pub const RULE = {
        name: "reseller-link",
        summary: "a sale or provider-reseller relationship does not follow the provider -> reseller -> customer chain",
        severity: Error,
        check: Some(check),
    };
}

/// One finding per broken `customer` or `reseller` row.
///
/// # Complexity
/// O(E) with one look-up in the dense reseller-pair table per provider sale, in parallel.
pub fn check(net: &Network, _: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP002;
    // Without a reseller_id column no sale says its reseller: only reseller rows can be checked
    // (the rule is then partly checked, see `coverage`).
    let named = net
        .model
        .has_column(crate::model::InputFile::Relationships, "reseller_id");
    let sales = net
        .par_rows(RelKind::Customer)
        .filter(|_| named)
        .filter_map(|r| broken_sale(net, r).map(|why| Finding::new(rule, why).sale(r)));
    let links = net
        .par_rows(RelKind::Reseller)
        .filter_map(|r| {
            let m = &net.model;
            let (p, q) = (m.partner(r.from_partner()), m.partner(r.to_partner()));
            if p.role == Role::IndirectProvider && q.role == Role::IndirectReseller {
                return None;
            }
            let why = format!(
                "reseller relationship from '{}', {}, to '{}', {}: expected an indirect provider and an indirect reseller",
                m.partner_id(r.from_partner()),
                p.role.prose(),
                m.partner_id(r.to_partner()),
                q.role.prose()
            );
            Some(
                Finding::new(rule, why)
                    .entity(Entity::Partner(r.from_partner()))
                    .entity(Entity::Partner(r.to_partner()))
                    .rel_row(r.line()),
            )
        });
    sales.chain(links).collect()
}

/// Why a sale breaks the chain, if it does.
fn broken_sale(net: &Network, r: &Relationship) -> Option<String> {
    let m = &net.model;
    let role = |p: crate::model::PartnerIdx| net.partner_role[p.ix()];
    // The ids are only read to word a finding: most sales are fine and never touch them.
    let tenant = || m.tenant_id(r.to_tenant());
    let seller_id = || m.partner_id(r.from_partner());
    match (role(r.from_partner()), r.reseller()) {
        (Role::IndirectProvider, None) => Some(format!(
            "indirect provider '{}' sells to tenant '{}' without naming an indirect reseller",
            seller_id(),
            tenant()
        )),
        (Role::IndirectProvider, Some(rs)) => {
            if role(rs) != Role::IndirectReseller {
                return Some(format!(
                    "indirect provider '{}' sells to tenant '{}' through '{}', {}: expected an indirect reseller",
                    seller_id(),
                    tenant(),
                    m.partner_id(rs),
                    role(rs).prose()
                ));
            }
            let date = r.effective_on?;
            match net.reseller_since.get(r.from_partner(), rs) {
                Some(since) if since <= date => None,
                Some(since) => Some(format!(
                    "indirect provider '{}' sells to tenant '{}' through '{}' on {date}, before their reseller relationship took effect on {since}",
                    seller_id(),
                    tenant(),
                    m.partner_id(rs)
                )),
                None => Some(format!(
                    "indirect provider '{}' sells to tenant '{}' through '{}' without a reseller relationship between them",
                    seller_id(),
                    tenant(),
                    m.partner_id(rs)
                )),
            }
        }
        (Role::DirectBill, Some(rs)) => Some(format!(
            "direct-bill partner '{}' sells to tenant '{}' naming reseller '{}': a direct-bill sale has no reseller",
            seller_id(),
            tenant(),
            m.partner_id(rs)
        )),
        // A reseller as seller is CSP001's finding; a direct-bill sale without reseller is fine.
        _ => None,
    }
}
