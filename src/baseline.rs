//! Finding fingerprints, and baseline files that record them.
//!
//! # Fingerprints
//!
//! A fingerprint names a finding by what it is about, never by where it happens to be written:
//! SHA-256 (first 128 bits, hex) of
//!
//! - a scheme tag (`csp-audit/2`), so a future change of scheme cannot collide with this one;
//! - the rule code;
//! - each entity as `kind:id`, in the rule's documented order (tenant ids lower-cased: they
//!   compare case-insensitively), then ids of entities outside the network as written;
//! - a discriminator: the kinds of the `relationships.csv` rows that show the finding (so a
//!   duplicated `admin` pair and a duplicated `customer` pair between the same ends differ) —
//!   except for the per-partner rules CSP009 and CSP010, whose rows are every transaction of the
//!   partner and grow with unrelated new rows; for CSP100 the message without its position;
//! - the `relationship_id` of each `relationships.csv` row that shows the finding, when the row
//!   has one (the source system's identity of the deal: a new deal between the same parties is a
//!   new finding, not the fixed one's), except for CSP009 and CSP010 (as above) and CSP006, whose
//!   identity is the duplicated pair and whose group may grow;
//! - an occurrence number among findings with the same key (two identical rows give two findings).
//!
//! Line numbers, row order, quoting, column order, whitespace and message text (which holds
//! dates and names that may be corrected) take no part, so re-exporting or reordering the CSV, or
//! editing unrelated rows, leaves every fingerprint as it was. Renaming an id is a new finding.
//! SARIF `partialFingerprints` carry the same value.
//!
//! Scheme 1 (baseline version 1) had no relationship ids; a version-1 baseline is refused with a
//! message that says to record it again.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::graph::Network;
use crate::model::{IdStr, InputFile, RelKind};
use crate::problem::Problem;
use crate::rules::{rejected_row_rule, stale_allow_rule, Entity, Finding};

/// Version of the baseline file format.
pub const BASELINE_VERSION: u32 = 2;

/// The fingerprint scheme's tag, hashed into every fingerprint.
pub const SCHEME: &str = "csp-audit/2";

/// SHA-256 of the parts (each length-prefixed, so no separator can be forged), 128 bits in hex.
pub fn hash_parts<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p.as_bytes());
    }
    h.finalize()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Fingerprint of the CSP101 finding of a stale allow-list entry: the entry's rule and
/// entities, and its occurrence among identical entries (1 for the first).
pub fn stale_entry_fingerprint(rule_code: &str, entities: &[String], occurrence: usize) -> String {
    let stale = stale_allow_rule().info().code;
    let occurrence = format!("#{occurrence}");
    let mut parts = vec![SCHEME, stale, rule_code];
    parts.extend(entities.iter().map(String::as_str));
    parts.push(&occurrence);
    hash_parts(parts)
}

/// The identity of a finding before its occurrence number (see the module docs).
pub fn finding_key(net: &Network, f: &Finding) -> Vec<String> {
    let info = f.rule.info();
    let mut key = vec![SCHEME.to_string(), info.code.to_string()];
    for e in &f.entities {
        let id = match e {
            Entity::Tenant(_) => e.id(net).to_lowercase(),
            _ => e.id(net).to_string(),
        };
        key.push(format!("{}:{id}", e.kind()));
    }
    for raw in &f.raw_entities {
        key.push(format!("raw:{raw}"));
    }
    if f.rule == rejected_row_rule() {
        // "file:line:column: message" → "message"
        let msg = f
            .message
            .split_once(": ")
            .map_or(&f.message[..], |(_, m)| m);
        key.push(format!("message:{msg}"));
    } else if !matches!(info.code, "CSP009" | "CSP010") {
        let kinds: BTreeSet<&str> = f
            .rows
            .iter()
            .filter(|r| r.file == InputFile::Relationships)
            .filter_map(|r| relationship_kind(net, r.line))
            .map(RelKind::as_str)
            .collect();
        for k in kinds {
            key.push(format!("row:{k}"));
        }
        if info.code != "CSP006" {
            let ids: BTreeSet<IdStr<'_>> = f
                .rows
                .iter()
                .filter(|r| r.file == InputFile::Relationships)
                .filter_map(|r| relationship_id(net, r.line))
                .collect();
            for id in ids {
                key.push(format!("id:{id}"));
            }
        }
    }
    key
}

fn relationship_id(net: &Network, line: u32) -> Option<IdStr<'_>> {
    let rels = &net.model.relationships;
    let i = rels.binary_search_by_key(&line, |r| r.line()).ok()?;
    net.model.relationship_id(i).filter(|id| !id.is_empty())
}

