//! The rule registry and the types every rule shares.
//!
//! A rule is a file in this folder: a doc comment in fixed sections (what `csp-audit explain`
//! prints), and one `check` function with the same signature as every other rule. The list at
//! the foot of this file names each rule once, code and module; from it come the module
//! declarations, the registry [`REGISTRY`] (in code order), the id constants (`RuleId::CSP003`)
//! and [`NetworkRule`], which the generator and the tests iterate over. rayon runs the rules in
//! parallel and the findings are sorted so that reports are byte-identical at any thread count.
//!
//! Adding a rule: a file `cspNNN_name.rs` with `declare_rule!` and `check`, a line in the list,
//! a fixture folder `tests/fixtures/cspNNN-*/`, and the generator's plant for it (the compiler
//! asks for it: `generate/plan.rs` matches on [`NetworkRule`]).

mod coverage;
mod finding;
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

/// A rule as its file declares it: everything but its code, which the list gives.
#[derive(Clone, Copy, Debug)]
pub struct RuleDef {
    /// Stable kebab-case name.
    pub name: &'static str,
    /// One line: what a finding means.
    pub summary: &'static str,
    /// Severity unless configured otherwise.
    pub default_severity: Severity,
    /// The rule's documentation (what `explain` prints), Markdown.
    pub doc: &'static str,
    /// The check, or `None` for findings made outside the network passes.
    pub check: Option<CheckFn>,
}

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
    /// The entry of the rule `def` under `code`.
    const fn new(code: &'static str, def: RuleDef) -> RuleInfo {
        RuleInfo {
            code,
            name: def.name,
            summary: def.summary,
            default_severity: def.default_severity,
            doc: def.doc,
            check: def.check,
        }
    }

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
        pub const $item:ident = {
            name: $name:literal,
            summary: $summary:literal,
            severity: $severity:ident,
            check: $check:expr $(,)?
        };
    ) => {
        $(#[doc = $doc])*
        pub const $item: $crate::rules::RuleDef = $crate::rules::RuleDef {
            name: $name,
            summary: $summary,
            default_severity: $crate::rules::Severity::$severity,
            doc: concat!($($doc, "\n"),*),
            check: $check,
        };
    };
}
pub(crate) use declare_rule;

/// Generates, from the one list of rules below: the rule modules, [`REGISTRY`], the
/// `RuleId::CSPnnn` constants and [`NetworkRule`].
macro_rules! rule_list {
    (
        network { $($net:ident => $module:ident,)* }
        other { $($other:ident => $def:path,)* }
    ) => {
        $(mod $module;)*

        /// Registry positions, network rules first (so a [`NetworkRule`]'s discriminant is its
        /// index too).
        #[allow(clippy::upper_case_acronyms)]
        #[repr(u8)]
        enum Index {
            $($net,)*
            $($other,)*
        }

        /// Number of rules in the registry.
        const COUNT: usize = [$(stringify!($net),)* $(stringify!($other),)*].len();

        /// Every rule, in code order. The index of a rule here is its [`RuleId`].
        pub static REGISTRY: [&RuleInfo; COUNT] = [
            $(&RuleInfo::new(stringify!($net), $module::RULE),)*
            $(&RuleInfo::new(stringify!($other), $def),)*
        ];

        impl RuleId {
            $(
                #[doc = concat!("`", stringify!($net), "`, the rule of `rules/", stringify!($module), ".rs`.")]
                pub const $net: RuleId = RuleId(Index::$net as u8);
            )*
            $(
                #[doc = concat!("`", stringify!($other), "`, findings made outside the network passes.")]
                pub const $other: RuleId = RuleId(Index::$other as u8);
            )*
        }

        /// A rule that checks the network: the ones the generator plants and that have a
        /// fixture folder. Matching on it is how the compiler asks for a new rule's plant.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[allow(clippy::upper_case_acronyms)]
        #[repr(u8)]
        pub enum NetworkRule {
            $(
                #[doc = concat!("`", stringify!($net), "`.")]
                $net = Index::$net as u8,
            )*
        }

        impl NetworkRule {
            /// Number of network rules.
            pub const COUNT: usize = [$(stringify!($net),)*].len();

            /// Every network rule, in code order.
            pub const ALL: [NetworkRule; NetworkRule::COUNT] = [$(NetworkRule::$net,)*];

            /// The rule's module under `src/rules/`.
            pub fn module(self) -> &'static str {
                match self {
                    $(NetworkRule::$net => stringify!($module),)*
                }
            }
        }
    };
}

impl NetworkRule {
    /// Its registry id.
    pub const fn id(self) -> RuleId {
        RuleId(self as u8)
    }

    /// Its code, `CSP001`…
    pub fn code(self) -> &'static str {
        self.id().info().code
    }

    /// Its position in [`NetworkRule::ALL`] (0 = CSP001).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The network rule with this code, in any case.
    pub fn from_code(code: &str) -> Option<NetworkRule> {
        NetworkRule::ALL
            .into_iter()
            .find(|r| r.code().eq_ignore_ascii_case(code))
    }
}

rule_list! {
    network {
        CSP001 => csp001_seller_role,
        CSP002 => csp002_reseller_link,
        CSP003 => csp003_cross_region_customer,
        CSP004 => csp004_cross_region_partnership,
        CSP005 => csp005_self_sale,
        CSP006 => csp006_duplicate_relationship,
        CSP007 => csp007_partner_tenant_purchase,
        CSP008 => csp008_reseller_buys_from_own_provider,
        CSP009 => csp009_agreement_missing,
        CSP010 => csp010_reseller_not_ready,
    }
    other {
        CSP100 => meta::REJECTED_ROW,
        CSP101 => meta::STALE_ALLOW_ENTRY,
    }
}

/// A rule, as its index in [`REGISTRY`]: `RuleId::CSP003`, ...
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

/// Rule id of rejected input rows (`--keep-going`): [`RuleId::CSP100`].
pub const fn rejected_row_rule() -> RuleId {
    RuleId::CSP100
}

/// Rule id of allow-list entries that match nothing or have expired: [`RuleId::CSP101`].
pub const fn stale_allow_rule() -> RuleId {
    RuleId::CSP101
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
