//! Model → petgraph: the one network every rule reads.
//!
//! Nodes are laid out by dense index, so no lookup table is needed: organizations first, then
//! partners, then tenants. The graph is petgraph's `Csr` (see [`Graph`]): 8 bytes per edge, no
//! node weights, one edge per connected pair whose weight names the pair's rows. Beside it the
//! rows are grouped by kind (a slice of row indices per kind), so that a rule reads only the
//! rows of the kind it checks.

use std::ops::Range;

use petgraph::csr::Csr;
use petgraph::unionfind::UnionFind;
use petgraph::Directed;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::model::{
    Date, Model, OrgIdx, PartnerIdx, RegionIdx, RelKind, Relationship, Role, TableBytes, TenantIdx,
};

/// [`Network::tenant_group`] of a tenant with no known organization.
pub const NO_GROUP: u32 = u32::MAX;

/// The (provider, reseller) pairs that have a dated `reseller` row, with the earliest date of
/// each, grouped by reseller: a dense table read by index, with no hashing. A reseller works
/// with one provider or a few, so a look-up is one read of the reseller's run start and a scan
/// of a run that is usually one entry long (a search of a provider's run of tens of resellers
/// waited on one cache miss per step).
#[derive(Debug, Default)]
pub struct ResellerPairs {
    /// `start[r]..start[r + 1]` is the run of reseller `r` in `pairs`.
    start: Vec<u32>,
    /// (provider, earliest date), sorted by provider within each reseller's run.
    pairs: Vec<(PartnerIdx, Date)>,
}

/// The longest run scanned entry by entry instead of searched.
const SHORT_RUN: usize = 8;

impl ResellerPairs {
    /// The table of `partners` partners from (provider, reseller, date) triples, in any order
    /// and with repeats.
    fn build(partners: usize, all: Vec<(PartnerIdx, PartnerIdx, Date)>) -> ResellerPairs {
        let mut all: Vec<(PartnerIdx, PartnerIdx, Date)> =
            all.into_iter().map(|(p, r, d)| (r, p, d)).collect();
        all.par_sort_unstable();
        // Sorted by date within a pair, so the first of each pair holds the earliest date.
        all.dedup_by_key(|t| (t.0, t.1));
        let mut start = vec![0u32; partners + 1];
        for t in &all {
            start[t.0.ix() + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let pairs = all.into_iter().map(|t| (t.1, t.2)).collect();
        ResellerPairs { start, pairs }
    }

    /// The earliest date of a `reseller` row from `provider` to `reseller`, if there is one.
    #[inline]
    pub fn get(&self, provider: PartnerIdx, reseller: PartnerIdx) -> Option<Date> {
        let (a, b) = match self.start.get(reseller.ix()..reseller.ix() + 2) {
            Some(&[a, b]) => (a as usize, b as usize),
            _ => return None,
        };
        let run = &self.pairs[a..b];
        if run.len() <= SHORT_RUN {
            return run.iter().find(|e| e.0 == provider).map(|e| e.1);
        }
        run.binary_search_by_key(&provider, |e| e.0)
            .ok()
            .map(|i| run[i].1)
    }

    /// Whether there is a dated `reseller` row from `provider` to `reseller`.
    #[inline]
    pub fn contains(&self, provider: PartnerIdx, reseller: PartnerIdx) -> bool {
        self.get(provider, reseller).is_some()
    }

    /// The number of pairs.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether there are no pairs.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

/// What a node stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Node {
    /// An organization.
    Org(OrgIdx),
    /// A partner.
    Partner(PartnerIdx),
    /// A tenant.
    Tenant(TenantIdx),
}

/// The kind of an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EdgeKind {
    /// Indirect provider → indirect reseller (a `reseller` row).
    Reseller,
    /// Seller → customer tenant (a `customer` row).
    Customer,
    /// Partner → managed tenant (an `admin` row).
    Admin,
    /// Organization → organization (an `affiliate` row).
    Affiliate,
    /// Organization → tenant it owns.
    Owns,
    /// Partner → its organization.
    MemberOf,
}

/// The network's graph: petgraph's compressed sparse rows, 8 bytes per edge (the target and a
/// `u32` weight) and no node weights (a node's kind follows from its index range, see
/// [`Network::node`]). There is one edge per distinct (source, target) pair: its weight names
/// the pair's relationship rows (see [`Network::edge_rows`]), so the multigraph of rows is held
/// without parallel edges, which `Csr` does not allow. An affiliate row is an edge both ways, so
/// that an organization's affiliates are its out-neighbours.
pub type Graph = Csr<(), u32, Directed, u32>;

/// The weight of a structural edge (a partner's organization, an organization's tenant).
const STRUCTURAL: u32 = u32::MAX;
/// The weight bit of an edge with more than one row: the rest is its run's place in
/// `Network::multi`.
const MULTI: u32 = 1 << 31;
/// The bit of an edge's row entry that marks an affiliate edge held against its row's direction
/// (`to` → `from`); rows are below 2^30 (a row's line fits in 30 bits).
pub const REVERSED: u32 = 1 << 30;
/// [`Network::csp_owner`] of a tenant that is no partner's CSP tenant.
const NO_OWNER: u32 = u32::MAX;

/// The partner network: the model, its graph, and what is derived once for all rules.
#[derive(Debug)]
pub struct Network {
    /// The loaded rows.
    pub model: Model,
    /// One node per organization, partner and tenant; one edge per connected pair.
    pub graph: Graph,
    /// The rows of the edges that hold more than one: a length, then that many row entries
    /// (with [`REVERSED`] where it applies), sorted, per such edge.
    multi: Vec<u32>,
    /// Every relationship row, grouped by kind in [`KIND_ORDER`], in row order within a kind.
    kind_rows: Vec<u32>,
    /// The run of `kind_rows` of each kind, indexed by [`kind_slot`].
    kind_ranges: [Range<usize>; 4],
    /// The affiliate group of every organization: a connected component of affiliate edges,
    /// named by one member (compare for equality only).
    pub org_group: Vec<u32>,
    /// For every (provider, reseller) pair with a `reseller` row, the earliest effective date.
    pub reseller_since: ResellerPairs,
    /// The CSP region of every tenant, indexed by tenant: a column that per-sale checks read
    /// without touching the wider tenant rows.
    pub tenant_region: Vec<RegionIdx>,
    /// The affiliate group (see `org_group`) of every tenant's organization, indexed by tenant;
    /// [`NO_GROUP`] for a tenant with no known organization.
    pub tenant_group: Vec<u32>,
    /// The partner whose CSP tenant each tenant is, or [`NO_OWNER`].
    csp_owner: Vec<u32>,
    /// The role of every partner, indexed by partner: a column small enough to stay in the
    /// nearest caches while per-sale checks read it for two partners a row.
    pub partner_role: Vec<Role>,
}

/// The relationship kinds in the order their rows are grouped.
const KIND_ORDER: [RelKind; 4] = [
    RelKind::Reseller,
    RelKind::Customer,
    RelKind::Admin,
    RelKind::Affiliate,
];

/// The position of a kind in [`KIND_ORDER`].
#[inline]
fn kind_slot(kind: RelKind) -> usize {
    match kind {
        RelKind::Reseller => 0,
        RelKind::Customer => 1,
        RelKind::Admin => 2,
        RelKind::Affiliate => 3,
    }
}

/// The node index ranges: organizations, then partners, then tenants.
#[derive(Clone, Copy, Debug)]
struct Layout {
    orgs: u32,
    partners: u32,
}

impl Layout {
    #[inline]
    fn partner(self, p: PartnerIdx) -> u32 {
        self.orgs + p.0
    }

