//! Planting violations: each plant is a few rows (and sometimes a partner made for it) that
//! break exactly the rules its findings name, chosen before anything is written so that the
//! base rows around it can keep clear of it.
//!
//! Isolation, rule by rule: a plant's rows are dated on or after the start of every partner on
//! them (so CSP009/CSP010 stay quiet unless planted), stay inside one region (unless CSP003/
//! CSP004 is the point), have keys no base row has (CSP006), and go into a tenant whose base
//! rows avoid the plant's keys and, for self-sales, every partner of the affiliate group
//! involved. Pairs (from, to) of planted reseller rows, planted sales into CSP tenants and the
//! links CSP008 lists are used once each, so no plant adds a row to another's finding.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashSet;

use super::shape::{between, Calendar, Channel, Regions, Shape};
use super::write::{day, Day, Org};
use super::GenerateError;
use crate::model::{RelKind, Role};
use crate::rules::NetworkRule;

/// Number of network rules, the rules plants can target (the length of [`Counts`]).
pub const RULES: usize = NetworkRule::COUNT;

/// A tenant a plant row names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TRef {
    /// The plant's own customer tenant.
    Slot,
    /// A partner's CSP tenant.
    Csp(u32),
}

/// An organization a plant row names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ORef {
    /// A partner's organization.
    Partner(u32),
    /// The organization of the plant's own tenant.
    Slot,
    /// The organization of the tenant after it.
    Leaf,
}

/// An entity of a planted row or finding, resolved to an id when written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ent {
    /// A partner.
    Partner(u32),
    /// A tenant.
    Tenant(TRef),
    /// An organization.
    Org(ORef),
}

/// A planted row.
#[derive(Clone, Debug)]
pub struct PRow {
    /// Relationship kind.
    pub kind: RelKind,
    /// `from_id`.
    pub from: Ent,
    /// `to_id`.
    pub to: Ent,
    /// `reseller_id`.
    pub reseller: Option<u32>,
    /// `effective_on`.
    pub date: Option<Day>,
    /// Findings that list this row.
    pub findings: Vec<u32>,
}

/// A finding a plant causes, with its rows filled in as they are written.
#[derive(Clone, Debug)]
pub struct Expect {
    /// The rule.
    pub rule: NetworkRule,
    /// What was planted.
    pub message: String,
    /// Entities, in the rule's documented order.
    pub entities: Vec<Ent>,
    /// The self-sale cycle.
    pub path: Vec<Ent>,
    /// Lines of the rows, once written.
    pub lines: Vec<u64>,
    /// Base links whose rows the finding lists too.
    pub links: Vec<u32>,
    /// Slot and tenant organization of the plant that causes it.
    pub slot: Option<u64>,
    /// See `slot`.
    pub org: TenantOrg,
}

/// The organization of a plant's tenant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TenantOrg {
    /// A new organization of its own.
    Own,
    /// The organization of a partner (an internal-use tenant).
    Partner(u32),
}

/// One planted violation.
#[derive(Clone, Debug)]
pub struct Plant {
    /// The customer tenant slot it lives in, or `None` for rows between partners and CSP
    /// tenants only (written before the customers).
    pub slot: Option<u64>,
    /// Region of its tenant.
    pub region: usize,
    /// Organization of its tenant.
    pub org: TenantOrg,
    /// Whether the next tenant is its affiliate pair's second organization.
    pub leaf: bool,
    /// Base rows into its tenant must avoid partners of this affiliate group.
    pub avoid_group: Option<u32>,
    /// Its rows.
    pub rows: Vec<PRow>,
}

impl Plant {
    /// The (kind, from, reseller) keys of its rows into its own tenant: base rows avoid them.
    pub fn keys_into_slot(&self) -> impl Iterator<Item = (RelKind, u32, Option<u32>)> + '_ {
        self.rows.iter().filter_map(|r| match (r.from, r.to) {
            (Ent::Partner(p), Ent::Tenant(TRef::Slot)) => Some((r.kind, p, r.reseller)),
            _ => None,
        })
    }
}

