//! Model → petgraph: the one network every rule reads.
//!
//! Nodes are laid out by dense index, so no lookup table is needed: organizations first, then
//! partners, then tenants. Edges carry their kind and, for relationship edges, the row index in
//! [`Model::relationships`]. Edges are laid out by kind too: the structural edges first, then the
//! rows of each relationship kind in row order, so that a rule reads the contiguous run of edges
//! of the kind it checks and nothing else.

use std::ops::Range;

use petgraph::graph::{DiGraph, Edge as GraphEdge, NodeIndex};
use petgraph::unionfind::UnionFind;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::model::{
    Date, Model, OrgIdx, PartnerIdx, RegionIdx, RelKind, Relationship, TableBytes, TenantIdx,
};

/// [`Network::tenant_group`] of a tenant with no known organization.
pub const NO_GROUP: u32 = u32::MAX;

/// The (provider, reseller) pairs that have a dated `reseller` row, with the earliest date of
/// each, grouped by provider: a dense table read by index and a short binary search, with no
/// hashing.
#[derive(Debug, Default)]
pub struct ResellerPairs {
    /// `start[p]..start[p + 1]` is the run of provider `p` in `pairs`.
    start: Vec<u32>,
    /// (reseller, earliest date), sorted by reseller within each provider's run.
    pairs: Vec<(PartnerIdx, Date)>,
}

impl ResellerPairs {
    /// The table of `partners` partners from (provider, reseller, date) triples, in any order
    /// and with repeats.
    fn build(partners: usize, mut all: Vec<(PartnerIdx, PartnerIdx, Date)>) -> ResellerPairs {
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
        let (a, b) = match self.start.get(provider.ix()..provider.ix() + 2) {
            Some(&[a, b]) => (a as usize, b as usize),
            _ => return None,
        };
        let run = &self.pairs[a..b];
        run.binary_search_by_key(&reseller, |e| e.0)
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

/// An edge: its kind, and the relationship row it comes from (`u32::MAX` for structural edges).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    /// The kind.
    pub kind: EdgeKind,
    /// Index into [`Model::relationships`], or `u32::MAX`.
    pub row: u32,
}

/// The partner network: the model, its graph, and what is derived once for all rules.
#[derive(Debug)]
pub struct Network {
    /// The loaded rows.
    pub model: Model,
    /// One node per organization, partner and tenant; one edge per relationship and structure.
    pub graph: DiGraph<Node, Edge, u32>,
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
    /// The partner whose CSP tenant each tenant is, if any.
    pub csp_owner: Vec<Option<PartnerIdx>>,
    /// The run of edge indices holding the rows of each relationship kind, indexed by
    /// [`kind_slot`].
    kind_edges: [Range<usize>; 4],
}

/// The relationship kinds in the order their edges are laid out.
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

impl Network {
    /// Builds the network.
    ///
    /// # Complexity
    /// O(V + E) time and memory, plus O(E α(V)) for the affiliate union-find.
    pub fn build(mut model: Model) -> Network {
        // A partner's CSP tenant belongs to the partner's organization, whether or not
        // tenants.csv says so: a sale into it by the partner or its affiliates is a self-sale.
        let mut csp_owner = vec![None; model.tenants.len()];
        for (p, partner) in model.partners.iter().enumerate() {
            if let Some(t) = partner.csp_tenant {
                csp_owner[t.ix()] = Some(PartnerIdx(p as u32));
                let tenant = &mut model.tenants[t.ix()];
                tenant.org = tenant.org.or(Some(partner.org));
            }
        }
        let orgs = model.organizations.len();
        let partners = model.partners.len();
        let tenants = model.tenants.len();
        let structural = partners + model.tenants.iter().filter(|t| t.org.is_some()).count();
        let mut graph = DiGraph::with_capacity(
            orgs + partners + tenants,
            model.relationships.len() + structural,
        );
        for o in 0..orgs {
            graph.add_node(Node::Org(OrgIdx(o as u32)));
        }
        for p in 0..partners {
            graph.add_node(Node::Partner(PartnerIdx(p as u32)));
        }
        for t in 0..tenants {
            graph.add_node(Node::Tenant(TenantIdx(t as u32)));
        }
        let mut net = Network {
            model,
            graph,
            org_group: Vec::new(),
            reseller_since: ResellerPairs::default(),
            tenant_region: Vec::new(),
            tenant_group: Vec::new(),
            csp_owner,
            kind_edges: Default::default(),
        };
        let structural_edge = |kind| Edge {
            kind,
            row: u32::MAX,
        };
        for (p, partner) in net.model.partners.iter().enumerate() {
            let from = net.partner_node(PartnerIdx(p as u32));
            let to = net.org_node(partner.org);
            net.graph
                .add_edge(from, to, structural_edge(EdgeKind::MemberOf));
        }
        for (t, tenant) in net.model.tenants.iter().enumerate() {
            if let Some(org) = tenant.org {
                let from = net.org_node(org);
                let to = net.tenant_node(TenantIdx(t as u32));
                net.graph
                    .add_edge(from, to, structural_edge(EdgeKind::Owns));
            }
        }
        let mut groups = UnionFind::<u32>::new(orgs);
        let mut reseller_rows = Vec::new();
        // One pass per kind keeps each kind's rows contiguous among the edges, in row order.
        for kind in KIND_ORDER {
            let first = net.graph.edge_count();
            for (row, rel) in net.model.relationships.iter().enumerate() {
                if rel.kind() != kind {
                    continue;
                }
                let (from, to, edge_kind) = match rel.kind() {
                    RelKind::Reseller => {
                        let key = (rel.from_partner(), rel.to_partner());
                        if let Some(date) = rel.effective_on {
                            reseller_rows.push((key.0, key.1, date));
                        }
                        (
                            net.partner_node(key.0),
                            net.partner_node(key.1),
                            EdgeKind::Reseller,
                        )
                    }
                    RelKind::Customer => (
                        net.partner_node(rel.from_partner()),
                        net.tenant_node(rel.to_tenant()),
                        EdgeKind::Customer,
                    ),
                    RelKind::Admin => (
                        net.partner_node(rel.from_partner()),
                        net.tenant_node(rel.to_tenant()),
                        EdgeKind::Admin,
                    ),
                    RelKind::Affiliate => {
                        groups.union(rel.from, rel.to);
                        (
                            net.org_node(OrgIdx(rel.from)),
                            net.org_node(OrgIdx(rel.to)),
                            EdgeKind::Affiliate,
                        )
                    }
                };
                net.graph.add_edge(
                    from,
                    to,
                    Edge {
                        kind: edge_kind,
                        row: row as u32,
                    },
                );
            }
            net.kind_edges[kind_slot(kind)] = first..net.graph.edge_count();
        }
        net.org_group = groups.into_labeling();
        net.reseller_since = ResellerPairs::build(partners, reseller_rows);
        net.tenant_region = net.model.tenants.iter().map(|t| t.region).collect();
        net.tenant_group = net
            .model
            .tenants
            .iter()
            .map(|t| t.org.map_or(NO_GROUP, |o| net.org_group[o.ix()]))
            .collect();
        net
    }

