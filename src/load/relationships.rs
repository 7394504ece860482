//! `relationships.csv` → relationships, every id resolved to the right kind of entity.

use std::sync::Arc;

use super::error::with_article;
use super::table::{
    opt, read_table_par, req, row_estimate, Column, ReadOptions, Row, Source, TableInfo,
};
use super::{quote, tenant_key, Files, Ids, Loaded};
use crate::model::{FileStats, OrgIdx, PartnerIdx, RelKind, Relationship, TenantIdx, TextColumn};

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
    source: Source<'_>,
    file: &Arc<str>,
    files: &Files<'_>,
    opts: &ReadOptions,
    info: &mut TableInfo,
    out: &mut Loaded,
    ids: &mut Ids,
) -> FileStats {
    let model = &mut out.model;
    let mut rel_ids = TextColumn::default();
    let rows = row_estimate(&source);
    model.relationships.reserve(rows);
    rel_ids.reserve(rows);
    let mut has_rel_id_column = false;
    // Rows are checked in parallel (every reference is a look-up in maps that are complete by
    // now) and stored in file order.
    let check = |row: &mut Row<'_>| -> Option<Relationship> {
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
        let r = Refs { ids: &*ids, files };
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
                let pair = (
                    from.and_then(|f| r.org(row, FROM, f)).map(|o| o.0),
                    to.and_then(|t| r.org(row, TO, t)).map(|o| o.0),
                );
                if let (Some(a), Some(b)) = pair {
                    if a == b {
                        row.error(
                            TO,
                            format!(
                                "affiliate row links organization {} to itself: expected two different organizations",
                                quote(to.unwrap_or_default())
                            ),
                        );
                    }
                }
                pair
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
        Some(Relationship {
            kind,
            from: from_idx?,
            to: to_idx?,
            reseller: reseller_idx,
            effective_on,
            line: row.line as u32,
        })
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
            if let (Some(rel), true) = (rel, row.ok()) {
                has_rel_id_column |= row.has_column(REL_ID);
                model.relationships.push(rel);
                rel_ids.push(row.text(REL_ID));
            }
        },
    );
    if has_rel_id_column {
        rel_ids.shrink_to_fit();
        model.relationship_ids = Some(rel_ids);
    }
    stats
}

/// Resolves ids to entities, explaining unknown, rejected and wrongly typed references.
struct Refs<'a, 'f> {
    ids: &'a Ids,
    files: &'a Files<'f>,
}

impl Refs<'_, '_> {
    fn partner(&self, row: &mut Row<'_>, col: usize, id: &str) -> Option<PartnerIdx> {
        if let Some(&p) = self.ids.partners.get(id) {
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
        } else if self.ids.tenant(id).is_some() {
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
        if let Some(t) = self.ids.tenant(id) {
            return Some(t);
        }
        let name = row.name(col);
        let why = if let Some(line) = self.ids.rejected_tenants.get(tenant_key(id).as_ref()) {
            format!(
                "{name} {} names a tenant whose row was rejected ({}:{line})",
                quote(id),
                self.files.tenants
            )
        } else if self.ids.partners.contains_key(id) {
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

    fn org(&self, row: &mut Row<'_>, col: usize, id: &str) -> Option<OrgIdx> {
        if let Some(&o) = self.ids.orgs.get(id) {
            return Some(o);
        }
        let name = row.name(col);
        if self.ids.no_partner_read() {
            row.unresolved(self.files.partners);
            return None;
        }
        if self.ids.no_tenant_read() {
            row.unresolved(self.files.tenants);
            return None;
        }
        let why = format!(
            "unknown organization {} in {name}: expected an organization_id from {} or {} (a partner without one is its own organization)",
            quote(id),
            self.files.partners,
            self.files.tenants
        );
        row.error(col, why);
        None
    }
}
