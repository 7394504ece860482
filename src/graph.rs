//! Model → petgraph: the one network every rule reads.
//!
//! Nodes are laid out by dense index, so no lookup table is needed: organizations first, then
//! partners, then tenants. Edges carry their kind and, for relationship edges, the row index in
//! [`Model::relationships`].

use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::unionfind::UnionFind;
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
    /// The partner whose CSP tenant each tenant is, if any.
    pub csp_owner: Vec<Option<PartnerIdx>>,
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
            reseller_since: FxHashMap::default(),
            csp_owner,
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

    /// The rows of one relationship kind, in parallel (in no particular order: rules sort their
    /// findings).
    pub fn par_rows(&self, kind: RelKind) -> impl ParallelIterator<Item = &Relationship> + '_ {
        let kind = match kind {
            RelKind::Reseller => EdgeKind::Reseller,
            RelKind::Customer => EdgeKind::Customer,
            RelKind::Admin => EdgeKind::Admin,
            RelKind::Affiliate => EdgeKind::Affiliate,
        };
        self.graph
            .raw_edges()
            .par_iter()
            .filter(move |e| e.weight.kind == kind)
            .map(|e| &self.model.relationships[e.weight.row as usize])
    }

    /// Breadth-first trees over the affiliate groups, for explaining how two organizations are
    /// affiliated. Each group's tree is rooted at its smallest organization id and visits
    /// neighbours in id order, so the trees do not depend on row order.
    ///
    /// # Complexity
    /// O(V + A log A) for A affiliate edges.
    pub fn affiliate_forest(&self) -> AffiliateForest {
        let orgs = &self.model.organizations;
        let mut adjacent: Vec<Vec<u32>> = vec![Vec::new(); orgs.len()];
        for e in self.graph.raw_edges() {
            if e.weight.kind == EdgeKind::Affiliate {
                let (a, b) = (e.source().index() as u32, e.target().index() as u32);
                adjacent[a as usize].push(b);
                adjacent[b as usize].push(a);
            }
        }
        let by_id = |a: &u32, b: &u32| orgs[*a as usize].id.cmp(&orgs[*b as usize].id);
        for list in &mut adjacent {
            list.sort_unstable_by(by_id);
            list.dedup();
        }
        let mut roots: Vec<u32> = (0..orgs.len() as u32)
            .filter(|o| !adjacent[*o as usize].is_empty())
            .collect();
        roots.sort_unstable_by(by_id);
        let mut parent: Vec<u32> = (0..orgs.len() as u32).collect();
        let mut depth = vec![0u32; orgs.len()];
        let mut seen = vec![false; orgs.len()];
        let mut queue = std::collections::VecDeque::new();
        for root in roots {
            if std::mem::replace(&mut seen[root as usize], true) {
                continue;
            }
            queue.push_back(root);
            while let Some(o) = queue.pop_front() {
                for &n in &adjacent[o as usize] {
                    if !std::mem::replace(&mut seen[n as usize], true) {
                        parent[n as usize] = o;
                        depth[n as usize] = depth[o as usize] + 1;
                        queue.push_back(n);
                    }
                }
            }
        }
        AffiliateForest { parent, depth }
    }
}

/// Breadth-first trees over the affiliate groups (see [`Network::affiliate_forest`]).
#[derive(Debug)]
pub struct AffiliateForest {
    parent: Vec<u32>,
    depth: Vec<u32>,
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
        let step = |o: &mut u32, trail: &mut Vec<u32>| {
            *o = self.parent[*o as usize];
            trail.push(*o);
        };
        while self.depth[a as usize] > self.depth[b as usize] {
            step(&mut a, &mut up);
        }
        while self.depth[b as usize] > self.depth[a as usize] {
            step(&mut b, &mut down);
        }
        while a != b {
            if self.depth[a as usize] == 0 {
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
