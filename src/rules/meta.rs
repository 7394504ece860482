//! Findings that do not come from a network pass, registered like rules so that they have a
//! code, a severity, documentation and a place in every report format.

use super::declare_rule;

declare_rule! {
    /// ## What it finds
    /// With `--keep-going`, every input row that could not be loaded (a bad value, an unknown
    /// reference, a wrong number of fields...), at its file, line and column.
    ///
    /// ## Why it matters
    /// A row that is left out of the audit is a row whose violations nobody sees. Reporting each
    /// one as a finding keeps the audit honest when it runs on the rows that did load.
    ///
    /// ## Example
    /// ```text
    /// relationships.csv:14:3: unknown tenant 'tenant-x' in to_id: expected a tenant_id from tenants.csv
    /// ```
    ///
    /// ## How to fix
    /// Correct the row as the message says and run the audit again.
    pub const REJECTED_ROW = {
        name: "rejected-row",
        summary: "an input row could not be loaded and was left out of the audit",
        severity: Error,
        check: None,
    };
}

declare_rule! {
    /// ## What it finds
    /// An allow-list entry in `csp-audit.toml` that matches no finding, or whose `expires` date
    /// has passed.
    ///
    /// ## Why it matters
    /// Accepted exceptions rot: the violation they excused is fixed, or the acceptance was meant
    /// to be temporary. A stale entry would silently excuse the next violation that matches it.
    ///
    /// ## Example
    /// ```toml
    /// [[allow]]
    /// rule = "CSP003"
    /// entities = ["PROVIDER-1", "tenant-9"]
    /// reason = "migration to the EU entity, ticket 123"
    /// expires = "2024-12-31"
    /// ```
    ///
    /// ## How to fix
    /// Delete the entry, or renew it with a new `expires` date and a current reason.
    pub const STALE_ALLOW_ENTRY = {
        name: "stale-allow-entry",
        summary: "an allow-list entry matches nothing or has expired",
        severity: Warning,
        check: None,
    };
}
