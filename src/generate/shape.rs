//! The shape of a synthetic CSP network, kept as compact numbers: regions and countries with
//! market weights, partners with their dates and affiliate groups, provider–reseller links, and
//! per region the sales channels with Zipf-like weights.
//!
//! Every base sale goes through a channel whose date is on or after the start of every partner
//! on it, and every partner's MPA, onboarding and enrolment dates are on or before its start (or
//! the MPA on or before 2020-02-01 for partners that started before it): so no base row can
//! break CSP009 or CSP010, whatever its date after the channel opened.

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rustc_hash::FxHashMap;

use super::write::{day, Day};
use super::GenerateError;
use crate::model::{CountryIdx, RegionTable, Role};

/// The weight unit of Zipf-like weights (`UNIT / rank`).
const UNIT: u64 = 1 << 32;

/// Share of the CSP program's business per region (approximate, in thousandths); the order is
/// also the order `--regions N` keeps.
const REGION_WEIGHTS: [(&str, u64); 15] = [
    ("United States", 300),
    ("Europe", 280),
    ("Asia and Pacific", 70),
    ("Japan", 50),
    ("Middle East, Central and Eastern Europe", 40),
    ("Australia", 40),
    ("Canada", 40),
    ("India", 40),
    ("Latin America and the Caribbean", 40),
    ("Brazil", 30),
    ("Korea", 15),
    ("Taiwan", 10),
    ("New Zealand", 10),
    ("Africa", 10),
    ("Russia", 5),
];

/// Weight of the big markets inside their region; every other country weighs [`SMALL_MARKET`].
const COUNTRY_WEIGHTS: [(&str, u64); 52] = [
    ("US", 2000),
    ("DE", 180),
    ("GB", 170),
    ("FR", 120),
    ("NL", 60),
    ("IT", 60),
    ("ES", 50),
    ("SE", 30),
    ("PL", 30),
    ("CH", 25),
    ("BE", 20),
    ("DK", 15),
    ("NO", 15),
    ("AT", 15),
    ("IE", 15),
    ("FI", 10),
    ("PT", 10),
    ("CZ", 10),
    ("AU", 900),
    ("NZ", 900),
    ("CA", 950),
    ("BR", 1000),
    ("IN", 1000),
    ("JP", 1000),
    ("KR", 1000),
    ("TW", 1000),
    ("RU", 1000),
    ("MX", 300),
    ("CO", 120),
    ("AR", 100),
    ("CL", 100),
    ("PE", 60),
    ("SG", 200),
    ("HK", 120),
    ("MY", 100),
    ("ID", 100),
    ("TH", 80),
    ("PH", 80),
    ("VN", 60),
    ("ZA", 150),
    ("AE", 120),
    ("SA", 100),
    ("IL", 100),
    ("TR", 120),
    ("UA", 50),
    ("EG", 60),
    ("PK", 40),
    ("KE", 150),
    ("NG", 150),
    ("GH", 60),
    ("CI", 40),
    ("SN", 30),
];
const SMALL_MARKET: u64 = 2;

/// Minimum partners of each role per region, so that every region has channels to spare.
pub const MIN_PROVIDERS: usize = 2;
/// See [`MIN_PROVIDERS`].
pub const MIN_RESELLERS: usize = 8;
/// See [`MIN_PROVIDERS`].
pub const MIN_DIRECT: usize = 4;

/// Cumulative integer weights; [`Weighted::pick`] draws an index in proportion to its weight.
#[derive(Clone, Debug, Default)]
pub struct Weighted {
    cum: Vec<u64>,
}

impl Weighted {
    /// Adds an item with `weight` (at least 1).
    pub fn push(&mut self, weight: u64) {
        let last = self.cum.last().copied().unwrap_or(0);
        self.cum.push(last + weight.max(1));
    }

    /// Draws an index; the table must not be empty.
    #[inline]
    pub fn pick(&self, rng: &mut ChaCha8Rng) -> usize {
        let total = self.cum.last().copied().unwrap_or(1);
        let x = rng.random_range(0..total);
        self.cum.partition_point(|&c| c <= x)
    }
}

/// The CSP regions in use and the countries of each, weighted.
pub struct Regions {
    /// The region table (the built-in one).
    pub table: RegionTable,
    /// Region of the table for each region in use.
    pub names: Vec<&'static str>,
    /// Regions in use, weighted by market share.
    pub weights: Weighted,
    /// Countries of each region in use, and their weights.
    pub countries: Vec<(Vec<CountryIdx>, Weighted)>,
}

