//! Triage: what becomes of the rules' findings before they are reported. Levels set each
//! finding's severity, the allow-list excuses findings (and its stale or unused entries become
//! CSP101 findings), and a baseline parts the rest into new and already recorded ones, counting
//! the recorded ones that are gone. No command line and no report here: the audit command calls
//! [`triage`] and [`against_baseline`] and hands their counts to the reports.

use std::collections::{BTreeSet, HashMap};

use crate::baseline::{fingerprints, stale_entry_fingerprint, Baseline};
use crate::config::{self, Config, Levels};
use crate::graph::Network;
use crate::model::Date;
use crate::rules::{rejected_row_rule, stale_allow_rule, Finding, RuleId};

/// What the CI layer knows about one finding beyond the rule's data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mark {
    /// The stable fingerprint (see [`crate::baseline`]).
    pub fingerprint: String,
    /// For a finding about the configuration file (CSP101): the line there.
    pub config_line: Option<u32>,
}

/// A finding excused by an `[[allow]]` entry.
#[derive(Clone, Debug)]
pub struct Allowed {
    /// The finding.
    pub finding: Finding,
    /// Its mark.
    pub mark: Mark,
    /// The entry's reason.
    pub reason: String,
    /// The entry's owner.
    pub owner: Option<String>,
    /// The entry's expiry date.
    pub expires: Option<Date>,
    /// The entry's line in the configuration file.
    pub config_line: u32,
}

/// Baseline counts.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BaselineCounts {
    /// Current findings that the baseline records (not reported).
    pub baselined: usize,
    /// Findings the baseline records that are gone.
    pub fixed: usize,
}

/// Findings after the allow-list: reported ones (with marks), allowed ones, and a CSP101 finding
/// for every entry that matched nothing or has expired.
#[derive(Debug)]
pub struct Triaged {
    /// The findings to report, each with its mark, in the rules' order (CSP101 last).
    pub reported: Vec<(Finding, Mark)>,
    /// The findings an allow entry excuses.
    pub allowed: Vec<Allowed>,
}

/// Applies the allow-list (as of `today`) and the levels to `findings`.
pub fn triage(
    net: &Network,
    findings: Vec<Finding>,
    config: &Config,
    levels: &Levels,
    today: Date,
) -> Triaged {
    let fps = fingerprints(net, &findings);
    let mut matched = vec![false; config.allow.len()];
    let mut out = Triaged {
        reported: Vec::with_capacity(findings.len()),
        allowed: Vec::new(),
    };
    for (f, fingerprint) in findings.into_iter().zip(fps) {
        let mark = Mark {
            fingerprint,
            config_line: None,
        };
        let mut excused = None;
        for (i, entry) in config.allow.iter().enumerate() {
            if entry.matches(net, &f) {
                matched[i] = true;
                if excused.is_none() && !entry.expired(today) {
                    excused = Some(entry);
                }
            }
        }
        match excused {
            Some(entry) => out.allowed.push(Allowed {
                finding: f,
                mark,
                reason: entry.reason.clone(),
                owner: entry.owner.clone(),
                expires: entry.expires,
                config_line: entry.line,
            }),
            None => out.reported.push((f, mark)),
        }
    }
    if levels.enabled(stale_allow_rule()) {
        // Identical entries are told apart by their occurrence, as findings are.
        let mut seen: HashMap<(&str, &[String]), usize> = HashMap::new();
        for (entry, matched) in config.allow.iter().zip(matched) {
            if let Some(mut message) = config::stale_message(entry, matched, today) {
                if !matched {
                    message += &case_hint(net, &entry.entities);
                }
                let code = entry.rule.info().code;
                let n = seen.entry((code, &entry.entities)).or_default();
                *n += 1;
                out.reported.push((
                    config::stale_finding(entry, message),
                    Mark {
                        fingerprint: stale_entry_fingerprint(code, &entry.entities, *n),
                        config_line: Some(entry.line),
                    },
                ));
            }
        }
    }
    levels.apply(out.reported.iter_mut().map(|(f, _)| f));
    levels.apply(out.allowed.iter_mut().map(|a| &mut a.finding));
    out
}