    /// The bytes of each table of the model and of the network built from it.
    #[doc(hidden)]
    pub fn table_bytes(&self) -> Vec<TableBytes> {
        let mut out = self.model.table_bytes();
        out.push(TableBytes::of::<petgraph::graph::Node<Node, u32>>(
            "graph nodes",
            self.graph.node_count(),
            self.graph.capacity().0,
            0,
        ));
        out.push(TableBytes::of::<GraphEdge<Edge, u32>>(
            "graph edges",
            self.graph.edge_count(),
            self.graph.capacity().1,
            0,
        ));
        out.extend(self.derived_bytes());
        out
    }

    /// The node of an organization.
    #[inline]
    pub fn org_node(&self, o: OrgIdx) -> NodeIndex<u32> {
        NodeIndex::new(o.ix())
    }

    /// The node of a partner.
    #[inline]
    pub fn partner_node(&self, p: PartnerIdx) -> NodeIndex<u32> {
        NodeIndex::new(self.model.organizations.len() + p.ix())
    }

    /// The node of a tenant.
    #[inline]
    pub fn tenant_node(&self, t: TenantIdx) -> NodeIndex<u32> {
        NodeIndex::new(self.model.organizations.len() + self.model.partners.len() + t.ix())
    }

    /// Whether two organizations are the same or affiliates of each other.
    #[inline]
    pub fn affiliated(&self, a: OrgIdx, b: OrgIdx) -> bool {
        self.org_group[a.ix()] == self.org_group[b.ix()]
    }

    /// The edges of one relationship kind: a contiguous run of the graph's edges, in row order.
    #[inline]
    pub fn kind_edges(&self, kind: RelKind) -> &[GraphEdge<Edge, u32>] {
        &self.graph.raw_edges()[self.kind_edges[kind_slot(kind)].clone()]
    }

    /// The number of rows of one relationship kind.
    #[inline]
    pub fn row_count(&self, kind: RelKind) -> usize {
        self.kind_edges[kind_slot(kind)].len()
    }

    /// The rows of one relationship kind, in row order.
    pub fn rows(&self, kind: RelKind) -> impl ExactSizeIterator<Item = &Relationship> + '_ {
        self.kind_edges(kind)
            .iter()
            .map(|e| &self.model.relationships[e.weight.row as usize])
    }

    /// The rows of one relationship kind, in parallel (in no particular order: rules sort their
    /// findings). Reads only that kind's edges.
    pub fn par_rows(
        &self,
        kind: RelKind,
    ) -> impl IndexedParallelIterator<Item = &Relationship> + '_ {
        self.kind_edges(kind)
            .par_iter()
            .map(|e| &self.model.relationships[e.weight.row as usize])
    }

    /// The organizations joined to `o` by an `affiliate` row (either direction), sorted by id,
    /// without repeats; read from the graph's adjacency of the organization's node.
    fn affiliates_by_id(&self, o: u32) -> Vec<u32> {
        let orgs = &self.model.organizations;
        let node = NodeIndex::new(o as usize);
        let mut out: Vec<u32> = self
            .graph
            .edges_directed(node, Direction::Outgoing)
            .filter(|e| e.weight().kind == EdgeKind::Affiliate)
            .map(|e| e.target().index() as u32)
            .chain(
                self.graph
                    .edges_directed(node, Direction::Incoming)
                    .filter(|e| e.weight().kind == EdgeKind::Affiliate)
                    .map(|e| e.source().index() as u32),
            )
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
            TableBytes::of::<Option<PartnerIdx>>(
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
                .kind_edges(kind)
                .iter()
                .all(|e| rels[e.weight.row as usize].kind() == kind));
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