/// How many violations of each rule to plant, in the order of [`NetworkRule::ALL`].
pub type Counts = [u32; RULES];

/// Everything planted.
pub struct Plan {
    /// Plants with a slot, sorted by slot, then plants without.
    pub plants: Vec<Plant>,
    /// Expected findings.
    pub expects: Vec<Expect>,
    /// Customer tenants (slots) the generator must write at least.
    pub min_customers: u64,
}

impl Plan {
    /// Rows of all plants.
    pub fn rows(&self) -> u64 {
        self.plants.iter().map(|p| p.rows.len() as u64).sum()
    }
}

struct Planner<'a> {
    rng: &'a mut ChaCha8Rng,
    shape: &'a mut Shape,
    regions: &'a Regions,
    cal: &'a Calendar,
    /// (from, to) pairs of planted reseller rows, planted sales into CSP tenants (seller,
    /// owner) and links CSP008 lists.
    pairs: FxHashSet<(u32, u32)>,
    plants: Vec<Plant>,
    expects: Vec<Expect>,
}

/// Plans `counts` violations; partners made for plants are added to `shape`.
pub fn plan(
    rng: &mut ChaCha8Rng,
    shape: &mut Shape,
    regions: &Regions,
    cal: &Calendar,
    counts: &Counts,
    customers: u64,
) -> Result<Plan, GenerateError> {
    if regions.len() < 2
        && (counts[NetworkRule::CSP003.index()] > 0 || counts[NetworkRule::CSP004.index()] > 0)
    {
        return Err(GenerateError::Invalid(
            "CSP003 and CSP004 need two regions or more: raise --regions".into(),
        ));
    }
    let mut p = Planner {
        rng,
        shape,
        regions,
        cal,
        pairs: FxHashSet::default(),
        plants: Vec::new(),
        expects: Vec::new(),
    };
    // Interleave the rules so that a partial plan (an error part-way) is never lopsided.
    let most = counts.iter().copied().max().unwrap_or(0);
    for i in 0..most {
        for (rule, &n) in NetworkRule::ALL.into_iter().zip(counts) {
            if i < n {
                p.plant(rule)?;
            }
        }
    }
    let slotted = p.plants.iter().filter(|x| x.slot.is_some()).count() as u64;
    let customers = customers.max(2 * slotted + 2);
    // Slots are even, so the odd tenant after each is free to be a planted pair's second
    // organization.
    let mut taken = FxHashSet::default();
    let mut slots: Vec<u64> = Vec::with_capacity(slotted as usize);
    while (slots.len() as u64) < slotted {
        let s = p.rng.random_range(0..customers / 2) * 2;
        if taken.insert(s) {
            slots.push(s);
        }
    }
    slots.sort_unstable();
    let mut next = slots.into_iter();
    for plant in p.plants.iter_mut().filter(|x| x.slot.is_some()) {
        plant.slot = next.next();
    }
    let mut plants = p.plants;
    plants.sort_by_key(|x| x.slot.unwrap_or(u64::MAX));
    let mut expects = p.expects;
    for plant in &plants {
        for f in plant.rows.iter().flat_map(|r| &r.findings) {
            expects[*f as usize].slot = plant.slot;
            expects[*f as usize].org = plant.org;
        }
    }
    Ok(Plan {
        plants,
        expects,
        min_customers: customers,
    })
}