fn relationship_kind(net: &Network, line: u32) -> Option<RelKind> {
    let rels = &net.model.relationships;
    let i = rels.binary_search_by_key(&line, |r| r.line()).ok()?;
    Some(rels[i].kind())
}

/// Fingerprints of `findings` (in their sorted order), one per finding, all distinct.
///
/// Keys and hashes are computed in parallel; only the occurrence numbering is sequential, in
/// the findings' order, so the result does not depend on the thread count.
pub fn fingerprints(net: &Network, findings: &[Finding]) -> Vec<String> {
    let mut keys: Vec<Vec<String>> = findings.par_iter().map(|f| finding_key(net, f)).collect();
    let mut seen: FxHashMap<Vec<String>, u32> = FxHashMap::default();
    for key in &mut keys {
        let n = seen.entry(key.clone()).or_insert(0);
        *n += 1;
        key.push(format!("#{n}"));
    }
    keys.par_iter()
        .map(|key| hash_parts(key.iter().map(String::as_str)))
        .collect()
}

/// A baseline file: the fingerprints of the findings accepted as they were.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// [`BASELINE_VERSION`].
    pub version: u32,
    /// One entry per finding, in report order.
    pub findings: Vec<BaselineEntry>,
}

/// One recorded finding. Only `fingerprint` is compared; the rest is for people reading the file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineEntry {
    /// The finding's fingerprint.
    pub fingerprint: String,
    /// Rule code.
    pub rule: String,
    /// Entity ids.
    #[serde(default)]
    pub entities: Vec<String>,
}

impl Baseline {
    /// The baseline of `findings`, whose fingerprints are `fps`.
    pub fn of(net: &Network, findings: &[&Finding], fps: &[&str]) -> Baseline {
        Baseline {
            version: BASELINE_VERSION,
            findings: findings
                .iter()
                .zip(fps)
                .map(|(f, fp)| BaselineEntry {
                    fingerprint: fp.to_string(),
                    rule: f.rule.info().code.to_string(),
                    entities: f.entity_ids(net).iter().map(|id| id.to_string()).collect(),
                })
                .collect(),
        }
    }

    /// Reads a baseline; errors are `FILE:LINE:COLUMN: message` or `FILE: message`.
    pub fn load(path: &Path) -> Result<Baseline, Problem> {
        let name: Arc<str> = path.display().to_string().into();
        let text = std::fs::read_to_string(path).map_err(|e| {
            let message = if e.kind() == std::io::ErrorKind::NotFound {
                // The first CI run has no baseline yet: say how to make one.
                format!(
                    "baseline file not found: record one first with `csp-audit audit DIR \
                     --write-baseline {}`",
                    path.display()
                )
            } else {
                format!("cannot read the baseline: {e}")
            };
            Problem::whole_file(&name, message)
        })?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| {
            Problem::new(
                &name,
                e.line().max(1) as u64,
                e.column().max(1) as u64,
                format!("not a csp-audit baseline: {e}"),
            )
        })?;
        if b.version != BASELINE_VERSION {
            return Err(Problem::whole_file(
                &name,
                format!(
                    "baseline version {} is not supported (expected {BASELINE_VERSION}): write it \
                     again with --write-baseline{}",
                    b.version,
                    if b.version == 1 {
                        " (version 2 fingerprints include relationship ids)"
                    } else {
                        ""
                    }
                ),
            ));
        }
        Ok(b)
    }

    /// Writes the baseline as pretty JSON.
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        text.push('\n');
        crate::output::write_file(path, |w| w.write_all(text.as_bytes()))
    }

    /// The recorded fingerprints.
    pub fn fingerprints(&self) -> BTreeSet<&str> {
        self.findings
            .iter()
            .map(|e| e.fingerprint.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_length_prefixed() {
        assert_ne!(hash_parts(["ab", "c"]), hash_parts(["a", "bc"]));
        assert_eq!(hash_parts(["a"]).len(), 32);
        assert_eq!(hash_parts(["a"]), hash_parts(["a"]));
    }

    #[test]
    fn a_stale_entry_fingerprint_keeps_the_recorded_scheme() {
        // Version-2 baselines hold these exact parts (scheme, CSP101, the entry's rule, its
        // entities, its occurrence).
        let entities = ["PROVIDER-1".to_string(), "tenant-9".to_string()];
        assert_eq!(
            stale_entry_fingerprint("CSP003", &entities, 2),
            hash_parts([
                "csp-audit/2",
                "CSP101",
                "CSP003",
                "PROVIDER-1",
                "tenant-9",
                "#2"
            ])
        );
        assert_ne!(
            stale_entry_fingerprint("CSP003", &entities, 1),
            stale_entry_fingerprint("CSP003", &entities, 2)
        );
    }
}
