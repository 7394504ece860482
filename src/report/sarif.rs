//! SARIF 2.1.0, as GitHub code scanning reads it.
//!
//! One run; `tool.driver.rules` lists every rule of the registry; one result per finding,
//! located at its first row (the CSV file as named on the command line, and the line), with
//! the other rows as related locations, `partialFingerprints` from [`crate::baseline`], a code
//! flow for a self-sale cycle, and allowed findings as results with an external suppression.
//!
//! Locations are relative to the `SRCROOT` base, declared in `originalUriBaseIds` as the
//! working directory (a `file:` URI ending in `/`), also when a path was given absolute under
//! it (`$GITHUB_WORKSPACE/data/...`): code scanning can place only relative locations. A path
//! outside the working directory stays an absolute `file:` URI. Every rule has a `helpUri` (its
//! section of the README) and the run a stable `automationDetails.id`.

use std::io::{self, Write};

use serde_json::{json, Map, Value};

use super::{Emitter, Location, Mark, Report};
use crate::rules::{Entity, Finding, Severity, REGISTRY};

/// Emits SARIF 2.1.0.
pub struct SarifEmitter;

/// The key of our fingerprint in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "cspAuditFinding/v1";

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The base the artifact locations are relative to.
pub const SRCROOT: &str = "SRCROOT";

/// The run's `automationDetails.id`: one category for every csp-audit run (the part before the
/// last `/`), so code scanning tracks alerts across runs.
pub const AUTOMATION_ID: &str = "csp-audit/";

/// The README section of a rule (`CSP005 self-sale` -> `#csp005-self-sale`), as a URI.
pub fn help_uri(code: &str, name: &str) -> String {
    format!(
        "{}#{}-{}",
        env!("CARGO_PKG_REPOSITORY"),
        code.to_ascii_lowercase(),
        name
    )
}

/// The working directory with forward slashes and a trailing `/`, which `SRCROOT` stands for.
fn working_dir() -> Option<String> {
    let dir = std::env::current_dir().ok()?;
    let mut d = super::slashes(dir.to_str()?);
    if !d.ends_with('/') {
        d.push('/');
    }
    Some(d)
}

