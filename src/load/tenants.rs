//! `tenants.csv` → tenants.

use std::sync::Arc;

use super::table::{
    opt, read_table_par, req, size_estimate, Column, ReadOptions, Row, Source, TableInfo,
};
use super::tenant_map::{TenantHash, TenantQuery};
use super::{column_full, quote, tenant_key, Ids, Loaded};
use crate::model::{CountryIdx, FileStats, Model, RegionIdx, Tenant, TenantKind};

pub(super) const COLUMNS: [Column; 5] = [
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

/// The rows stored before the text columns are sized for the rest of the file.
const SIZING_ROWS: usize = 4096;

/// A row's values once checked, made ready to store (on any thread).
struct Checked {
    /// The id parsed and hashed as tenant ids compare.
    id: TenantHash,
    kind: TenantKind,
    country: CountryIdx,
    region: RegionIdx,
}

pub(super) fn load(
    mut source: Source<'_>,
    file: &Arc<str>,
    opts: &ReadOptions,
    info: &mut TableInfo,
    out: &mut Loaded,
    ids: &mut Ids,
) -> FileStats {
    let Model {
        regions,
        tenants,
        tenant_ids,
        tenant_names,
        organizations,
        ..
    } = &mut out.model;
    let regions = &*regions;
    // Sized once (a tenant usually brings its organization). Untouched capacity costs little:
    // a map writes one control byte per slot, a vector nothing.
    let (rows, bytes) = size_estimate(&mut source);
    tenants.reserve(rows);
    tenant_ids.reserve(rows);
    tenant_names.reserve(rows);
    organizations.reserve(rows);
    ids.tenants.reserve(tenant_ids, rows);
    ids.orgs.reserve(organizations, rows);
    // Rows are decoded and their ids hashed in parallel; duplicates, organizations and the
    // id map are settled in file order.
    let check = |row: &mut Row<'_>| -> Option<Checked> {
        let id = row.required(ID);
        let name = row.required(NAME);
        let kind = row.enum_value(KIND, TenantKind::parse, TenantKind::spellings());
        let country_text = row.required(COUNTRY);
        row.get(ORG);
        let country = country_text.and_then(|c| {
            let found = regions.country(c);
            if found.is_none() {
                row.error(COUNTRY, unknown_country(c));
            }
            found
        });
        let (id, _, kind, country) = (id?, name?, kind?, country?);
        row.ok().then(|| Checked {
            id: TenantHash::of(id),
            kind,
            country,
            region: regions.region_of(country),
        })
    };
    // Once the first rows are in, the text columns get room for the rest of the file, as long
    // on average as the first: grown by doubling, they would copy what they hold each time.
    let mut sized = false;
    let store = |checked: Option<Checked>, row: &mut Row<'_>| {
        if !sized && tenants.len() == SIZING_ROWS {
            sized = true;
            let more = rows.saturating_sub(SIZING_ROWS);
            // The text still to come is at most the file's bytes.
            let left = usize::try_from(bytes).unwrap_or(usize::MAX);
            tenant_names.reserve_like(more, left);
            let orgs_per_row = organizations.len() as f64 / SIZING_ROWS as f64;
            organizations.reserve_like((more as f64 * orgs_per_row) as usize, left);
        }
        let Some(id) = row.text(ID) else { return };
        let query = match &checked {
            Some(c) => TenantQuery::with(id, c.id),
            None => TenantQuery::of(id),
        };
        if let Some(prev) = ids.tenants.find(tenant_ids, &query) {
            let prev_line = tenants[prev as usize].line;
            row.error(
                ID,
                format!(
                    "duplicate tenant_id {} (tenant ids compare case-insensitively): first defined on line {prev_line}",
                    quote(id)
                ),
            );
        }
        let name = row.text(NAME).unwrap_or_default();
        if checked.is_some()
            && row.ok()
            && !(tenant_ids.fits(id.len()) && tenant_names.fits(name.len()))
        {
            row.error(ID, column_full("tenant ids and names"));
        }
        let org = match (&checked, row.text(ORG)) {
            (Some(_), Some(o)) if row.ok() => {
                let org = ids.intern_org(organizations, o);
                if org.is_none() {
                    row.error(ORG, column_full("organization ids"));
                }
                org
            }
            _ => None,
        };
        match checked {
            Some(c) if row.ok() => {
                let t = tenant_ids.len() as u32;
                tenant_ids.push_parsed(Some(id), query.guid());
                tenant_names.push(Some(name));
                ids.tenants.insert(tenant_ids, t, &query);
                tenants.push(Tenant {
                    kind: c.kind,
                    country: c.country,
                    region: c.region,
                    org,
                    line: row.line as u32,
                });
            }
            _ => {
                ids.rejected_tenants
                    .entry(tenant_key(id).into_owned().into())
                    .or_insert(row.line);
            }
        }
    };
    read_table_par(
        source,
        file,
        &COLUMNS,
        opts,
        &mut out.errors,
        info,
        check,
        store,
    )
}

/// Codes in common use that are not ISO 3166-1 alpha-2, with the ISO code meant: the UK's
/// and Greece's EU codes, the UK's domain name, and a few IOC / alpha-3 habits.
const COUNTRY_ALIASES: [(&str, &str); 7] = [
    ("UK", "GB"),
    ("EL", "GR"),
    ("USA", "US"),
    ("GBR", "GB"),
    ("DEU", "DE"),
    ("GER", "DE"),
    ("SUI", "CH"),
];

/// The message for a country code that is not in the region table.
pub(super) fn unknown_country(code: &str) -> String {
    let hint = COUNTRY_ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(code))
        .map_or(String::new(), |(_, iso)| {
            format!(" (did you mean '{iso}'?)")
        });
    format!(
        "unknown country {}{hint}: expected an ISO 3166-1 alpha-2 code from the region table",
        quote(code)
    )
}