impl Regions {
    /// The `count` biggest regions of `table`.
    pub fn new(table: RegionTable, count: usize) -> Result<Regions, GenerateError> {
        if count == 0 || count > REGION_WEIGHTS.len() {
            return Err(GenerateError::Invalid(format!(
                "--regions {count}: expected 1 to {}",
                REGION_WEIGHTS.len()
            )));
        }
        let mut regions = Regions {
            table,
            names: Vec::new(),
            weights: Weighted::default(),
            countries: Vec::new(),
        };
        for &(name, weight) in &REGION_WEIGHTS[..count] {
            let mut members = Vec::new();
            let mut w = Weighted::default();
            for c in 0..regions.table.len() {
                let c = CountryIdx(c as u16);
                if regions.table.region_name(regions.table.region_of(c)) == name {
                    let code = regions.table.code(c);
                    let cw = COUNTRY_WEIGHTS
                        .iter()
                        .find(|(k, _)| *k == code)
                        .map_or(SMALL_MARKET, |(_, w)| *w);
                    members.push(c);
                    w.push(cw);
                }
            }
            if members.is_empty() {
                return Err(GenerateError::Invalid(format!(
                    "the region table has no country in CSP region '{name}'"
                )));
            }
            regions.names.push(name);
            regions.weights.push(weight);
            regions.countries.push((members, w));
        }
        Ok(regions)
    }

    /// Number of regions in use.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// A country of region `r`, by market weight.
    pub fn country(&self, r: usize, rng: &mut ChaCha8Rng) -> CountryIdx {
        let (members, w) = &self.countries[r];
        members[w.pick(rng)]
    }
}

/// A partner, as numbers.
#[derive(Clone, Debug)]
pub struct Partner {
    /// Program role.
    pub role: Role,
    /// Region in use (index into [`Regions::names`]).
    pub region: u8,
    /// Country.
    pub country: CountryIdx,
    /// Its organization: `ORG-P<org>`.
    pub org: u32,
    /// Its affiliate group (organizations linked by affiliate rows count as one).
    pub group: u32,
    /// First day it may transact: every base row it is on is dated on or after this.
    pub start: Day,
    /// MPA signature.
    pub mpa: Option<Day>,
    /// Onboarded into Partner Center.
    pub onboarded: Option<Day>,
    /// Enrolled in its role.
    pub enrolled: Option<Day>,
    /// Its CSP tenant's number, if it has one.
    pub csp_tenant: Option<u64>,
    /// Internal-use (Customer-type) tenants it owns.
    pub internal: u8,
    /// Rank among partners of its role and region (1 = biggest), for Zipf-like weights.
    pub rank: u32,
}

/// A provider–reseller relationship of the base network. Links are the first rows of
/// relationships.csv, so link `i` is on line `i + 2`.
#[derive(Clone, Copy, Debug)]
pub struct Link {
    /// The indirect provider.
    pub provider: u32,
    /// The indirect reseller.
    pub reseller: u32,
    /// Its effective date.
    pub since: Day,
}

/// A way to sell to a customer of a region: a direct-bill partner, or a provider with a reseller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Channel {
    /// The seller.
    pub seller: u32,
    /// The indirect reseller, or `u32::MAX`.
    pub reseller: u32,
    /// Sales through it are dated on or after this.
    pub since: Day,
}

impl Channel {
    /// The reseller, if any.
    pub fn reseller(&self) -> Option<u32> {
        (self.reseller != u32::MAX).then_some(self.reseller)
    }
}

/// The partners and how they sell.
pub struct Shape {
    /// Every partner (base ones first, then those made for plants).
    pub partners: Vec<Partner>,
    /// Number of base partners.
    pub base_partners: usize,
    /// Base provider–reseller links, in row order.
    pub links: Vec<Link>,
    /// Link index by (provider, reseller).
    pub link_of: FxHashMap<(u32, u32), u32>,
    /// Links of each partner (as provider or as reseller).
    pub links_of: Vec<Vec<u32>>,
    /// Partner affiliate rows (provider families): (from org, to org).
    pub family_rows: Vec<(u32, u32)>,
    /// Sales channels per region, and their weights.
    pub channels: Vec<(Vec<Channel>, Weighted)>,
    /// Partners per region (for admin rows), and their weights.
    pub admins: Vec<(Vec<u32>, Weighted)>,
    /// Base partners of each role per region.
    pub by_role: Vec<[Vec<u32>; 3]>,
}

/// The program dates the generator uses.
pub struct Calendar {
    /// First day of the data.
    pub first: Day,
    /// The MPA cut-off, 2020-02-01.
    pub cutoff: Day,
    /// Last day a partner starts.
    pub last_start: Day,
    /// Last day of the data.
    pub last: Day,
}

impl Calendar {
    /// 2017-01-01 to 2026-12-31.
    pub fn new() -> Calendar {
        Calendar {
            first: day(2017, 1, 1),
            cutoff: day(2020, 2, 1),
            last_start: day(2025, 6, 30),
            last: day(2026, 12, 31),
        }
    }
}

