//! The domain types: partners, tenants, organizations and relationships, with ids interned into
//! dense `u32` indices so that the network and the rules never clone or hash strings per edge.

mod coverage;
mod enums;
mod notes;
mod origin;
mod regions;

pub use coverage::{ColumnNotes, CoverageStatus, RuleCoverage};
pub use enums::{RelKind, Role, TenantKind};
pub use notes::{InferredRole, InputNotes, InputWarning};
pub use origin::{Origin, Origins};
pub use regions::{CountryIdx, RegionIdx, RegionTable};

/// A calendar date (ISO `YYYY-MM-DD` in the input).
pub type Date = chrono::NaiveDate;

macro_rules! dense_index {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);

        impl $name {
            /// The index as a `usize`, for slicing the table it indexes.
            #[inline]
            pub fn ix(self) -> usize {
                self.0 as usize
            }
        }
    };
}

dense_index!(
    /// Index of a partner in [`Model::partners`].
    PartnerIdx
);
dense_index!(
    /// Index of a tenant in [`Model::tenants`].
    TenantIdx
);
dense_index!(
    /// Index of an organization in [`Model::organizations`].
    OrgIdx
);

/// One of the three input files, as findings and errors point into them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum InputFile {
    /// `partners.csv`
    Partners,
    /// `tenants.csv`
    Tenants,
    /// `relationships.csv`
    Relationships,
}

impl InputFile {
    /// All input files, in the order reports list them.
    pub const ALL: [InputFile; 3] = [
        InputFile::Partners,
        InputFile::Tenants,
        InputFile::Relationships,
    ];

    /// The file's conventional name inside the data folder.
    pub fn file_name(self) -> &'static str {
        match self {
            InputFile::Partners => "partners.csv",
            InputFile::Tenants => "tenants.csv",
            InputFile::Relationships => "relationships.csv",
        }
    }
}

/// A partner in the CSP program (one row of `partners.csv`).
#[derive(Clone, Debug)]
pub struct Partner {
    /// The partner id as written in the input.
    pub id: Box<str>,
    /// Display name.
    pub name: Box<str>,
    /// Program role.
    pub role: Role,
    /// Country of the partner.
    pub country: CountryIdx,
    /// CSP region of the country.
    pub region: RegionIdx,
    /// The legal organization behind the partner.
    pub org: OrgIdx,
    /// The partner's CSP tenant, if given.
    pub csp_tenant: Option<TenantIdx>,
    /// When it onboarded into Partner Center.
    pub onboarded_on: Option<Date>,
    /// When it enrolled in its role.
    pub enrolled_on: Option<Date>,
    /// When it signed the Microsoft Partner Agreement.
    pub mpa_signed_on: Option<Date>,
    /// Physical line in `partners.csv`.
    pub line: u32,
}

/// A tenant (one row of `tenants.csv`).
#[derive(Clone, Debug)]
pub struct Tenant {
    /// The tenant id as written in the input (compared case-insensitively).
    pub id: Box<str>,
    /// Display name.
    pub name: Box<str>,
    /// A partner's CSP tenant or a Customer-type tenant.
    pub kind: TenantKind,
    /// Country of the tenant.
    pub country: CountryIdx,
    /// CSP region of the country.
    pub region: RegionIdx,
    /// The organization that owns the tenant, if known.
    pub org: Option<OrgIdx>,
    /// Physical line in `tenants.csv`.
    pub line: u32,
}

/// A legal organization, named by the partners' and tenants' `organization_id`.
#[derive(Clone, Debug)]
pub struct Organization {
    /// The organization id as written in the input.
    pub id: Box<str>,
}

/// One row of `relationships.csv`, with its ends resolved to dense indices.
///
/// `from` and `to` index partners, tenants or organizations according to `kind`: reseller
/// (partner → partner), customer and admin (partner → tenant), affiliate (org → org).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relationship {
    /// The relationship kind.
    pub kind: RelKind,
    /// The `from_id` end.
    pub from: u32,
    /// The `to_id` end.
    pub to: u32,
    /// The indirect reseller on a `customer` row sold through an indirect provider.
    pub reseller: Option<PartnerIdx>,
    /// The date the relationship took effect (always present except on some affiliate rows).
    pub effective_on: Option<Date>,
    /// Physical line in `relationships.csv`.
    pub line: u32,
}

impl Relationship {
    /// The seller or provider of a reseller, customer or admin row.
    #[inline]
    pub fn from_partner(&self) -> PartnerIdx {
        debug_assert!(self.kind != RelKind::Affiliate);
        PartnerIdx(self.from)
    }

