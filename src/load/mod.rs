//! CSV exports → [`Model`], validating every row and collecting every problem with its position.
//!
//! Load order: region table, tenants, partners (they name their CSP tenant), relationships.
//! A row with any problem is rejected as a whole and reported; nothing is dropped silently.

mod error;
mod id_map;
pub mod partner_center;
mod partners;
mod regions;
mod relationships;
pub mod table;
mod tenant_map;
mod tenants;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashMap;

pub use error::{did_you_mean, quote};
pub use regions::{builtin_regions, load_regions, parse_regions};
pub use table::{
    delimiter_name, ColumnMapping, Encoding, Progress, ProgressSink, ReadOptions, Source,
};

use crate::model::{
    ColumnNotes, InputFile, Model, OrgIdx, PartnerIdx, RegionTable, TenantIdColumn, TenantIdx,
    TextColumn,
};
use crate::problem::Problem;
use id_map::{Compare, IdMap};
use table::TableInfo;
use tenant_map::TenantMap;

/// How the input files are read: the command line's `--delimiter` and `--encoding`, and the
/// `[columns.*]` tables of csp-audit.toml.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// The field separator of every file; `None`: each file's is detected from its header.
    pub delimiter: Option<u8>,
    /// How every file is decoded.
    pub encoding: Encoding,
    /// Contract columns read under other header names, per file (indexed like
    /// [`InputFile::ALL`]).
    pub columns: [Vec<ColumnMapping>; 3],
    /// Told how far the reading of each file has come.
    pub progress: Option<ProgressSink>,
    /// Block and chunk sizes for tests (see [`ReadOptions`]).
    #[doc(hidden)]
    pub chunking: Option<table::Chunking>,
}

impl LoadOptions {
    fn read_options(&self, file: InputFile) -> ReadOptions {
        ReadOptions {
            delimiter: self.delimiter,
            encoding: self.encoding,
            mapping: self.columns[file as usize].clone(),
            progress: self.progress.clone(),
            chunking: self.chunking,
        }
    }
}

/// The columns of contract v1 in `file`, in contract order (for checking `[columns.*]`).
pub fn contract_columns(file: InputFile) -> Vec<&'static str> {
    let names = |cols: &[table::Column]| cols.iter().map(|c| c.name).collect();
    match file {
        InputFile::Partners => names(&partners::COLUMNS),
        InputFile::Tenants => names(&tenants::COLUMNS),
        InputFile::Relationships => names(&relationships::COLUMNS),
    }
}

/// Says what is wrong with the data folder when it is not one (a file, or nothing), as one
/// problem: without it every one of the three files would be reported missing.
pub fn check_dir(dir: &Path) -> Option<Problem> {
    let name: Arc<str> = display(dir);
    match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => None,
        Ok(_) => Some(Problem::whole_file(
            &name,
            "is a file: expected a folder with partners.csv, tenants.csv and relationships.csv (or give the files with --partners, --tenants and --relationships)",
        )),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(Problem::whole_file(
            &name,
            "folder not found: expected a folder with partners.csv, tenants.csv and relationships.csv",
        )),
        Err(e) => Some(Problem::whole_file(
            &name,
            format!("cannot read the folder: {e}"),
        )),
    }
}

/// Where the three input files are.
#[derive(Clone, Debug)]
pub struct InputPaths {
    /// `partners.csv`
    pub partners: PathBuf,
    /// `tenants.csv`
    pub tenants: PathBuf,
    /// `relationships.csv`
    pub relationships: PathBuf,
}

impl InputPaths {
    /// The three files of contract v1 inside `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        InputPaths {
            partners: dir.join(InputFile::Partners.file_name()),
            tenants: dir.join(InputFile::Tenants.file_name()),
            relationships: dir.join(InputFile::Relationships.file_name()),
        }
    }

    /// The path of one file.
    pub fn get(&self, file: InputFile) -> &Path {
        match file {
            InputFile::Partners => &self.partners,
            InputFile::Tenants => &self.tenants,
            InputFile::Relationships => &self.relationships,
        }
    }
}

/// The result of loading: the valid part of the network and every problem found.
#[derive(Debug, Default)]
pub struct Loaded {
    /// Everything that loaded.
    pub model: Model,
    /// Every problem, in file order.
    pub errors: Vec<Problem>,
    /// What is worth telling about how the files were read (a detected field separator).
    pub notes: Vec<String>,
}