    #[inline]
    fn tenant(self, t: TenantIdx) -> u32 {
        self.orgs + self.partners + t.0
    }

    /// The (source, target) nodes of a relationship row, in the row's direction.
    #[inline]
    fn ends(self, r: &Relationship) -> (u32, u32) {
        match r.kind() {
            RelKind::Reseller => (self.partner(r.from_partner()), self.partner(r.to_partner())),
            RelKind::Customer | RelKind::Admin => {
                (self.partner(r.from_partner()), self.tenant(r.to_tenant()))
            }
            RelKind::Affiliate => (r.from, r.to),
        }
    }
}

impl Network {
    /// Builds the network.
    ///
    /// # Complexity
    /// O(V + E) time: a counting sort of the edges by source, a sort of each source's few
    /// edges by target (in parallel), and one pass that folds each pair's rows into one edge;
    /// plus O(E α(V)) for the affiliate union-find. The transient is one 12-byte entry per edge.
    pub fn build(mut model: Model) -> Network {
        // What loading freed goes back to the system first: the build's transient and the
        // graph would otherwise come on top of it.
        crate::model::release_freed_memory();
        // A partner's CSP tenant belongs to the partner's organization, whether or not
        // tenants.csv says so: a sale into it by the partner or its affiliates is a self-sale.
        let mut csp_owner = vec![NO_OWNER; model.tenants.len()];
        for (p, partner) in model.partners.iter().enumerate() {
            if let Some(t) = partner.csp_tenant {
                csp_owner[t.ix()] = p as u32;
                let tenant = &mut model.tenants[t.ix()];
                tenant.org = tenant.org.or(Some(partner.org));
            }
        }
        let orgs = model.organizations.len();
        let partners = model.partners.len();
        let tenants = model.tenants.len();
        let nodes = orgs + partners + tenants;
        let at = Layout {
            orgs: orgs as u32,
            partners: partners as u32,
        };
        let rels = &model.relationships;
        debug_assert!(rels.len() < REVERSED as usize);

        // Counting sort of the edge entries (source, target, row) by source.
        let mut next = vec![0u32; nodes + 1];
        for p in 0..partners {
            next[at.partner(PartnerIdx(p as u32)) as usize] += 1;
        }
        for tenant in &model.tenants {
            if let Some(o) = tenant.org {
                next[o.ix()] += 1;
            }
        }
        let mut groups = UnionFind::<u32>::new(orgs);
        let mut reseller_rows = Vec::new();
        let mut kind_counts = [0usize; 4];
        for r in rels {
            let (a, b) = at.ends(r);
            next[a as usize] += 1;
            kind_counts[kind_slot(r.kind())] += 1;
            match r.kind() {
                RelKind::Reseller => {
                    if let Some(date) = r.effective_on {
                        reseller_rows.push((r.from_partner(), r.to_partner(), date));
                    }
                }
                RelKind::Affiliate => {
                    groups.union(r.from, r.to);
                    next[b as usize] += 1;
                }
                RelKind::Customer | RelKind::Admin => {}
            }
        }
        let mut total = 0u32;
        for slot in &mut next {
            let count = *slot;
            *slot = total;
            total += count;
        }
        let starts = next;
        let mut entries = vec![(0u32, 0u32, 0u32); total as usize];
        // The entries are placed in parallel: each part owns the sources of a contiguous run
        // of the entries (about an equal share), reads every row and places those it owns.
        // The order within a source does not matter: each source's entries are sorted next.
        let parts = rayon::current_num_threads().clamp(1, 64);
        let mut bounds = vec![0usize];
        for i in 1..parts {
            let share = total as u64 * i as u64 / parts as u64;
            let b = starts.partition_point(|&o| u64::from(o) < share).min(nodes);
            bounds.push(b.max(bounds[i - 1]));
        }
        bounds.push(nodes);
        let mut slices = Vec::with_capacity(parts);
        let mut rest: &mut [(u32, u32, u32)] = &mut entries;
        for w in bounds.windows(2) {
            let len = (starts[w[1]] - starts[w[0]]) as usize;
            let (head, tail) = std::mem::take(&mut rest).split_at_mut(len);
            slices.push((w[0], w[1], head));
            rest = tail;
        }
        let model_ref = &model;
        let starts_ref = &starts;
        slices.into_par_iter().for_each(|(lo, hi, out)| {
            let base = starts_ref[lo];
            let mut cursor: Vec<u32> = starts_ref[lo..hi].iter().map(|&s| s - base).collect();
            let mut put = |a: u32, b: u32, w: u32| {
                let a = a as usize;
                if (lo..hi).contains(&a) {
                    let slot = &mut cursor[a - lo];
                    out[*slot as usize] = (a as u32, b, w);
                    *slot += 1;
                }
            };
            for (p, partner) in model_ref.partners.iter().enumerate() {
                put(at.partner(PartnerIdx(p as u32)), partner.org.0, STRUCTURAL);
            }
            for (t, tenant) in model_ref.tenants.iter().enumerate() {
                if let Some(o) = tenant.org {
                    put(o.0, at.tenant(TenantIdx(t as u32)), STRUCTURAL);
                }
            }
            for (row, r) in model_ref.relationships.iter().enumerate() {
                let (a, b) = at.ends(r);
                put(a, b, row as u32);
                if r.kind() == RelKind::Affiliate {
                    put(b, a, row as u32 | REVERSED);
                }
            }
        });
        drop(starts);
        entries
            .par_chunk_by_mut(|x, y| x.0 == y.0)
            .for_each(|edges| edges.sort_unstable());

        // One edge per (source, target) pair; the rows of a pair with more than one go to
        // `multi`, and the entries are compacted in place into the graph's sorted edge list.
        let mut multi = Vec::new();
        let (mut kept, mut i) = (0, 0);
        while i < entries.len() {
            let (a, b, first) = entries[i];
            let mut j = i + 1;
            while j < entries.len() && (entries[j].0, entries[j].1) == (a, b) {
                j += 1;
            }
            let weight = if j - i == 1 {
                first
            } else {
                let run = multi.len() as u32;
                multi.push((j - i) as u32);
                multi.extend(entries[i..j].iter().map(|e| e.2));
                MULTI | run
            };
            entries[kept] = (a, b, weight);
            kept += 1;
            i = j;
        }
        entries.truncate(kept);
        multi.shrink_to_fit();
        let mut graph: Graph = match Csr::from_sorted_edges(&entries) {
            Ok(g) => g,
            // The entries were just sorted and made unique by (source, target).
            Err(e) => unreachable!("graph edges out of order: {e:?}"),
        };
        drop(entries);
        while graph.node_count() < nodes {
            graph.add_node(());
        }

        // The rows grouped by kind: a counting sort on the kind.
        let mut kind_ranges: [Range<usize>; 4] = Default::default();
        let mut start = 0;
        for (slot, count) in kind_counts.iter().enumerate() {
            kind_ranges[slot] = start..start + count;
            start += count;
        }
        let mut fill: [usize; 4] = std::array::from_fn(|s| kind_ranges[s].start);
        let mut kind_rows = vec![0u32; rels.len()];
        for (row, r) in rels.iter().enumerate() {
            let slot = &mut fill[kind_slot(r.kind())];
            kind_rows[*slot] = row as u32;
            *slot += 1;
        }

        let org_group = groups.into_labeling();
        let partner_role = model.partners.iter().map(|p| p.role).collect();
        let tenant_region = model.tenants.iter().map(|t| t.region).collect();
        let tenant_group = model
            .tenants
            .iter()
            .map(|t| t.org.map_or(NO_GROUP, |o| org_group[o.ix()]))
            .collect();
        Network {
            model,
            graph,
            multi,
            kind_rows,
            kind_ranges,
            org_group,
            reseller_since: ResellerPairs::build(partners, reseller_rows),
            tenant_region,
            tenant_group,
            csp_owner,
            partner_role,
        }
    }

