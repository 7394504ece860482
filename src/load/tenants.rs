//! `tenants.csv` → tenants.

use std::sync::Arc;

use std::sync::mpsc::Sender;
use std::thread::JoinHandle;

use super::id_map::{Compare, IdMap};
use super::table::{
    opt, read_table_par, req, row_estimate, Column, ReadOptions, Row, Source, TableInfo,
};
use super::{column_full, quote, tenant_key, Ids, Loaded};
use crate::model::{
    CountryIdx, FileStats, Model, OrgIdx, RegionIdx, Tenant, TenantKind, TextColumn,
};

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

/// A row's values once checked, made ready to store (on any thread).
struct Checked {
    /// The id's hash as tenant ids compare.
    hash: u64,
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
    let rows = row_estimate(&mut source);
    tenants.reserve(rows);
    tenant_ids.reserve(rows);
    tenant_names.reserve(rows);
    organizations.reserve(rows);
    ids.tenants.reserve(tenant_ids, rows);
    ids.orgs.reserve(organizations, rows);
    let mut interner = OrgInterner::start(organizations, &mut ids.orgs);
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
            hash: Compare::FoldCase.hash(id),
            kind,
            country,
            region: regions.region_of(country),
        })
    };
    let store = |checked: Option<Checked>, row: &mut Row<'_>| {
        let Some(id) = row.text(ID) else { return };
        let hash = match &checked {
            Some(c) => c.hash,
            None => ids.tenants.hash(id),
        };
        if let Some(prev) = ids.tenants.get_hashed(tenant_ids, id, hash) {
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
        let t = tenant_ids.len() as u32;
        let org = match (&checked, row.text(ORG)) {
            (Some(_), Some(o)) if row.ok() && interner.defer(t, o) => None,
            (Some(_), Some(o)) if row.ok() => {
                interner.stop(organizations, &mut ids.orgs, tenants);
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
                tenant_ids.push(Some(id));
                tenant_names.push(Some(name));
                ids.tenants.insert_hashed(tenant_ids, t, c.hash);
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
    let stats = read_table_par(
        source,
        file,
        &COLUMNS,
        opts,
        &mut out.errors,
        info,
        check,
        store,
    );
    interner.stop(organizations, &mut ids.orgs, tenants);
    stats
}

/// Tenants and the ids of their organizations, handed to the interning thread at once.
#[derive(Default)]
struct Batch {
    tenants: Vec<u32>,
    orgs: TextColumn,
}

/// Tenants per [`Batch`].
const BATCH: usize = 1 << 14;

/// What the interning thread gives back: the organizations, their map, and each deferred
/// tenant's organization.
type Interned = (TextColumn, IdMap, Vec<(u32, Option<OrgIdx>)>);

/// The organizations of stored tenants, interned in file order on a thread of their own while
/// this one settles duplicate tenants and stores them: the two id maps are the sequential work
/// of the file, and each has a core.
///
/// Exact as interning row by row: a tenant's organization is handed on only while it is sure
/// to fit the column whatever the organizations before it turn out to be (the column can grow
/// by no more than the ids handed on); past that the thread is stopped and the rest is
/// interned here, row by row, where a full column rejects the row.
struct OrgInterner {
    batch: Batch,
    /// Bytes the column can hold beyond those handed on.
    room: usize,
    worker: Option<(Sender<Batch>, JoinHandle<Interned>)>,
}

impl OrgInterner {
    /// Starts the thread, which takes `orgs` and `map` until [`OrgInterner::stop`].
    fn start(orgs: &mut TextColumn, map: &mut IdMap) -> OrgInterner {
        let mut orgs = std::mem::take(orgs);
        let mut map = std::mem::replace(map, IdMap::new(Compare::Exact));
        let room = (u32::MAX as usize).saturating_sub(orgs.text_len());
        let (tx, rx) = std::sync::mpsc::channel::<Batch>();
        let worker = std::thread::spawn(move || {
            let mut found = Vec::new();
            for batch in rx {
                for (&t, id) in batch.tenants.iter().zip(batch.orgs.iter()) {
                    found.push((t, map.intern(&mut orgs, id).map(OrgIdx)));
                }
            }
            (orgs, map, found)
        });
        OrgInterner {
            batch: Batch::default(),
            room,
            worker: Some((tx, worker)),
        }
    }

    /// Hands tenant `t`'s organization `id` on, when the thread runs and `id` is sure to fit.
    fn defer(&mut self, t: u32, id: &str) -> bool {
        if self.worker.is_none() || id.len() > self.room {
            return false;
        }
        self.room -= id.len();
        self.batch.tenants.push(t);
        self.batch.orgs.push(Some(id));
        if self.batch.tenants.len() >= BATCH {
            self.send();
        }
        true
    }

    fn send(&mut self) {
        let batch = std::mem::take(&mut self.batch);
        if let Some((tx, _)) = &self.worker {
            // The thread only stops when the sender is dropped; if it panicked, `stop` says.
            let _ = tx.send(batch);
        }
    }

    /// Waits for the thread to intern what it was handed, and puts the organizations, their
    /// map and the tenants' organizations in place.
    fn stop(&mut self, orgs: &mut TextColumn, map: &mut IdMap, tenants: &mut [Tenant]) {
        self.send();
        let Some((tx, worker)) = self.worker.take() else {
            return;
        };
        drop(tx);
        let (o, m, found) = worker
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e));
        *orgs = o;
        *map = m;
        for (t, org) in found {
            tenants[t as usize].org = org;
        }
    }
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
