//! What the loader of an input that is not contract v1 had to decide or noticed, for every
//! report to list: the partner roles it inferred and the places where the user's files and the
//! Partner Center files disagree. Empty for contract v1, so its reports do not change.

use super::Origin;

/// A partner role no file gave, and how it was inferred.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InferredRole {
    /// The partner's id, as written.
    pub partner: String,
    /// The role taken (`indirect_reseller`, `indirect_provider`, `direct_bill`).
    pub role: &'static str,
    /// Why, in a few words (`named as the reseller of a sale or in an indirect reseller list`).
    pub why: &'static str,
    /// The first record that names the partner.
    pub source: Option<Origin>,
}

/// A warning about the input, with every place it is about (both files of a disagreement).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputWarning {
    /// What is wrong and what was done about it.
    pub message: String,
    /// The records it is about, in the order the message names them.
    pub sources: Vec<Origin>,
}

/// The notes of one load.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputNotes {
    /// Inferred roles, by partner id.
    pub inferred_roles: Vec<InferredRole>,
    /// Disagreements and other warnings, in the order found.
    pub warnings: Vec<InputWarning>,
}

impl InputNotes {
    /// Whether there is nothing to say (always so for contract v1).
    pub fn is_empty(&self) -> bool {
        self.inferred_roles.is_empty() && self.warnings.is_empty()
    }

    /// One line per note, for people: `role inferred: '1000001' indirect_provider (sells
    /// through indirect resellers; first named at file:line)` and `warning: message`.
    pub fn lines(&self) -> Vec<String> {
        let roles = self.inferred_roles.iter().map(|r| {
            let at = r
                .source
                .as_ref()
                .map(|s| format!("; first named at {}", s.label()))
                .unwrap_or_default();
            format!("role inferred: '{}' {} ({}{at})", r.partner, r.role, r.why)
        });
        let warnings = self
            .warnings
            .iter()
            .map(|w| format!("warning: {}", w.message));
        roles.chain(warnings).collect()
    }
}