    /// The bytes of each table of the model and of the network built from it.
    #[doc(hidden)]
    pub fn table_bytes(&self) -> Vec<TableBytes> {
        let mut out = self.model.table_bytes();
        // `Csr` keeps one `usize` row start per node (and one more), its edges as a target and a
        // weight each; it does not say its capacity, so these are the bytes in use.
        out.push(TableBytes::of::<usize>(
            "graph nodes",
            self.graph.node_count(),
            self.graph.node_count() + 1,
            0,
        ));
        out.push(TableBytes::of::<(u32, u32)>(
            "graph edges",
            self.graph.edge_count(),
            self.graph.edge_count(),
            0,
        ));
        out.push(TableBytes::of::<u32>(
            "graph parallel rows",
            self.multi.len(),
            self.multi.capacity(),
            0,
        ));
        out.push(TableBytes::of::<u32>(
            "rows by kind",
            self.kind_rows.len(),
            self.kind_rows.capacity(),
            0,
        ));
        out.extend(self.derived_bytes());
        out
    }

    fn layout(&self) -> Layout {
        Layout {
            orgs: self.model.organizations.len() as u32,
            partners: self.model.partners.len() as u32,
        }
    }

    /// The node of an organization.
    #[inline]
    pub fn org_node(&self, o: OrgIdx) -> u32 {
        o.0
    }