/// For an allow entry that matches nothing: a hint when one of its ids differs from a partner
/// id only by case (partner ids compare exactly; tenant ids ignore case).
fn case_hint(net: &Network, entities: &[String]) -> String {
    for want in entities {
        if let Some(p) = net
            .model
            .partner_ids
            .iter()
            .find(|p| p.eq_ignore_ascii_case(want) && *p != want.as_str())
        {
            return format!(
                " (did you mean partner '{p}'? partner ids are compared exactly, case included)"
            );
        }
    }
    String::new()
}

impl Triaged {
    /// The findings a new baseline records, with their fingerprints. Rejected rows and stale
    /// allow entries are never accepted as they are: recording them would silence them for good.
    pub fn to_record(&self) -> (Vec<&Finding>, Vec<&str>) {
        self.reported
            .iter()
            .filter(|(f, _)| f.rule != rejected_row_rule() && f.rule != stale_allow_rule())
            .map(|(f, m)| (f, m.fingerprint.as_str()))
            .unzip()
    }
}

/// The reported findings after a baseline: the new ones (with their marks), and what the
/// baseline accounts for.
#[derive(Debug, Default)]
pub struct Partition {
    /// Findings the baseline does not record, to report.
    pub findings: Vec<Finding>,
    /// Their marks, in the same order.
    pub marks: Vec<Mark>,
    /// With a baseline: how many findings it records and how many of its entries are gone.
    pub counts: Option<BaselineCounts>,
    /// With a baseline: the fingerprints it records that are gone (fixed), sorted.
    pub fixed: Vec<String>,
}

