//! [`Facts`] → the rows of the three contract-v1 tables ([`Tables`]), each with its [`Origin`],
//! the rules that this input cannot check in full, and the mapping summary. The rows become
//! the model directly (`direct`), or are written out as contract-v1 files ([`write`]) for
//! `import partner-center` and for the contract loader.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use rustc_hash::FxHashSet;

use super::facts::{Evidence, Facts, Src, TenantFact};
use super::user::{UserFiles, PARTNER_COLUMNS};
use crate::load::quote;
use crate::model::{
    CoverageStatus, Date, InferredRole, InputFile, InputNotes, InputWarning, Origin, Origins,
    RuleCoverage,
};
use crate::problem::Problem;

/// The mapping, as `csp-audit explain partner-center` prints it.
pub const MAPPING: &str = "\
How csp-audit reads a folder of Partner Center files (audit --source partner-center,
import partner-center). A file's kind comes from its header row or JSON shape, never its name;
headers match case-insensitively (MpnId/MPNID, ResellerMpnId/ResellerMPNID/Tier2MpnId).

partners
  partner_id      MpnId and ResellerMpnId of line items; mpnId of indirect resellers and the
                  MPN profile; PartnerID of the MPA signed status download
  name, country   indirect resellers' name and location; the organization profile; else the
                  user's partners.csv (a partner with no country anywhere is an error)
  role            partners.csv, else inferred: named as a reseller -> indirect_reseller;
                  sells through resellers -> indirect_provider; else direct_bill
  csp_tenant_id   PartnerId of line items (the billed partner's CSP tenant); id of indirect
                  resellers; tenantId of the organization profile
  mpa_signed_on   partners.csv, else isAgreementSigned: false -> none (CSP009 fires: Partner
                  Center gives no date); true or unknown -> taken as signed by the partner's
                  first transaction (CSP009 partly checked)
  onboarded_on,   partners.csv, else taken as the first transaction: Partner Center has no
  enrolled_on     such dates, so CSP010 is reported as partly checked (not checked when no
                  reseller on a sale has dates there)
tenants
  tenant_id,name  CustomerId, CustomerName; customers' id and companyName; Microsoft ID and
                  Company name of Customers.csv; GDAP customer
  kind            partner for a partner's CSP tenant (a line item into one is CSP007), else
                  customer
  country         CustomerCountry (NCE files), customers' billingProfile; a partner tenant
                  has its partner's (a customer with no country anywhere is an error)
  organization    a partner tenant: its partner's; a customer: its tenant id
relationships
  customer        one per (MpnId, ResellerMpnId unless 0, CustomerId), however many line
                  items (CSP006 never fires on billing), dated by the earliest OrderDate,
                  ChargeStartDate or UsageDate (M/D/YYYY); ResellerMpnId -1 (the reseller was
                  removed) is a sale without a reseller, with a warning
                  A subscription (GET /v1/customers/{id}/subscriptions) is a sale of the
                  exporting partner through its partnerId unless empty, from creationDate
  reseller        the exporting partner -> each indirect reseller, dated by the first sale
                  through it (the API gives no date)
  admin           the exporting partner -> each active GDAP relationship's customer, dated
                  by activatedDateTime, relationship_id = the GDAP id
  affiliate       the user's affiliates.csv (from_id,to_id organization ids)
The exporting partner is the MPN profile's mpnId, else the partner whose tenant is the
organization profile's, else the only seller of the line items.
Findings point at the Partner Center file and line (or JSON pointer) of the first line item.

What this input can show: every rule but CSP006. The line items of one (MpnId, ResellerMpnId,
CustomerId) are one relationship, and reseller lists and GDAP relationships are keyed the
same way, so no Partner Center file holds a duplicate relationship. CSP001 needs the user's
role for a seller (an inferred role never makes a seller an indirect reseller), CSP005 across
organizations needs affiliates.csv, CSP009 with dates and CSP010 need partners.csv dates.";

/// A row of `tenants.csv`, in its columns' order.
#[derive(Debug)]
pub struct TenantRow {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub country: String,
    pub organization: String,
}

/// A row of `relationships.csv`: empty text or `None` is an empty cell.
#[derive(Debug)]
pub struct RelRow {
    pub id: Option<String>,
    pub kind: &'static str,
    pub from: String,
    pub to: String,
    pub reseller: Option<String>,
    pub date: Option<Date>,
}

/// The rows of the three contract-v1 tables, in the order they are written.
#[derive(Debug, Default)]
pub struct Tables {
    /// By [`PARTNER_COLUMNS`].
    pub partners: Vec<[String; 9]>,
    pub tenants: Vec<TenantRow>,
    pub relationships: Vec<RelRow>,
}

/// The tables, their origins and what the mapping noticed.
#[derive(Debug, Default)]
pub struct Built {
    pub tables: Tables,
    pub origins: Origins,
    pub gaps: Vec<RuleCoverage>,
    pub summary: Vec<String>,
    pub warnings: Vec<String>,
    /// The inferred roles and the warnings, with their sources, for the reports.
    pub notes: InputNotes,
    /// Lines of the tables (by [`InputFile`]) whose problem the mapping already reported: the
    /// contract loader's messages about them, and about references to them, add nothing.
    pub flagged: [BTreeSet<u32>; 3],
}

/// A partner as it will be written.
#[derive(Default)]
struct Row {
    values: [String; 9],
    origin: Option<Origin>,
}

pub fn build(mut facts: Facts, user: UserFiles, errors: &mut Vec<Problem>) -> Built {
    let mut out = Built::default();
    let origin = |facts: &Facts, src: &Src, count: u32| Origin {
        path: Arc::clone(&facts.files[src.file]),
        line: src.line,
        pointer: src.pointer.clone().filter(|p| !p.is_empty()),
        count,
    };
    // The exporting partner.
    let me = facts.me.as_ref().map(|m| m.value.clone()).or_else(|| {
        let t = facts.my_tenant.as_ref()?;
        facts
            .partners
            .iter()
            .find(|(_, p)| {
                p.tenant
                    .as_ref()
                    .is_some_and(|x| x.value.eq_ignore_ascii_case(&t.value))
            })
            .map(|(id, _)| id.clone())
    });
    let me = me.or_else(|| {
        let sellers: BTreeSet<&String> = facts.sales.keys().map(|k| &k.0).collect();
        (sellers.len() == 1)
            .then(|| sellers.into_iter().next().cloned())
            .flatten()
    });
    match (&me, &facts.needs_me) {
        (None, Some(src)) => {
            let o = origin(&facts, src, 1);
            errors.push(Problem::new(
                &o.path,
                o.line as u64,
                1,
                format!(
                    "at {}: cannot tell which partner this list belongs to: add the MPN profile response (GET /v1/profiles/mpn) to the folder",
                    o.pointer.as_deref().unwrap_or("/")
                ),
            ));
        }
        (Some(me), _) => {
            let src = facts
                .me
                .as_ref()
                .map(|m| m.src.clone())
                .or_else(|| facts.needs_me.clone())
                .or_else(|| facts.partners.get(me).and_then(|p| p.first.clone()));
            if let Some(src) = src {
                let (tenant, name, country) = (
                    facts.my_tenant.clone(),
                    facts.my_name.clone(),
                    facts.my_country.clone(),
                );
                if let Some(t) = &tenant {
                    facts.tenant(&t.value, &t.src);
                }
                let has_resellers = !facts.resellers.is_empty();
                let p = facts.partner(me, &src);
                if p.tenant.is_none() {
                    p.tenant = tenant;
                }
                if p.name.is_none() {
                    p.name = name.map(|value| super::facts::Said {
                        value,
                        src: src.clone(),
                    });
                }
                if p.country.is_none() {
                    p.country = country;
                }
                if has_resellers {
                    p.sells_through = true;
                }
            }
        }
        _ => {}
    }
    let me = me.unwrap_or_default();
    // Subscriptions are the exporting partner's sales (unknown: reported above).
    let subscriptions = std::mem::take(&mut facts.subscriptions);
    for ((reseller, customer), e) in subscriptions.into_iter().filter(|_| !me.is_empty()) {
        if reseller.is_some() {
            facts.partner(&me, &e.first).sells_through = true;
        }
        super::facts::upsert_many(&mut facts.sales, (me.clone(), reseller, customer), e);
    }
    let resellers: BTreeMap<(String, String), Evidence> = std::mem::take(&mut facts.resellers)
        .into_iter()
        .map(|((_, r), e)| ((me.clone(), r), e))
        .collect();
    let admins: BTreeMap<(String, String), Evidence> = std::mem::take(&mut facts.admins)
        .into_iter()
        .map(|((_, t), e)| ((me.clone(), t), e))
        .collect();

    // Earliest transaction per partner, and of the whole folder.
    // And the first sale per (provider, reseller), in the same one pass over the sales (not
    // one pass per reseller: that was quadratic in a distributor's folder).
    let mut first_deal: BTreeMap<&str, Date> = BTreeMap::new();
    let mut first_through: BTreeMap<(&str, &str), Date> = BTreeMap::new();
    let mut earliest: Option<Date> = None;
    for ((seller, reseller, _), e) in &facts.sales {
        if let Some(d) = e.date {
            for p in std::iter::once(seller).chain(reseller) {
                let x = first_deal.entry(p.as_str()).or_insert(d);
                *x = (*x).min(d);
            }
            if let Some(r) = reseller {
                let x = first_through
                    .entry((seller.as_str(), r.as_str()))
                    .or_insert(d);
                *x = (*x).min(d);
            }
            earliest = Some(earliest.map_or(d, |x| x.min(d)));
        }
    }
    let reseller_dates: BTreeMap<(String, String), Option<Date>> = resellers
        .keys()
        .map(|(p, r)| {
            let first = first_through.get(&(p.as_str(), r.as_str())).copied();
            ((p.clone(), r.clone()), first.or(earliest))
        })
        .collect();

    // Partners: Partner Center's facts, then the user's file over them.
    let mut rows: BTreeMap<String, Row> = BTreeMap::new();
    let mut inferred: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut no_mpa: Vec<String> = Vec::new();
    let mut assumed_mpa: Vec<String> = Vec::new();
    let user_rows: BTreeMap<&str, &super::user::UserPartner> = user
        .partners
        .iter()
        .map(|u| (u.values[0].as_str(), u))
        .collect();
    let mut ids: BTreeSet<String> = facts.partners.keys().cloned().collect();
    ids.extend(user_rows.keys().map(|k| k.to_string()));
    for id in &ids {
        let pc = facts.partners.get(id);
        let u = user_rows.get(id.as_str());
        let mut v: [String; 9] = Default::default();
        v[0] = id.clone();
        let said =
            |f: Option<&super::facts::Said<String>>| f.map(|s| s.value.clone()).unwrap_or_default();
        let pc_values = [
            said(pc.and_then(|p| p.name.as_ref())),
            said(pc.and_then(|p| p.country.as_ref())),
            said(pc.and_then(|p| p.tenant.as_ref())),
        ];
        v[1] = pc_values[0].clone();
        v[3] = pc_values[1].clone();
        v[5] = pc_values[2].clone();
        if let Some(u) = u {
            for (c, pc_value) in [(1, &pc_values[0]), (3, &pc_values[1]), (5, &pc_values[2])] {
                let theirs = &u.values[c];
                if !theirs.is_empty()
                    && !pc_value.is_empty()
                    && !theirs.eq_ignore_ascii_case(pc_value)
                {
                    let pc_origin = match c {
                        1 => pc.and_then(|p| p.name.as_ref()),
                        3 => pc.and_then(|p| p.country.as_ref()),
                        _ => pc.and_then(|p| p.tenant.as_ref()),
                    }
                    .map(|s| origin(&facts, &s.src, 1));
                    let src = pc_origin.as_ref().map(Origin::label).unwrap_or_default();
                    let upath = user
                        .partners_file
                        .map(|f| facts.files[f].to_string())
                        .unwrap_or_default();
                    let message = format!(
                        "partner {}: {} is {} in {upath}:{} but {} in {src}: the user's file wins",
                        quote(id),
                        PARTNER_COLUMNS[c],
                        quote(theirs),
                        u.line,
                        quote(pc_value)
                    );
                    let mine = user.partners_file.map(|f| Origin {
                        path: Arc::clone(&facts.files[f]),
                        line: u.line,
                        pointer: None,
                        count: 1,
                    });
                    out.notes.warnings.push(InputWarning {
                        message: message.clone(),
                        sources: mine.into_iter().chain(pc_origin).collect(),
                    });
                    out.warnings.push(message);
                }
            }
            for (mine, theirs) in v.iter_mut().zip(&u.values).skip(1) {
                if !theirs.is_empty() {
                    mine.clone_from(theirs);
                }
            }
        }
        if v[1].is_empty() {
            v[1] = id.clone();
        }
        let mut inferred_why = None;
        if v[2].is_empty() {
            let (role, why) = match pc {
                Some(p) if p.named_reseller => (
                    "indirect_reseller",
                    "named as a reseller of record or in an indirect reseller list",
                ),
                Some(p) if p.sells_through => {
                    ("indirect_provider", "sells through indirect resellers")
                }
                _ => (
                    "direct_bill",
                    "sells without resellers and is named as no reseller",
                ),
            };
            v[2] = role.to_string();
            inferred.entry(role).or_default().push(id.clone());
            inferred_why = Some((role, why));
        }
        let deal = first_deal.get(id.as_str()).map(|d| d.to_string());
        if u.is_none_or(|u| u.values[8].is_empty()) {
            match pc.and_then(|p| p.mpa.as_ref()).map(|m| m.value) {
                Some(false) => v[8].clear(),
                Some(true) => {
                    v[8] = deal.clone().unwrap_or_default();
                    if deal.is_some() {
                        assumed_mpa.push(id.clone());
                    }
                }
                None => {
                    v[8] = deal.clone().unwrap_or_default();
                    if deal.is_some() {
                        no_mpa.push(id.clone());
                    }
                }
            }
        }
        for c in [6, 7] {
            if v[c].is_empty() {
                v[c] = deal.clone().unwrap_or_default();
            }
        }
        let row_origin = match (u, pc.and_then(|p| p.first.as_ref())) {
            (_, Some(src)) => Some(origin(&facts, src, 1)),
            (Some(u), None) => user.partners_file.map(|f| Origin {
                path: Arc::clone(&facts.files[f]),
                line: u.line,
                pointer: None,
                count: 1,
            }),
            _ => None,
        };
        if let Some((role, why)) = inferred_why {
            out.notes.inferred_roles.push(InferredRole {
                partner: id.clone(),
                role,
                why,
                source: row_origin.clone(),
            });
        }
        if v[3].is_empty() {
            out.flagged[InputFile::Partners as usize].insert(rows.len() as u32 + 2);
            if let Some(o) = &row_origin {
                errors.push(Problem::new(
                    &o.path,
                    o.line as u64,
                    1,
                    format!(
                        "{}partner {} has no country: Partner Center does not give one for it; add it to {} (partner_id,country)",
                        o.pointer.as_deref().map(|p| format!("at {p}: ")).unwrap_or_default(),
                        quote(id),
                        super::USER_PARTNERS
                    ),
                ));
            }
        }
        rows.insert(
            id.clone(),
            Row {
                values: v,
                origin: row_origin,
            },
        );
    }

    // Tenants: every tenant named, a partner's CSP tenant of kind partner.
    let mut partner_tenants: BTreeMap<String, &Row> = BTreeMap::new();
    for row in rows.values() {
        if !row.values[5].is_empty() {
            partner_tenants.insert(row.values[5].to_lowercase(), row);
        }
    }
    let mut tenants = Vec::new();
    // Only asked whether it holds a tenant: hashed, not ordered.
    let sold_to: FxHashSet<&str> = facts.sales.keys().map(|k| k.2.as_str()).collect();
    let mut left_out: BTreeSet<String> = BTreeSet::new();
    let tenant_keys = tenant_keys(&facts.tenants, &partner_tenants);
    let tenant_count = tenant_keys.len();
    let mut tenant_line = 2u32;
    // Sized once: growing by doubling copied every row written so far into fresh memory.
    tenants.reserve(tenant_count);
    out.origins.rows[InputFile::Tenants as usize].reserve(tenant_count);
    for &(key, t) in &tenant_keys {
        let id = t.map_or_else(|| key.to_string(), |t| t.id.clone());
        let partner = partner_tenants.get(key);
        let name = t.and_then(|t| t.name.clone()).unwrap_or_else(|| id.clone());
        let (kind, country, org) = match partner {
            Some(p) => {
                let org = if p.values[4].is_empty() {
                    &p.values[0]
                } else {
                    &p.values[4]
                };
                ("partner", p.values[3].clone(), org.clone())
            }
            None => (
                "customer",
                t.and_then(|t| t.country.as_ref().map(|c| c.value.clone()))
                    .unwrap_or_default(),
                id.clone(),
            ),
        };
        let o = t
            .and_then(|t| t.first.as_ref())
            .map(|s| origin(&facts, s, 1))
            .or_else(|| partner.and_then(|p| p.origin.clone()));
        if country.is_empty() && partner.is_none() && !sold_to.contains(key) {
            // Named only by the customer list or GDAP: left out, and said so.
            let message = format!(
                "tenant {} left out (with its admin relationships): no file gives its country and nothing was sold to it",
                quote(&id)
            );
            out.notes.warnings.push(InputWarning {
                message: message.clone(),
                sources: o.iter().cloned().collect(),
            });
            out.warnings.push(message);
            left_out.insert(key.to_string());
            continue;
        }
        if country.is_empty() && partner.is_none() {
            if let Some(o) = &o {
                errors.push(Problem::new(
                    &o.path,
                    o.line as u64,
                    1,
                    format!(
                        "{}customer tenant {} has no country: no file in the folder gives one (the legacy reconciliation files and Customers.csv have none); add a New Commerce reconciliation file or the customers API response with billingProfile",
                        o.pointer.as_deref().map(|p| format!("at {p}: ")).unwrap_or_default(),
                        quote(&id)
                    ),
                ));
            }
        }
        if country.is_empty() {
            out.flagged[InputFile::Tenants as usize].insert(tenant_line);
        }
        tenant_line += 1;
        tenants.push(TenantRow {
            id,
            name,
            kind,
            country,
            organization: org,
        });
        out.origins.rows[InputFile::Tenants as usize].push(o.unwrap_or_else(|| unknown(&facts)));
    }
    drop(tenant_keys);

    for row in rows.values() {
        out.origins.rows[InputFile::Partners as usize]
            .push(row.origin.clone().unwrap_or_else(|| unknown(&facts)));
    }

    // Relationships.
    let mut rels = Vec::new();
    let tenant_id = |key: &str| {
        facts
            .tenants
            .get(key)
            .map_or(key.to_string(), |t| t.id.clone())
    };
    let rel_rows = resellers.len() + facts.sales.len() + admins.len() + user.affiliates.len();
    rels.reserve(rel_rows);
    let mut rel_origins = Vec::with_capacity(rel_rows);
    for ((p, r), e) in &resellers {
        rels.push(RelRow {
            id: None,
            kind: "reseller",
            from: p.clone(),
            to: r.clone(),
            reseller: None,
            date: reseller_dates[&(p.clone(), r.clone())],
        });
        rel_origins.push(origin(&facts, &e.first, e.count));
    }
    for ((s, r, c), e) in &facts.sales {
        rels.push(RelRow {
            id: None,
            kind: "customer",
            from: s.clone(),
            to: tenant_id(c),
            reseller: r.clone(),
            date: e.date,
        });
        rel_origins.push(origin(&facts, &e.first, e.count));
    }
    for ((p, t), e) in &admins {
        if left_out.contains(t) {
            continue;
        }
        rels.push(RelRow {
            id: e.id.clone(),
            kind: "admin",
            from: p.clone(),
            to: tenant_id(t),
            reseller: None,
            date: e.date,
        });
        rel_origins.push(origin(&facts, &e.first, e.count));
    }
    for (a, b, line) in &user.affiliates {
        rels.push(RelRow {
            id: None,
            kind: "affiliate",
            from: a.clone(),
            to: b.clone(),
            reseller: None,
            date: None,
        });
        if let Some(f) = user.affiliates_file {
            rel_origins.push(Origin {
                path: Arc::clone(&facts.files[f]),
                line: *line,
                pointer: None,
                count: 1,
            });
        }
    }
    out.origins.rows[InputFile::Relationships as usize] = rel_origins;
    for ((s, c), e) in &facts.removed_resellers {
        let o = origin(&facts, &e.first, e.count);
        let message = format!(
            "the reseller of record of partner {}'s sale to tenant {} was removed (ResellerMpnId -1, {}): audited as a sale without a reseller",
            quote(s),
            quote(&tenant_id(c)),
            o.label()
        );
        out.notes.warnings.push(InputWarning {
            message: message.clone(),
            sources: vec![o],
        });
        out.warnings.push(message);
    }
    for (role, list) in &inferred {
        out.warnings.push(format!(
            "role {role} inferred (not in {}) for {}",
            super::USER_PARTNERS,
            list.iter().map(|i| quote(i)).collect::<Vec<_>>().join(", ")
        ));
    }

    // What this input cannot check.
    let resellers_named: BTreeSet<&str> =
        facts.sales.keys().filter_map(|k| k.1.as_deref()).collect();
    let undated: Vec<&str> = resellers_named
        .iter()
        .copied()
        .filter(|r| {
            user_rows
                .get(r)
                .is_none_or(|u| u.values[6].is_empty() || u.values[7].is_empty())
        })
        .collect();
    if !undated.is_empty() {
        // Resellers with dates in the user's file are still checked: the rule runs, in part.
        let status = if undated.len() == resellers_named.len() {
            CoverageStatus::NotChecked
        } else {
            CoverageStatus::Partial
        };
        out.gaps.push(RuleCoverage {
            code: "CSP010",
            status,
            reason: format!(
                "Partner Center gives no onboarding or enrolment dates and {} has none for {}",
                super::USER_PARTNERS,
                undated
                    .iter()
                    .map(|i| quote(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    if user.affiliates_file.is_none() {
        out.gaps.push(RuleCoverage {
            code: "CSP005",
            status: CoverageStatus::Partial,
            reason: format!(
                "Partner Center gives no affiliate links and there is no {}: only sales within one organization are checked",
                super::USER_AFFILIATES
            ),
        });
    }
    if !no_mpa.is_empty() || !assumed_mpa.is_empty() {
        let mut why = Vec::new();
        if !no_mpa.is_empty() {
            why.push(format!(
                "no MPA status for {}",
                no_mpa
                    .iter()
                    .map(|i| quote(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if !assumed_mpa.is_empty() {
            why.push(format!(
                "no signing date for {}",
                assumed_mpa
                    .iter()
                    .map(|i| quote(i))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.gaps.push(RuleCoverage {
            code: "CSP009",
            status: CoverageStatus::Partial,
            reason: format!(
                "{}: taken as signed by the first transaction (add mpa_signed_on to {})",
                why.join("; "),
                super::USER_PARTNERS
            ),
        });
    }
    out.gaps.sort_by_key(|g| g.code);

    for (kind, n) in &facts.line_items {
        out.summary.push(format!("{kind}: {n} line items"));
    }
    for (kind, n) in &facts.records {
        out.summary.push(format!("{kind}: {n} records"));
    }
    for (status, n) in &facts.gdap_skipped {
        out.summary.push(format!(
            "GDAP relationships left out as {}: {n} (not granting access)",
            quote(status)
        ));
    }
    let line_items: u64 = facts.line_items.values().sum();
    out.summary.push(format!(
        "{} line items -> {} customer relationships; {} reseller, {} admin, {} affiliate relationships",
        line_items,
        facts.sales.len(),
        resellers.len(),
        admins.len(),
        user.affiliates.len()
    ));
    out.summary
        .push(format!("{} partners, {} tenants", rows.len(), tenant_count));
    drop(partner_tenants);
    out.tables = Tables {
        partners: rows.into_values().map(|r| r.values).collect(),
        tenants,
        relationships: rels,
    };
    out
}

/// The keys of the tenants rows are written for, in order: every tenant named (with what the
/// files say of it) and every partner's CSP tenant, merged from the two sorted maps rather than
/// copied into a third.
fn tenant_keys<'a, V>(
    named: &'a BTreeMap<String, TenantFact>,
    partners: &'a BTreeMap<String, V>,
) -> Vec<(&'a str, Option<&'a TenantFact>)> {
    let mut keys = Vec::with_capacity(named.len() + partners.len());
    let mut named = named.iter().peekable();
    let mut partners = partners.keys().peekable();
    loop {
        let order = match (named.peek(), partners.peek()) {
            (Some((a, _)), Some(b)) => a.as_str().cmp(b.as_str()),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => break,
        };
        if order.is_gt() {
            keys.extend(partners.next().map(|k| (k.as_str(), None)));
        } else {
            if order.is_eq() {
                partners.next();
            }
            keys.extend(named.next().map(|(k, t)| (k.as_str(), Some(t))));
        }
    }
    keys
}

/// The tables as contract-v1 CSV files: partners, tenants, relationships.
pub fn write(tables: &Tables) -> [Vec<u8>; 3] {
    let mut partners = csv::Writer::from_writer(Vec::new());
    let _ = partners.write_record(PARTNER_COLUMNS);
    for values in &tables.partners {
        let _ = partners.write_record(values);
    }
    let mut tenants = csv::Writer::from_writer(Vec::new());
    let _ = tenants.write_record(["tenant_id", "name", "kind", "country", "organization_id"]);
    for t in &tables.tenants {
        let _ = tenants.write_record([&t.id, &t.name, t.kind, &t.country, &t.organization]);
    }
    let mut rels = csv::Writer::from_writer(Vec::new());
    let _ = rels.write_record([
        "relationship_id",
        "kind",
        "from_id",
        "to_id",
        "reseller_id",
        "effective_on",
    ]);
    for r in &tables.relationships {
        let date = r.date.map(|d| d.to_string()).unwrap_or_default();
        let _ = rels.write_record([
            r.id.as_deref().unwrap_or(""),
            r.kind,
            &r.from,
            &r.to,
            r.reseller.as_deref().unwrap_or(""),
            &date,
        ]);
    }
    [
        partners.into_inner().unwrap_or_default(),
        tenants.into_inner().unwrap_or_default(),
        rels.into_inner().unwrap_or_default(),
    ]
}

/// An origin for a row no file names (cannot happen: every row comes from a record).
fn unknown(facts: &Facts) -> Origin {
    Origin {
        path: facts.files.first().cloned().unwrap_or_else(|| "".into()),
        line: 1,
        pointer: None,
        count: 1,
    }
}