    /// The node of a partner.
    #[inline]
    pub fn partner_node(&self, p: PartnerIdx) -> u32 {
        self.layout().partner(p)
    }

    /// The node of a tenant.
    #[inline]
    pub fn tenant_node(&self, t: TenantIdx) -> u32 {
        self.layout().tenant(t)
    }

    /// What node `n` stands for, from the index ranges.
    #[inline]
    pub fn node(&self, n: u32) -> Node {
        let at = self.layout();
        if n < at.orgs {
            Node::Org(OrgIdx(n))
        } else if n < at.orgs + at.partners {
            Node::Partner(PartnerIdx(n - at.orgs))
        } else {
            Node::Tenant(TenantIdx(n - at.orgs - at.partners))
        }
    }

    /// The row entries an edge weight names: none for a structural edge, else the rows of the
    /// pair, each with [`REVERSED`] set where the edge runs against an affiliate row.
    #[inline]
    pub fn edge_rows<'a>(&'a self, weight: &'a u32) -> &'a [u32] {
        if *weight == STRUCTURAL {
            &[]
        } else if weight & MULTI != 0 {
            let run = (weight & !MULTI) as usize;
            let len = self.multi[run] as usize;
            &self.multi[run + 1..run + 1 + len]
        } else {
            std::slice::from_ref(weight)
        }
    }

    /// The row entries of every edge that holds more than one row (a repeated row, an affiliate
    /// row recorded both ways, or a sale and an admin row of the same partner and tenant), in
    /// edge order; see [`Network::edge_rows`] for the entries.
    pub fn parallel_rows(&self) -> impl Iterator<Item = &[u32]> + '_ {
        let mut rest = &self.multi[..];
        std::iter::from_fn(move || {
            let (&len, tail) = rest.split_first()?;
            let (run, after) = tail.split_at(len as usize);
            rest = after;
            Some(run)
        })
    }

    /// The source node of an edge holding row entry `entry` (see [`Network::edge_rows`]).
    #[inline]
    pub fn entry_source(&self, entry: u32) -> u32 {
        let r = &self.model.relationships[(entry & !REVERSED) as usize];
        let (a, b) = self.layout().ends(r);
        if entry & REVERSED != 0 {
            b
        } else {
            a
        }
    }

