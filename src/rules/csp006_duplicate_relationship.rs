use rayon::prelude::*;

use super::{Entity, Finding, Params, RuleId};
use crate::graph::Network;
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
/// O(E + V): for each kind, a counting sort of its edges' rows by their `to` end (a dense
/// index), then a scan of the buckets, comparing the rows of each small bucket in place and
/// sorting only the large ones and those that hold a repeat.
pub fn check(net: &Network, _: &Params) -> Vec<Finding> {
    let rule = RuleId::CSP006;
    let m = &net.model;
    let kinds = [
        (RelKind::Reseller, m.partners.len()),
        (RelKind::Customer, m.tenants.len()),
        (RelKind::Admin, m.tenants.len()),
        (RelKind::Affiliate, m.organizations.len()),
    ];
    kinds
        .into_par_iter()
        .flat_map_iter(|(kind, ends)| duplicates(net, kind, ends))
        .map(|group| finding(net, rule, &group))
        .collect()
}

/// The groups of two or more rows of one kind with the same key, each sorted by key and row.
/// `ends` is the size of the table the key's `to` end indexes.
fn duplicates(net: &Network, kind: RelKind, ends: usize) -> Vec<Vec<(Key, u32)>> {
    let edges = net.kind_edges(kind);
    if edges.len() < 2 {
        return Vec::new();
    }
    let rels = &net.model.relationships;
    let bucket = |row: u32| key(&rels[row as usize]).2 as usize;
    // Counting sort of the rows by bucket: `at[b]` ends as the first slot of bucket `b`, and
    // `at[ends]` is the number of rows; rows keep their order within a bucket.
    let mut at = vec![0u32; ends + 1];
    for e in edges {
        at[bucket(e.weight.row)] += 1;
    }
    let mut total = 0u32;
    for slot in &mut at {
        total += *slot;
        *slot = total;
    }
    // Each slot holds the rest of the row's key (`from`, reseller) beside the row, so that a
    // bucket is checked from its own contiguous slots, not by reading its rows again.
    let mut order = vec![(0u32, 0u32, 0u32); edges.len()];
    for e in edges.iter().rev() {
        let row = e.weight.row;
        let k = key(&rels[row as usize]);
        let b = k.2 as usize;
        at[b] -= 1;
        order[at[b] as usize] = (k.1, k.3, row);
    }
    at.par_windows(2)
        .enumerate()
        .filter(|(_, w)| w[1] - w[0] > 1)
        .flat_map_iter(|(to, w)| {
            let slots = &order[w[0] as usize..w[1] as usize];
            // Nearly every bucket is a handful of rows with distinct keys: compare them in
            // place and allocate only for a bucket that is large or holds a repeat.
            if slots.len() <= SMALL_BUCKET && !has_repeat(slots) {
                return Vec::new();
            }
            // Within a bucket the kind and `to` are the same, so sorting by (`from`, reseller,
            // row) sorts by key and row.
            let mut sorted = slots.to_vec();
            sorted.sort_unstable();
            sorted
                .chunk_by(|a, b| (a.0, a.1) == (b.0, b.1))
                .filter(|g| g.len() > 1)
                .map(|g| {
                    g.iter()
                        .map(|&(from, reseller, row)| ((kind, from, to as u32, reseller), row))
                        .collect()
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The largest bucket checked for repeats pair by pair instead of by sorting.
const SMALL_BUCKET: usize = 16;

/// Whether two of a bucket's slots have the same (`from`, reseller).
fn has_repeat(slots: &[(u32, u32, u32)]) -> bool {
    slots.iter().enumerate().any(|(i, a)| {
        slots[i + 1..]
            .iter()
            .any(|b| (a.0, a.1) == (b.0, b.1))
    })
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
