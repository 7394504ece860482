//! `partners.csv` → partners, each with its organization and CSP tenant resolved.

use std::sync::Arc;

use super::table::{opt, read_table, req, Column, ReadOptions, Source, TableInfo};
use super::tenants::unknown_country;
use super::{column_full, quote, tenant_key, Files, Ids, Loaded};
use crate::model::{FileStats, Partner, PartnerIdx, Role, TenantKind};

pub(super) const COLUMNS: [Column; 9] = [
    req("partner_id"),
    req("name"),
    req("role"),
    req("country"),
    opt("organization_id"),
    opt("csp_tenant_id"),
    opt("onboarded_on"),
    opt("enrolled_on"),
    opt("mpa_signed_on"),
];
const ID: usize = 0;
const NAME: usize = 1;
const ROLE: usize = 2;
const COUNTRY: usize = 3;
const ORG: usize = 4;
const CSP_TENANT: usize = 5;
const ONBOARDED: usize = 6;
const ENROLLED: usize = 7;
const MPA: usize = 8;

pub(super) fn load(
    source: Source<'_>,
    files: &Files<'_>,
    opts: &ReadOptions,
    info: &mut TableInfo,
    out: &mut Loaded,
    ids: &mut Ids,
) -> FileStats {
    let model = &mut out.model;
    // Which partner claimed each CSP tenant, so that a second claim is caught.
    let mut claimed = vec![None::<PartnerIdx>; model.tenants.len()];
    let columns = &COLUMNS;
    read_table(
        source,
        files.partners,
        columns,
        opts,
        &mut out.errors,
        info,
        |row| {
            let id = row.required(ID);
            let name = row.required(NAME);
            let role = row.enum_value(ROLE, Role::parse, Role::spellings());
            let country_text = row.required(COUNTRY);
            let org = row.get(ORG);
            let csp_tenant_text = row.get(CSP_TENANT);
            let onboarded_on = row.date(ONBOARDED);
            let enrolled_on = row.date(ENROLLED);
            let mpa_signed_on = row.date(MPA);
            let country = country_text.and_then(|c| {
                let found = model.regions.country(c);
                if found.is_none() {
                    row.error(COUNTRY, unknown_country(c));
                }
                found
            });
            if let Some(id) = id {
                if let Some(prev) = ids.partner(&model.partner_ids, id) {
                    row.error(
                        ID,
                        format!(
                            "duplicate partner_id {}: first defined on line {}",
                            quote(id),
                            model.partners[prev.ix()].line
                        ),
                    );
                } else if let Some(t) = ids.tenant(&model.tenant_ids, id) {
                    row.error(
                    ID,
                    format!(
                        "partner_id {} is also a tenant_id ({}:{}): expected ids unique across partners and tenants",
                        quote(id),
                        files.tenants,
                        model.tenants[t.ix()].line
                    ),
                );
                }
            }
            let csp_tenant = csp_tenant_text.and_then(|t| match ids.tenant(&model.tenant_ids, t) {
            Some(tidx) if model.tenants[tidx.ix()].kind != TenantKind::Partner => {
                row.error(
                    CSP_TENANT,
                    format!(
                        "csp_tenant_id {} is a tenant of kind 'customer' ({}:{}): expected a tenant of kind 'partner'",
                        quote(t),
                        files.tenants,
                        model.tenants[tidx.ix()].line
                    ),
                );
                None
            }
            Some(tidx) => {
                if let Some(other) = claimed[tidx.ix()] {
                    row.error(
                        CSP_TENANT,
                        format!(
                            "csp_tenant_id {} is already the CSP tenant of partner {} (line {}): expected each CSP tenant to belong to one partner",
                            quote(t),
                            quote(model.partner_id(other)),
                            model.partners[other.ix()].line
                        ),
                    );
                }
                Some(tidx)
            }
            None => {
                let why = match ids.rejected_tenants.get(tenant_key(t).as_ref()) {
                    Some(line) => format!(
                        "csp_tenant_id {} names a tenant whose row was rejected ({}:{line})",
                        quote(t),
                        files.tenants
                    ),
                    None if ids.no_tenant_read() => {
                        row.unresolved(files.tenants);
                        return None;
                    }
                    None => format!(
                        "unknown {} {}: expected a tenant_id of kind 'partner' from {}",
                        row.name(CSP_TENANT),
                        quote(t),
                        files.tenants
                    ),
                };
                row.error(CSP_TENANT, why);
                None
            }
        });
            match (id, name, role, country, row.ok()) {
                (Some(id), Some(name), Some(role), Some(country), true) => {
                    let fits =
                        model.partner_ids.fits(id.len()) && model.partner_names.fits(name.len());
                    let org = ids.intern_org(&mut model.organizations, org.unwrap_or(id));
                    let (Some(org), true) = (org, fits) else {
                        row.error(ID, column_full("partner and organization ids"));
                        ids.rejected_partners.entry(id.into()).or_insert(row.line);
                        return;
                    };
                    let idx = PartnerIdx(model.partners.len() as u32);
                    if let Some(t) = csp_tenant {
                        claimed[t.ix()] = Some(idx);
                    }
                    model.partner_ids.push(Some(id));
                    model.partner_names.push(Some(name));
                    ids.partners.insert(&model.partner_ids, idx.0);
                    model.partners.push(Partner {
                        role,
                        country,
                        region: model.regions.region_of(country),
                        org,
                        csp_tenant,
                        onboarded_on,
                        enrolled_on,
                        mpa_signed_on,
                        line: row.line as u32,
                    });
                }
                (Some(id), ..) => {
                    ids.rejected_partners.entry(id.into()).or_insert(row.line);
                    if let Some(file) = row.only_unresolved() {
                        ids.cascaded_partners.insert(id.into(), Arc::clone(file));
                    }
                }
                _ => {}
            }
        },
    )
}
