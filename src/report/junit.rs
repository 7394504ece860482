//! JUnit XML: one test case per rule that ran; a rule with findings fails and lists them, a clean
//! rule passes. Input problems, when there are any, are one more failed case, `input`.

use std::io::{self, Write};

use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::{Emitter, Report};
use crate::rules::{Finding, Severity};

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

/// A failed case: the failure's message, its type (the worst severity) and the listing.
type Failure<'a> = (String, &'a str, String);

fn case(
    w: &mut Writer<&mut dyn Write>,
    name: &str,
    failure: Option<Failure<'_>>,
) -> io::Result<()> {
    let mut start = BytesStart::new("testcase");
    start.push_attribute(("classname", SUITE));
    start.push_attribute(("name", name));
    match failure {
        None => w.write_event(Event::Empty(start)),
        Some((message, kind, body)) => {
            w.write_event(Event::Start(start))?;
            let mut fail = BytesStart::new("failure");
            fail.push_attribute(("message", message.as_str()));
            fail.push_attribute(("type", kind));
            w.write_event(Event::Start(fail))?;
            // Text needs only `<`, `>` and `&` escaped; quotes stay readable.
            w.write_event(Event::Text(BytesText::from_escaped(partial_escape(&body))))?;
            w.write_event(Event::End(BytesEnd::new("failure")))?;
            w.write_event(Event::End(BytesEnd::new("testcase")))
        }
    }
}

impl Emitter for JunitEmitter {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let mut cases: Vec<(String, Option<Failure<'_>>)> = Vec::new();
        if !report.errors.is_empty() {
            let body: Vec<String> = report.errors.iter().map(|e| e.to_string()).collect();
            cases.push((
                "input".to_string(),
                Some((
                    format!(
                        "{} in the input",
                        super::plural(crate::load::problem_count(report.errors), "problem")
                    ),
                    "error",
                    body.join("\n"),
                )),
            ));
        }
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
                cases.push((name, None));
                continue;
            }
            let worst = mine
                .iter()
                .map(|(_, f)| f.severity)
                .max()
                .unwrap_or(Severity::Warning);
            let body: Vec<String> = mine
                .iter()
                .map(|(i, f)| finding_line(report, *i, f))
                .collect();
            let n = mine.len();
            cases.push((
                name,
                Some((
                    format!(
                        "{n} finding{}: {}",
                        if n == 1 { "" } else { "s" },
                        info.summary
                    ),
                    worst.as_str(),
                    body.join("\n"),
                )),
            ));
        }
        let failures = cases.iter().filter(|(_, f)| f.is_some()).count();
        let tests = cases.len().to_string();
        let failures = failures.to_string();

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
        suite.push_attribute(("skipped", "0"));
        w.write_event(Event::Start(suite))?;
        for (name, failure) in cases {
            case(&mut w, &name, failure)?;
        }
        w.write_event(Event::End(BytesEnd::new("testsuite")))?;
        w.write_event(Event::End(BytesEnd::new("testsuites")))?;
        let out = w.into_inner();
        writeln!(out)
    }
}