/// Index of a role in [`Shape::by_role`].
pub fn role_slot(role: Role) -> usize {
    match role {
        Role::IndirectProvider => 0,
        Role::IndirectReseller => 1,
        Role::DirectBill => 2,
    }
}

/// Draws a day in `lo..=hi` (or `lo` if the range is empty).
#[inline]
pub fn between(rng: &mut ChaCha8Rng, lo: Day, hi: Day) -> Day {
    if hi <= lo {
        lo
    } else {
        rng.random_range(lo..=hi)
    }
}

/// `true` with probability `permille / 1000`.
#[inline]
pub fn chance(rng: &mut ChaCha8Rng, permille: u32) -> bool {
    rng.random_range(0..1000) < permille
}

impl Shape {
    /// Draws `total` base partners over the regions in use.
    pub fn new(
        rng: &mut ChaCha8Rng,
        regions: &Regions,
        cal: &Calendar,
        total: usize,
    ) -> Result<Shape, GenerateError> {
        let nr = regions.len();
        let min = (MIN_PROVIDERS + MIN_RESELLERS + MIN_DIRECT) * nr;
        if total < min {
            return Err(GenerateError::Invalid(format!(
                "{total} partners are too few for {nr} regions: need at least {min} \
                 ({MIN_PROVIDERS} providers, {MIN_RESELLERS} resellers and {MIN_DIRECT} \
                 direct-bill partners per region); raise --partners or lower --regions"
            )));
        }
        let providers = (total * 15 / 1000).max(MIN_PROVIDERS * nr);
        let direct = (total / 10).max(MIN_DIRECT * nr);
        let resellers = total - providers - direct;
        let mut shape = Shape {
            partners: Vec::with_capacity(total),
            base_partners: 0,
            links: Vec::new(),
            link_of: FxHashMap::default(),
            links_of: Vec::new(),
            family_rows: Vec::new(),
            channels: Vec::new(),
            admins: Vec::new(),
            by_role: vec![[Vec::new(), Vec::new(), Vec::new()]; nr],
        };
        for (role, count, min) in [
            (Role::IndirectProvider, providers, MIN_PROVIDERS),
            (Role::DirectBill, direct, MIN_DIRECT),
            (Role::IndirectReseller, resellers, MIN_RESELLERS),
        ] {
            for i in 0..count {
                let region = if i < min * nr {
                    i % nr
                } else {
                    regions.weights.pick(rng)
                };
                shape.add_partner(rng, regions, cal, role, region);
            }
        }
        shape.base_partners = shape.partners.len();
        shape.families(rng);
        shape.make_links(rng, cal);
        shape.make_channels(rng, nr);
        Ok(shape)
    }

    /// Adds one partner with its dates; returns its index.
    pub fn add_partner(
        &mut self,
        rng: &mut ChaCha8Rng,
        regions: &Regions,
        cal: &Calendar,
        role: Role,
        region: usize,
    ) -> u32 {
        let p = self.partners.len() as u32;
        let early = match role {
            Role::IndirectProvider => 900,
            _ => 650,
        };
        let start = if chance(rng, early) {
            between(rng, cal.first, cal.cutoff - 1)
        } else {
            between(rng, cal.cutoff, cal.last_start)
        };
        let mpa = if start < cal.cutoff {
            between(rng, day(2019, 6, 1), cal.cutoff - 1)
        } else {
            start - rng.random_range(0..=120)
        };
        let onboarded = start - rng.random_range(10..=200);
        let enrolled = between(rng, onboarded, start);
        let slot = role_slot(role);
        let roles = &mut self.by_role[region];
        let rank = roles[slot].len() as u32 + 1;
        // Partners made for plants (added once the base is complete) are kept off every list
        // the base network and the planner draw from.
        let dedicated = self.base_partners > 0;
        if !dedicated {
            roles[slot].push(p);
        }
        self.partners.push(Partner {
            role,
            region: region as u8,
            country: regions.country(region, rng),
            org: p,
            group: p,
            start,
            mpa: Some(mpa),
            // Onboarding of providers and direct-bill partners is not checked: leave some blank.
            onboarded: (role == Role::IndirectReseller || chance(rng, 900)).then_some(onboarded),
            enrolled: (role == Role::IndirectReseller || chance(rng, 900)).then_some(enrolled),
            csp_tenant: chance(rng, 920).then_some(0),
            internal: match rng.random_range(0..100) {
                0..3 => 2,
                3..25 => 1,
                _ => 0,
            },
            rank,
        });
        self.links_of.push(Vec::new());
        p
    }

