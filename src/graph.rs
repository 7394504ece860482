//! Model → petgraph: the one network every rule reads.
//!
//! Nodes are laid out by dense index, so no lookup table is needed: organizations first, then
//! partners, then tenants. Edges carry their kind and, for relationship edges, the row index in
//! [`Model::relationships`].

use petgraph::graph::{DiGraph, EdgeIndex, NodeIndex};
use petgraph::unionfind::UnionFind;
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::model::{Date, Model, OrgIdx, PartnerIdx, RelKind, Relationship, TenantIdx};

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
    pub reseller_since: FxHashMap<(PartnerIdx, PartnerIdx), Date>,
}

impl Network {
    /// Builds the network.
    ///
    /// # Complexity
    /// O(V + E) time and memory, plus O(E α(V)) for the affiliate union-find.
    pub fn build(model: Model) -> Network {
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
            reseller_since: FxHashMap::default(),
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
        for (row, rel) in net.model.relationships.iter().enumerate() {
            let (from, to, kind) = match rel.kind {
                RelKind::Reseller => {
                    let key = (rel.from_partner(), rel.to_partner());
                    if let Some(date) = rel.effective_on {
                        net.reseller_since
                            .entry(key)
                            .and_modify(|d| *d = (*d).min(date))
                            .or_insert(date);
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
                    kind,
                    row: row as u32,
                },
            );
        }
        net.org_group = groups.into_labeling();
        net
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

    /// The relationship edges of one kind, with their row index, in row order.
    pub fn relationship_edges(
        &self,
        kind: EdgeKind,
    ) -> impl Iterator<Item = (EdgeIndex<u32>, usize)> + '_ {
        self.graph
            .raw_edges()
            .iter()
            .enumerate()
            .filter(move |(_, e)| e.weight.kind == kind)
            .map(|(i, e)| (EdgeIndex::new(i), e.weight.row as usize))
    }

    /// The relationship edges of one kind in parallel, as (row index, row).
    pub fn par_rows(
        &self,
        kind: EdgeKind,
    ) -> impl ParallelIterator<Item = (usize, &Relationship)> + '_ {
        self.graph
            .raw_edges()
            .par_iter()
            .filter(move |e| e.weight.kind == kind)
            .map(|e| {
                let row = e.weight.row as usize;
                (row, &self.model.relationships[row])
            })
    }

    /// A shortest chain of affiliate links from organization `from` to `to`, both included;
    /// `None` if they are not affiliated. Ties are broken by organization id, so the chain does
    /// not depend on row order.
    ///
    /// # Complexity
    /// O(n log n) in the size of the affiliate group (breadth-first search).
    pub fn affiliate_path(&self, from: OrgIdx, to: OrgIdx) -> Option<Vec<OrgIdx>> {
        if !self.affiliated(from, to) {
            return None;
        }
        let mut parent: FxHashMap<OrgIdx, OrgIdx> = FxHashMap::default();
        let mut frontier = vec![from];
        parent.insert(from, from);
        while !frontier.is_empty() && !parent.contains_key(&to) {
            let mut next = Vec::new();
            for &o in &frontier {
                let node = self.org_node(o);
                let mut neighbours: Vec<OrgIdx> = [Direction::Outgoing, Direction::Incoming]
                    .into_iter()
                    .flat_map(|d| self.graph.edges_directed(node, d))
                    .filter(|e| e.weight().kind == EdgeKind::Affiliate)
                    .map(|e| {
                        let other = if e.source() == node {
                            e.target()
                        } else {
                            e.source()
                        };
                        OrgIdx(other.index() as u32)
                    })
                    .collect();
                neighbours.sort_by(|a, b| self.model.org(*a).id.cmp(&self.model.org(*b).id));
                for n in neighbours {
                    if let std::collections::hash_map::Entry::Vacant(v) = parent.entry(n) {
                        v.insert(o);
                        next.push(n);
                    }
                }
            }
            next.sort_by(|a, b| self.model.org(*a).id.cmp(&self.model.org(*b).id));
            frontier = next;
        }
        let mut path = vec![to];
        let mut at = to;
        while at != from {
            at = *parent.get(&at)?;
            path.push(at);
        }
        path.reverse();
        Some(path)
    }
}
