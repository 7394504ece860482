//! JUnit XML: one test case per rule. A rule whose findings fail the run (`--fail-on`) fails and
//! lists them; one with findings that do not fail the run passes and lists them in
//! `system-out`; a clean rule passes; a rule that did not run (switched off, not checkable on
//! this input, or a run stopped by bad input) is skipped with the reason. Input problems, when
//! there are any, are one more failed case, `input`. The suite's properties list the columns
//! the files ignored or lack and the rules checked only in part.

use std::io::{self, Write};

use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::{Emitter, Report};
use crate::rules::{Finding, RuleId, Severity};

/// Emits JUnit XML.
pub struct JunitEmitter;

const SUITE: &str = "csp-audit";

fn finding_line(report: &Report<'_>, i: usize, f: &Finding) -> String {
    let at = report
        .location(f, report.mark(i))
        .map(|l| format!("{}:{}: ", l.path, l.line))
        .unwrap_or_default();
    format!("{at}{}: {}", f.severity.as_str(), f.message)
}

/// What a case shows: passed, passed with findings that do not fail the run (listed in
/// `system-out`), failed (message, type = the worst severity, the listing), or skipped (why).
enum Outcome<'a> {
    Passed,
    Listed(String),
    Failed(String, &'a str, String),
    Skipped(String),
}

fn case(w: &mut Writer<&mut dyn Write>, name: &str, outcome: Outcome<'_>) -> io::Result<()> {
    let mut start = BytesStart::new("testcase");
    start.push_attribute(("classname", SUITE));
    start.push_attribute(("name", name));
    if let Outcome::Passed = outcome {
        return w.write_event(Event::Empty(start));
    }
    w.write_event(Event::Start(start))?;
    match outcome {
        Outcome::Passed => {}
        Outcome::Listed(body) => {
            w.write_event(Event::Start(BytesStart::new("system-out")))?;
            w.write_event(Event::Text(BytesText::from_escaped(partial_escape(&body))))?;
            w.write_event(Event::End(BytesEnd::new("system-out")))?;
        }
        Outcome::Failed(message, kind, body) => {
            let mut fail = BytesStart::new("failure");
            fail.push_attribute(("message", message.as_str()));
            fail.push_attribute(("type", kind));
            w.write_event(Event::Start(fail))?;
            // Text needs only `<`, `>` and `&` escaped; quotes stay readable.
            w.write_event(Event::Text(BytesText::from_escaped(partial_escape(&body))))?;
            w.write_event(Event::End(BytesEnd::new("failure")))?;
        }
        Outcome::Skipped(why) => {
            let mut skipped = BytesStart::new("skipped");
            skipped.push_attribute(("message", why.as_str()));
            w.write_event(Event::Empty(skipped))?;
        }
    }
    w.write_event(Event::End(BytesEnd::new("testcase")))
}

/// The suite's properties: the columns each file ignored or lacks, and the rules checked only
/// in part, so a dashboard shows what the audit could not see.
fn properties(report: &Report<'_>) -> Vec<(String, String)> {
    let mut props: Vec<(String, String)> = report
        .column_lines()
        .into_iter()
        .map(|line| {
            let (file, notes) = line.split_once(": ").unwrap_or((&line, ""));
            (format!("columns {file}"), notes.to_string())
        })
        .collect();
    for c in report.coverage() {
        props.push((
            format!("coverage {}", c.code),
            format!("{}: {}", c.status.as_str(), c.reason),
        ));
    }
    let notes = &report.net.model.notes;
    for r in &notes.inferred_roles {
        props.push((
            format!("inferred role {}", r.partner),
            format!("{} ({})", r.role, r.why),
        ));
    }
    for (i, w) in notes.warnings.iter().enumerate() {
        props.push((format!("input warning {}", i + 1), w.message.clone()));
    }
    props
}

impl Emitter for JunitEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut cases: Vec<(RuleId, String, Outcome<'_>)> = Vec::new();
        for rule in report.rules {
            let info = rule.info();
            let mine: Vec<(usize, &Finding)> = report
                .findings
                .iter()
                .enumerate()
                .filter(|(_, f)| f.rule == *rule)
                .collect();
            let name = format!("{} {}", info.code, info.name);
            if mine.is_empty() {
                cases.push((*rule, name, Outcome::Passed));
                continue;
            }
            let body: Vec<String> = mine
                .iter()
                .map(|(i, f)| finding_line(report, *i, f))
                .collect();
            // A case fails exactly when its findings fail the run (--fail-on, --exit-zero).
            let failing = mine.iter().filter(|(_, f)| report.fails(f)).count();
            if failing == 0 {
                cases.push((*rule, name, Outcome::Listed(body.join("\n"))));
                continue;
            }
            let worst = mine
                .iter()
                .map(|(_, f)| f.severity)
                .max()
                .unwrap_or(Severity::Warning);
            let n = mine.len();
            cases.push((
                *rule,
                name,
                Outcome::Failed(
                    format!(
                        "{n} finding{}: {}",
                        if n == 1 { "" } else { "s" },
                        info.summary
                    ),
                    worst.as_str(),
                    body.join("\n"),
                ),
            ));
        }
        for (rule, why) in report.skipped() {
            let info = rule.info();
            cases.push((
                *rule,
                format!("{} {}", info.code, info.name),
                Outcome::Skipped(why.clone()),
            ));
        }
        cases.sort_by_key(|(rule, _, _)| *rule);
        let mut cases: Vec<(String, Outcome<'_>)> =
            cases.into_iter().map(|(_, n, o)| (n, o)).collect();
        if !report.errors.is_empty() {
            let body: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
            cases.insert(
                0,
                (
                    "input".to_string(),
                    Outcome::Failed(
                        format!(
                            "{} in the input",
                            super::plural(crate::problem::problem_count(report.errors), "problem")
                        ),
                        "error",
                        body.join("\n"),
                    ),
                ),
            );
        }
        let failures = cases
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Failed(..)))
            .count()
            .to_string();
        let skipped = cases
            .iter()
            .filter(|(_, o)| matches!(o, Outcome::Skipped(_)))
            .count()
            .to_string();
        let tests = cases.len().to_string();

        let mut w = Writer::new_with_indent(out, b' ', 2);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        let mut suites = BytesStart::new("testsuites");
        suites.push_attribute(("name", SUITE));
        suites.push_attribute(("tests", tests.as_str()));
        suites.push_attribute(("failures", failures.as_str()));
        suites.push_attribute(("errors", "0"));
        w.write_event(Event::Start(suites))?;
        let mut suite = BytesStart::new("testsuite");
        suite.push_attribute(("name", SUITE));
        suite.push_attribute(("tests", tests.as_str()));
        suite.push_attribute(("failures", failures.as_str()));
        suite.push_attribute(("errors", "0"));
        suite.push_attribute(("skipped", skipped.as_str()));
        w.write_event(Event::Start(suite))?;
        let props = properties(report);
        if !props.is_empty() {
            w.write_event(Event::Start(BytesStart::new("properties")))?;
            for (name, value) in &props {
                let mut p = BytesStart::new("property");
                p.push_attribute(("name", name.as_str()));
                p.push_attribute(("value", value.as_str()));
                w.write_event(Event::Empty(p))?;
            }
            w.write_event(Event::End(BytesEnd::new("properties")))?;
        }
        for (name, outcome) in cases {
            case(&mut w, &name, outcome)?;
        }
        w.write_event(Event::End(BytesEnd::new("testsuite")))?;
        w.write_event(Event::End(BytesEnd::new("testsuites")))?;
        let out = w.into_inner();
        writeln!(out)
    }
}