/// An `artifactLocation`: relative to `SRCROOT` when the path is relative or under `root` (the
/// working directory), else an absolute `file:` URI.
pub fn artifact_location(path: &str, root: Option<&str>) -> Value {
    let absolute = path.starts_with('/') || path.as_bytes().get(1) == Some(&b':');
    let relative = if absolute {
        root.and_then(|r| path.strip_prefix(r))
            .filter(|p| !p.is_empty())
    } else {
        Some(path)
    };
    match relative {
        Some(p) => json!({"uri": artifact_uri(p), "uriBaseId": SRCROOT}),
        None => json!({"uri": artifact_uri(path)}),
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The text under the doc's first `## ` heading ("What it finds"), as one paragraph.
fn first_section(doc: &str) -> String {
    doc.lines()
        .skip_while(|l| !l.starts_with("## "))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn rules() -> Vec<Value> {
    REGISTRY
        .iter()
        .map(|r| {
            let doc = r.doc_text();
            let full = first_section(&doc);
            json!({
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": if full.is_empty() { r.summary.to_string() } else { full }},
                "help": {"text": doc, "markdown": doc},
                "helpUri": help_uri(r.code, r.name),
                "defaultConfiguration": {"level": level(r.default_severity)},
                "properties": {"tags": ["csp", "compliance"]},
            })
        })
        .collect()
}

/// A path as a SARIF `uri`: a relative path stays a relative reference (what code scanning
/// resolves against the repository root), an absolute one becomes a `file:` URI; every byte
/// outside the unreserved set and `/` is percent-encoded.
pub fn artifact_uri(path: &str) -> String {
    let bytes = path.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'/';
    let (mut out, rest) = if drive {
        (format!("file:///{}:", bytes[0] as char), &path[2..])
    } else if path.starts_with('/') {
        ("file://".to_string(), path)
    } else {
        (String::new(), path)
    };
    for b in rest.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn physical(loc: &Location, root: Option<&str>) -> Value {
    json!({
        "artifactLocation": artifact_location(&loc.path, root),
        "region": {"startLine": loc.line},
    })
}

/// Where an entity of a cycle is defined: its row in partners.csv or tenants.csv; an
/// organization has no row of its own, so it points at the finding's row.
fn entity_location(
    report: &Report<'_>,
    e: &Entity,
    fallback: Option<&Location>,
    root: Option<&str>,
) -> Value {
    use crate::model::InputFile;
    let m = &report.net.model;
    let loc = match *e {
        Entity::Partner(p) => Some(report.row_location(InputFile::Partners, m.partner(p).line)),
        Entity::Tenant(t) => Some(report.row_location(InputFile::Tenants, m.tenant(t).line)),
        Entity::Org(_) => fallback.cloned(),
    };
    let mut v = json!({
        "message": {"text": format!("{} {}", e.kind(), e.id(report.net))},
    });
    if let Some(loc) = loc {
        v["physicalLocation"] = physical(&loc, root);
    }
    json!({"location": v})
}

fn result(report: &Report<'_>, f: &Finding, mark: Option<&Mark>, root: Option<&str>) -> Value {
    let info = f.rule.info();
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(info.code));
    r.insert("ruleIndex".into(), json!(f.rule.0));
    r.insert("level".into(), json!(level(f.severity)));
    let unlisted = f.rows.len().saturating_sub(MAX_RELATED + 1);
    let text = if unlisted > 0 {
        format!(
            "{} ({unlisted} more rows not listed here: see the JSON report)",
            f.message
        )
    } else {
        f.message.clone()
    };
    r.insert("message".into(), json!({ "text": text }));
    let loc = report.location(f, mark);
    if let Some(loc) = &loc {
        let mut l = json!({"physicalLocation": physical(loc, root)});
        let ids = f.entity_ids(report.net);
        if !ids.is_empty() {
            l["logicalLocations"] = json!([{"name": ids.join(" "), "kind": "entities"}]);
        }
        r.insert("locations".into(), json!([l]));
    }
    let related: Vec<Value> = f
        .rows
        .iter()
        .skip(1)
        .take(MAX_RELATED)
        .enumerate()
        .map(|(i, row)| {
            let l = report.row_location(row.file, row.line);
            json!({"id": i + 1, "physicalLocation": physical(&l, root)})
        })
        .collect();
    if !related.is_empty() {
        r.insert("relatedLocations".into(), json!(related));
    }
    if let Some(m) = mark {
        r.insert(
            "partialFingerprints".into(),
            json!({ FINGERPRINT_KEY: m.fingerprint }),
        );
    }
    if !f.path.is_empty() {
        let steps: Vec<Value> = f
            .path
            .iter()
            .map(|e| entity_location(report, e, loc.as_ref(), root))
            .collect();
        r.insert(
            "codeFlows".into(),
            json!([{
                "message": {"text": "the cycle from the seller back to itself through affiliates"},
                "threadFlows": [{"locations": steps}],
            }]),
        );
    }
    Value::Object(r)
}

/// GitHub code scanning rejects a run of more than 25,000 results, and a result of more than
/// 1,000 locations; past those the SARIF keeps the first ones and says what it left out.
const MAX_RESULTS: usize = 25_000;
/// Related locations of one result (its first row is its location).
const MAX_RELATED: usize = 999;

impl Emitter for SarifEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let baseline = report.ci.baseline.is_some();
        let cwd = working_dir();
        let root = cwd.as_deref();
        // Past the cap: errors first, then warnings (each in report order), then allowed
        // findings, so that a capped run keeps what matters most.
        let mut order: Vec<usize> = (0..report.findings.len()).collect();
        if order.len() > MAX_RESULTS {
            order.sort_by_key(|&i| std::cmp::Reverse(report.findings[i].severity));
        }
        let total = report.findings.len() + report.ci.allowed.len();
        let mut results: Vec<Value> = order
            .into_iter()
            .take(MAX_RESULTS)
            .map(|i| (i, &report.findings[i]))
            .map(|(i, f)| {
                let mut v = result(report, f, report.mark(i), root);
                if baseline {
                    v["baselineState"] = json!("new");
                }
                v
            })
            .collect();
        let room = MAX_RESULTS - results.len();
        for a in report.ci.allowed.iter().take(room) {
            let mut v = result(report, &a.finding, Some(&a.mark), root);
            let mut justification = a.reason.clone();
            if let Some(owner) = &a.owner {
                justification.push_str(&format!(" (owner: {owner})"));
            }
            if let Some(d) = a.expires {
                justification.push_str(&format!(" (expires {d})"));
            }
            let mut s = json!({
                "kind": "external",
                "status": "accepted",
                "justification": justification,
            });
            if let Some(file) = &report.ci.config_file {
                let at = Location {
                    path: super::slashes(file),
                    line: a.config_line,
                };
                s["location"] = json!({"physicalLocation": physical(&at, root)});
            }
            v["suppressions"] = json!([s]);
            results.push(v);
        }
        let notifications: Vec<Value> = report
            .errors
            .iter()
            .map(|e| {
                json!({
                    "level": "error",
                    "message": {"text": e.message},
                    "locations": [{"physicalLocation": {
                        "artifactLocation": artifact_location(&super::slashes(&e.file), root),
                        "region": {"startLine": e.line, "startColumn": e.column},
                    }}],
                })
            })
            .collect();
        let mut notifications = notifications;
        // What the audit could not see: rules that did not run, rules checked in part, and
        // the columns the files ignored or lack.
        for (rule, why) in report.skipped() {
            notifications.push(json!({
                "level": "note",
                "message": {"text": format!("{} {}", rule.info().code, why)},
                "associatedRule": {"id": rule.info().code},
            }));
        }
        for c in report.coverage() {
            if c.status == crate::model::CoverageStatus::Partial {
                notifications.push(json!({
                    "level": "warning",
                    "message": {"text": format!("{} partly checked: {}", c.code, c.reason)},
                    "associatedRule": {"id": c.code},
                }));
            }
        }
        for line in report.column_lines() {
            notifications.push(json!({
                "level": "warning",
                "message": {"text": format!("columns of {line}")},
            }));
        }
        // What the loader inferred (a note) and where the input files disagree (a warning).
        let notes = &report.net.model.notes;
        for (i, line) in notes.lines().into_iter().enumerate() {
            let level = if i < notes.inferred_roles.len() {
                "note"
            } else {
                "warning"
            };
            notifications.push(json!({"level": level, "message": {"text": line}}));
        }
        if total > results.len() {
            notifications.push(json!({
                "level": "warning",
                "message": {"text": format!(
                    "{} of {total} results not included: GitHub code scanning accepts at most \
                     {MAX_RESULTS} per run; errors are kept first, and the JSON report has all",
                    total - results.len()
                )},
            }));
        }
        let mut invocation = json!({"executionSuccessful": report.errors.is_empty()});
        if !notifications.is_empty() {
            invocation["toolExecutionNotifications"] = json!(notifications);
        }
        let mut run = json!({
                "tool": {"driver": {
                    "name": env!("CARGO_PKG_NAME"),
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules(),
                }},
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "automationDetails": {"id": AUTOMATION_ID},
                "results": results,
        });
        if let Some(dir) = root {
            run["originalUriBaseIds"] = json!({SRCROOT: {"uri": artifact_uri(dir)}});
        }
        let doc = json!({
            "$schema": SCHEMA,
            "version": "2.1.0",
            "runs": [run],
        });
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(io::Error::other)?;
        writeln!(out)
    }
}

#[cfg(test)]
mod tests {
    use super::{artifact_location, artifact_uri, help_uri, MAX_RELATED, MAX_RESULTS};
    use crate::graph::Network;
    use crate::model::{InputFile, Model};
    use crate::report::{Emitter, Report, SarifEmitter, NO_CI};
    use crate::rules::{Finding, RowRef, RuleId, Severity};

    fn sarif(findings: &[Finding]) -> serde_json::Value {
        let net = Network::build(Model::default());
        let rules: Vec<RuleId> = RuleId::all().collect();
        let report = Report {
            net: &net,
            findings,
            errors: &[],
            rules: &rules,
            ci: &NO_CI,
        };
        let mut out = Vec::new();
        SarifEmitter.emit(&report, &mut out).expect("writes");
        serde_json::from_slice(&out).expect("JSON")
    }

    #[test]
    fn runs_stay_within_what_code_scanning_accepts() {
        let rule = RuleId::all().next().expect("a rule");
        let mut findings: Vec<Finding> = (0..MAX_RESULTS + 10)
            .map(|i| {
                let mut f = Finding::new(rule, format!("finding {i}"));
                // The last ten are the only errors: a capped run must keep them.
                f.severity = if i >= MAX_RESULTS {
                    Severity::Error
                } else {
                    Severity::Warning
                };
                f
            })
            .collect();
        findings[0].rows = (1..=1_200)
            .map(|line| RowRef {
                file: InputFile::Relationships,
                line,
            })
            .collect();
        let doc = sarif(&findings);
        let run = &doc["runs"][0];
        let results = run["results"].as_array().expect("results");
        assert_eq!(results.len(), MAX_RESULTS);
        let errors = results.iter().filter(|r| r["level"] == "error").count();
        assert_eq!(errors, 10, "every error is kept");
        let notes = run["invocations"][0]["toolExecutionNotifications"]
            .as_array()
            .expect("a notification");
        assert_eq!(
            notes[0]["message"]["text"],
            "10 of 25010 results not included: GitHub code scanning accepts at most 25000 per \
             run; errors are kept first, and the JSON report has all"
        );
        let first = results
            .iter()
            .find(|r| {
                r["message"]["text"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("finding 0 ")
            })
            .expect("the finding with many rows");
        assert_eq!(
            first["relatedLocations"].as_array().map(Vec::len),
            Some(MAX_RELATED)
        );
        assert_eq!(
            first["message"]["text"],
            "finding 0 (200 more rows not listed here: see the JSON report)"
        );
    }

    #[test]
    fn absolute_paths_under_the_root_become_relative() {
        let root = Some("/work/repo/");
        assert_eq!(
            artifact_location("/work/repo/data/p.csv", root),
            serde_json::json!({"uri": "data/p.csv", "uriBaseId": "SRCROOT"})
        );
        assert_eq!(
            artifact_location("data/a b.csv", root),
            serde_json::json!({"uri": "data/a%20b.csv", "uriBaseId": "SRCROOT"})
        );
        // Outside the root, or a sibling whose name only starts like it: absolute.
        assert_eq!(
            artifact_location("/work/repo2/p.csv", root),
            serde_json::json!({"uri": "file:///work/repo2/p.csv"})
        );
        assert_eq!(
            artifact_location("C:/data/p.csv", Some("C:/data/")),
            serde_json::json!({"uri": "p.csv", "uriBaseId": "SRCROOT"})
        );
        assert_eq!(
            help_uri("CSP005", "self-sale"),
            format!("{}#csp005-self-sale", env!("CARGO_PKG_REPOSITORY"))
        );
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            artifact_uri("data/sample/relationships.csv"),
            "data/sample/relationships.csv"
        );
        assert_eq!(artifact_uri("a b/x,y%.csv"), "a%20b/x%2Cy%25.csv");
        assert_eq!(artifact_uri("/tmp/d/p.csv"), "file:///tmp/d/p.csv");
        assert_eq!(artifact_uri("C:/data/p.csv"), "file:///C:/data/p.csv");
    }
}
