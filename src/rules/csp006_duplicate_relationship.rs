use rayon::prelude::*;

use super::{Entity, Finding, Params, RuleId};
use crate::graph::{Network, REVERSED};
use crate::model::{OrgIdx, PartnerIdx, RelKind, Relationship, TenantIdx};

declare_rule! {
    /// ## What it finds
    /// Groups of two or more rows with the same kind, `from_id`, `to_id` and `reseller_id`,
    /// whatever their dates. Affiliation is symmetric, so `affiliate` rows A → B and B → A are
    /// the same relationship. All rows of a group are listed.
    ///
    /// ## Why it matters
    /// The same provider–reseller–customer (or provider–reseller) relationship recorded more than
    /// once double-counts business, hides which date is the real one, and makes every other
    /// check report the same sale twice. It usually means an export was appended twice or a
    /// relationship was re-created instead of updated.
    ///
    /// ## Example
    /// ```csv
    /// kind,from_id,to_id,reseller_id,effective_on
    /// customer,PROVIDER-1,tenant-9,RESELLER-1,2021-04-01
    /// customer,PROVIDER-1,tenant-9,RESELLER-1,2023-04-01
    /// ```
    ///
    /// ## How to fix
    /// Keep one row per relationship, with the date it first took effect, and delete the others.
    pub const RULE = {
        name: "duplicate-relationship",
        summary: "the same relationship is recorded more than once",
        severity: Warning,
        check: Some(check),
    };
}

/// The identity of a relationship: kind, ends (affiliate ends ordered), reseller.
type Key = (RelKind, u32, u32, u32);

fn key(r: &Relationship) -> Key {
    let (from, to) = if r.kind() == RelKind::Affiliate && r.to < r.from {
        (r.to, r.from)
    } else {
        (r.from, r.to)
    };
    (r.kind(), from, to, r.reseller().map_or(u32::MAX, |p| p.0))
}

/// One finding per group of identical relationships.
///
/// # Complexity
/// O(P log P) over the P rows of the graph's edges that hold more than one row: identical rows
/// have the same ends, so they are rows of one edge, and no other edge is read.
pub fn check(net: &Network, _: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP006;
    let runs: Vec<&[u32]> = net.parallel_rows().collect();
    runs.into_par_iter()
        .flat_map_iter(|run| duplicates(net, run))
        .map(|group| finding(net, rule, &group))
        .collect()
}

/// The groups of two or more rows with the same key among the row entries of one edge, each
/// sorted by key and row.
fn duplicates(net: &Network, run: &[u32]) -> Vec<Vec<(Key, u32)>> {
    let rels = &net.model.relationships;
    let row = |entry: u32| entry & !REVERSED;
    // Nearly every such edge is a sale and an admin row of the same partner and tenant.
    if let [a, b] = run {
        if key(&rels[row(*a) as usize]) != key(&rels[row(*b) as usize]) {
            return Vec::new();
        }
    }
    let mut keyed: Vec<(Key, u32)> = run
        .iter()
        .filter(|&&entry| {
            // An affiliate row is an edge both ways: count it on the edge that leaves the
            // smaller of its ends only.
            let r = &rels[row(entry) as usize];
            r.kind() != RelKind::Affiliate || net.entry_source(entry) == r.from.min(r.to)
        })
        .map(|&entry| (key(&rels[row(entry) as usize]), row(entry)))
        .collect();
    keyed.sort_unstable();
    keyed
        .chunk_by(|a, b| a.0 == b.0)
        .filter(|g| g.len() > 1)
        .map(|g| g.to_vec())
        .collect()
}

fn finding(net: &Network, rule: RuleId, group: &[(Key, u32)]) -> Finding {
    let m = &net.model;
    let (kind, from, to, reseller) = group[0].0;
    let (from_e, to_e) = match kind {
        RelKind::Reseller => (
            Entity::Partner(PartnerIdx(from)),
            Entity::Partner(PartnerIdx(to)),
        ),
        RelKind::Customer | RelKind::Admin => (
            Entity::Partner(PartnerIdx(from)),
            Entity::Tenant(TenantIdx(to)),
        ),
        // The key orders affiliate ends by index, which follows row order; report them by id
        // so that the finding does not change when the input rows are reordered.
        RelKind::Affiliate => {
            let (a, b) = (OrgIdx(from), OrgIdx(to));
            if m.org_id(b) < m.org_id(a) {
                (Entity::Org(b), Entity::Org(a))
            } else {
                (Entity::Org(a), Entity::Org(b))
            }
        }
    };
    let reseller = (reseller != u32::MAX).then_some(PartnerIdx(reseller));
    let through = reseller.map_or(String::new(), |r| format!(" through '{}'", m.partner_id(r)));
    let mut f = Finding::new(
        rule,
        format!(
            "{kind} relationship from '{}' to '{}'{through} is recorded {} times",
            from_e.id(net),
            to_e.id(net),
            group.len()
        ),
    )
    .entity(from_e);
    if let Some(r) = reseller {
        f = f.entity(Entity::Partner(r));
    }
    f = f.entity(to_e);
    let mut lines: Vec<u32> = group.iter().map(|(_, row)| rels_line(net, *row)).collect();
    lines.sort_unstable();
    for line in lines {
        f = f.rel_row(line);
    }
    f
}

fn rels_line(net: &Network, row: u32) -> u32 {
    net.model.relationships[row as usize].line()
}
