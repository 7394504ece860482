//! The rows of a Partner Center folder's three tables ([`Tables`]) → [`Model`] directly: the
//! model the contract-v1 loader gives for the tables once written out, without writing them
//! and parsing them again (which took a second parse of every row and the loader's maps).
//!
//! Only tables that the loader would take whole are built here: any row it would report,
//! reject or read otherwise (a value it trims, an empty required cell, an unknown country, a
//! second claim on a CSP tenant, an unknown reference, a date it cannot read back...) gives
//! the region table back, and the caller writes the tables and loads them as before, so that
//! every message stays the loader's own.

use std::borrow::Cow;

use rustc_hash::FxHashMap;

use super::map::Tables;
use crate::load::id_map::{Compare, IdMap};
use crate::load::table::{parse_date, MAX_FIELD_BYTES};
use crate::load::tenant_key;
use crate::model::{
    Date, FileStats, InputFile, Model, OrgIdx, Partner, PartnerIdx, RegionTable, RelIdColumn,
    RelKind, Relationship, Role, Tenant, TenantIdx, TenantKind,
};

/// The model of `tables` (which takes `regions`), or `None` (and `regions` left) when the
/// contract loader would say anything about them: the caller then loads them through it.
pub fn model(tables: &Tables, regions: &mut RegionTable) -> Option<Model> {
    let mut model = Model {
        regions: std::mem::take(regions),
        ..Model::default()
    };
    match build(tables, &mut model) {
        Some(()) => Some(model),
        None => {
            *regions = std::mem::take(&mut model.regions);
            None
        }
    }
}

/// A cell as the loader reads it: `Some(None)` empty, `Some(Some(text))` a value it takes as
/// written, `None` a value it would trim, reject, or count lines in (a line end moves every
/// row after it).
fn cell(text: &str) -> Option<Option<&str>> {
    if text.is_empty() {
        return Some(None);
    }
    let plain = text.len() <= MAX_FIELD_BYTES
        && !text.contains(['\0', '\n', '\r'])
        && text.trim().len() == text.len();
    plain.then_some(Some(text))
}

/// A required cell: a value the loader takes as written.
fn required(text: &str) -> Option<&str> {
    cell(text)?
}

/// An enum cell, parsed as the loader parses it.
fn parsed<T>(text: &str, parse: fn(&str) -> Option<T>) -> Option<T> {
    let text = required(text)?;
    parse(text).or_else(|| parse(&text.to_ascii_lowercase()))
}

/// An optional ISO date cell.
fn date_cell(text: &str) -> Option<Option<Date>> {
    match cell(text)? {
        None => Some(None),
        Some(t) => parse_date(t).ok().map(Some),
    }
}

/// A date as written to the file reads back as itself (four-digit years).
fn date_value(date: Option<Date>) -> Option<Option<Date>> {
    use chrono::Datelike;
    match date {
        Some(d) if !(1000..=9999).contains(&d.year()) => None,
        d => Some(d),
    }
}

/// Tenant ids as they compare (case-insensitively) → row.
type TenantMap<'a> = FxHashMap<Cow<'a, str>, u32>;

fn build(tables: &Tables, m: &mut Model) -> Option<()> {
    // A table with no rows is a problem of its own ("no data rows after the header").
    if tables.partners.is_empty() || tables.tenants.is_empty() || tables.relationships.is_empty() {
        return None;
    }
    let mut orgs = IdMap::new(Compare::Exact);
    let tenants = tenants(tables, m, &mut orgs)?;
    let partners = partners(tables, m, &mut orgs, &tenants)?;
    relationships(tables, m, &orgs, &tenants, &partners)?;
    let rows = [
        tables.partners.len(),
        tables.tenants.len(),
        tables.relationships.len(),
    ];
    for (file, n) in InputFile::ALL.into_iter().zip(rows) {
        m.stats[file as usize] = FileStats {
            read: n as u64,
            loaded: n as u64,
            ..FileStats::default()
        };
    }
    m.partners.shrink_to_fit();
    m.partner_ids.shrink_to_fit();
    m.partner_names.shrink_to_fit();
    m.tenants.shrink_to_fit();
    m.tenant_ids.shrink_to_fit();
    m.tenant_names.shrink_to_fit();
    m.organizations.shrink_to_fit();
    m.relationships.shrink_to_fit();
    Some(())
}

/// The line of row `i` of a table (the header is line 1).
fn line(i: usize) -> Option<u32> {
    u32::try_from(i).ok()?.checked_add(2)
}