/// Ids seen while loading, for resolving references and explaining failed ones. The maps of
/// loaded rows hold row indices into the model's id columns, not copies of the ids.
pub(crate) struct Ids {
    partners: IdMap,
    /// Tenant ids compare case-insensitively.
    tenants: TenantMap,
    orgs: IdMap,
    /// Ids of rejected rows, with their line, so a reference to one says why it fails.
    rejected_partners: FxHashMap<Box<str>, u64>,
    /// Keys are lower-cased: tenant ids compare case-insensitively.
    rejected_tenants: FxHashMap<Box<str>, u64>,
    /// Partners rejected only because they refer into a file none of whose rows loaded (their
    /// CSP tenant when tenants.csv is missing), with that file: a reference to one of them is
    /// unresolved for the same reason, and summed up with the others.
    cascaded_partners: FxHashMap<Box<str>, Arc<str>>,
}

impl Default for Ids {
    fn default() -> Self {
        Ids {
            partners: IdMap::new(Compare::Exact),
            tenants: TenantMap::default(),
            orgs: IdMap::new(Compare::Exact),
            rejected_partners: FxHashMap::default(),
            rejected_tenants: FxHashMap::default(),
            cascaded_partners: FxHashMap::default(),
        }
    }
}

impl Ids {
    /// The partner `id` names, given the model's [`Model::partner_ids`].
    fn partner(&self, partner_ids: &TextColumn, id: &str) -> Option<PartnerIdx> {
        self.partners.get(partner_ids, id).map(PartnerIdx)
    }

    /// The tenant `id` names, given the model's [`Model::tenant_ids`].
    fn tenant(&self, tenant_ids: &TenantIdColumn, id: &str) -> Option<TenantIdx> {
        self.tenants.get(tenant_ids, id).map(TenantIdx)
    }

    /// The organization `id` names, given the model's [`Model::organizations`].
    fn org(&self, organizations: &TextColumn, id: &str) -> Option<OrgIdx> {
        self.orgs.get(organizations, id).map(OrgIdx)
    }

    /// Whether no id of the partners file is known, loaded or rejected: none of its rows was
    /// read (its header is invalid, it is missing...), so a reference into it cannot be judged.
    fn no_partner_read(&self) -> bool {
        self.partners.is_empty() && self.rejected_partners.is_empty()
    }

    /// Like [`Ids::no_partner_read`], for the tenants file.
    fn no_tenant_read(&self) -> bool {
        self.tenants.is_empty() && self.rejected_tenants.is_empty()
    }

    /// The organization named `id`, added to `orgs` if it is new. `None` (and nothing added)
    /// when the column is full (4 GiB of organization ids).
    fn intern_org(&mut self, orgs: &mut TextColumn, id: &str) -> Option<OrgIdx> {
        self.orgs.intern(orgs, id).map(OrgIdx)
    }

    /// Bytes held by the maps: slots (entry plus one control byte) and the keys' strings.
    fn heap_bytes(&self) -> usize {
        fn map<V>(m: &FxHashMap<Box<str>, V>) -> usize {
            m.capacity() * (std::mem::size_of::<(Box<str>, V)>() + 1)
                + m.keys()
                    .map(|k| crate::model::heap_string(k.len()))
                    .sum::<usize>()
        }
        self.partners.heap_bytes()
            + self.tenants.heap_bytes()
            + self.orgs.heap_bytes()
            + map(&self.rejected_partners)
            + map(&self.rejected_tenants)
            + map(&self.cascaded_partners)
    }
}

/// The message for a row whose text no longer fits its table's text column.
pub(crate) fn column_full(what: &str) -> String {
    format!("too much text: the {what} of the file exceed 4 GiB, the most one table can hold")
}

/// The bytes the loader's id maps held when the last load finished (they are dropped then),
/// for `benches/phases.rs`.
#[doc(hidden)]
pub static ID_MAP_BYTES: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Tenant ids are GUIDs in real data and compare case-insensitively.
pub(crate) fn tenant_key(id: &str) -> std::borrow::Cow<'_, str> {
    // One pass for the usual id, lower-case ASCII already.
    if id.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        id.into()
    } else if id.is_ascii() {
        id.to_ascii_lowercase().into()
    } else {
        id.to_lowercase().into()
    }
}

/// How the user named a file, for messages.
fn display(path: &Path) -> Arc<str> {
    path.display().to_string().into()
}

/// Loads the three files against a region table.
pub fn load(paths: &InputPaths, regions: RegionTable) -> Loaded {
    load_with(paths, regions, &LoadOptions::default())
}

/// Loads the three files against a region table, read as `opts` says.
pub fn load_with(paths: &InputPaths, regions: RegionTable, opts: &LoadOptions) -> Loaded {
    load_sources(
        [
            (display(&paths.partners), Source::Path(&paths.partners)),
            (display(&paths.tenants), Source::Path(&paths.tenants)),
            (
                display(&paths.relationships),
                Source::Path(&paths.relationships),
            ),
        ],
        regions,
        opts,
    )
}

