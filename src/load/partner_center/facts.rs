//! What the Partner Center files say, gathered before it becomes the three tables: partners by
//! PartnerID, tenants by GUID, sales by (seller, reseller, customer), each with its evidence.

use std::collections::BTreeMap;

use super::values::Reseller;
use crate::model::Date;

/// A record of a file: the file (index into the folder's files), line, JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Src {
    /// Index into [`Facts::files`].
    pub file: usize,
    /// Physical line (the JSON Lines line, or where the item of a JSON document starts).
    pub line: u32,
    /// Where on its line a JSON item starts (1 for a CSV row or a JSON Lines record): the
    /// items of a one-line JSON document keep their order (`/items/2` before `/items/10`).
    pub column: u32,
    /// JSON pointer inside the document.
    pub pointer: Option<String>,
}

/// A value with the record that gave it.
#[derive(Clone, Debug)]
pub struct Said<T> {
    pub value: T,
    pub src: Src,
}

/// A partner as the files name it.
#[derive(Clone, Debug, Default)]
pub struct PartnerFact {
    pub name: Option<Said<String>>,
    pub country: Option<Said<String>>,
    /// Its CSP tenant (recon `PartnerId`, `PartnerRelationship.id`, profile `tenantId`).
    pub tenant: Option<Said<String>>,
    /// Named as the reseller of a sale or in an indirect reseller list.
    pub named_reseller: bool,
    /// Sells through resellers (a line item with its reseller, or an indirect reseller list).
    pub sells_through: bool,
    /// MPA status (`isAgreementSigned`), with its record.
    pub mpa: Option<Said<bool>>,
    /// The first record naming it.
    pub first: Option<Src>,
}

/// A tenant as the files name it.
#[derive(Clone, Debug, Default)]
pub struct TenantFact {
    /// The id as first written.
    pub id: String,
    pub name: Option<String>,
    pub country: Option<Said<String>>,
    pub first: Option<Src>,
}

/// One relationship's evidence: the earliest date, the first record and how many there were.
#[derive(Clone, Debug)]
pub struct Evidence {
    pub date: Option<Date>,
    pub first: Src,
    pub count: u32,
    /// For an admin relationship, its GDAP id.
    pub id: Option<String>,
}

impl Evidence {
    pub fn new(date: Option<Date>, src: Src) -> Evidence {
        Evidence {
            date,
            first: src,
            count: 1,
            id: None,
        }
    }

    /// Adds one more record: the earliest date and the first record (in folder order) win.
    pub fn add(&mut self, date: Option<Date>, src: Src) {
        self.count += 1;
        self.date = match (self.date, date) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if src < self.first {
            self.first = src;
        }
    }
}

/// The key of a sale: seller PartnerID, reseller, customer tenant (lower-cased).
pub type SaleKey = (String, Option<String>, String);

/// Everything gathered from a folder.
#[derive(Debug, Default)]
pub struct Facts {
    /// The files read, as named, in folder order.
    pub files: Vec<std::sync::Arc<str>>,
    pub partners: BTreeMap<String, PartnerFact>,
    /// By lower-cased GUID.
    pub tenants: BTreeMap<String, TenantFact>,
    pub sales: BTreeMap<SaleKey, Evidence>,
    /// Sales whose reseller of record was removed (`-1`): (seller, customer).
    pub removed_resellers: BTreeMap<(String, String), Evidence>,
    /// (provider, reseller) from indirect reseller lists.
    pub resellers: BTreeMap<(String, String), Evidence>,
    /// (reseller of record, customer) from subscriptions: sales of the exporting partner.
    pub subscriptions: BTreeMap<(Option<String>, String), Evidence>,
    /// (partner, tenant) from GDAP relationships.
    pub admins: BTreeMap<(String, String), Evidence>,
    /// The exporting partner (MPN profile), if known.
    pub me: Option<Said<String>>,
    /// The exporting partner's tenant, name and country (organization profile).
    pub my_tenant: Option<Said<String>>,
    pub my_name: Option<String>,
    pub my_country: Option<Said<String>>,
    /// Records that need the exporting partner (indirect reseller lists, GDAP): the first one.
    pub needs_me: Option<Src>,
    /// Line items read, per kind name.
    pub line_items: BTreeMap<&'static str, u64>,
    /// Other records read, per kind name.
    pub records: BTreeMap<&'static str, u64>,
    /// GDAP relationships left out, by status.
    pub gdap_skipped: BTreeMap<String, u64>,
}