fn tenants<'a>(tables: &'a Tables, m: &mut Model, orgs: &mut IdMap) -> Option<TenantMap<'a>> {
    let n = tables.tenants.len();
    let mut map = TenantMap::with_capacity_and_hasher(n, Default::default());
    m.tenants.reserve(n);
    m.tenant_ids.reserve(n);
    m.tenant_names.reserve(n);
    m.organizations.reserve(n);
    for (i, t) in tables.tenants.iter().enumerate() {
        let id = required(&t.id)?;
        let name = required(&t.name)?;
        let kind = parsed(t.kind, TenantKind::parse)?;
        let country = m.regions.country(required(&t.country)?)?;
        let org = cell(&t.organization)?;
        if !(m.tenant_ids.fits(id.len()) && m.tenant_names.fits(name.len())) {
            return None;
        }
        let row = m.tenants.len() as u32;
        if map.insert(tenant_key(id), row).is_some() {
            return None;
        }
        let org = match org {
            Some(o) => Some(OrgIdx(orgs.intern(&mut m.organizations, o)?)),
            None => None,
        };
        m.tenant_ids.push(Some(id));
        m.tenant_names.push(Some(name));
        m.tenants.push(Tenant {
            kind,
            country,
            region: m.regions.region_of(country),
            org,
            line: line(i)?,
        });
    }
    Some(map)
}

fn partners<'a>(
    tables: &'a Tables,
    m: &mut Model,
    orgs: &mut IdMap,
    tenants: &TenantMap<'_>,
) -> Option<FxHashMap<&'a str, u32>> {
    let n = tables.partners.len();
    let mut map = FxHashMap::with_capacity_and_hasher(n, Default::default());
    let mut claimed = vec![false; m.tenants.len()];
    for (i, v) in tables.partners.iter().enumerate() {
        let id = required(&v[0])?;
        let name = required(&v[1])?;
        let role = parsed(&v[2], Role::parse)?;
        let country = m.regions.country(required(&v[3])?)?;
        let org = cell(&v[4])?;
        let csp_tenant = match cell(&v[5])? {
            None => None,
            Some(t) => {
                let t = *tenants.get(&tenant_key(t))?;
                if m.tenants[t as usize].kind != TenantKind::Partner
                    || std::mem::replace(&mut claimed[t as usize], true)
                {
                    return None;
                }
                Some(TenantIdx(t))
            }
        };
        let [onboarded_on, enrolled_on, mpa_signed_on] =
            [date_cell(&v[6])?, date_cell(&v[7])?, date_cell(&v[8])?];
        if map.contains_key(id) || tenants.contains_key(&tenant_key(id)) {
            return None;
        }
        if !(m.partner_ids.fits(id.len()) && m.partner_names.fits(name.len())) {
            return None;
        }
        let org = OrgIdx(orgs.intern(&mut m.organizations, org.unwrap_or(id))?);
        map.insert(id, m.partners.len() as u32);
        m.partner_ids.push(Some(id));
        m.partner_names.push(Some(name));
        m.partners.push(Partner {
            role,
            country,
            region: m.regions.region_of(country),
            org,
            csp_tenant,
            onboarded_on,
            enrolled_on,
            mpa_signed_on,
            line: line(i)?,
        });
    }
    Some(map)
}

