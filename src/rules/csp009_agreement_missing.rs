use rayon::prelude::*;

use super::{Entity, Finding, Params, RuleId};
use crate::graph::Network;
use crate::model::{Date, PartnerIdx, RelKind};

declare_rule! {
    /// ## What it finds
    /// A partner that transacts on or after the MPA cut-off (2020-02-01 by default) without a
    /// Microsoft Partner Agreement signed on or before that transaction's date. A partner
    /// transacts as the seller or the `reseller_id` of a `customer` row, or as either end of a
    /// `reseller` row, on the row's `effective_on`. One finding per partner, listing its
    /// offending rows.
    ///
    /// ## Why it matters
    /// "Starting February 1, 2020, the Microsoft Partner Agreement must be signed by all partners
    /// who transact in the CSP program. This includes indirect providers, direct-bill partners,
    /// and indirect resellers." A provider may not associate a reseller's MPN ID with new
    /// business before the reseller has signed (the page's MPA section).
    ///
    /// ## Example
    /// ```csv
    /// partner_id,name,role,country,mpa_signed_on
    /// RESELLER-1,Fabrikam,indirect_reseller,DE,2021-06-30
    /// ```
    /// with `customer,PROVIDER-1,tenant-9,RESELLER-1,2021-03-01`: the reseller transacted
    /// before it signed.
    ///
    /// ## How to fix
    /// Have the partner sign the MPA (and record `mpa_signed_on`), and hold new business until
    /// it has; if it signed earlier, correct the date.
    pub const RULE = {
        name: "agreement-missing",
        summary: "a partner transacts on or after the MPA cut-off without a signed MPA",
        severity: Error,
        check: Some(check),
    };
}

/// One finding per partner with transactions not covered by a signed MPA.
///
/// # Complexity
/// O(P + C + R) over the P partners and only the C `customer` and R `reseller` edges, in
/// parallel, against a dense table of signing dates, then a sort of the offending
/// (partner, row) pairs.
pub fn check(net: &Network, params: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP009;
    let m = &net.model;
    // The signing dates by partner index: a small dense table that stays in cache, instead of
    // reaching into the partner records for every row.
    let signed: Vec<Option<Date>> = m.partners.iter().map(|p| p.mpa_signed_on).collect();
    let cutoff = params.mpa_cutoff;
    let uncovered =
        |p: PartnerIdx, date: Date| date >= cutoff && signed[p.ix()].is_none_or(|s| s > date);
    let mut hits: Vec<(PartnerIdx, Date, u32)> = net
        .par_rows(RelKind::Customer)
        .chain(net.par_rows(RelKind::Reseller))
        .flat_map_iter(|r| {
            let date = r.effective_on.filter(|d| *d >= cutoff);
            let second = match r.kind() {
                RelKind::Reseller => Some(r.to_partner()),
                _ => r.reseller(),
            };
            std::iter::once(r.from_partner())
                .chain(second)
                .filter_map(move |p| {
                    let d = date?;
                    uncovered(p, d).then_some((p, d, r.line()))
                })
        })
        .collect();
    hits.par_sort_unstable();
    hits.chunk_by(|a, b| a.0 == b.0)
        .map(|group| {
            let p = m.partner(group[0].0);
            let first = group[0].1;
            let signed = p
                .mpa_signed_on
                .map_or("has not signed the MPA".to_string(), |d| {
                    format!("signed the MPA only on {d}")
                });
            // A partner can appear twice on one row (a reseller naming itself as reseller_id):
            // count rows, not appearances.
            let mut lines: Vec<u32> = group.iter().map(|h| h.2).collect();
            lines.sort_unstable();
            lines.dedup();
            let mut f = Finding::new(
                rule,
                format!(
                    "partner '{}' transacts from {first} ({} row{}) but {signed}",
                    m.partner_id(group[0].0),
                    lines.len(),
                    if lines.len() == 1 { "" } else { "s" }
                ),
            )
            .entity(Entity::Partner(group[0].0));
            for line in lines {
                f = f.rel_row(line);
            }
            f
        })
        .collect()
}
