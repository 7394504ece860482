//! Which rules the input lets csp-audit check in full: a rule whose input column (or file) is
//! absent is reported as partly checked or not checked, with the reason, never as passed.

use crate::model::{CoverageStatus, InputFile, Model, RuleCoverage};

use CoverageStatus::{NotChecked, Partial};
use InputFile::{Partners, Relationships, Tenants};

/// What each rule loses when an optional column is absent: (rule, file, column, status, what
/// the rule cannot see then). Only optional columns are listed: without a required one nothing
/// is audited at all. Read off each rule's code:
///
/// - CSP002 checks a provider's sale by its `reseller_id`; without the column it only checks
///   `reseller` rows (and does not call every provider sale one without a reseller).
/// - CSP003, CSP005 and CSP009 look at the reseller of a sale besides its seller.
/// - CSP005 finds the owner of a tenant only in tenants.csv's `organization_id`; partners
///   without an `organization_id` are each their own organization.
/// - CSP006 tells sales apart by their reseller.
/// - CSP008 knows a reseller's CSP tenant only from `csp_tenant_id`.
/// - CSP009 and CSP010 would call every partner unsigned or unready without their dates.
/// - CSP010 judges only resellers named on sales (`reseller_id`).
const NEEDS: &[(&str, InputFile, &str, CoverageStatus, &str)] = &[
    ("CSP002", Relationships, "reseller_id", Partial, "only reseller rows are checked, not which reseller a provider's sale names"),
    ("CSP003", Relationships, "reseller_id", Partial, "only the seller's region is compared with the tenant's, not the reseller's"),
    ("CSP005", Tenants, "organization_id", NotChecked, "no tenant has an owning organization to compare with its seller's"),
    ("CSP005", Partners, "organization_id", Partial, "every partner is taken as its own organization, so affiliates of its organization are not seen"),
    ("CSP005", Relationships, "reseller_id", Partial, "only the seller of a sale is checked, not its reseller"),
    ("CSP006", Relationships, "reseller_id", Partial, "sales that differ only in their reseller count as duplicates"),
    ("CSP008", Partners, "csp_tenant_id", NotChecked, "no reseller has a known CSP tenant"),
    ("CSP009", Partners, "mpa_signed_on", NotChecked, "no partner has an MPA signature date, so every transacting partner would be reported"),
    ("CSP009", Relationships, "reseller_id", Partial, "resellers named on sales are not checked, only the ends of reseller rows and sellers"),
    ("CSP010", Partners, "onboarded_on", NotChecked, "no reseller has an onboarding date, so every reseller on a sale would be reported"),
    ("CSP010", Partners, "enrolled_on", NotChecked, "no reseller has an enrolment date, so every reseller on a sale would be reported"),
    ("CSP010", Relationships, "reseller_id", NotChecked, "no sale names its reseller"),
];

/// The rules that could not be checked in full on `model`, in code order: one entry per rule,
/// not checked when any missing column stops it, else partly checked, with every reason.
pub fn coverage(model: &Model) -> Vec<RuleCoverage> {
    let mut out: Vec<RuleCoverage> = Vec::new();
    for &(code, file, column, status, why) in NEEDS {
        if model.has_column(file, column) {
            continue;
        }
        let path = model
            .columns
            .iter()
            .find(|n| n.file == Some(file))
            .map_or(file.file_name(), |n| n.path.as_str());
        let reason = format!("{path} has no {column} column: {why}");
        match out.iter_mut().find(|c| c.code == code) {
            Some(c) => {
                c.status = c.status.max(status);
                c.reason = format!("{}; {reason}", c.reason);
            }
            None => out.push(RuleCoverage {
                code,
                status,
                reason,
            }),
        }
    }
    // What an input other than contract v1 cannot give (Partner Center files), as its loader
    // says; a rule named twice keeps the stronger status and both reasons.
    for gap in &model.gaps {
        match out.iter_mut().find(|c| c.code == gap.code) {
            Some(c) => {
                c.status = c.status.max(gap.status);
                c.reason = format!("{}; {}", c.reason, gap.reason);
            }
            None => out.push(gap.clone()),
        }
    }
    out.sort_by_key(|c| c.code);
    out
}

/// Whether rule `code` can run on `model` at all.
pub fn checked(model: &Model, code: &str) -> bool {
    !NEEDS.iter().any(|&(c, file, column, status, _)| {
        c == code && status == NotChecked && !model.has_column(file, column)
    }) && !model
        .gaps
        .iter()
        .any(|g| g.code == code && g.status == NotChecked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ColumnNotes;

    fn model_without(absent: &[(InputFile, &'static str)]) -> Model {
        let mut model = Model::default();
        for file in InputFile::ALL {
            model.columns.push(ColumnNotes {
                file: Some(file),
                path: format!("net/{}", file.file_name()),
                absent: absent
                    .iter()
                    .filter(|(f, _)| *f == file)
                    .map(|(_, c)| *c)
                    .collect(),
                ..ColumnNotes::default()
            });
        }
        model
    }

    #[test]
    fn every_column_present_is_full_coverage() {
        assert_eq!(coverage(&model_without(&[])), []);
        assert_eq!(coverage(&Model::default()), []);
    }

    #[test]
    fn a_missing_reseller_id_stops_csp010_and_narrows_five_rules() {
        let cov = coverage(&model_without(&[(Relationships, "reseller_id")]));
        let got: Vec<(&str, &str)> = cov.iter().map(|c| (c.code, c.status.as_str())).collect();
        assert_eq!(
            got,
            [
                ("CSP002", "partial"),
                ("CSP003", "partial"),
                ("CSP005", "partial"),
                ("CSP006", "partial"),
                ("CSP009", "partial"),
                ("CSP010", "not_checked"),
            ]
        );
        assert_eq!(
            cov[5].reason,
            "net/relationships.csv has no reseller_id column: no sale names its reseller"
        );
    }

    #[test]
    fn not_checked_wins_over_partial_and_keeps_every_reason() {
        let model = model_without(&[(Tenants, "organization_id"), (Partners, "organization_id")]);
        let cov = coverage(&model);
        assert_eq!(cov.len(), 1);
        assert_eq!(cov[0].status, NotChecked);
        assert!(cov[0]
            .reason
            .starts_with("net/tenants.csv has no organization_id column"));
        assert!(cov[0]
            .reason
            .contains("; net/partners.csv has no organization_id column"));
        assert!(!checked(&model, "CSP005"));
        assert!(checked(&model, "CSP003"));
    }
}