fn relationships(
    tables: &Tables,
    m: &mut Model,
    orgs: &IdMap,
    tenants: &TenantMap<'_>,
    partners: &FxHashMap<&str, u32>,
) -> Option<()> {
    let n = tables.relationships.len();
    let mut rel_ids = RelIdColumn::default();
    rel_ids.reserve(n);
    m.relationships.reserve(n);
    // Organizations that only affiliate rows name, created in order of first mention once
    // every row is read (as the loader does).
    let first_new = m.organizations.len();
    let mut new_orgs: FxHashMap<&str, u32> = FxHashMap::default();
    let mut new_order: Vec<&str> = Vec::new();
    let mut new_bytes = 0;
    let partner = |id: &str| partners.get(id).copied();
    let tenant = |id: &str| tenants.get(&tenant_key(id)).copied();
    for (i, r) in tables.relationships.iter().enumerate() {
        let line = line(i).filter(|l| *l <= Relationship::MAX_LINE)?;
        let kind = parsed(r.kind, RelKind::parse)?;
        let from = required(&r.from)?;
        let to = required(&r.to)?;
        let reseller = cell(r.reseller.as_deref().unwrap_or(""))?;
        let rel_id = cell(r.id.as_deref().unwrap_or(""))?;
        let date = date_value(r.date)?;
        if kind != RelKind::Affiliate && date.is_none() {
            return None;
        }
        let (from, to) = match kind {
            RelKind::Reseller => (partner(from)?, partner(to)?),
            RelKind::Customer | RelKind::Admin => (partner(from)?, tenant(to)?),
            RelKind::Affiliate => {
                // An end no partner or tenant names is a new organization, but only once the
                // loader has read rows of both files.
                let known = [from, to].map(|id| orgs.get(&m.organizations, id));
                if known.iter().any(Option::is_none)
                    && (m.partners.is_empty() || m.tenants.is_empty())
                {
                    return None;
                }
                if from == to {
                    return None;
                }
                let mut ends = [0; 2];
                for ((end, k), id) in ends.iter_mut().zip(known).zip([from, to]) {
                    *end = match k {
                        Some(o) => o,
                        None => match new_orgs.get(id) {
                            Some(&o) => o,
                            None => {
                                let o = (first_new + new_order.len()) as u32;
                                new_bytes += id.len();
                                new_orgs.insert(id, o);
                                new_order.push(id);
                                o
                            }
                        },
                    };
                }
                if ends[0] == ends[1] {
                    return None;
                }
                (ends[0], ends[1])
            }
        };
        let reseller = match reseller {
            None => None,
            Some(rs) if kind == RelKind::Customer => Some(PartnerIdx(partner(rs)?)),
            Some(_) => return None,
        };
        if !(rel_ids.fits(rel_id.map_or(0, str::len)) && m.organizations.fits(new_bytes)) {
            return None;
        }
        m.relationships
            .push(Relationship::new(kind, from, to, reseller, date, line));
        rel_ids.push(rel_id);
    }
    for id in new_order {
        m.organizations.push(Some(id));
    }
    if !m.relationships.is_empty() {
        rel_ids.shrink_to_fit();
        m.relationship_ids = Some(rel_ids);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::map::{RelRow, Tables, TenantRow};
    use super::parse_date;
    use crate::load::{builtin_regions, load_from_bytes};
    use crate::model::Model;

    /// The rows of written tables.
    fn rows(tables: &[Vec<u8>; 3]) -> Tables {
        let read = |bytes: &[u8]| -> Vec<Vec<String>> {
            csv::Reader::from_reader(bytes)
                .records()
                .map(|r| r.expect("record").iter().map(str::to_string).collect())
                .collect()
        };
        let kind = |k: &str| -> &'static str {
            ["partner", "customer", "reseller", "admin", "affiliate"]
                .into_iter()
                .find(|x| *x == k)
                .expect("kind")
        };
        let some = |v: &String| (!v.is_empty()).then(|| v.clone());
        Tables {
            partners: read(&tables[0])
                .into_iter()
                .map(|v| std::array::from_fn(|i| v[i].clone()))
                .collect(),
            tenants: read(&tables[1])
                .iter()
                .map(|v| TenantRow {
                    id: v[0].clone(),
                    name: v[1].clone(),
                    kind: kind(&v[2]),
                    country: v[3].clone(),
                    organization: v[4].clone(),
                })
                .collect(),
            relationships: read(&tables[2])
                .iter()
                .map(|v| RelRow {
                    id: some(&v[0]),
                    kind: kind(&v[1]),
                    from: v[2].clone(),
                    to: v[3].clone(),
                    reseller: some(&v[4]),
                    date: some(&v[5]).map(|d| parse_date(&d).expect("date")),
                })
                .collect(),
        }
    }

    /// The model as the loader's: what `load` adds after it (notes, gaps, origins) cleared.
    fn plain(mut m: Model) -> String {
        m.columns.clear();
        m.gaps.clear();
        m.origins = None;
        m.notes = Default::default();
        format!("{m:?}")
    }

    /// The direct model of a folder against the contract loader's model of the same tables.
    fn same_as_the_loader(dir: &Path) {
        let mut regions = builtin_regions();
        let pc = super::super::load(dir, builtin_regions(), true);
        let [p, t, r] = &pc.tables;
        let loaded = load_from_bytes(p, t, r, builtin_regions());
        assert!(loaded.errors.is_empty(), "{dir:?}: {:?}", loaded.errors);
        let reloaded = plain(loaded.model);
        assert_eq!(plain(pc.loaded.model), reloaded, "{dir:?}");
        // The rows of the tables, read back, take the direct path.
        let tables = rows(&pc.tables);
        let direct = super::model(&tables, &mut regions).expect("tables the loader takes whole");
        assert_eq!(plain(direct), reloaded, "{dir:?}");
    }

    #[test]
    fn the_model_is_the_one_the_loader_makes_of_the_tables() {
        for fixture in ["indirect-provider", "direct-bill-every-kind"] {
            same_as_the_loader(&Path::new("tests/fixtures/partner-center").join(fixture));
        }
        let dir = tempfile::tempdir().expect("temp");
        let mut cfg = crate::generate::Config::new(3000);
        cfg.seed = 7;
        crate::generate::partner_center::generate(&cfg, dir.path()).expect("generate");
        same_as_the_loader(dir.path());
    }

    #[test]
    fn tables_the_loader_would_say_something_about_are_left_to_it() {
        let dir = Path::new("tests/fixtures/partner-center/indirect-provider");
        let pc = super::super::load(dir, builtin_regions(), true);
        let mut regions = builtin_regions();
        let bad: [fn(&mut Tables); 6] = [
            |t| t.partners[0][3] = "ZZ".into(),
            |t| t.partners[0][1] = " padded".into(),
            |t| t.tenants[0].name = "two\nlines".into(),
            |t| t.relationships[0].date = None,
            |t| t.relationships[0].to = "unknown".into(),
            |t| t.tenants.clear(),
        ];
        for (i, spoil) in bad.iter().enumerate() {
            let mut t = rows(&pc.tables);
            spoil(&mut t);
            assert!(super::model(&t, &mut regions).is_none(), "case {i}");
            assert!(
                regions.country("US").is_some(),
                "case {i}: the regions are given back"
            );
        }
    }
}