    /// Distributors with entities in several regions (families of providers linked by
    /// affiliate rows to the first one), and direct-bill partners that share an organization
    /// with a provider of their region.
    fn families(&mut self, rng: &mut ChaCha8Rng) {
        let mut center: Option<(u32, u32)> = None; // (center partner, members so far)
        for p in 0..self.base_partners as u32 {
            let partner = &self.partners[p as usize];
            match partner.role {
                Role::IndirectProvider => match center {
                    Some((c, n)) if n < 3 && chance(rng, 350) => {
                        self.partners[p as usize].group = self.partners[c as usize].group;
                        self.family_rows.push((self.partners[c as usize].org, p));
                        center = Some((c, n + 1));
                    }
                    _ => center = Some((p, 1)),
                },
                Role::DirectBill if chance(rng, 50) => {
                    let provs = &self.by_role[partner.region as usize][0];
                    let q = provs[rng.random_range(0..provs.len())] as usize;
                    let (org, group) = (self.partners[q].org, self.partners[q].group);
                    self.partners[p as usize].org = org;
                    self.partners[p as usize].group = group;
                }
                _ => {}
            }
        }
    }

    /// Each reseller gets one to three providers of its region; each provider at least one
    /// reseller. A link takes effect 30 days to a year after both partners started.
    fn make_links(&mut self, rng: &mut ChaCha8Rng, cal: &Calendar) {
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for roles in &self.by_role {
            let (provs, ress) = (&roles[0], &roles[1]);
            let mut pw = Weighted::default();
            for (i, _) in provs.iter().enumerate() {
                pw.push(UNIT / (i as u64 + 1));
            }
            let mut has_link = vec![false; provs.len()];
            for &r in ress {
                let want = match rng.random_range(0..100) {
                    0..78 => 1,
                    78..96 => 2,
                    _ => 3,
                }
                .min(provs.len());
                let mut mine: Vec<usize> = Vec::with_capacity(want);
                while mine.len() < want {
                    let i = pw.pick(rng);
                    if !mine.contains(&i) {
                        mine.push(i);
                    }
                }
                for i in mine {
                    has_link[i] = true;
                    pairs.push((provs[i], r));
                }
            }
            for (i, linked) in has_link.iter().enumerate() {
                if !linked {
                    let r = ress[rng.random_range(0..ress.len())];
                    pairs.push((provs[i], r));
                }
            }
        }
        for (provider, reseller) in pairs {
            let (a, b) = (
                &self.partners[provider as usize],
                &self.partners[reseller as usize],
            );
            let since = a.start.max(b.start) + rng.random_range(30..=365);
            let since = since.min(cal.last - 30);
            let l = self.links.len() as u32;
            self.links.push(Link {
                provider,
                reseller,
                since,
            });
            self.link_of.insert((provider, reseller), l);
            self.links_of[provider as usize].push(l);
            self.links_of[reseller as usize].push(l);
        }
    }

    /// Channels per region: every link (weighted by its reseller's rank, shared between the
    /// reseller's providers) and every direct-bill partner (weighted by rank, twice as heavy:
    /// direct-bill partners are few and large).
    fn make_channels(&mut self, rng: &mut ChaCha8Rng, nr: usize) {
        self.channels = vec![(Vec::new(), Weighted::default()); nr];
        for link in &self.links {
            let r = &self.partners[link.reseller as usize];
            let share = self.links_of[link.reseller as usize].len() as u64;
            let (list, w) = &mut self.channels[r.region as usize];
            list.push(Channel {
                seller: link.provider,
                reseller: link.reseller,
                since: link.since,
            });
            w.push(UNIT / r.rank as u64 / share);
        }
        for (region, roles) in self.by_role.iter().enumerate() {
            for &d in &roles[2] {
                let partner = &self.partners[d as usize];
                let (list, w) = &mut self.channels[region];
                list.push(Channel {
                    seller: d,
                    reseller: u32::MAX,
                    since: partner.start + rng.random_range(0..=90),
                });
                w.push(2 * UNIT / partner.rank as u64);
            }
        }
        self.admins = vec![(Vec::new(), Weighted::default()); nr];
        for (p, partner) in self.partners.iter().enumerate() {
            let (list, w) = &mut self.admins[partner.region as usize];
            list.push(p as u32);
            w.push(UNIT / (list.len() as u64));
        }
    }

    /// The partner at `p`.
    #[inline]
    pub fn partner(&self, p: u32) -> &Partner {
        &self.partners[p as usize]
    }

    /// Whether partner `p` is in affiliate group `group`.
    #[inline]
    pub fn in_group(&self, p: u32, group: Option<u32>) -> bool {
        group.is_some_and(|g| self.partners[p as usize].group == g)
    }
}