impl Planner<'_> {
    /// Plants one violation of `rule`. A new rule is a new arm here: the compiler asks for it.
    fn plant(&mut self, rule: NetworkRule) -> Result<(), GenerateError> {
        match rule {
            NetworkRule::CSP001 => self.seller_role(),
            NetworkRule::CSP002 => self.reseller_link(),
            NetworkRule::CSP003 => self.cross_region_customer(),
            NetworkRule::CSP004 => self.cross_region_partnership(),
            NetworkRule::CSP005 => self.self_sale(),
            NetworkRule::CSP006 => self.duplicate(),
            NetworkRule::CSP007 => self.partner_tenant_purchase(),
            NetworkRule::CSP008 => self.reseller_buys_from_own_provider(),
            NetworkRule::CSP009 => self.agreement_missing(),
            NetworkRule::CSP010 => self.reseller_not_ready(),
        }
    }

    fn region(&mut self) -> usize {
        self.regions.weights.pick(self.rng)
    }

    /// A base partner of `role` in `region`.
    fn any(&mut self, region: usize, role: Role) -> u32 {
        let list = &self.shape.by_role[region][super::shape::role_slot(role)];
        list[self.rng.random_range(0..list.len())]
    }

    fn start(&self, p: u32) -> Day {
        self.shape.partner(p).start
    }

    /// A day on or after the start of every partner in `ps`.
    fn after(&mut self, ps: &[u32]) -> Day {
        let lo = ps
            .iter()
            .map(|&p| self.start(p))
            .max()
            .unwrap_or(self.cal.first);
        between(self.rng, lo, self.cal.last)
    }

    fn expect(&mut self, rule: NetworkRule, message: String, entities: Vec<Ent>) -> u32 {
        self.expects.push(Expect {
            rule,
            message,
            entities,
            path: Vec::new(),
            lines: Vec::new(),
            links: Vec::new(),
            slot: None,
            org: TenantOrg::Own,
        });
        (self.expects.len() - 1) as u32
    }

    fn tenant_plant(&mut self, region: usize, rows: Vec<PRow>) {
        self.plants.push(Plant {
            slot: Some(0),
            region,
            org: TenantOrg::Own,
            leaf: false,
            avoid_group: None,
            rows,
        });
    }

    fn partner_plant(&mut self, rows: Vec<PRow>) {
        self.plants.push(Plant {
            slot: None,
            region: 0,
            org: TenantOrg::Own,
            leaf: false,
            avoid_group: None,
            rows,
        });
    }

    /// The entities of a sale: seller, reseller (if any), tenant.
    fn sale_entities(seller: u32, reseller: Option<u32>, tenant: TRef) -> Vec<Ent> {
        let mut e = vec![Ent::Partner(seller)];
        e.extend(reseller.map(Ent::Partner));
        e.push(Ent::Tenant(tenant));
        e
    }

    fn sale(seller: u32, reseller: Option<u32>, tenant: TRef, date: Day, f: &[u32]) -> PRow {
        PRow {
            kind: RelKind::Customer,
            from: Ent::Partner(seller),
            to: Ent::Tenant(tenant),
            reseller,
            date: Some(date),
            findings: f.to_vec(),
        }
    }

    fn reseller_row(from: u32, to: u32, date: Day, f: &[u32]) -> PRow {
        PRow {
            kind: RelKind::Reseller,
            from: Ent::Partner(from),
            to: Ent::Partner(to),
            reseller: None,
            date: Some(date),
            findings: f.to_vec(),
        }
    }

    /// A base link, chosen at random, whose pair no plant has used; marks it used.
    fn fresh_link(&mut self, ok: impl Fn(&Shape, u32) -> bool) -> Option<u32> {
        let n = self.shape.links.len() as u32;
        for attempt in 0..(4 * n + 64) {
            let l = if attempt < 64 {
                self.rng.random_range(0..n)
            } else {
                attempt % n
            };
            let link = self.shape.links[l as usize];
            if ok(&*self.shape, l) && !self.pairs.contains(&(link.provider, link.reseller)) {
                self.pairs.insert((link.provider, link.reseller));
                return Some(l);
            }
        }
        None
    }

    /// A pair of base partners, `a` of role `ra` and `b` of role `rb` in regions `(r1, r2)`,
    /// not linked and not used by another plant; marks it used.
    fn fresh_pair(
        &mut self,
        (r1, ra): (usize, Role),
        (r2, rb): (usize, Role),
        ok: impl Fn(&Shape, u32, u32) -> bool,
    ) -> Option<(u32, u32)> {
        for _ in 0..256 {
            let (a, b) = (self.any(r1, ra), self.any(r2, rb));
            if a != b
                && ok(&*self.shape, a, b)
                && !self.shape.link_of.contains_key(&(a, b))
                && self.pairs.insert((a, b))
            {
                return Some((a, b));
            }
        }
        None
    }

    fn seller_role(&mut self) -> Result<(), GenerateError> {
        let r = self.region();
        let seller = self.any(r, Role::IndirectReseller);
        let date = self.after(&[seller]);
        let f = self.expect(
            NetworkRule::CSP001,
            "planted: an indirect reseller sells directly".into(),
            Self::sale_entities(seller, None, TRef::Slot),
        );
        let row = Self::sale(seller, None, TRef::Slot, date, &[f]);
        self.tenant_plant(r, vec![row]);
        Ok(())
    }

    fn reseller_link(&mut self) -> Result<(), GenerateError> {
        let r = self.region();
        let variant = self.rng.random_range(0..5);
        let (seller, reseller, date, what) = match variant {
            1 => {
                let p = self.any(r, Role::IndirectProvider);
                let mut unlinked = None;
                for _ in 0..32 {
                    let q = self.any(r, Role::IndirectReseller);
                    if !self.shape.link_of.contains_key(&(p, q)) {
                        unlinked = Some(q);
                        break;
                    }
                }
                match unlinked {
                    Some(q) => (
                        p,
                        Some(q),
                        self.after(&[p, q]),
                        "through an unlinked reseller",
                    ),
                    None => (p, None, self.after(&[p]), "without a reseller"),
                }
            }
            2 => {
                let ress = &self.shape.by_role[r][1];
                let q = ress[self.rng.random_range(0..ress.len())];
                let links = &self.shape.links_of[q as usize];
                let link = self.shape.links[links[self.rng.random_range(0..links.len())] as usize];
                let lo = self.start(link.provider).max(self.start(q));
                let date = between(self.rng, lo, link.since - 1);
                (link.provider, Some(q), date, "before the link took effect")
            }
            3 => {
                let d = self.any(r, Role::DirectBill);
                let q = self.any(r, Role::IndirectReseller);
                (
                    d,
                    Some(q),
                    self.after(&[d, q]),
                    "direct-bill sale naming a reseller",
                )
            }
            4 => {
                let Some((d, q)) = self.fresh_pair(
                    (r, Role::DirectBill),
                    (r, Role::IndirectReseller),
                    |_, _, _| true,
                ) else {
                    return Err(GenerateError::Invalid(
                        "too many CSP002 plants for the partners".into(),
                    ));
                };
                let date = self.after(&[d, q]);
                let f = self.expect(
                    NetworkRule::CSP002,
                    "planted: a reseller row from a direct-bill partner".into(),
                    vec![Ent::Partner(d), Ent::Partner(q)],
                );
                let row = Self::reseller_row(d, q, date, &[f]);
                self.partner_plant(vec![row]);
                return Ok(());
            }
            _ => {
                let p = self.any(r, Role::IndirectProvider);
                (p, None, self.after(&[p]), "without a reseller")
            }
        };
        let f = self.expect(
            NetworkRule::CSP002,
            format!("planted: a provider sale {what}"),
            Self::sale_entities(seller, reseller, TRef::Slot),
        );
        let row = Self::sale(seller, reseller, TRef::Slot, date, &[f]);
        self.tenant_plant(r, vec![row]);
        Ok(())
    }

    fn cross_region_customer(&mut self) -> Result<(), GenerateError> {
        let r = self.region();
        let mut other = self.region();
        while other == r {
            other = self.rng.random_range(0..self.regions.len());
        }
        let (list, w) = &self.shape.channels[other];
        let c: Channel = list[w.pick(self.rng)];
        let date = between(self.rng, c.since, self.cal.last);
        let f = self.expect(
            NetworkRule::CSP003,
            "planted: a sale from another region".into(),
            Self::sale_entities(c.seller, c.reseller(), TRef::Slot),
        );
        let row = Self::sale(c.seller, c.reseller(), TRef::Slot, date, &[f]);
        self.tenant_plant(r, vec![row]);
        Ok(())
    }

    fn cross_region_partnership(&mut self) -> Result<(), GenerateError> {
        let r1 = self.region();
        let mut r2 = self.region();
        while r2 == r1 {
            r2 = self.rng.random_range(0..self.regions.len());
        }
        let Some((p, q)) = self.fresh_pair(
            (r1, Role::IndirectProvider),
            (r2, Role::IndirectReseller),
            |_, _, _| true,
        ) else {
            return Err(GenerateError::Invalid(
                "too many CSP004 plants for the partners".into(),
            ));
        };
        let date = self.after(&[p, q]);
        let f = self.expect(
            NetworkRule::CSP004,
            "planted: a provider-reseller relationship across regions".into(),
            vec![Ent::Partner(p), Ent::Partner(q)],
        );
        self.partner_plant(vec![Self::reseller_row(p, q, date, &[f])]);
        Ok(())
    }

    /// A channel that X is on, as seller or reseller: (seller, reseller, since).
    fn channel_through(&mut self, x: u32) -> (u32, Option<u32>, Day) {
        let partner = self.shape.partner(x);
        if partner.role == Role::DirectBill {
            return (x, None, partner.start);
        }
        let links = &self.shape.links_of[x as usize];
        let link = self.shape.links[links[self.rng.random_range(0..links.len())] as usize];
        (link.provider, Some(link.reseller), link.since)
    }

    fn self_sale(&mut self) -> Result<(), GenerateError> {
        let r = self.region();
        let role = [
            Role::IndirectProvider,
            Role::IndirectReseller,
            Role::DirectBill,
        ][self.rng.random_range(0..3)];
        let x = self.any(r, role);
        let (seller, reseller, since) = self.channel_through(x);
        let date = between(self.rng, since, self.cal.last);
        let partner = self.shape.partner(x);
        let (org, group) = (partner.org, partner.group);
        let own = self.rng.random_range(0..2) == 0;
        let mut path = vec![Ent::Partner(x), Ent::Tenant(TRef::Slot)];
        let mut rows = Vec::new();
        let f = self.expect(
            NetworkRule::CSP005,
            if own {
                "planted: a partner sells to a tenant of its own organization".into()
            } else {
                "planted: a partner sells to an affiliate of its organization".into()
            },
            Self::sale_entities(seller, reseller, TRef::Slot),
        );
        if !own {
            path.push(Ent::Org(ORef::Slot));
            let date = self.rng.random_bool(0.5).then(|| self.after(&[]));
            rows.push(PRow {
                kind: RelKind::Affiliate,
                from: Ent::Org(ORef::Slot),
                to: Ent::Org(ORef::Partner(org)),
                reseller: None,
                date,
                findings: Vec::new(),
            });
        }
        path.extend([Ent::Org(ORef::Partner(org)), Ent::Partner(x)]);
        self.expects[f as usize].path = path;
        rows.push(Self::sale(seller, reseller, TRef::Slot, date, &[f]));
        self.plants.push(Plant {
            slot: Some(0),
            region: r,
            org: if own {
                TenantOrg::Partner(org)
            } else {
                TenantOrg::Own
            },
            leaf: false,
            avoid_group: Some(group),
            rows,
        });
        Ok(())
    }

    fn duplicate(&mut self) -> Result<(), GenerateError> {
        let r = self.region();
        match self.rng.random_range(0..4) {
            0 => {
                let (list, w) = &self.shape.channels[r];
                let c = list[w.pick(self.rng)];
                let f = self.expect(
                    NetworkRule::CSP006,
                    "planted: a sale recorded twice".into(),
                    Self::sale_entities(c.seller, c.reseller(), TRef::Slot),
                );
                let rows = (0..2)
                    .map(|_| {
                        let date = between(self.rng, c.since, self.cal.last);
                        Self::sale(c.seller, c.reseller(), TRef::Slot, date, &[f])
                    })
                    .collect();
                self.tenant_plant(r, rows);
            }
            1 => {
                let Some(l) = self.fresh_link(|_, _| true) else {
                    return Err(GenerateError::Invalid(
                        "too many CSP006 plants for the links".into(),
                    ));
                };
                let link = self.shape.links[l as usize];
                let f = self.expect(
                    NetworkRule::CSP006,
                    "planted: a provider-reseller relationship recorded twice".into(),
                    vec![Ent::Partner(link.provider), Ent::Partner(link.reseller)],
                );
                self.expects[f as usize].links.push(l);
                let date = between(self.rng, link.since, self.cal.last);
                let row = Self::reseller_row(link.provider, link.reseller, date, &[f]);
                self.partner_plant(vec![row]);
            }
            2 => {
                // The slot's organization comes first in tenants.csv, so it is interned first:
                // the audit names the pair in that order whichever way each row points.
                let f = self.expect(
                    NetworkRule::CSP006,
                    "planted: an affiliate relationship recorded both ways".into(),
                    vec![Ent::Org(ORef::Slot), Ent::Org(ORef::Leaf)],
                );
                let second = self.rng.random_bool(0.5).then(|| self.after(&[]));
                let rows = vec![
                    PRow {
                        kind: RelKind::Affiliate,
                        from: Ent::Org(ORef::Slot),
                        to: Ent::Org(ORef::Leaf),
                        reseller: None,
                        date: None,
                        findings: vec![f],
                    },
                    PRow {
                        kind: RelKind::Affiliate,
                        from: Ent::Org(ORef::Leaf),
                        to: Ent::Org(ORef::Slot),
                        reseller: None,
                        date: second,
                        findings: vec![f],
                    },
                ];
                self.tenant_plant(r, rows);
                if let Some(last) = self.plants.last_mut() {
                    last.leaf = true;
                }
            }
            _ => {
                let (list, w) = &self.shape.admins[r];
                let a = list[w.pick(self.rng)];
                let f = self.expect(
                    NetworkRule::CSP006,
                    "planted: an admin relationship recorded twice".into(),
                    vec![Ent::Partner(a), Ent::Tenant(TRef::Slot)],
                );
                let rows = (0..2)
                    .map(|_| PRow {
                        kind: RelKind::Admin,
                        from: Ent::Partner(a),
                        to: Ent::Tenant(TRef::Slot),
                        reseller: None,
                        date: Some(self.after(&[a])),
                        findings: vec![f],
                    })
                    .collect();
                self.tenant_plant(r, rows);
            }
        }
        Ok(())
    }

    fn partner_tenant_purchase(&mut self) -> Result<(), GenerateError> {
        let r = self.region();
        let owner_role = [
            Role::IndirectProvider,
            Role::IndirectReseller,
            Role::DirectBill,
        ][self.rng.random_range(0..3)];
        let found = self.fresh_pair((r, Role::DirectBill), (r, owner_role), |s, d, x| {
            s.partner(x).csp_tenant.is_some() && s.partner(d).group != s.partner(x).group
        });
        let found = found.or_else(|| {
            self.fresh_pair(
                (r, Role::DirectBill),
                (r, Role::IndirectReseller),
                |s, d, x| {
                    s.partner(x).csp_tenant.is_some() && s.partner(d).group != s.partner(x).group
                },
            )
        });
        let Some((d, x)) = found else {
            return Err(GenerateError::Invalid(
                "too many CSP007 plants for the partners".into(),
            ));
        };
        let date = self.after(&[d]);
        let mut entities = Self::sale_entities(d, None, TRef::Csp(x));
        entities.push(Ent::Partner(x));
        let f = self.expect(
            NetworkRule::CSP007,
            "planted: a sale into a partner's CSP tenant".into(),
            entities,
        );
        self.partner_plant(vec![Self::sale(d, None, TRef::Csp(x), date, &[f])]);
        Ok(())
    }

    fn reseller_buys_from_own_provider(&mut self) -> Result<(), GenerateError> {
        let found = self.fresh_link(|s, l| {
            let link = s.links[l as usize];
            s.partner(link.reseller).csp_tenant.is_some()
                && s.links_of[link.provider as usize].len() > 1
        });
        let Some(l) = found else {
            return Err(GenerateError::Invalid(
                "too many CSP008 plants for the links".into(),
            ));
        };
        let link = self.shape.links[l as usize];
        let (p, q) = (link.provider, link.reseller);
        let others: Vec<u32> = self.shape.links_of[p as usize]
            .iter()
            .copied()
            .filter(|&m| m != l)
            .collect();
        let via = self.shape.links[others[self.rng.random_range(0..others.len())] as usize];
        let date = between(self.rng, via.since, self.cal.last);
        let own = self.expect(
            NetworkRule::CSP008,
            "planted: a provider sells into its own reseller's CSP tenant".into(),
            vec![Ent::Partner(p), Ent::Partner(q), Ent::Tenant(TRef::Csp(q))],
        );
        self.expects[own as usize].links.push(l);
        // CSP007 names the seller, the tenant and its owner (not the reseller on the sale).
        let entities = vec![Ent::Partner(p), Ent::Tenant(TRef::Csp(q)), Ent::Partner(q)];
        let csp = self.expect(
            NetworkRule::CSP007,
            "planted (with CSP008): a sale into a partner's CSP tenant".into(),
            entities,
        );
        let row = Self::sale(p, Some(via.reseller), TRef::Csp(q), date, &[own, csp]);
        self.partner_plant(vec![row]);
        Ok(())
    }

    /// A partner made for a plant: region `r`, started in 2018 or 2019.
    fn dedicated(&mut self, r: usize, role: Role) -> u32 {
        let x = self
            .shape
            .add_partner(self.rng, self.regions, self.cal, role, r);
        let start = between(self.rng, day(2018, 1, 1), day(2019, 12, 31));
        let onboarded = start - self.rng.random_range(10..=200);
        let enrolled = between(self.rng, onboarded, start);
        let p = &mut self.shape.partners[x as usize];
        p.start = start;
        p.onboarded = Some(onboarded);
        p.enrolled = Some(enrolled);
        p.internal = 0;
        x
    }

    /// Providers of region `r` for a dedicated reseller: 1 or 2, the earliest-started of a few
    /// draws, and each link's date.
    fn providers_for(&mut self, r: usize, x: u32) -> Vec<(u32, Day)> {
        let want = self
            .rng
            .random_range(1..=2)
            .min(self.shape.by_role[r][0].len());
        let mut chosen: Vec<u32> = Vec::new();
        while chosen.len() < want {
            let draws: Vec<u32> = (0..4)
                .map(|_| self.any(r, Role::IndirectProvider))
                .filter(|p| !chosen.contains(p))
                .collect();
            let best = draws.into_iter().min_by_key(|&p| (self.start(p), p));
            if let Some(p) = best {
                chosen.push(p);
            }
        }
        chosen
            .into_iter()
            .map(|p| {
                let lo = self.start(p).max(self.start(x));
                (p, between(self.rng, lo, lo + 200))
            })
            .collect()
    }

    fn agreement_missing(&mut self) -> Result<(), GenerateError> {
        let r = self.region();
        let cutoff = self.cal.cutoff;
        let direct = self.rng.random_bool(0.5);
        let x = self.dedicated(
            r,
            if direct {
                Role::DirectBill
            } else {
                Role::IndirectReseller
            },
        );
        let f = self.expect(
            NetworkRule::CSP009,
            "planted: transacts after the MPA cut-off before signing".into(),
            vec![Ent::Partner(x)],
        );
        let mut rows = Vec::new();
        if direct {
            let first = cutoff.max(self.start(x));
            let mpa = self.late_day(first);
            self.shape.partners[x as usize].mpa = mpa;
            let lim = mpa.unwrap_or(self.cal.last + 1);
            let date = between(self.rng, first, lim - 1);
            rows.push(Self::sale(x, None, TRef::Slot, date, &[]));
        } else {
            let provs = self.providers_for(r, x);
            let first = provs[0].1.max(cutoff);
            let mpa = self.late_day(first);
            self.shape.partners[x as usize].mpa = mpa;
            let lim = mpa.unwrap_or(self.cal.last + 1);
            for (i, &(p, since)) in provs.iter().enumerate() {
                rows.push(Self::reseller_row(p, x, since, &[]));
                let date = if i == 0 {
                    between(self.rng, first, lim - 1)
                } else {
                    between(self.rng, since, self.cal.last)
                };
                rows.push(Self::sale(p, Some(x), TRef::Slot, date, &[]));
            }
        }
        let mpa = self.shape.partner(x).mpa;
        for row in &mut rows {
            let d = row.date.unwrap_or(0);
            if d >= cutoff && mpa.is_none_or(|s| s > d) {
                row.findings.push(f);
            }
        }
        self.tenant_plant(r, rows);
        Ok(())
    }

    /// Half the time `None`, else a day 30 days to four years after `after` (at the latest the
    /// last day of the data).
    fn late_day(&mut self, after: Day) -> Option<Day> {
        self.rng.random_bool(0.5).then(|| {
            let lo = (after + 30).min(self.cal.last);
            between(self.rng, lo, (lo + 1460).min(self.cal.last))
        })
    }

    fn reseller_not_ready(&mut self) -> Result<(), GenerateError> {
        let r = self.region();
        let cutoff = self.cal.cutoff;
        let x = self.dedicated(r, Role::IndirectReseller);
        let start = self.start(x);
        let mpa = start - self.rng.random_range(0..=120);
        self.shape.partners[x as usize].mpa = Some(mpa);
        let provs = self.providers_for(r, x);
        let first = provs[0].1.max(cutoff);
        let late = (first + 30).min(self.cal.last);
        let late = between(self.rng, late, (late + 1460).min(self.cal.last));
        let variant = self.rng.random_range(0..4);
        let p = &mut self.shape.partners[x as usize];
        match variant {
            0 => p.enrolled = None,
            1 => p.onboarded = None,
            2 => p.enrolled = Some(late),
            _ => p.onboarded = Some(late),
        }
        let (onb, enr) = (p.onboarded, p.enrolled);
        let f = self.expect(
            NetworkRule::CSP010,
            "planted: resells before onboarding and enrolment".into(),
            vec![Ent::Partner(x)],
        );
        let lim = if variant >= 2 {
            late
        } else {
            self.cal.last + 1
        };
        let mut rows = Vec::new();
        for (i, &(prov, since)) in provs.iter().enumerate() {
            rows.push(Self::reseller_row(prov, x, since, &[]));
            let date = if i == 0 {
                between(self.rng, first, lim - 1)
            } else {
                between(self.rng, since, self.cal.last)
            };
            let not_ready = date >= cutoff && [onb, enr].iter().any(|d| d.is_none_or(|d| date < d));
            let findings = if not_ready { vec![f] } else { Vec::new() };
            let mut sale = Self::sale(prov, Some(x), TRef::Slot, date, &[]);
            sale.findings = findings;
            rows.push(sale);
        }
        self.tenant_plant(r, rows);
        Ok(())
    }
}

/// The organization a [`TenantOrg`] stands for, for the tenant numbered `number`.
pub fn org_of(org: TenantOrg, number: u64) -> Org {
    match org {
        TenantOrg::Own => Org::Customer(number),
        TenantOrg::Partner(o) => Org::Partner(o),
    }
}
