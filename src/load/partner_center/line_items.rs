//! The line items of one file gathered on dense `u32` ids before they go into [`Facts`]: a
//! million line items name a few thousand partners and a few hundred thousand tenants and
//! sales, so each is interned once (a hash of the id, compared in place in one text buffer)
//! and `Facts`, keyed by `String`s, is told once per partner, tenant and sale rather than
//! once per line item. What goes into `Facts` is what [`Facts::line_item`] called for every
//! line item in file order would have put there: the first record, the first name, the
//! earliest date, the counts.

use hashbrown::HashMap;
use rustc_hash::FxBuildHasher;

use super::facts::{lower, upsert_many, Evidence, Facts, Said, Src, TenantFact};
use super::values::Reseller;
use crate::load::id_map::{Compare, IdMap};
use crate::model::{Date, TextColumn};

/// Ids of one kind, interned into dense indices ([`IdMap::intern`] over a [`TextColumn`]).
struct Interner {
    ids: TextColumn,
    map: IdMap,
}

impl Interner {
    fn new(compare: Compare) -> Interner {
        Interner {
            ids: TextColumn::default(),
            map: IdMap::new(compare),
        }
    }

    /// The id of `text`, and whether it is new; `None` when the ids no longer fit.
    fn intern(&mut self, text: &str) -> Option<(u32, bool)> {
        let before = self.ids.len();
        let i = self.map.intern(&mut self.ids, text)?;
        Some((i, i as usize == before))
    }

    /// Whether ids of `bytes` more bytes in all still fit.
    fn fits(&self, bytes: usize) -> bool {
        self.ids.fits(bytes)
    }

    fn text(&self, i: u32) -> &str {
        self.ids.text(i as usize)
    }
}

/// A partner of the file.
struct PartnerAgg {
    first: u32,
    /// Its CSP tenant as first written on a line item it sold, and that line.
    tenant: Option<(String, u32)>,
    sells_through: bool,
    named_reseller: bool,
}

/// A tenant of the file.
struct TenantAgg {
    first: u32,
    name: Option<String>,
    country: Option<(String, u32)>,
}

/// A sale of the file.
struct SaleAgg {
    date: Option<Date>,
    first: u32,
    count: u32,
}

impl SaleAgg {
    fn add(&mut self, date: Option<Date>) {
        self.count += 1;
        self.date = match (self.date, date) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
    }
}

/// No reseller on a sale.
const NO_RESELLER: u32 = u32::MAX;

/// One line item, as a file's row gives it.
pub struct Item<'a> {
    pub partner_tenant: Option<&'a str>,
    pub seller: &'a str,
    pub reseller: Reseller<'a>,
    pub customer: &'a str,
    pub name: Option<&'a str>,
    pub country: Option<&'a str>,
    pub date: Option<Date>,
}

/// The line items of one file, gathered.
pub struct LineItems {
    partners: Interner,
    partner: Vec<PartnerAgg>,
    tenants: Interner,
    tenant: Vec<TenantAgg>,
    /// (seller, reseller or [`NO_RESELLER`], customer) → sale.
    sales: HashMap<(u32, u32, u32), SaleAgg, FxBuildHasher>,
    /// Keys in the order first seen.
    sale_keys: Vec<(u32, u32, u32)>,
    removed: HashMap<(u32, u32), SaleAgg, FxBuildHasher>,
    removed_keys: Vec<(u32, u32)>,
}

impl LineItems {
    pub fn new() -> LineItems {
        LineItems {
            partners: Interner::new(Compare::Exact),
            partner: Vec::new(),
            tenants: Interner::new(Compare::FoldCase),
            tenant: Vec::new(),
            sales: HashMap::default(),
            sale_keys: Vec::new(),
            removed: HashMap::default(),
            removed_keys: Vec::new(),
        }
    }

    fn partner(&mut self, id: &str, line: u32) -> Option<(u32, &mut PartnerAgg)> {
        let (i, new) = self.partners.intern(id)?;
        if new {
            self.partner.push(PartnerAgg {
                first: line,
                tenant: None,
                sells_through: false,
                named_reseller: false,
            });
        }
        Some((i, &mut self.partner[i as usize]))
    }

    fn tenant(&mut self, id: &str, line: u32) -> Option<(u32, &mut TenantAgg)> {
        let (i, new) = self.tenants.intern(id)?;
        if new {
            self.tenant.push(TenantAgg {
                first: line,
                name: None,
                country: None,
            });
        }
        Some((i, &mut self.tenant[i as usize]))
    }