/// Loads the three files from memory, as if read from `partners.csv`, `tenants.csv` and
/// `relationships.csv` (the names messages give them). Never panics, whatever the bytes.
pub fn load_from_bytes(
    partners: &[u8],
    tenants: &[u8],
    relationships: &[u8],
    regions: RegionTable,
) -> Loaded {
    load_sources(
        [
            (conventional(InputFile::Partners), Source::Bytes(partners)),
            (conventional(InputFile::Tenants), Source::Bytes(tenants)),
            (
                conventional(InputFile::Relationships),
                Source::Bytes(relationships),
            ),
        ],
        regions,
        &LoadOptions::default(),
    )
}

/// Like [`load_from_bytes`], over any readers (each read once; byte offsets in messages are
/// exact, from the bytes in memory).
pub fn load_from_readers<'a>(
    partners: impl Read + 'a,
    tenants: impl Read + 'a,
    relationships: impl Read + 'a,
    regions: RegionTable,
) -> Loaded {
    load_sources(
        [
            (
                conventional(InputFile::Partners),
                Source::Reader(Box::new(partners)),
            ),
            (
                conventional(InputFile::Tenants),
                Source::Reader(Box::new(tenants)),
            ),
            (
                conventional(InputFile::Relationships),
                Source::Reader(Box::new(relationships)),
            ),
        ],
        regions,
        &LoadOptions::default(),
    )
}

fn conventional(file: InputFile) -> Arc<str> {
    file.file_name().into()
}

/// Loads partners, tenants and relationships (in that order in `sources`, each with the name
/// messages give it) against a region table.
fn load_sources(
    sources: [(Arc<str>, Source<'_>); 3],
    regions: RegionTable,
    opts: &LoadOptions,
) -> Loaded {
    let mut loaded = Loaded {
        model: Model {
            regions,
            ..Model::default()
        },
        errors: Vec::new(),
        notes: Vec::new(),
    };
    let mut infos: [TableInfo; 3] = Default::default();
    let mut ids = Ids::default();
    let [(partners_file, partners), (tenants_file, tenants), (rel_file, relationships)] = sources;
    let files = Files {
        partners: &partners_file,
        tenants: &tenants_file,
    };
    let tag = |loaded: &mut Loaded, file: InputFile, from: usize| {
        for e in &mut loaded.errors[from..] {
            e.input = Some(file);
        }
        loaded.errors.len()
    };
    let [p_info, t_info, r_info] = &mut infos;
    loaded.model.stats[InputFile::Tenants as usize] = tenants::load(
        tenants,
        &tenants_file,
        &opts.read_options(InputFile::Tenants),
        t_info,
        &mut loaded,
        &mut ids,
    );
    let done = tag(&mut loaded, InputFile::Tenants, 0);
    loaded.model.stats[InputFile::Partners as usize] = partners::load(
        partners,
        &files,
        &opts.read_options(InputFile::Partners),
        p_info,
        &mut loaded,
        &mut ids,
    );
    let done = tag(&mut loaded, InputFile::Partners, done);
    loaded.model.stats[InputFile::Relationships as usize] = relationships::load(
        relationships,
        &rel_file,
        &files,
        &opts.read_options(InputFile::Relationships),
        r_info,
        &mut loaded,
        &mut ids,
    );
    tag(&mut loaded, InputFile::Relationships, done);
    let names = [&partners_file, &tenants_file, &rel_file];
    for ((file, info), name) in InputFile::ALL.into_iter().zip(infos).zip(names) {
        if let Some(d) = info.detected_delimiter {
            loaded.notes.push(format!(
                "note: {name}: fields are separated by {} (found in the header; --delimiter sets it)",
                delimiter_name(d)
            ));
        }
        loaded.model.columns.push(ColumnNotes {
            file: Some(file),
            path: name.to_string(),
            ignored: info.ignored,
            absent: info.absent,
            mapped: info.mapped,
        });
    }
    ID_MAP_BYTES.store(ids.heap_bytes(), std::sync::atomic::Ordering::Relaxed);
    drop(ids);
    // The tables grew by doubling: give back the spare capacity before the graph is built, as
    // it would otherwise stay allocated for the whole audit.
    let model = &mut loaded.model;
    model.partners.shrink_to_fit();
    model.partner_ids.shrink_to_fit();
    model.partner_names.shrink_to_fit();
    model.tenants.shrink_to_fit();
    model.tenant_ids.shrink_to_fit();
    model.tenant_names.shrink_to_fit();
    model.organizations.shrink_to_fit();
    model.relationships.shrink_to_fit();
    loaded
}

/// Display names of the entity files, for messages that point into them.
pub(crate) struct Files<'a> {
    partners: &'a Arc<str>,
    tenants: &'a Arc<str>,
}