    /// Every edge in the network's order, each once and in its own direction: a partner's
    /// organization (by partner), an organization's tenants (by tenant), then the rows by kind
    /// (reseller, customer, admin, affiliate) in row order; the row index where there is one.
    pub fn edges_in_order(&self) -> impl Iterator<Item = (u32, u32, EdgeKind, Option<usize>)> + '_ {
        let at = self.layout();
        let m = &self.model;
        let member_of = m.partners.iter().enumerate().map(move |(p, x)| {
            (
                at.partner(PartnerIdx(p as u32)),
                x.org.0,
                EdgeKind::MemberOf,
                None,
            )
        });
        let owns = m.tenants.iter().enumerate().filter_map(move |(t, x)| {
            x.org
                .map(|o| (o.0, at.tenant(TenantIdx(t as u32)), EdgeKind::Owns, None))
        });
        let rows = KIND_ORDER
            .into_iter()
            .flat_map(move |kind| self.kind_rows(kind).iter())
            .map(move |&row| {
                let r = &m.relationships[row as usize];
                let (a, b) = at.ends(r);
                let kind = match r.kind() {
                    RelKind::Reseller => EdgeKind::Reseller,
                    RelKind::Customer => EdgeKind::Customer,
                    RelKind::Admin => EdgeKind::Admin,
                    RelKind::Affiliate => EdgeKind::Affiliate,
                };
                (a, b, kind, Some(row as usize))
            });
        member_of.chain(owns).chain(rows)
    }

    /// The number of edges of the multigraph the graph holds: structural edges, one per
    /// relationship row, and one more per affiliate row (held both ways).
    pub fn graph_entry_count(&self) -> usize {
        self.model.partners.len()
            + self
                .model
                .tenants
                .iter()
                .filter(|t| t.org.is_some())
                .count()
            + self.model.relationships.len()
            + self.row_count(RelKind::Affiliate)
    }

    /// The partner whose CSP tenant `t` is, if any.
    #[inline]
    pub fn csp_owner(&self, t: TenantIdx) -> Option<PartnerIdx> {
        let p = self.csp_owner[t.ix()];
        (p != NO_OWNER).then_some(PartnerIdx(p))
    }

    /// Whether two organizations are the same or affiliates of each other.
    #[inline]
    pub fn affiliated(&self, a: OrgIdx, b: OrgIdx) -> bool {
        self.org_group[a.ix()] == self.org_group[b.ix()]
    }

    /// The relationship rows of one kind, in row order, as indices into
    /// [`Model::relationships`].
    #[inline]
    pub fn kind_rows(&self, kind: RelKind) -> &[u32] {
        &self.kind_rows[self.kind_ranges[kind_slot(kind)].clone()]
    }

    /// The number of rows of one relationship kind.
    #[inline]
    pub fn row_count(&self, kind: RelKind) -> usize {
        self.kind_ranges[kind_slot(kind)].len()
    }

    /// The rows of one relationship kind, in row order.
    pub fn rows(&self, kind: RelKind) -> impl ExactSizeIterator<Item = &Relationship> + '_ {
        self.kind_rows(kind)
            .iter()
            .map(|&row| &self.model.relationships[row as usize])
    }

    /// The rows of one relationship kind, in parallel (in no particular order: rules sort their
    /// findings). Reads only that kind's rows.
    pub fn par_rows(
        &self,
        kind: RelKind,
    ) -> impl IndexedParallelIterator<Item = &Relationship> + '_ {
        self.kind_rows(kind)
            .par_iter()
            .map(|&row| &self.model.relationships[row as usize])
    }

    /// The organizations joined to `o` by an `affiliate` row (either direction), sorted by id,
    /// without repeats: the organization neighbours of the organization's node (affiliate
    /// edges run both ways).
    fn affiliates_by_id(&self, o: u32) -> Vec<u32> {
        let orgs = &self.model.organizations;
        let mut out: Vec<u32> = self
            .graph
            .neighbors_slice(o)
            .iter()
            .copied()
            .filter(|&n| (n as usize) < orgs.len())
            .collect();
        out.sort_unstable_by(|a, b| {
            orgs.text(*a as usize)
                .cmp(orgs.text(*b as usize))
                .then(a.cmp(b))
        });
        out.dedup();
        out
    }

    /// Breadth-first trees over the affiliate groups of the given organizations, for explaining
    /// how two organizations are affiliated. Each group's tree is rooted at its smallest
    /// organization id and visits neighbours in id order, so the trees do not depend on row
    /// order. Organizations outside the given groups are roots of their own one-node trees.
    ///
    /// # Complexity
    /// O(S + A log A) for the S organizations and A affiliate edges of the groups asked for,
    /// walking the graph's own adjacency: nothing is built for the other groups.
    pub fn affiliate_forest(&self, members: impl IntoIterator<Item = OrgIdx>) -> AffiliateForest {
        let orgs = &self.model.organizations;
        let mut tree: FxHashMap<u32, (u32, u32)> = FxHashMap::default();
        let mut groups: Vec<u32> = members
            .into_iter()
            .map(|o| self.org_group[o.ix()])
            .collect();
        groups.sort_unstable();
        groups.dedup();
        let mut queue = std::collections::VecDeque::new();
        for group in groups {
            // The group's members, in any order, to find its smallest id.
            let mut seen: rustc_hash::FxHashSet<u32> = std::iter::once(group).collect();
            let mut stack = vec![group];
            let mut root = group;
            while let Some(o) = stack.pop() {
                if orgs.text(o as usize) < orgs.text(root as usize) {
                    root = o;
                }
                for n in self.affiliates_by_id(o) {
                    if seen.insert(n) {
                        stack.push(n);
                    }
                }
            }
            tree.insert(root, (root, 0));
            queue.push_back(root);
            while let Some(o) = queue.pop_front() {
                let depth = tree[&o].1;
                for n in self.affiliates_by_id(o) {
                    tree.entry(n).or_insert_with(|| {
                        queue.push_back(n);
                        (o, depth + 1)
                    });
                }
            }
        }
        AffiliateForest { tree }
    }
}

