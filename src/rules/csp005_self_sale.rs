use rayon::prelude::*;

use super::{Entity, Finding, Params, RuleId};
use crate::graph::{Network, NO_GROUP};
use crate::model::{OrgIdx, PartnerIdx, RelKind, Relationship};

declare_rule! {
    /// ## What it finds
    /// A `customer` row whose seller, or whose indirect reseller, belongs to the same affiliate
    /// group as the organization that owns the tenant. An affiliate group is a connected
    /// component of `affiliate` rows: affiliation is symmetric and transitive. The finding
    /// carries the cycle: seller → tenant → owning organization → affiliate links → the seller's
    /// organization → seller, through the group's breadth-first tree (rooted at its smallest
    /// organization id), so that the same network always gives the same cycle.
    ///
    /// ## Why it matters
    /// "By contract, partners in the CSP program are not allowed to sell Microsoft or third-party
    /// offers to themselves (as end-customers) or to their affiliate organizations (as
    /// end-customers)" (sample scenario 5). Buying for one's own use is allowed only from an
    /// unrelated partner, into a Customer-type tenant (scenario 4), which this rule leaves alone.
    ///
    /// ## Example
    /// ```csv
    /// kind,from_id,to_id,reseller_id,effective_on
    /// affiliate,ORG-CONTOSO,ORG-CONTOSO-UK,,
    /// customer,PROVIDER-1,tenant-contoso-uk,RESELLER-CONTOSO,2022-05-01
    /// ```
    /// `RESELLER-CONTOSO` (organization `ORG-CONTOSO`) resells to a tenant of its affiliate.
    ///
    /// ## How to fix
    /// Buy from an unrelated partner, or end the sale; if the organizations are not in fact
    /// affiliated, correct the `affiliate` rows or the tenant's `organization_id`.
    pub const RULE = {
        name: "self-sale",
        summary: "a partner sells to a tenant of its own organization or of an affiliate",
        severity: Error,
        check: Some(check),
    };
}

/// One finding per self-sale `customer` row, with its cycle.
///
/// # Complexity
/// O(C) over the C `customer` edges only, in parallel, with dense-index look-ups; if there are
/// any hits, a breadth-first walk of the graph over the affiliate groups they touch, then the
/// length of each cycle.
pub fn check(net: &Network, _: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP005;
    let m = &net.model;
    // The affiliate group of each partner's organization, read once per sale party.
    let partner_group: Vec<u32> = m
        .partners
        .iter()
        .map(|p| net.org_group[p.org.ix()])
        .collect();
    let hits: Vec<(&Relationship, PartnerIdx, OrgIdx)> = net
        .par_rows(RelKind::Customer)
        .filter_map(|r| {
            let group = net.tenant_group[r.to_tenant().ix()];
            if group == NO_GROUP {
                return None;
            }
            let party = std::iter::once(r.from_partner())
                .chain(r.reseller())
                .find(|p| partner_group[p.ix()] == group)?;
            let owner = m.tenant(r.to_tenant()).org?;
            Some((r, party, owner))
        })
        .collect();
    if hits.is_empty() {
        return Vec::new();
    }
    let forest = net.affiliate_forest(hits.iter().map(|h| h.2));
    hits.into_par_iter()
        .filter_map(|(r, party, owner)| {
            let links = forest.path(owner, m.partner(party).org)?;
            Some(finding(net, rule, r, party, links))
        })
        .collect()
}

fn finding(
    net: &Network,
    rule: RuleId,
    r: &Relationship,
    party: PartnerIdx,
    links: Vec<OrgIdx>,
) -> Finding {
    let m = &net.model;
    let partner = m.partner(party);
    let owner = links[0];
    let role = if party == r.from_partner() {
        "seller"
    } else {
        "reseller"
    };
    let how = if links.len() == 1 {
        format!("its own organization '{}'", m.org_id(owner))
    } else {
        format!(
            "organization '{}', an affiliate of its organization '{}'",
            m.org_id(owner),
            m.org_id(partner.org)
        )
    };
    let mut f = Finding::new(
        rule,
        format!(
            "{role} '{}' sells to tenant '{}' of {how}",
            m.partner_id(party),
            m.tenant_id(r.to_tenant())
        ),
    )
    .sale(r);
    f.path = std::iter::once(Entity::Partner(party))
        .chain(std::iter::once(Entity::Tenant(r.to_tenant())))
        .chain(links.into_iter().map(Entity::Org))
        .chain(std::iter::once(Entity::Partner(party)))
        .collect();
    f
}