/// Parts `reported` by `baseline` (every finding is new without one). `ran` is the rules that
/// ran: a recorded finding of a rule that did not run this time is not known to be fixed.
/// `allowed` findings are current too: an allowed finding is not fixed.
pub fn against_baseline(
    reported: Vec<(Finding, Mark)>,
    allowed: &[Allowed],
    baseline: Option<&Baseline>,
    ran: &[RuleId],
) -> Partition {
    let Some(b) = baseline else {
        let (findings, marks) = reported.into_iter().unzip();
        return Partition {
            findings,
            marks,
            ..Partition::default()
        };
    };
    let known = b.fingerprints();
    let current: BTreeSet<&str> = reported
        .iter()
        .map(|(_, m)| m.fingerprint.as_str())
        .chain(allowed.iter().map(|a| a.mark.fingerprint.as_str()))
        .collect();
    let ran: BTreeSet<&str> = ran.iter().map(|r| r.info().code).collect();
    let fixed: Vec<String> = b
        .findings
        .iter()
        .filter(|e| ran.contains(e.rule.as_str()))
        .map(|e| e.fingerprint.as_str())
        .collect::<BTreeSet<_>>()
        .difference(&current)
        .map(|fp| fp.to_string())
        .collect();
    let (old, new): (Vec<_>, Vec<_>) = reported
        .into_iter()
        .partition(|(_, m)| known.contains(m.fingerprint.as_str()));
    let (findings, marks) = new.into_iter().unzip();
    Partition {
        findings,
        marks,
        counts: Some(BaselineCounts {
            baselined: old.len(),
            fixed: fixed.len(),
        }),
        fixed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{audit, load_network};
    use crate::config::LevelFlags;
    use crate::load::{builtin_regions, InputPaths};
    use crate::rules::{Params, RuleId};

    /// The sample network, and its findings with default levels.
    fn sample() -> (Network, Vec<Finding>) {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
        let loaded = load_network(&InputPaths::in_dir(&dir), builtin_regions());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let findings = audit(&loaded.net, &Params::default());
        (loaded.net, findings)
    }

    fn levels(config: &Config) -> Levels {
        let none: &[String] = &[];
        let flags = LevelFlags {
            warn: none,
            deny: none,
            allow: none,
        };
        Levels::resolve(config, &flags).expect("default levels resolve")
    }

    fn day(text: &str) -> Date {
        Date::parse_from_str(text, "%Y-%m-%d").expect("a date")
    }

    // The README's allow-list example: a CSP003 finding of the sample.
    const ALLOW: &str = "[[allow]]\nrule = \"CSP003\"\nentities = [\"D-ALPINE-US\", \
                         \"t-liberty-ca\"]\nreason = \"tenant moves\"\nexpires = 2026-12-31\n";

    fn csp003() -> RuleId {
        RuleId::find("CSP003").expect("CSP003 is a rule")
    }

    #[test]
    fn an_allow_entry_excuses_its_finding() {
        let (net, findings) = sample();
        let all = findings.len();
        let config = Config::parse("csp-audit.toml", ALLOW).expect("valid config");
        let t = triage(&net, findings, &config, &levels(&config), day("2026-12-01"));
        assert_eq!(t.allowed.len(), 1);
        let a = &t.allowed[0];
        assert_eq!(a.finding.rule, csp003());
        assert_eq!(a.reason, "tenant moves");
        assert_eq!(a.config_line, 1);
        assert_eq!(t.reported.len(), all - 1);
        assert!(t.reported.iter().all(|(f, _)| f.rule != stale_allow_rule()));
        // The excused finding is one of the network's, with its fingerprint.
        assert!(!a.mark.fingerprint.is_empty());
        assert!(t
            .reported
            .iter()
            .all(|(_, m)| m.fingerprint != a.mark.fingerprint));
    }

    #[test]
    fn an_expired_entry_reports_its_finding_and_a_csp101() {
        let (net, findings) = sample();
        let all = findings.len();
        let config = Config::parse("csp-audit.toml", ALLOW).expect("valid config");
        let t = triage(&net, findings, &config, &levels(&config), day("2027-01-15"));
        assert!(t.allowed.is_empty());
        assert_eq!(t.reported.len(), all + 1);
        let (stale, mark) = t.reported.last().expect("a CSP101 finding");
        assert_eq!(stale.rule, stale_allow_rule());
        assert_eq!(mark.config_line, Some(1));
        assert!(stale.message.contains("2026-12-31"), "{}", stale.message);
        assert_eq!(
            mark.fingerprint,
            stale_entry_fingerprint(
                "CSP003",
                &["D-ALPINE-US".to_string(), "t-liberty-ca".to_string()],
                1
            )
        );
    }

    #[test]
    fn a_baseline_parts_new_from_recorded_and_counts_fixed() {
        let (net, findings) = sample();
        assert!(findings.len() >= 3);
        let config = Config::default();
        let t = triage(&net, findings, &config, &levels(&config), day("2026-12-01"));
        let (fs, fps) = t.to_record();
        let n = fs.len();
        drop(fps);
        // One recorded finding is gone, one current finding is new.
        let mut reported = t.reported.clone();
        let gone = reported.remove(0);
        let kept_back = reported.pop().expect("a finding");
        let b = Baseline::of(
            &net,
            &baseline_findings(&reported, &gone),
            &baseline_fps(&reported, &gone),
        );
        reported.push(kept_back.clone());
        let ran: Vec<RuleId> = RuleId::all().collect();
        let p = against_baseline(reported, &[], Some(&b), &ran);
        assert_eq!(
            p.counts,
            Some(BaselineCounts {
                baselined: n - 2,
                fixed: 1
            })
        );
        assert_eq!(p.fixed, vec![gone.1.fingerprint.clone()]);
        assert_eq!(p.findings.len(), 1);
        assert_eq!(p.marks, vec![kept_back.1]);
        // Without a baseline every finding is new.
        let all = against_baseline(t.reported, &[], None, &ran);
        assert_eq!(all.findings.len(), n);
        assert_eq!(all.counts, None);
    }

    #[test]
    fn a_switched_off_rules_recorded_findings_are_not_fixed() {
        let (net, findings) = sample();
        let config = Config::default();
        let t = triage(&net, findings, &config, &levels(&config), day("2026-12-01"));
        let mut reported = t.reported.clone();
        let gone = reported.remove(0);
        let b = Baseline::of(
            &net,
            &baseline_findings(&reported, &gone),
            &baseline_fps(&reported, &gone),
        );
        // The gone finding's rule did not run this time.
        let ran: Vec<RuleId> = RuleId::all().filter(|r| *r != gone.0.rule).collect();
        let p = against_baseline(reported, &[], Some(&b), &ran);
        assert_eq!(p.counts.map(|c| c.fixed), Some(0));
        assert!(p.fixed.is_empty());
        assert!(p.findings.is_empty());
    }

    fn baseline_findings<'a>(
        reported: &'a [(Finding, Mark)],
        also: &'a (Finding, Mark),
    ) -> Vec<&'a Finding> {
        reported.iter().chain([also]).map(|(f, _)| f).collect()
    }

    fn baseline_fps<'a>(
        reported: &'a [(Finding, Mark)],
        also: &'a (Finding, Mark),
    ) -> Vec<&'a str> {
        reported
            .iter()
            .chain([also])
            .map(|(_, m)| m.fingerprint.as_str())
            .collect()
    }
}