impl Network {
    /// The tables derived once for all rules.
    fn derived_bytes(&self) -> Vec<TableBytes> {
        vec![
            TableBytes::of::<u32>(
                "affiliate groups",
                self.org_group.len(),
                self.org_group.capacity(),
                0,
            ),
            TableBytes {
                inline: self.reseller_since.start.capacity() * std::mem::size_of::<u32>()
                    + self.reseller_since.pairs.capacity()
                        * std::mem::size_of::<(PartnerIdx, Date)>(),
                ..TableBytes::of::<u8>("reseller pairs", self.reseller_since.len(), 0, 0)
            },
            TableBytes::of::<RegionIdx>(
                "tenant regions",
                self.tenant_region.len(),
                self.tenant_region.capacity(),
                0,
            ),
            TableBytes::of::<u32>(
                "tenant groups",
                self.tenant_group.len(),
                self.tenant_group.capacity(),
                0,
            ),
            TableBytes::of::<Role>(
                "partner roles",
                self.partner_role.len(),
                self.partner_role.capacity(),
                0,
            ),
            TableBytes::of::<u32>(
                "csp owners",
                self.csp_owner.len(),
                self.csp_owner.capacity(),
                0,
            ),
        ]
    }
}

/// Breadth-first trees over the affiliate groups (see [`Network::affiliate_forest`]).
#[derive(Debug)]
pub struct AffiliateForest {
    /// Parent and depth of every organization of the groups asked for.
    tree: FxHashMap<u32, (u32, u32)>,
}

impl AffiliateForest {
    /// The parent of an organization in its tree (itself at a root), and its depth.
    #[inline]
    fn node(&self, o: u32) -> (u32, u32) {
        self.tree.get(&o).copied().unwrap_or((o, 0))
    }
}

