//! `tenants.csv` → tenants.

use std::sync::Arc;

use super::table::{opt, read_table, req, row_estimate, Column, Source};
use super::{quote, tenant_key, Ids, Loaded};
use crate::model::{FileStats, Tenant, TenantIdx, TenantKind};

const COLUMNS: [Column; 5] = [
    req("tenant_id"),
    req("name"),
    req("kind"),
    req("country"),
    opt("organization_id"),
];
const ID: usize = 0;
const NAME: usize = 1;
const KIND: usize = 2;
const COUNTRY: usize = 3;
const ORG: usize = 4;

pub(super) fn load(
    source: Source<'_>,
    file: &Arc<str>,
    out: &mut Loaded,
    ids: &mut Ids,
) -> FileStats {
    let model = &mut out.model;
    // Sized once (a tenant usually brings its organization); untouched capacity costs no memory.
    let rows = row_estimate(&source);
    model.tenants.reserve(rows);
    model.organizations.reserve(rows);
    ids.tenants.reserve(rows);
    ids.orgs.reserve(rows);
    read_table(source, file, &COLUMNS, &mut out.errors, |row| {
        let id = row.required(ID);
        let name = row.required(NAME);
        let kind = row.enum_value(KIND, TenantKind::parse, TenantKind::spellings());
        let country_text = row.required(COUNTRY);
        let org = row.get(ORG);
        let country = country_text.and_then(|c| {
            let found = model.regions.country(c);
            if found.is_none() {
                row.error(COUNTRY, unknown_country(c));
            }
            found
        });
        if let Some(id) = id {
            let key = tenant_key(id);
            if let Some(&prev) = ids.tenants.get(key.as_ref()) {
                let prev_line = model.tenants[prev.ix()].line;
                row.error(
                    ID,
                    format!(
                        "duplicate tenant_id {} (tenant ids compare case-insensitively): first defined on line {prev_line}",
                        quote(id)
                    ),
                );
            }
        }
        match (id, name, kind, country, row.ok()) {
            (Some(id), Some(name), Some(kind), Some(country), true) => {
                let org = org.map(|o| ids.intern_org(&mut model.organizations, o));
                let idx = TenantIdx(model.tenants.len() as u32);
                ids.tenants.insert(tenant_key(id).into(), idx);
                model.tenants.push(Tenant {
                    id: id.into(),
                    name: name.into(),
                    kind,
                    country,
                    region: model.regions.region_of(country),
                    org,
                    line: row.line as u32,
                });
            }
            (Some(id), ..) => {
                ids.rejected_tenants
                    .entry(tenant_key(id).into())
                    .or_insert(row.line);
            }
            _ => {}
        }
    })
}

/// The message for a country code that is not in the region table.
pub(super) fn unknown_country(code: &str) -> String {
    format!(
        "unknown country {}: expected an ISO 3166-1 alpha-2 code from the region table",
        quote(code)
    )
}
