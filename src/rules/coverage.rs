//! Which rules the input lets csp-audit check in full: a rule whose input column (or file) is
//! absent is reported as partly checked or not checked, with the reason, never as passed.

use crate::model::{Model, RuleCoverage};

/// The rules that could not be checked in full on `model`, in code order.
pub fn coverage(model: &Model) -> Vec<RuleCoverage> {
    let mut gaps = Vec::new();
    gaps.extend(model.gaps.iter().cloned());
    gaps
}