impl AffiliateForest {
    /// A chain of affiliate links from `from` to `to`, both included, through their closest
    /// common ancestor in the group's tree; `None` if they are not affiliated.
    ///
    /// # Complexity
    /// O(length of the chain).
    pub fn path(&self, from: OrgIdx, to: OrgIdx) -> Option<Vec<OrgIdx>> {
        let (mut a, mut b) = (from.0, to.0);
        let (mut up, mut down) = (vec![a], vec![b]);
        let depth = |o: u32| self.node(o).1;
        let step = |o: &mut u32, trail: &mut Vec<u32>| {
            *o = self.node(*o).0;
            trail.push(*o);
        };
        while depth(a) > depth(b) {
            step(&mut a, &mut up);
        }
        while depth(b) > depth(a) {
            step(&mut b, &mut down);
        }
        while a != b {
            if depth(a) == 0 {
                return None;
            }
            step(&mut a, &mut up);
            step(&mut b, &mut down);
        }
        down.pop();
        up.extend(down.into_iter().rev());
        Some(up.into_iter().map(OrgIdx).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::{builtin_regions, load, InputPaths};

    fn sample() -> Network {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
        let loaded = load(&InputPaths::in_dir(&dir), builtin_regions());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        Network::build(loaded.model)
    }

    fn day(s: &str) -> Date {
        s.parse().expect("a date")
    }

    #[test]
    fn reseller_pairs_keep_the_earliest_date_of_each_pair() {
        let (p, r) = (PartnerIdx, PartnerIdx);
        let pairs = ResellerPairs::build(
            4,
            vec![
                (p(2), r(3), day("2023-05-01")),
                (p(0), r(1), day("2022-01-01")),
                (p(2), r(1), day("2021-07-01")),
                (p(2), r(3), day("2020-02-02")),
                (p(0), r(1), day("2024-01-01")),
            ],
        );
        assert_eq!(pairs.len(), 3);
        assert_eq!(pairs.get(p(0), r(1)), Some(day("2022-01-01")));
        assert_eq!(pairs.get(p(2), r(1)), Some(day("2021-07-01")));
        assert_eq!(pairs.get(p(2), r(3)), Some(day("2020-02-02")));
        // Reversed pair, a provider with no run, and one past the table.
        assert_eq!(pairs.get(p(1), r(0)), None);
        assert_eq!(pairs.get(p(3), r(1)), None);
        assert!(!pairs.contains(p(9), r(1)));
        assert!(!pairs.contains(p(0), r(3)));
        // A reseller with more providers than a short run: searched, not scanned.
        let many: Vec<_> = (1..=2 * SHORT_RUN as u32)
            .rev()
            .map(|q| (p(q), r(0), day("2021-01-01")))
            .collect();
        let pairs = ResellerPairs::build(2 * SHORT_RUN + 1, many);
        for q in 1..=2 * SHORT_RUN as u32 {
            assert_eq!(pairs.get(p(q), r(0)), Some(day("2021-01-01")), "{q}");
        }
        assert_eq!(pairs.get(p(0), r(0)), None);
        assert_eq!(pairs.get(p(1), r(1)), None);
    }

    #[test]
    fn tenant_columns_match_the_tenant_rows() {
        let net = sample();
        assert_eq!(net.tenant_region.len(), net.model.tenants.len());
        for (t, tenant) in net.model.tenants.iter().enumerate() {
            assert_eq!(net.tenant_region[t], tenant.region);
            let group = tenant.org.map_or(NO_GROUP, |o| net.org_group[o.ix()]);
            assert_eq!(net.tenant_group[t], group);
        }
        // The sample has owned tenants, so the group column is not all `NO_GROUP`.
        assert!(net.tenant_group.iter().any(|&g| g != NO_GROUP));
    }

    #[test]
    fn each_kind_reads_exactly_its_rows_in_row_order() {
        let net = sample();
        let rels = &net.model.relationships;
        let mut seen = 0;
        for kind in KIND_ORDER {
            let expected: Vec<u32> = rels
                .iter()
                .filter(|r| r.kind() == kind)
                .map(|r| r.line())
                .collect();
            let got: Vec<u32> = net.rows(kind).map(|r| r.line()).collect();
            assert_eq!(got, expected, "{kind:?}");
            assert_eq!(net.row_count(kind), expected.len());
            let mut par: Vec<u32> = net.par_rows(kind).map(|r| r.line()).collect();
            par.sort_unstable();
            let mut sorted = expected.clone();
            sorted.sort_unstable();
            assert_eq!(par, sorted);
            assert!(net
                .kind_rows(kind)
                .iter()
                .all(|&row| rels[row as usize].kind() == kind));
            seen += expected.len();
        }
        // The sample mixes the kinds; every row is read by exactly one kind.
        assert_eq!((7, 4, 46, 14), {
            let n = |k| net.row_count(k);
            (
                n(RelKind::Admin),
                n(RelKind::Affiliate),
                n(RelKind::Customer),
                n(RelKind::Reseller),
            )
        });
        assert_eq!(seen, rels.len());
    }

    /// Every (source, target, row entry) the graph holds, from its edges and their weights.
    fn graph_entries(net: &Network) -> Vec<(u32, u32, u32)> {
        use petgraph::visit::{EdgeRef, IntoEdgeReferences};
        let mut out = Vec::new();
        for e in net.graph.edge_references() {
            let rows = net.edge_rows(e.weight());
            if rows.is_empty() {
                out.push((e.source(), e.target(), STRUCTURAL));
            }
            out.extend(rows.iter().map(|&r| (e.source(), e.target(), r)));
        }
        out
    }

    #[test]
    fn the_graph_holds_every_row_and_structure_edge_once_and_affiliates_both_ways() {
        let net = sample();
        let m = &net.model;
        let at = net.layout();
        assert_eq!(
            net.graph.node_count(),
            m.organizations.len() + m.partners.len() + m.tenants.len()
        );
        let mut expected = Vec::new();
        for (p, x) in m.partners.iter().enumerate() {
            expected.push((at.partner(PartnerIdx(p as u32)), x.org.0, STRUCTURAL));
        }
        for (t, x) in m.tenants.iter().enumerate() {
            if let Some(o) = x.org {
                expected.push((o.0, at.tenant(TenantIdx(t as u32)), STRUCTURAL));
            }
        }
        for (row, r) in m.relationships.iter().enumerate() {
            let (a, b) = at.ends(r);
            expected.push((a, b, row as u32));
            if r.kind() == RelKind::Affiliate {
                expected.push((b, a, row as u32 | REVERSED));
            }
        }
        expected.sort_unstable();
        let mut got = graph_entries(&net);
        got.sort_unstable();
        assert_eq!(got, expected);
        // The sample has a sale and an admin row of the same pair: one edge, two rows.
        let runs: Vec<&[u32]> = net.parallel_rows().collect();
        assert!(!runs.is_empty());
        assert!(runs.iter().all(|run| run.len() > 1));
        for run in runs {
            let sources: Vec<u32> = run.iter().map(|&e| net.entry_source(e)).collect();
            assert!(sources.iter().all(|&s| s == sources[0]), "{run:?}");
        }
        // Node kinds follow from the index ranges.
        assert_eq!(net.node(0), Node::Org(OrgIdx(0)));
        let p = net.partner_node(PartnerIdx(1));
        assert_eq!(net.node(p), Node::Partner(PartnerIdx(1)));
        let t = net.tenant_node(TenantIdx(2));
        assert_eq!(net.node(t), Node::Tenant(TenantIdx(2)));
        assert_eq!(net.node(t - 1), Node::Tenant(TenantIdx(1)));
    }

    #[test]
    fn edges_in_order_lists_each_edge_once_structure_first_then_rows_by_kind() {
        let net = sample();
        let m = &net.model;
        let edges: Vec<_> = net.edges_in_order().collect();
        let owned = m.tenants.iter().filter(|t| t.org.is_some()).count();
        assert_eq!(
            edges.len(),
            m.partners.len() + owned + m.relationships.len()
        );
        let (member, rest) = edges.split_at(m.partners.len());
        let (owns, rows) = rest.split_at(owned);
        assert!(member
            .iter()
            .all(|e| e.2 == EdgeKind::MemberOf && e.3.is_none()));
        assert!(owns.iter().all(|e| e.2 == EdgeKind::Owns && e.3.is_none()));
        let got: Vec<usize> = rows.iter().filter_map(|e| e.3).collect();
        let want: Vec<usize> = KIND_ORDER
            .iter()
            .flat_map(|&k| net.kind_rows(k).iter().map(|&r| r as usize))
            .collect();
        assert_eq!(got, want);
        for &(a, b, kind, row) in rows {
            let r = &m.relationships[row.unwrap_or(usize::MAX)];
            assert_eq!((a, b), net.layout().ends(r));
            let same = matches!(
                (kind, r.kind()),
                (EdgeKind::Reseller, RelKind::Reseller)
                    | (EdgeKind::Customer, RelKind::Customer)
                    | (EdgeKind::Admin, RelKind::Admin)
                    | (EdgeKind::Affiliate, RelKind::Affiliate)
            );
            assert!(same, "{kind:?} {r:?}");
        }
    }

    #[test]
    fn a_graph_edge_costs_at_most_twelve_bytes() {
        let net = sample();
        let bytes = |name: &str| {
            net.table_bytes()
                .iter()
                .find(|t| t.table == name)
                .map(|t| t.total())
                .unwrap_or_else(|| panic!("no table {name}"))
        };
        let edges = net.graph_entry_count();
        // Target and weight of each edge, and the rows of the edges that hold several.
        let per_edge = (bytes("graph edges") + bytes("graph parallel rows")) as f64 / edges as f64;
        assert!(per_edge <= 12.0, "{per_edge} bytes per edge");
        assert_eq!(bytes("graph edges"), 8 * net.graph.edge_count());
        assert_eq!(bytes("graph nodes"), 8 * (net.graph.node_count() + 1));
    }

    #[test]
    fn affiliate_paths_follow_the_id_ordered_tree_of_the_groups_asked_for() {
        let net = sample();
        let org = |id: &str| {
            OrgIdx(
                net.model
                    .organizations
                    .iter()
                    .position(|o| o == id)
                    .unwrap_or_else(|| panic!("no organization {id}")) as u32,
            )
        };
        let ids = |path: Option<Vec<OrgIdx>>| {
            path.map(|p| {
                p.into_iter()
                    .map(|o| net.model.org_id(o).to_string())
                    .collect::<Vec<_>>()
            })
        };
        let (fab, holding, uk) = (
            org("ORG-FABRIKAM"),
            org("ORG-FABRIKAM-HOLDING"),
            org("ORG-FABRIKAM-UK"),
        );
        let forest = net.affiliate_forest([uk]);
        // Rooted at ORG-FABRIKAM (the smallest id): UK → HOLDING → FABRIKAM and back down.
        assert_eq!(
            ids(forest.path(uk, fab)),
            Some(vec![
                "ORG-FABRIKAM-UK".to_string(),
                "ORG-FABRIKAM-HOLDING".to_string(),
                "ORG-FABRIKAM".to_string()
            ])
        );
        assert_eq!(
            ids(forest.path(fab, uk)),
            Some(vec![
                "ORG-FABRIKAM".to_string(),
                "ORG-FABRIKAM-HOLDING".to_string(),
                "ORG-FABRIKAM-UK".to_string()
            ])
        );
        assert_eq!(
            ids(forest.path(holding, holding)),
            Some(vec!["ORG-FABRIKAM-HOLDING".to_string()])
        );
        // A group that was not asked for is not walked: its members are lone roots.
        let (wg, wg_ca) = (org("ORG-WOODGROVE"), org("ORG-WOODGROVE-CA"));
        assert!(net.affiliated(wg, wg_ca));
        assert_eq!(forest.path(wg, wg_ca), None);
        assert_eq!(
            ids(net.affiliate_forest([wg_ca]).path(wg_ca, wg)),
            Some(vec![
                "ORG-WOODGROVE-CA".to_string(),
                "ORG-WOODGROVE".to_string()
            ])
        );
        assert_eq!(forest.path(fab, wg), None);
    }
}