    /// The tenant of a customer or admin row.
    #[inline]
    pub fn to_tenant(&self) -> TenantIdx {
        debug_assert!(matches!(self.kind, RelKind::Customer | RelKind::Admin));
        TenantIdx(self.to)
    }

    /// The reseller end of a reseller row.
    #[inline]
    pub fn to_partner(&self) -> PartnerIdx {
        debug_assert!(self.kind == RelKind::Reseller);
        PartnerIdx(self.to)
    }
}

/// Rows read, loaded, rejected and skipped for one input file: `read` is always `loaded +
/// rejected + skipped`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileStats {
    /// Data rows read (the header and blank lines are not counted).
    pub read: u64,
    /// Rows that entered the network.
    pub loaded: u64,
    /// Rows reported as errors and left out.
    pub rejected: u64,
    /// Rows that hold no data (whitespace only, or only separators as in Excel's empty rows
    /// `,,,,`), left out without an error; in reports only when there are any.
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The whole loaded partner network, before it becomes a graph.
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// The region table the countries were resolved with.
    pub regions: RegionTable,
    /// Partners in file order.
    pub partners: Vec<Partner>,
    /// Tenants in file order.
    pub tenants: Vec<Tenant>,
    /// Organizations in order of first mention.
    pub organizations: Vec<Organization>,
    /// Relationships in file order.
    pub relationships: Vec<Relationship>,
    /// The `relationship_id` of each relationship, when the file has that column.
    pub relationship_ids: Option<TextColumn>,
    /// Per-file row counts, indexed like [`InputFile::ALL`].
    pub stats: [FileStats; 3],
    /// How each input file's header matched the contract (ignored, absent and mapped columns).
    pub columns: Vec<ColumnNotes>,
    /// Rules the input kind cannot check in full (Partner Center files: no onboarding dates, ...),
    /// filled by the loader of that input and added to [`crate::rules::coverage`].
    pub gaps: Vec<RuleCoverage>,
    /// Where each row really came from, when the three tables were made from other files.
    pub origins: Option<std::sync::Arc<Origins>>,
    /// Roles the loader inferred and disagreements between input files, for the reports
    /// (filled by the Partner Center loader; empty for contract v1).
    pub notes: InputNotes,
}

impl Model {
    /// The partner at `p`.
    #[inline]
    pub fn partner(&self, p: PartnerIdx) -> &Partner {
        &self.partners[p.ix()]
    }

    /// The tenant at `t`.
    #[inline]
    pub fn tenant(&self, t: TenantIdx) -> &Tenant {
        &self.tenants[t.ix()]
    }

    /// The organization at `o`.
    #[inline]
    pub fn org(&self, o: OrgIdx) -> &Organization {
        &self.organizations[o.ix()]
    }

    /// Row counts of one input file.
    pub fn stats(&self, file: InputFile) -> &FileStats {
        &self.stats[file as usize]
    }

    /// Whether input file `file` has contract column `column`: false only when the loader
    /// noted it absent (a model made without notes has every column).
    pub fn has_column(&self, file: InputFile, column: &str) -> bool {
        !self
            .columns
            .iter()
            .any(|n| n.file == Some(file) && n.absent.contains(&column))
    }

    /// The source-system id of relationship row `row`, if any.
    pub fn relationship_id(&self, row: usize) -> Option<&str> {
        self.relationship_ids.as_ref().and_then(|ids| ids.get(row))
    }
}

/// An optional text per row, all in one buffer: one allocation for the column instead of one
/// per row (a 10-byte id costs 18 bytes here, 48 as an `Option<Box<str>>`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextColumn {
    text: String,
    /// Where each row's text ends in `text`; an empty text is no value.
    ends: Vec<usize>,
}

impl TextColumn {
    /// Appends the next row's value.
    pub fn push(&mut self, value: Option<&str>) {
        if let Some(v) = value {
            self.text.push_str(v);
        }
        self.ends.push(self.text.len());
    }

    /// The value of row `row`, if it has one.
    pub fn get(&self, row: usize) -> Option<&str> {
        let end = *self.ends.get(row)?;
        let start = row.checked_sub(1).map_or(0, |r| self.ends[r]);
        (end > start).then(|| &self.text[start..end])
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Room for `rows` more values (their text grows as it comes).
    pub fn reserve(&mut self, rows: usize) {
        self.ends.reserve(rows);
    }

    /// Releases the spare capacity left by growing.
    pub fn shrink_to_fit(&mut self) {
        self.text.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}
