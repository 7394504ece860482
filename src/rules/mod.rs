//! The rule registry and the types every rule shares.
//!
//! A rule is a file in this folder: a doc comment in fixed sections (what `csp-audit explain`
//! prints), and one `check` function with the same signature as every other rule. The registry
//! [`REGISTRY`] lists them in code order; rayon runs them in parallel and the findings are sorted
//! so that reports are byte-identical at any thread count.

mod coverage;
mod finding;

mod csp001_seller_role;
mod csp002_reseller_link;
mod csp003_cross_region_customer;
mod csp004_cross_region_partnership;
mod csp005_self_sale;
mod csp006_duplicate_relationship;
mod csp007_partner_tenant_purchase;
mod csp008_reseller_buys_from_own_provider;
mod csp009_agreement_missing;
mod csp010_reseller_not_ready;
mod meta;

use rayon::prelude::*;

pub use coverage::{checked, coverage};
pub use finding::{sort_findings, Entity, Finding, RowRef};

use crate::graph::Network;
use crate::model::Date;

/// How serious a finding is.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth a look; fails a run only with `--fail-on warning`.
    Warning,
    /// A breach of the program's rules.
    Error,
}

impl Severity {
    /// Lower-case name, as in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// Parameters a rule may read; every one has the program's default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// From this date on every transacting partner needs a signed MPA (CSP009), and resellers
    /// must be onboarded and enrolled (CSP010). Program default: 2020-02-01.
    pub mpa_cutoff: Date,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            mpa_cutoff: Date::from_ymd_opt(2020, 2, 1).unwrap_or_default(),
        }
    }
}

/// The signature every network rule has.
pub type CheckFn = fn(&Network, &Params) -> Vec<Finding>;

/// A rule's registry entry.
#[derive(Debug)]
pub struct RuleInfo {
    /// Stable code, `CSP001`…
    pub code: &'static str,
    /// Stable kebab-case name.
    pub name: &'static str,
    /// One line: what a finding means.
    pub summary: &'static str,
    /// Severity unless configured otherwise.
    pub default_severity: Severity,
    /// The rule's documentation (what `explain` prints), Markdown.
    pub doc: &'static str,
    /// The check, or `None` for findings made outside the network passes (rejected rows,
    /// stale allow-list entries).
    pub check: Option<CheckFn>,
}

impl RuleInfo {
    /// The documentation with the one leading space of each `///` line removed.
    pub fn doc_text(&self) -> String {
        let mut out = String::with_capacity(self.doc.len());
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out.trim().to_string() + "\n"
    }
}

/// Declares a rule: its `///` doc comment becomes both the item's rustdoc and `RuleInfo::doc`.
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub static $item:ident = {
            code: $code:literal,
            name: $name:literal,
            summary: $summary:literal,
            severity: $severity:ident,
            check: $check:expr $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub static $item: $crate::rules::RuleInfo = $crate::rules::RuleInfo {
            code: $code,
            name: $name,
            summary: $summary,
            default_severity: $crate::rules::Severity::$severity,
            doc: concat!($($doc, "\n"),*),
            check: $check,
        };
    };
}
pub(crate) use declare_rule;

/// Every rule, in code order. The index of a rule here is its [`RuleId`].
pub static REGISTRY: [&RuleInfo; 12] = [
    &csp001_seller_role::RULE,
    &csp002_reseller_link::RULE,
    &csp003_cross_region_customer::RULE,
    &csp004_cross_region_partnership::RULE,
    &csp005_self_sale::RULE,
    &csp006_duplicate_relationship::RULE,
    &csp007_partner_tenant_purchase::RULE,
    &csp008_reseller_buys_from_own_provider::RULE,
    &csp009_agreement_missing::RULE,
    &csp010_reseller_not_ready::RULE,
    &meta::REJECTED_ROW,
    &meta::STALE_ALLOW_ENTRY,
];

/// A rule, as its index in [`REGISTRY`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u8);

impl RuleId {
    /// The registry entry.
    pub fn info(self) -> &'static RuleInfo {
        REGISTRY[self.0 as usize]
    }

    /// Looks a rule up by code (`CSP003`, any case) or name (`cross-region-customer`).
    pub fn find(code_or_name: &str) -> Option<RuleId> {
        REGISTRY
            .iter()
            .position(|r| r.code.eq_ignore_ascii_case(code_or_name) || r.name == code_or_name)
            .map(|i| RuleId(i as u8))
    }

    /// Every rule id.
    pub fn all() -> impl Iterator<Item = RuleId> {
        (0..REGISTRY.len()).map(|i| RuleId(i as u8))
    }
}

/// Finds the id of a registry entry (rules use it to stamp their findings).
fn id_of(info: &'static RuleInfo) -> RuleId {
    RuleId::find(info.code).unwrap_or(RuleId(0))
}

/// Rule id of rejected input rows (`--keep-going`).
pub fn rejected_row_rule() -> RuleId {
    id_of(&meta::REJECTED_ROW)
}

/// Rule id of allow-list entries that match nothing or have expired.
pub fn stale_allow_rule() -> RuleId {
    id_of(&meta::STALE_ALLOW_ENTRY)
}

/// Runs every network rule for which `enabled` holds and whose input is there (see
/// [`coverage`]), in parallel, and returns the findings
/// sorted (rule, entities, rows), with each rule's default severity.
pub fn run(
    net: &Network,
    params: &Params,
    enabled: impl Fn(RuleId) -> bool + Sync,
) -> Vec<Finding> {
    let mut findings: Vec<Finding> = RuleId::all()
        .collect::<Vec<_>>()
        .into_par_iter()
        .filter(|id| enabled(*id))
        // A rule whose input is absent does not run: it is reported as not checked instead
        // of with findings made of the missing column (every partner "without" an MPA date).
        .filter(|id| coverage::checked(&net.model, id.info().code))
        .filter_map(|id| id.info().check.map(|check| check(net, params)))
        .flatten()
        .collect();
    sort_findings(net, &mut findings);
    findings
}
