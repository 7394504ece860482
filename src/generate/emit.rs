//! Writing the three CSV files, streaming: partners and their tenants, then relationships in
//! five runs — provider–reseller links, provider families, plants between partners, partners'
//! own purchases, and the customer tenants one by one with their rows (and any plant on them).
//! Only the partners, links and plans are in memory; customer tenants are written and forgotten.

use std::path::Path;

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::plan::{org_of, Ent, Expect, ORef, Plan, Plant, TRef, TenantOrg};
use super::shape::{between, chance, Calendar, Channel, Regions, Shape};
use super::write::{
    push_org_id, push_partner_id, push_rel_id, push_tenant_id, push_u64, CsvOut, Dates, Day, Org,
};
use super::GenerateError;
use crate::model::{InputFile, RelKind, Role};

/// Most rows of one customer tenant.
const MAX_ROWS_PER_TENANT: u64 = 10;

/// An end of a row, resolved.
#[derive(Clone, Copy, Debug)]
enum Id {
    Partner(u32),
    Tenant(u64),
    Org(Org),
}

/// What the base rows of a tenant must keep clear of.
struct Avoid {
    /// Keys of planted rows into the tenant.
    keys: Vec<(RelKind, u32, Option<u32>)>,
    /// No seller or reseller of this affiliate group.
    group: Option<u32>,
}

/// Row counts of the files written.
pub struct Counts {
    /// Partners written.
    pub partners: u64,
    /// Tenants written.
    pub tenants: u64,
    /// Relationships written.
    pub relationships: u64,
}

/// The writer of one network.
pub struct Emit<'a> {
    rng: &'a mut ChaCha8Rng,
    shape: &'a Shape,
    regions: &'a Regions,
    cal: &'a Calendar,
    dates: Dates,
    rels: CsvOut,
    tenants: CsvOut,
    /// Number of the next tenant in tenants.csv.
    next_tenant: u64,
    /// Number of customer slot 0.
    pub customer_base: u64,
    /// (partner, tenant number) of every internal-use tenant.
    internal: Vec<(u32, u64)>,
    /// Keys of the rows of the tenant being written.
    used: Vec<(RelKind, u32, Option<u32>)>,
}

