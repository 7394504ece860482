//! `expected.json`: the planted findings in the audit's JSON report format (version 1), so that
//! `csp-audit audit DIR --format json` can be compared with it field by field. Only `message`
//! differs: here it says what was planted.

use std::collections::BTreeMap;

use serde::Serialize;

use super::emit::Counts;
use super::plan::{org_of, Ent, Expect, ORef, TRef};
use super::shape::Shape;
use super::write::{id_string, push_org_id, push_partner_id, push_rel_id, push_tenant_id, Org};
use crate::audit::network_rules;
use crate::model::{FileStats, InputFile};
use crate::report::JSON_VERSION;
use crate::rules::Severity;

#[derive(Serialize)]
struct Doc {
    version: u32,
    summary: Summary,
    findings: Vec<Finding>,
    errors: Vec<()>,
}

#[derive(Serialize)]
struct Summary {
    partners: u64,
    tenants: u64,
    relationships: u64,
    findings: usize,
    by_rule: BTreeMap<&'static str, usize>,
    by_severity: BTreeMap<&'static str, usize>,
    files: BTreeMap<&'static str, FileStats>,
}

#[derive(Serialize)]
struct Finding {
    rule: &'static str,
    name: &'static str,
    severity: &'static str,
    message: String,
    entities: Vec<String>,
    rows: Vec<Row>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    path: Vec<String>,
}

#[derive(Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct Row {
    file: &'static str,
    line: u64,
    relationship_id: String,
}

/// The JSON text of expected.json.
pub fn render(
    expects: &[Expect],
    shape: &Shape,
    customer_base: u64,
    counts: &Counts,
) -> Result<Vec<u8>, serde_json::Error> {
    let mut findings: Vec<Finding> = expects
        .iter()
        .map(|e| finding(e, shape, customer_base))
        .collect();
    findings.sort_by(|a, b| (a.rule, &a.entities, &a.rows).cmp(&(b.rule, &b.entities, &b.rows)));
    let mut by_rule: BTreeMap<&'static str, usize> = network_rules()
        .into_iter()
        .map(|r| (r.info().code, 0))
        .collect();
    let mut by_severity: BTreeMap<&'static str, usize> = [Severity::Error, Severity::Warning]
        .iter()
        .map(|s| (s.as_str(), 0))
        .collect();
    for f in &findings {
        *by_rule.entry(f.rule).or_default() += 1;
        *by_severity.entry(f.severity).or_default() += 1;
    }
    let stats = |n: u64| FileStats {
        read: n,
        loaded: n,
        rejected: 0,
        skipped: 0,
    };
    let doc = Doc {
        version: JSON_VERSION,
        summary: Summary {
            partners: counts.partners,
            tenants: counts.tenants,
            relationships: counts.relationships,
            findings: findings.len(),
            by_rule,
            by_severity,
            files: [
                (InputFile::Partners, counts.partners),
                (InputFile::Tenants, counts.tenants),
                (InputFile::Relationships, counts.relationships),
            ]
            .into_iter()
            .map(|(f, n)| (f.file_name(), stats(n)))
            .collect(),
        },
        findings,
        errors: Vec::new(),
    };
    let mut out = serde_json::to_vec_pretty(&doc)?;
    out.push(b'\n');
    Ok(out)
}

fn finding(e: &Expect, shape: &Shape, customer_base: u64) -> Finding {
    let info = e.rule.id().info();
    let number = customer_base + e.slot.unwrap_or(0);
    let id = |ent: &Ent| -> String {
        match *ent {
            Ent::Partner(p) => id_string(|b| push_partner_id(b, p)),
            Ent::Tenant(t) => {
                let n = match t {
                    TRef::Slot => number,
                    TRef::Csp(p) => shape.partner(p).csp_tenant.unwrap_or(0),
                };
                id_string(|b| push_tenant_id(b, n))
            }
            Ent::Org(o) => {
                let org = match o {
                    ORef::Partner(o) => Org::Partner(o),
                    ORef::Slot => org_of(e.org, number),
                    ORef::Leaf => Org::Customer(number + 1),
                };
                id_string(|b| push_org_id(b, org))
            }
        }
    };
    // Links are the first rows of relationships.csv: link i is on line i + 2.
    let mut lines: Vec<u64> = e
        .lines
        .iter()
        .copied()
        .chain(e.links.iter().map(|&l| l as u64 + 2))
        .collect();
    lines.sort_unstable();
    lines.dedup();
    Finding {
        rule: info.code,
        name: info.name,
        severity: info.default_severity.as_str(),
        message: e.message.clone(),
        entities: e.entities.iter().map(id).collect(),
        rows: lines
            .into_iter()
            .map(|line| Row {
                file: InputFile::Relationships.file_name(),
                line,
                relationship_id: id_string(|b| push_rel_id(b, line - 1)),
            })
            .collect(),
        path: e.path.iter().map(id).collect(),
    }
}
