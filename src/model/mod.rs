//! The domain types: partners, tenants, organizations and relationships, with ids interned into
//! dense `u32` indices so that the network and the rules never clone or hash strings per edge.

mod coverage;
mod enums;
mod id_str;
mod memory;
mod notes;
mod origin;
mod regions;
mod rel_ids;
mod tenant_ids;
mod text;

pub use coverage::{ColumnNotes, CoverageStatus, RuleCoverage};
pub use enums::{RelKind, Role, TenantKind};
pub use id_str::{IdStr, INLINE_ID};
#[doc(hidden)]
pub use memory::{heap_string, release_freed_memory, TableBytes};
pub use notes::{InferredRole, InputNotes, InputWarning};
pub use origin::{Origin, Origins};
pub use regions::{CountryIdx, RegionIdx, RegionTable};
pub use rel_ids::RelIdColumn;
pub use tenant_ids::{parse_guid, GuidCase, TenantIdColumn, TenantKey};
pub use text::TextColumn;

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
///
/// Its id and name are in [`Model::partner_ids`] and [`Model::partner_names`].
pub struct Partner {
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
///
/// Its id (compared case-insensitively) and name are in [`Model::tenant_ids`] and
/// [`Model::tenant_names`].
pub struct Tenant {
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

/// One row of `relationships.csv`, with its ends resolved to dense indices, in 20 bytes.
///
/// `from` and `to` index partners, tenants or organizations according to `kind`: reseller
/// (partner → partner), customer and admin (partner → tenant), affiliate (org → org). The
/// kind shares a word with the line (its top two bits) and "no reseller" is a sentinel, so
/// that 10 million rows take 200 MB instead of 320.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Relationship {
    /// The `from_id` end.
    pub from: u32,
    /// The `to_id` end.
    pub to: u32,
    /// The date the relationship took effect (always present except on some affiliate rows).
    pub effective_on: Option<Date>,
    /// The reseller's index, or [`NO_RESELLER`].
    reseller: u32,
    /// The physical line in the low 30 bits, the kind in the top two.
    line_kind: u32,
}

/// [`Relationship::reseller`] when the row names none.
const NO_RESELLER: u32 = u32::MAX;

/// The bits of [`Relationship::line_kind`] that hold the line.
const LINE_BITS: u32 = 30;

impl std::fmt::Debug for Relationship {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Relationship")
            .field("kind", &self.kind())
            .field("from", &self.from)
            .field("to", &self.to)
            .field("reseller", &self.reseller())
            .field("effective_on", &self.effective_on)
            .field("line", &self.line())
            .finish()
    }
}

impl Relationship {
    /// The last line a relationship can be on: the line shares its word with the kind.
    pub const MAX_LINE: u32 = (1 << LINE_BITS) - 1;

    /// A relationship row. `line` must be at most [`Relationship::MAX_LINE`] (the loader
    /// rejects rows beyond it) and `reseller` cannot be `u32::MAX`.
    pub fn new(
        kind: RelKind,
        from: u32,
        to: u32,
        reseller: Option<PartnerIdx>,
        effective_on: Option<Date>,
        line: u32,
    ) -> Self {
        debug_assert!(line <= Self::MAX_LINE);
        let kind_bits = match kind {
            RelKind::Reseller => 0,
            RelKind::Customer => 1,
            RelKind::Admin => 2,
            RelKind::Affiliate => 3,
        };
        Relationship {
            from,
            to,
            effective_on,
            reseller: reseller.map_or(NO_RESELLER, |p| p.0),
            line_kind: (kind_bits << LINE_BITS) | (line & Self::MAX_LINE),
        }
    }

    /// The relationship kind.
    #[inline]
    pub fn kind(&self) -> RelKind {
        match self.line_kind >> LINE_BITS {
            0 => RelKind::Reseller,
            1 => RelKind::Customer,
            2 => RelKind::Admin,
            _ => RelKind::Affiliate,
        }
    }

    /// Physical line in `relationships.csv`.
    #[inline]
    pub fn line(&self) -> u32 {
        self.line_kind & Self::MAX_LINE
    }

