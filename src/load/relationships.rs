//! `relationships.csv` → relationships, every id resolved to the right kind of entity.

use std::sync::Arc;

use super::error::with_article;
use super::table::{
    opt, read_table_par, req, row_estimate, Column, ReadOptions, Row, Source, TableInfo,
};
use super::{column_full, quote, tenant_key, Files, Ids, Loaded};
use rustc_hash::FxHashMap;

use crate::model::{
    FileStats, Model, OrgIdx, PartnerIdx, RelIdColumn, RelKind, Relationship, TenantIdColumn,
    TenantIdx, TextColumn,
};

pub(super) const COLUMNS: [Column; 6] = [
    req("kind"),
    req("from_id"),
    req("to_id"),
    opt("reseller_id"),
    req("effective_on"),
    opt("relationship_id"),
];
const KIND: usize = 0;
const FROM: usize = 1;
const TO: usize = 2;
const RESELLER: usize = 3;
const EFFECTIVE: usize = 4;
const REL_ID: usize = 5;

pub(super) fn load(
    mut source: Source<'_>,
    file: &Arc<str>,
    files: &Files<'_>,
    opts: &ReadOptions,
    info: &mut TableInfo,
    out: &mut Loaded,
    ids: &mut Ids,
) -> FileStats {
    let Model {
        partner_ids,
        tenant_ids,
        organizations,
        relationships,
        relationship_ids,
        ..
    } = &mut out.model;
    let columns = IdColumns {
        partners: partner_ids,
        tenants: tenant_ids,
        orgs: organizations,
    };
    let mut rel_ids = RelIdColumn::default();
    let rows = row_estimate(&mut source);
    relationships.reserve(rows);
    rel_ids.reserve(rows);
    let mut has_rel_id_column = false;
    // Rows are checked in parallel (every reference is a look-up in maps that are complete by
    // now) and stored in file order.
    // An affiliate end that names no known organization (a holding company with no partner or
    // tenant in the files) creates that organization: the check cannot, as it runs in parallel,
    // so it hands the id on and the file-order store interns it.
    // They are added to the organizations once every row is read, as the check reads them.
    let mut new_orgs: FxHashMap<Box<str>, OrgIdx> = FxHashMap::default();
    let mut new_org_ids: Vec<Box<str>> = Vec::new();
    let mut new_org_bytes = 0;
    let first_new_org = columns.orgs.len();
    let check = |row: &mut Row<'_>| -> Option<(Relationship, Option<Box<NewOrgs>>)> {
        let kind = row.enum_value(KIND, RelKind::parse, RelKind::spellings());
        let from = row.required(FROM);
        let to = row.required(TO);
        let reseller = row.get(RESELLER);
        let effective_on = row.date(EFFECTIVE);
        // Read here so that a bad relationship_id rejects the row; stored below.
        row.get(REL_ID);
        let kind = kind?;
        if kind != RelKind::Affiliate && effective_on.is_none() && row.ok() {
            row.error(
                EFFECTIVE,
                format!(
                    "empty '{}': {} relationship needs the date it took effect",
                    row.name(EFFECTIVE),
                    with_article(kind.as_str())
                ),
            );
        }
        let r = Refs {
            ids: &*ids,
            columns: &columns,
            files,
        };
        let mut new_ends: NewOrgs = [None, None];
        let (from_idx, to_idx) = match kind {
            RelKind::Reseller => (
                from.and_then(|f| r.partner(row, FROM, f)).map(|p| p.0),
                to.and_then(|t| r.partner(row, TO, t)).map(|p| p.0),
            ),
            RelKind::Customer | RelKind::Admin => (
                from.and_then(|f| r.partner(row, FROM, f)).map(|p| p.0),
                to.and_then(|t| r.tenant(row, TO, t)).map(|t| t.0),
            ),
            RelKind::Affiliate => {
                let ends = [
                    from.and_then(|f| r.org(row, FROM, f)),
                    to.and_then(|t| r.org(row, TO, t)),
                ];
                let same = match (&ends, from, to) {
                    ([Some(OrgRef::Known(a)), Some(OrgRef::Known(b))], ..) => a == b,
                    ([Some(OrgRef::New), Some(OrgRef::New)], Some(f), Some(t)) => f == t,
                    _ => false,
                };
                if same {
                    row.error(
                            TO,
                            format!(
                                "affiliate row links organization {} to itself: expected two different organizations",
                                quote(to.unwrap_or_default())
                            ),
                        );
                }
                let [a, b] = ends;
                let end = |e: Option<OrgRef>, id: Option<&str>| match e? {
                    OrgRef::Known(o) => Some((o.0, None)),
                    OrgRef::New => Some((u32::MAX, id.map(Box::from))),
                };
                match (end(a, from), end(b, to)) {
                    (Some((fa, na)), Some((tb, nb))) => {
                        new_ends = [na, nb];
                        (Some(fa), Some(tb))
                    }
                    _ => (None, None),
                }
            }
        };
        let reseller_idx = match (reseller, kind) {
            (None, _) => None,
            (Some(rs), RelKind::Customer) => r.partner(row, RESELLER, rs),
            (Some(_), _) => {
                row.error(
                    RESELLER,
                    format!(
                        "{} on {} row: expected it only on customer rows",
                        row.name(RESELLER),
                        with_article(kind.as_str())
                    ),
                );
                None
            }
        };
        if row.line > u64::from(Relationship::MAX_LINE) {
            row.error(
                KIND,
                format!(
                    "row on line {}: expected relationships on lines up to {}",
                    row.line,
                    Relationship::MAX_LINE
                ),
            );
        }
        Some((
            Relationship::new(
                kind,
                from_idx?,
                to_idx?,
                reseller_idx,
                effective_on,
                row.line as u32,
            ),
            // Boxed: rare, and every row's check result is kept until its block is stored.
            (new_ends != [None, None]).then(|| Box::new(new_ends)),
        ))
    };
    let stats = read_table_par(
        source,
        file,
        &COLUMNS,
        opts,
        &mut out.errors,
        info,
        check,
        |rel, row: &mut Row<'_>| {
            let Some((mut rel, new_ends)) = rel.filter(|_| row.ok()) else {
                return;
            };
            let new_ends: NewOrgs = new_ends.map_or([None, None], |b| *b);
            let rel_id = row.text(REL_ID);
            let new_bytes: usize = new_ends
                .iter()
                .flatten()
                .filter(|id| !new_orgs.contains_key(&***id))
                .map(|id| id.len())
                .sum();
            if !rel_ids.fits(rel_id.map_or(0, str::len))
                || !columns.orgs.fits(new_org_bytes + new_bytes)
            {
                row.error(REL_ID, column_full("relationship and organization ids"));
                return;
            }
            for (end, id) in [&mut rel.from, &mut rel.to].into_iter().zip(new_ends) {
                if let Some(id) = id {
                    let next = OrgIdx((first_new_org + new_org_ids.len()) as u32);
                    let o = *new_orgs.entry(id).or_insert_with_key(|id| {
                        new_org_bytes += id.len();
                        new_org_ids.push(id.clone());
                        next
                    });
                    *end = o.0;
                }
            }
            has_rel_id_column |= row.has_column(REL_ID);
            relationships.push(rel);
            rel_ids.push(rel_id);
        },
    );
    for id in new_org_ids {
        let o = organizations.len() as u32;
        organizations.push(Some(&id));
        ids.orgs.insert(organizations, o);
    }
    if has_rel_id_column {
        rel_ids.shrink_to_fit();
        *relationship_ids = Some(rel_ids);
    }
    stats
}