    /// Adds the line item of `line` (lines only grow), as [`Facts::line_item`] does. `false`
    /// (and nothing added) when its ids no longer fit the file's id columns (4 GiB of ids).
    #[must_use]
    pub fn add(&mut self, line: u32, item: &Item<'_>) -> bool {
        let reseller_len = match &item.reseller {
            Reseller::Id(r) => r.len(),
            _ => 0,
        };
        let tenant_len = item.customer.len() + item.partner_tenant.map_or(0, str::len);
        if !(self.partners.fits(item.seller.len() + reseller_len) && self.tenants.fits(tenant_len))
        {
            return false;
        }
        // Every id fits now: the look-ups below cannot fail.
        let Some((seller, p)) = self.partner(item.seller, line) else {
            return false;
        };
        if let (Some(t), None) = (item.partner_tenant, &p.tenant) {
            p.tenant = Some((t.to_string(), line));
        }
        if matches!(item.reseller, Reseller::Id(_)) {
            p.sells_through = true;
        }
        if let Some(t) = item.partner_tenant {
            if self.tenant(t, line).is_none() {
                return false;
            }
        }
        let Some((customer, t)) = self.tenant(item.customer, line) else {
            return false;
        };
        if t.name.is_none() {
            t.name = item.name.filter(|n| !n.is_empty()).map(str::to_string);
        }
        if let (Some(c), None) = (item.country.filter(|c| !c.is_empty()), &t.country) {
            t.country = Some((c.to_ascii_uppercase(), line));
        }
        let reseller = match &item.reseller {
            Reseller::Id(r) => {
                let Some((r, p)) = self.partner(r, line) else {
                    return false;
                };
                p.named_reseller = true;
                r
            }
            Reseller::Removed => {
                let key = (seller, customer);
                match self.removed.get_mut(&key) {
                    Some(s) => s.add(item.date),
                    None => {
                        self.removed.insert(key, new_sale(item.date, line));
                        self.removed_keys.push(key);
                    }
                }
                NO_RESELLER
            }
            Reseller::None => NO_RESELLER,
        };
        let key = (seller, reseller, customer);
        match self.sales.get_mut(&key) {
            Some(s) => s.add(item.date),
            None => {
                self.sales.insert(key, new_sale(item.date, line));
                self.sale_keys.push(key);
            }
        }
        true
    }

    /// Puts what was gathered into `facts`, as the line items of file `file`.
    pub fn into_facts(mut self, facts: &mut Facts, file: usize) {
        let src = |line: u32| Src {
            file,
            line,
            column: 1,
            pointer: None,
        };
        for (i, a) in self.partner.into_iter().enumerate() {
            let p = facts.partner(self.partners.text(i as u32), &src(a.first));
            if let (Some((t, line)), None) = (a.tenant, &p.tenant) {
                p.tenant = Some(Said {
                    value: t,
                    src: src(line),
                });
            }
            p.sells_through |= a.sells_through;
            p.named_reseller |= a.named_reseller;
        }
        // Into an empty map (the first line-item file), the keys (unique: interned) are
        // sorted and the map built at once: inserting them one by one in file order was most
        // of the time spent here.
        if facts.tenants.is_empty() {
            let tenants = &self.tenants;
            facts.tenants = std::mem::take(&mut self.tenant)
                .into_iter()
                .enumerate()
                .map(|(i, a)| {
                    let id = tenants.text(i as u32);
                    let fact = TenantFact {
                        id: id.to_string(),
                        name: a.name,
                        country: a.country.map(|(value, line)| Said {
                            value,
                            src: src(line),
                        }),
                        first: Some(src(a.first)),
                    };
                    (lower(id).into_owned(), fact)
                })
                .collect();
        }
        for (i, a) in self.tenant.iter().enumerate() {
            let t = facts.tenant(self.tenants.text(i as u32), &src(a.first));
            if t.name.is_none() {
                t.name.clone_from(&a.name);
            }
            if let (Some((c, line)), None) = (&a.country, &t.country) {
                t.country = Some(Said {
                    value: c.clone(),
                    src: src(*line),
                });
            }
        }
        let customer = |i: u32| lower(self.tenants.text(i)).into_owned();
        let evidence = |s: &SaleAgg| Evidence {
            date: s.date,
            first: src(s.first),
            count: s.count,
            id: None,
        };
        let removed = self.removed_keys.iter().map(|key| {
            let k = (self.partners.text(key.0).to_string(), customer(key.1));
            (k, evidence(&self.removed[key]))
        });
        if facts.removed_resellers.is_empty() {
            facts.removed_resellers = removed.collect();
        } else {
            for (k, e) in removed {
                upsert_many(&mut facts.removed_resellers, k, e);
            }
        }
        let sales = self.sale_keys.iter().map(|key| {
            let reseller = (key.1 != NO_RESELLER).then(|| self.partners.text(key.1).to_string());
            let k = (
                self.partners.text(key.0).to_string(),
                reseller,
                customer(key.2),
            );
            (k, evidence(&self.sales[key]))
        });
        if facts.sales.is_empty() {
            facts.sales = sales.collect();
        } else {
            for (k, e) in sales {
                upsert_many(&mut facts.sales, k, e);
            }
        }
    }
}

fn new_sale(date: Option<Date>, line: u32) -> SaleAgg {
    SaleAgg {
        date,
        first: line,
        count: 1,
    }
}