impl<'a> Emit<'a> {
    /// Writes partners.csv and the partners' tenants, and opens relationships.csv.
    pub fn start(
        dir: &Path,
        rng: &'a mut ChaCha8Rng,
        shape: &'a mut Shape,
        regions: &'a Regions,
        cal: &'a Calendar,
    ) -> Result<Emit<'a>, GenerateError> {
        let mut tenants = CsvOut::create(
            &dir.join(InputFile::Tenants.file_name()),
            "tenant_id,name,kind,country,organization_id",
        )?;
        let mut next_tenant = 0u64;
        let mut internal = Vec::new();
        for p in 0..shape.partners.len() {
            let partner = &shape.partners[p];
            let code = regions.table.code(partner.country).as_bytes();
            let org = Org::Partner(partner.org);
            if partner.csp_tenant.is_some() {
                let t = next_tenant;
                next_tenant += 1;
                tenant_row(
                    &mut tenants,
                    t,
                    b"CSP tenant of ",
                    p as u32,
                    "partner",
                    code,
                    org,
                )?;
                shape.partners[p].csp_tenant = Some(t);
            }
            for _ in 0..shape.partners[p].internal {
                let t = next_tenant;
                next_tenant += 1;
                tenant_row(
                    &mut tenants,
                    t,
                    b"Internal use of ",
                    p as u32,
                    "customer",
                    code,
                    org,
                )?;
                internal.push((p as u32, t));
            }
        }
        let shape: &'a Shape = shape;
        let dates = Dates::new();
        let mut partners = CsvOut::create(
            &dir.join(InputFile::Partners.file_name()),
            "partner_id,name,role,country,organization_id,csp_tenant_id,onboarded_on,enrolled_on,mpa_signed_on",
        )?;
        for (p, partner) in shape.partners.iter().enumerate() {
            let b = &mut partners.buf;
            push_partner_id(b, p as u32);
            b.push(b',');
            b.extend_from_slice(match partner.role {
                Role::IndirectProvider => b"Distributor ",
                Role::IndirectReseller => b"Reseller ",
                Role::DirectBill => b"Direct ",
            });
            push_u64(b, p as u64);
            b.push(b',');
            b.extend_from_slice(partner.role.as_str().as_bytes());
            b.push(b',');
            b.extend_from_slice(regions.table.code(partner.country).as_bytes());
            b.push(b',');
            push_org_id(b, Org::Partner(partner.org));
            b.push(b',');
            if let Some(t) = partner.csp_tenant {
                push_tenant_id(b, t);
            }
            for d in [partner.onboarded, partner.enrolled, partner.mpa] {
                b.push(b',');
                if let Some(d) = d {
                    b.extend_from_slice(dates.get(d));
                }
            }
            partners.end_row()?;
        }
        partners.finish()?;
        let rels = CsvOut::create(
            &dir.join(InputFile::Relationships.file_name()),
            "relationship_id,kind,from_id,to_id,reseller_id,effective_on",
        )?;
        Ok(Emit {
            rng,
            shape,
            regions,
            cal,
            dates,
            rels,
            tenants,
            next_tenant,
            customer_base: next_tenant,
            internal,
            used: Vec::with_capacity(16),
        })
    }

    /// Writes every relationship: `total` rows in all, the plans' included.
    pub fn relationships(
        mut self,
        plan: &Plan,
        expects: &mut [Expect],
        total: u64,
        customers: u64,
    ) -> Result<Counts, GenerateError> {
        // Links first: link i is on line i + 2, as the planner assumed.
        for link in &self.shape.links {
            let date = Some(link.since);
            let (p, r) = (Id::Partner(link.provider), Id::Partner(link.reseller));
            self.row(RelKind::Reseller, p, r, None, date)?;
        }
        for &(from, to) in &self.shape.family_rows {
            let date = self.maybe_date();
            let (a, b) = (Id::Org(Org::Partner(from)), Id::Org(Org::Partner(to)));
            self.row(RelKind::Affiliate, a, b, None, date)?;
        }
        for plant in plan.plants.iter().filter(|p| p.slot.is_none()) {
            self.plant_rows(plant, 0, expects)?;
        }
        for i in 0..self.internal.len() {
            let (p, t) = self.internal[i];
            let partner = self.shape.partner(p);
            let avoid = Avoid {
                keys: Vec::new(),
                group: Some(partner.group),
            };
            let k = self.rng.random_range(1..=2);
            self.used.clear();
            let region = partner.region as usize;
            for _ in 0..k {
                self.customer_row(t, region, &avoid)?;
            }
        }
        self.customers(plan, expects, total, customers)?;
        let counts = Counts {
            partners: self.shape.partners.len() as u64,
            tenants: self.next_tenant,
            relationships: self.rels.rows(),
        };
        self.rels.finish()?;
        self.tenants.finish()?;
        Ok(counts)
    }

    fn customers(
        &mut self,
        plan: &Plan,
        expects: &mut [Expect],
        total: u64,
        customers: u64,
    ) -> Result<(), GenerateError> {
        let slotted: Vec<&Plant> = plan.plants.iter().filter(|p| p.slot.is_some()).collect();
        let mut pending: u64 = slotted.iter().map(|p| p.rows.len() as u64).sum();
        let mut cursor = 0usize;
        let mut forced_leaf: Option<u64> = None;
        // An affiliate group being written: its first organization and members still to come.
        let mut group: Option<(Org, u32)> = None;
        let mut i = 0u64;
        loop {
            let budget = |s: &Self, pending: u64| total.saturating_sub(s.rels.rows() + pending);
            if i >= customers && budget(self, pending) == 0 {
                break;
            }
            let number = self.customer_base + i;
            let plant = slotted.get(cursor).copied().filter(|p| p.slot == Some(i));
            let (region, org) = match plant {
                Some(p) => (p.region, Some(org_of(p.org, number))),
                None => {
                    let region = self.regions.weights.pick(self.rng);
                    let own = forced_leaf == Some(i) || chance(self.rng, 920);
                    (region, own.then_some(Org::Customer(number)))
                }
            };
            self.customer_tenant(number, region, org)?;
            self.next_tenant += 1;
            let free = plant.is_none() && forced_leaf != Some(i);
            match (free, org, group) {
                (true, Some(me), Some((center, left))) if budget(self, pending) > 0 => {
                    let date = self.maybe_date();
                    self.row(RelKind::Affiliate, Id::Org(center), Id::Org(me), None, date)?;
                    group = (left > 1).then_some((center, left - 1));
                }
                (true, Some(me), None) if budget(self, pending) >= 2 && chance(self.rng, 30) => {
                    group = Some((me, self.rng.random_range(1..=4)));
                }
                _ => group = None,
            }
            let left = customers.saturating_sub(i).max(1);
            let k = self.rows_for(budget(self, pending), left);
            let avoid = Avoid {
                keys: plant.map_or(Vec::new(), |p| p.keys_into_slot().collect()),
                group: plant.and_then(|p| p.avoid_group),
            };
            self.base_rows(number, region, k, &avoid)?;
            if let Some(p) = plant {
                self.plant_rows(p, number, expects)?;
                pending -= p.rows.len() as u64;
                if p.leaf {
                    forced_leaf = Some(i + 1);
                }
                cursor += 1;
            }
            i += 1;
        }
        Ok(())
    }

    /// How many base rows the next customer gets: on average what is left per customer left,
    /// drawn from a geometric distribution (most customers have one or two partners).
    fn rows_for(&mut self, budget: u64, left: u64) -> u64 {
        if budget == 0 {
            0
        } else if left <= 1 {
            budget.min(MAX_ROWS_PER_TENANT)
        } else if budget < left {
            u64::from(self.rng.random_range(0..left) < budget)
        } else {
            let mut k = 1;
            while k < MAX_ROWS_PER_TENANT && self.rng.random_range(0..budget) >= left {
                k += 1;
            }
            k.min(budget)
        }
    }

    /// `k` rows into customer tenant `t`: sales (multi-partner) and some admin rows
    /// (multi-channel).
    fn base_rows(
        &mut self,
        t: u64,
        region: usize,
        k: u64,
        avoid: &Avoid,
    ) -> Result<(), GenerateError> {
        self.used.clear();
        for j in 0..k {
            if j > 0 && chance(self.rng, 120) && self.admin_row(t, region, avoid)? {
                continue;
            }
            self.customer_row(t, region, avoid)?;
        }
        Ok(())
    }

    fn admin_row(&mut self, t: u64, region: usize, avoid: &Avoid) -> Result<bool, GenerateError> {
        let (list, w) = &self.shape.admins[region];
        for _ in 0..16 {
            let a = list[w.pick(self.rng)];
            let key = (RelKind::Admin, a, None);
            if !self.used.contains(&key) && !avoid.keys.contains(&key) {
                self.used.push(key);
                let date = between(self.rng, self.shape.partner(a).start, self.cal.last);
                self.row(
                    RelKind::Admin,
                    Id::Partner(a),
                    Id::Tenant(t),
                    None,
                    Some(date),
                )?;
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// One sale into tenant `t` through a channel of its region that the tenant has not used
    /// and that `avoid` allows; none if there is no such channel.
    fn customer_row(&mut self, t: u64, region: usize, avoid: &Avoid) -> Result<(), GenerateError> {
        let (list, w) = &self.shape.channels[region];
        let ok = |c: &Channel, used: &[(RelKind, u32, Option<u32>)]| {
            let key = (RelKind::Customer, c.seller, c.reseller());
            !used.contains(&key)
                && !avoid.keys.contains(&key)
                && !self.shape.in_group(c.seller, avoid.group)
                && !c
                    .reseller()
                    .is_some_and(|r| self.shape.in_group(r, avoid.group))
        };
        let mut found = None;
        for _ in 0..32 {
            let c = list[w.pick(self.rng)];
            if ok(&c, &self.used) {
                found = Some(c);
                break;
            }
        }
        if found.is_none() {
            let from = self.rng.random_range(0..list.len());
            found = (0..list.len())
                .map(|i| list[(from + i) % list.len()])
                .find(|c| ok(c, &self.used));
        }
        if let Some(c) = found {
            self.used.push((RelKind::Customer, c.seller, c.reseller()));
            let date = between(self.rng, c.since, self.cal.last);
            let (s, r) = (Id::Partner(c.seller), c.reseller());
            self.row(RelKind::Customer, s, Id::Tenant(t), r, Some(date))?;
        }
        Ok(())
    }

    fn plant_rows(
        &mut self,
        plant: &Plant,
        number: u64,
        expects: &mut [Expect],
    ) -> Result<(), GenerateError> {
        for row in &plant.rows {
            let from = self.resolve(row.from, plant.org, number);
            let to = self.resolve(row.to, plant.org, number);
            let line = self.row(row.kind, from, to, row.reseller, row.date)?;
            for &f in &row.findings {
                expects[f as usize].lines.push(line);
            }
        }
        Ok(())
    }

    fn resolve(&self, e: Ent, org: TenantOrg, number: u64) -> Id {
        match e {
            Ent::Partner(p) => Id::Partner(p),
            Ent::Tenant(TRef::Slot) => Id::Tenant(number),
            Ent::Tenant(TRef::Csp(p)) => Id::Tenant(self.shape.partner(p).csp_tenant.unwrap_or(0)),
            Ent::Org(ORef::Partner(o)) => Id::Org(Org::Partner(o)),
            Ent::Org(ORef::Slot) => Id::Org(org_of(org, number)),
            Ent::Org(ORef::Leaf) => Id::Org(Org::Customer(number + 1)),
        }
    }

    /// Half of affiliate rows carry a date.
    fn maybe_date(&mut self) -> Option<Day> {
        chance(self.rng, 500).then(|| between(self.rng, self.cal.first, self.cal.last))
    }

    fn customer_tenant(
        &mut self,
        t: u64,
        region: usize,
        org: Option<Org>,
    ) -> Result<(), GenerateError> {
        let country = self.regions.country(region, self.rng);
        let b = &mut self.tenants.buf;
        push_tenant_id(b, t);
        b.extend_from_slice(b",Customer ");
        push_u64(b, t);
        b.extend_from_slice(b",customer,");
        b.extend_from_slice(self.regions.table.code(country).as_bytes());
        b.push(b',');
        if let Some(o) = org {
            push_org_id(b, o);
        }
        self.tenants.end_row()?;
        Ok(())
    }

    /// Writes one relationship row; returns its line.
    fn row(
        &mut self,
        kind: RelKind,
        from: Id,
        to: Id,
        reseller: Option<u32>,
        date: Option<Day>,
    ) -> Result<u64, GenerateError> {
        let row = self.rels.next_line - 1;
        let b = &mut self.rels.buf;
        push_rel_id(b, row);
        b.push(b',');
        b.extend_from_slice(kind.as_str().as_bytes());
        for id in [from, to] {
            b.push(b',');
            match id {
                Id::Partner(p) => push_partner_id(b, p),
                Id::Tenant(t) => push_tenant_id(b, t),
                Id::Org(o) => push_org_id(b, o),
            }
        }
        b.push(b',');
        if let Some(r) = reseller {
            push_partner_id(b, r);
        }
        b.push(b',');
        if let Some(d) = date {
            b.extend_from_slice(self.dates.get(d));
        }
        self.rels.end_row()
    }
}

fn tenant_row(
    out: &mut CsvOut,
    t: u64,
    name: &[u8],
    p: u32,
    kind: &str,
    country: &[u8],
    org: Org,
) -> Result<(), GenerateError> {
    let b = &mut out.buf;
    push_tenant_id(b, t);
    b.push(b',');
    b.extend_from_slice(name);
    push_partner_id(b, p);
    b.push(b',');
    b.extend_from_slice(kind.as_bytes());
    b.push(b',');
    b.extend_from_slice(country);
    b.push(b',');
    push_org_id(b, org);
    out.end_row()?;
    Ok(())
}