/// Resolves ids to entities, explaining unknown, rejected and wrongly typed references.
struct Refs<'a, 'f> {
    ids: &'a Ids,
    columns: &'a IdColumns<'a>,
    files: &'a Files<'f>,
}

/// The model's id columns the maps of [`Ids`] index into.
struct IdColumns<'a> {
    partners: &'a TextColumn,
    tenants: &'a TenantIdColumn,
    orgs: &'a TextColumn,
}

impl Refs<'_, '_> {
    fn partner(&self, row: &mut Row<'_>, col: usize, id: &str) -> Option<PartnerIdx> {
        if let Some(p) = self.ids.partner(self.columns.partners, id) {
            return Some(p);
        }
        let name = row.name(col);
        if let Some(file) = self.ids.cascaded_partners.get(id) {
            row.unresolved(file);
            return None;
        }
        let why = if let Some(line) = self.ids.rejected_partners.get(id) {
            format!(
                "{name} {} names a partner whose row was rejected ({}:{line})",
                quote(id),
                self.files.partners
            )
        } else if self.ids.tenant(self.columns.tenants, id).is_some() {
            format!(
                "{name} {} is a tenant: expected a partner_id from {}",
                quote(id),
                self.files.partners
            )
        } else if self.ids.no_partner_read() {
            // None of the file's rows was read (a bad header, say): the id may well be in it.
            row.unresolved(self.files.partners);
            return None;
        } else {
            format!(
                "unknown partner {} in {name}: expected a partner_id from {}",
                quote(id),
                self.files.partners
            )
        };
        row.error(col, why);
        None
    }

    fn tenant(&self, row: &mut Row<'_>, col: usize, id: &str) -> Option<TenantIdx> {
        if let Some(t) = self.ids.tenant(self.columns.tenants, id) {
            return Some(t);
        }
        let name = row.name(col);
        let why = if let Some(line) = self.ids.rejected_tenants.get(tenant_key(id).as_ref()) {
            format!(
                "{name} {} names a tenant whose row was rejected ({}:{line})",
                quote(id),
                self.files.tenants
            )
        } else if self.ids.partner(self.columns.partners, id).is_some() {
            format!(
                "{name} {} is a partner: expected a tenant_id from {}",
                quote(id),
                self.files.tenants
            )
        } else if self.ids.no_tenant_read() {
            row.unresolved(self.files.tenants);
            return None;
        } else {
            format!(
                "unknown tenant {} in {name}: expected a tenant_id from {}",
                quote(id),
                self.files.tenants
            )
        };
        row.error(col, why);
        None
    }

    /// An affiliate end: a known organization, else (when the entity files were read) one
    /// that the affiliate rows alone name, created in file order by the caller.
    fn org(&self, row: &mut Row<'_>, _col: usize, id: &str) -> Option<OrgRef> {
        if let Some(o) = self.ids.org(self.columns.orgs, id) {
            return Some(OrgRef::Known(o));
        }
        if self.ids.no_partner_read() {
            row.unresolved(self.files.partners);
            return None;
        }
        if self.ids.no_tenant_read() {
            row.unresolved(self.files.tenants);
            return None;
        }
        Some(OrgRef::New)
    }
}

/// An affiliate end as the parallel check resolves it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum OrgRef {
    /// An organization of the partners or tenants file.
    Known(OrgIdx),
    /// An id that no partner or tenant names: a new organization.
    New,
}

/// The ids of a row's affiliate ends that create organizations (from, to).
type NewOrgs = [Option<Box<str>>; 2];
