//! `csp-audit explain RULE`: a rule's documentation.

use std::io::Write;

use crate::config;
use crate::exit::Exit;
use crate::messages::{say, stdout};
use crate::rules::RuleId;

/// Prints the documentation of the rule with this code or name (`partner-center`: how Partner
/// Center files are read); an unknown rule exits 2 with a suggestion.
pub fn run(rule: &str) -> anyhow::Result<Exit> {
    if rule.eq_ignore_ascii_case("partner-center") {
        let mut out = stdout();
        writeln!(out, "{}", crate::load::partner_center::MAPPING)?;
        out.flush()?;
        return Ok(Exit::Clean);
    }
    let Some(id) = RuleId::find(rule) else {
        let hint = config::rule_hint(rule);
        say(format_args!(
            "error: unknown rule '{rule}'{hint}: see `csp-audit rules`"
        ));
        return Ok(Exit::BadInput);
    };
    let info = id.info();
    let mut out = stdout();
    writeln!(
        out,
        "# {} {} ({})\n\n{}\n\n{}",
        info.code,
        info.name,
        info.default_severity.as_str(),
        info.summary,
        info.doc_text()
    )?;
    out.flush()?;
    Ok(Exit::Clean)
}