impl Facts {
    pub fn partner(&mut self, id: &str, src: &Src) -> &mut PartnerFact {
        let p = self.partners.entry(id.to_string()).or_default();
        if p.first.is_none() {
            p.first = Some(src.clone());
        }
        p
    }

    pub fn tenant(&mut self, id: &str, src: &Src) -> &mut TenantFact {
        let t = self.tenants.entry(lower(id).into_owned()).or_default();
        if t.first.is_none() {
            t.id = id.to_string();
            t.first = Some(src.clone());
        }
        t
    }

    /// Records one line item: a sale of `seller` (through `reseller`) into `customer`.
    #[allow(clippy::too_many_arguments)]
    pub fn line_item(
        &mut self,
        src: Src,
        partner_tenant: Option<&str>,
        seller: &str,
        reseller: Reseller<'_>,
        customer: &str,
        name: Option<&str>,
        country: Option<&str>,
        date: Option<Date>,
    ) {
        let p = self.partner(seller, &src);
        if let (Some(t), None) = (partner_tenant, &p.tenant) {
            p.tenant = Some(Said {
                value: t.to_string(),
                src: src.clone(),
            });
        }
        if matches!(reseller, Reseller::Id(_)) {
            p.sells_through = true;
        }
        if let Some(t) = partner_tenant {
            self.tenant(t, &src);
        }
        let t = self.tenant(customer, &src);
        if t.name.is_none() {
            t.name = name.filter(|n| !n.is_empty()).map(str::to_string);
        }
        if let (Some(c), None) = (country.filter(|c| !c.is_empty()), &t.country) {
            t.country = Some(Said {
                value: c.to_ascii_uppercase(),
                src: src.clone(),
            });
        }
        let customer = lower(customer).into_owned();
        match reseller {
            Reseller::Removed => {
                upsert(
                    &mut self.removed_resellers,
                    (seller.to_string(), customer.clone()),
                    date,
                    &src,
                );
                upsert(
                    &mut self.sales,
                    (seller.to_string(), None, customer),
                    date,
                    &src,
                );
            }
            Reseller::None => upsert(
                &mut self.sales,
                (seller.to_string(), None, customer),
                date,
                &src,
            ),
            Reseller::Id(r) => {
                self.partner(r, &src).named_reseller = true;
                upsert(
                    &mut self.sales,
                    (seller.to_string(), Some(r.to_string()), customer),
                    date,
                    &src,
                );
            }
        }
    }
}

/// `id` lower-cased: borrowed when it is lower-case ASCII already (as GUIDs mostly are), so
/// that a key costs a plain copy rather than a character-by-character mapping.
pub fn lower(id: &str) -> std::borrow::Cow<'_, str> {
    if id.is_ascii() && !id.bytes().any(|b| b.is_ascii_uppercase()) {
        std::borrow::Cow::Borrowed(id)
    } else {
        std::borrow::Cow::Owned(id.to_lowercase())
    }
}

pub fn upsert<K: Ord>(map: &mut BTreeMap<K, Evidence>, key: K, date: Option<Date>, src: &Src) {
    match map.entry(key) {
        std::collections::btree_map::Entry::Vacant(v) => {
            v.insert(Evidence::new(date, src.clone()));
        }
        std::collections::btree_map::Entry::Occupied(mut o) => o.get_mut().add(date, src.clone()),
    }
}

/// Adds `e`, the evidence of several records gathered elsewhere, to the evidence of `key`, as
/// [`upsert`] of each of its records would: the counts add up, the earliest date and the first
/// record win.
pub fn upsert_many<K: Ord>(map: &mut BTreeMap<K, Evidence>, key: K, e: Evidence) {
    match map.entry(key) {
        std::collections::btree_map::Entry::Vacant(v) => {
            v.insert(e);
        }
        std::collections::btree_map::Entry::Occupied(mut o) => {
            let o = o.get_mut();
            let n = e.count;
            o.add(e.date, e.first);
            o.count += n - 1;
        }
    }
}