    /// The indirect reseller on a `customer` row sold through an indirect provider.
    #[inline]
    pub fn reseller(&self) -> Option<PartnerIdx> {
        (self.reseller != NO_RESELLER).then_some(PartnerIdx(self.reseller))
    }
    /// The seller or provider of a reseller, customer or admin row.
    #[inline]
    pub fn from_partner(&self) -> PartnerIdx {
        debug_assert!(self.kind() != RelKind::Affiliate);
        PartnerIdx(self.from)
    }

    /// The tenant of a customer or admin row.
    #[inline]
    pub fn to_tenant(&self) -> TenantIdx {
        debug_assert!(matches!(self.kind(), RelKind::Customer | RelKind::Admin));
        TenantIdx(self.to)
    }

    /// The reseller end of a reseller row.
    #[inline]
    pub fn to_partner(&self) -> PartnerIdx {
        debug_assert!(self.kind() == RelKind::Reseller);
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
    /// The partners' ids as written in the input, indexed like `partners`.
    pub partner_ids: TextColumn,
    /// The partners' display names, indexed like `partners`.
    pub partner_names: TextColumn,
    /// Tenants in file order.
    pub tenants: Vec<Tenant>,
    /// The tenants' ids as written in the input, indexed like `tenants` (GUIDs in 16 bytes).
    pub tenant_ids: TenantIdColumn,
    /// The tenants' display names, indexed like `tenants`.
    pub tenant_names: TextColumn,
    /// The ids of the legal organizations named by the partners' and tenants'
    /// `organization_id` (and by affiliate rows), in order of first mention: an [`OrgIdx`]
    /// indexes this column.
    pub organizations: TextColumn,
    /// Relationships in file order.
    pub relationships: Vec<Relationship>,
    /// The `relationship_id` of each relationship, when the file has that column (numbered
    /// ids in 4 bytes).
    pub relationship_ids: Option<RelIdColumn>,
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

    /// The id of partner `p`, as written in the input.
    #[inline]
    pub fn partner_id(&self, p: PartnerIdx) -> &str {
        self.partner_ids.text(p.ix())
    }

    /// The display name of partner `p`.
    #[inline]
    pub fn partner_name(&self, p: PartnerIdx) -> &str {
        self.partner_names.text(p.ix())
    }

    /// The id of tenant `t`, as written in the input (a GUID is formatted on the stack).
    #[inline]
    pub fn tenant_id(&self, t: TenantIdx) -> IdStr<'_> {
        self.tenant_ids.text(t.ix())
    }

    /// The display name of tenant `t`.
    #[inline]
    pub fn tenant_name(&self, t: TenantIdx) -> &str {
        self.tenant_names.text(t.ix())
    }

    /// The id of organization `o`, as written in the input.
    #[inline]
    pub fn org_id(&self, o: OrgIdx) -> &str {
        self.organizations.text(o.ix())
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
    pub fn relationship_id(&self, row: usize) -> Option<IdStr<'_>> {
        self.relationship_ids.as_ref().and_then(|ids| ids.get(row))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_compact() {
        // 10 million relationships in 200 MB; a tenant's id and name are in text columns.
        assert!(std::mem::size_of::<Relationship>() <= 20);
        assert!(std::mem::size_of::<Tenant>() <= 20);
        assert!(std::mem::size_of::<Partner>() <= 40);
        assert_eq!(std::mem::size_of::<Option<Date>>(), 4);
    }

    #[test]
    fn a_relationship_keeps_every_field_it_packs() {
        let d = Date::from_ymd_opt(2024, 2, 29);
        for (i, kind) in RelKind::ALL.iter().enumerate() {
            for (line, reseller) in [(2, None), (Relationship::MAX_LINE, Some(PartnerIdx(7)))] {
                let r = Relationship::new(*kind, i as u32, 9, reseller, d, line);
                assert_eq!(r.kind(), *kind);
                assert_eq!(r.line(), line);
                assert_eq!(r.reseller(), reseller);
                assert_eq!((r.from, r.to, r.effective_on), (i as u32, 9, d));
            }
        }
        let r = Relationship::new(RelKind::Affiliate, 0, 1, None, None, 3);
        assert_eq!(
            (r.kind(), r.effective_on, r.line()),
            (RelKind::Affiliate, None, 3)
        );
    }
}
