use rayon::prelude::*;

use super::{Entity, Finding, Params, RuleId};
use crate::graph::Network;
use crate::model::{Date, PartnerIdx, RelKind, Role};

declare_rule! {
    /// ## What it finds
    /// An indirect reseller named as `reseller_id` on a `customer` row effective on or after the
    /// cut-off (2020-02-01 by default) that is dated before its `onboarded_on` or `enrolled_on`,
    /// or while either is missing. One finding per reseller, listing its offending rows.
    ///
    /// ## Why it matters
    /// "Indirect resellers need to do three things before they can transact new business in the
    /// Cloud Solution Provider program: onboard into Partner Center, enroll as an indirect
    /// reseller, sign the Microsoft Partner Agreement" (the page's MPA section). The MPA is
    /// CSP009's; this rule checks the other two.
    ///
    /// ## Example
    /// ```csv
    /// partner_id,name,role,country,onboarded_on,enrolled_on
    /// RESELLER-1,Fabrikam,indirect_reseller,DE,2021-01-10,
    /// ```
    /// with a sale through `RESELLER-1` on 2021-05-01: it never enrolled.
    ///
    /// ## How to fix
    /// Have the reseller complete onboarding and enrolment in Partner Center before the provider
    /// transacts through it, and record the dates.
    pub const RULE = {
        name: "reseller-not-ready",
        summary: "an indirect reseller transacts before it onboarded and enrolled",
        severity: Error,
        check: Some(check),
    };
}

/// One finding per reseller with sales before it was onboarded and enrolled.
///
/// # Complexity
/// O(E) over the customer edges, in parallel, then a sort of the offending rows.
pub fn check(net: &Network, params: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP010;
    let m = &net.model;
    let not_ready = |p: PartnerIdx, date: Date| {
        if net.partner_role[p.ix()] != Role::IndirectReseller || date < params.mpa_cutoff {
            return false;
        }
        let partner = m.partner(p);
        [partner.onboarded_on, partner.enrolled_on]
            .iter()
            .any(|d| d.is_none_or(|d| date < d))
    };
    let mut hits: Vec<(PartnerIdx, u32, Date)> = net
        .par_rows(RelKind::Customer)
        .filter_map(|r| {
            let rs = r.reseller()?;
            let date = r.effective_on?;
            not_ready(rs, date).then_some((rs, r.line(), date))
        })
        .collect();
    hits.par_sort_unstable();
    hits.chunk_by(|a, b| a.0 == b.0)
        .map(|group| {
            let p = m.partner(group[0].0);
            let status = |what: &str, d: Option<Date>| {
                d.map_or(format!("{what}: missing"), |d| format!("{what}: {d}"))
            };
            let mut f = Finding::new(
                rule,
                format!(
                    "indirect reseller '{}' resells on {} row{} from {} before it is ready ({}, {})",
                    m.partner_id(group[0].0),
                    group.len(),
                    if group.len() == 1 { "" } else { "s" },
                    // The first sale's date: when the reseller had to be ready by.
                    group.iter().map(|h| h.2).min().unwrap_or(params.mpa_cutoff),
                    status("onboarded", p.onboarded_on),
                    status("enrolled", p.enrolled_on)
                ),
            )
            .entity(Entity::Partner(group[0].0));
            for &(_, line, _) in group {
                f = f.rel_row(line);
            }
            f
        })
        .collect()
}
