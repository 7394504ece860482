//! `csp-audit.toml`: rule levels, `fail-on`, rule parameters and the allow-list.
//!
//! The file is found next to the data (`DIR/csp-audit.toml`) or given with `--config`. Levels
//! from the file and from `--warn/--deny/--allow` are resolved into one [`Levels`] table, which is
//! the only place where a finding's severity is decided. Every problem in the file is reported as
//! `FILE:LINE:COLUMN: message`.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use serde::Deserialize;
use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

use crate::graph::Network;
use crate::load::ColumnMapping;
use crate::model::{Date, InputFile};
use crate::problem::Problem;
use crate::rules::{stale_allow_rule, Entity, Finding, Params, RuleId, Severity, REGISTRY};

/// The file name looked for in the data folder.
pub const CONFIG_FILE: &str = "csp-audit.toml";

/// A rule's level: off (not run), or the severity of its findings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The rule does not run.
    Off,
    /// Findings are warnings.
    Warning,
    /// Findings are errors.
    Error,
}

impl Level {
    fn of(s: Severity) -> Level {
        match s {
            Severity::Warning => Level::Warning,
            Severity::Error => Level::Error,
        }
    }
}

/// One `[[allow]]` entry: an accepted exception.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AllowEntry {
    /// The rule it excuses.
    pub rule: RuleId,
    /// Entity ids that must all be among a finding's ids (tenant ids compare case-insensitively).
    pub entities: Vec<String>,
    /// Why the exception is accepted (required).
    pub reason: String,
    /// Who owns the exception.
    pub owner: Option<String>,
    /// The last day the exception holds.
    pub expires: Option<Date>,
    /// The line of its `[[allow]]` header in the file.
    pub line: u32,
}

impl AllowEntry {
    /// Whether the entry excuses `f`.
    pub fn matches(&self, net: &Network, f: &Finding) -> bool {
        f.rule == self.rule
            && self.entities.iter().all(|want| {
                f.entities.iter().any(|e| match e {
                    Entity::Tenant(_) => e.id(net).eq_ignore_ascii_case(want),
                    _ => *e.id(net) == **want,
                }) || f.raw_entities.iter().any(|raw| raw == want)
            })
    }

    /// Whether the entry has expired on `today` (it holds through its `expires` day).
    pub fn expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|d| d < today)
    }
}

/// When findings fail the run (`fail-on` here, `--fail-on` on the command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Any error-level finding.
    Error,
    /// Any finding.
    Warning,
    /// Never: exit 0 whatever is found (bad input still exits 2).
    Never,
}

/// The configuration, resolved.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// The file it came from, as named (none: defaults only).
    pub file: Option<String>,
    /// Levels set in the file.
    pub levels: BTreeMap<RuleId, Level>,
    /// `fail-on` from the file.
    pub fail_on: Option<FailOn>,
    /// Rule parameters.
    pub params: Params,
    /// The allow-list, in file order.
    pub allow: Vec<AllowEntry>,
    /// `[columns.partners]`, `[columns.tenants]`, `[columns.relationships]`: contract columns
    /// read under the export's own header names, indexed like [`InputFile::ALL`].
    pub columns: [Vec<ColumnMapping>; 3],
}

/// A value of the file with where it is.
type Value<'i> = Spanned<DeValue<'i>>;

/// The top-level keys, in the order the README gives them.
const KEYS: [&str; 5] = ["fail-on", "rules", "params", "allow", "columns"];
/// The keys of an `[[allow]]` entry.
const ALLOW_KEYS: [&str; 5] = ["rule", "entities", "reason", "owner", "expires"];
/// The keys of `[params]`.
const PARAM_KEYS: [&str; 1] = ["mpa-cutoff"];
/// The values of a rule level.
const LEVELS: [&str; 3] = ["off", "warning", "error"];
/// The values of `fail-on`.
const FAIL_ON: [&str; 3] = ["error", "warning", "never"];

/// Line and column (1-based, in characters) of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary_compat(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// `str::floor_char_boundary` for the MSRV.
trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, i: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut i: usize) -> usize {
        while i > 0 && !self.is_char_boundary(i) {
            i -= 1;
        }
        i
    }
}

/// ` (did you mean 'CSP003'?)` for the rule code or name closest to `name`, if one is close.
pub fn rule_hint(name: &str) -> String {
    crate::load::did_you_mean(name, REGISTRY.iter().flat_map(|r| [r.code, r.name]))
}

struct Source<'a> {
    file: &'a str,
    text: &'a str,
}

impl Source<'_> {
    fn error(&self, span: Option<Range<usize>>, message: impl Into<String>) -> Problem {
        let (line, column) = span.map_or((1, 1), |s| line_col(self.text, s.start));
        Problem::new(&self.file.into(), line as u64, column as u64, message)
    }

    fn line(&self, span: Range<usize>) -> u32 {
        line_col(self.text, span.start).0 as u32
    }

    fn rule(&self, name: &str, span: Range<usize>) -> Result<RuleId, Problem> {
        RuleId::find(name).ok_or_else(|| {
            let hint = rule_hint(name);
            self.error(
                Some(span),
                format!(
                    "unknown rule '{name}'{hint}: expected a code or name from `csp-audit rules`"
                ),
            )
        })
    }

    fn date(&self, v: &Value<'_>, what: &str) -> Result<Date, Problem> {
        let parsed = match v.get_ref() {
            DeValue::String(s) => Date::parse_from_str(s, "%Y-%m-%d").ok(),
            DeValue::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt
                .date
                .and_then(|d| Date::from_ymd_opt(d.year.into(), d.month.into(), d.day.into())),
            _ => None,
        };
        parsed.ok_or_else(|| {
            self.error(
                Some(v.span()),
                format!("invalid {what}: expected a date YYYY-MM-DD"),
            )
        })
    }

    /// An unknown key of a table whose keys are `valid`.
    fn unknown_key(&self, key: &Spanned<DeString<'_>>, table: &str, valid: &[&str]) -> Problem {
        let name = key.get_ref();
        let hint = crate::load::did_you_mean(name, valid.iter().copied());
        let table = match table {
            "" => String::new(),
            t => format!(" in {t}"),
        };
        self.error(
            Some(key.span()),
            format!(
                "unknown key '{name}'{table}{hint}: expected {}",
                one_of(valid)
            ),
        )
    }

    /// A value that must be a string, or the error saying so.
    fn string<'v>(&self, v: &'v Value<'_>, what: &str) -> Result<&'v str, Problem> {
        v.get_ref().as_str().ok_or_else(|| {
            self.error(
                Some(v.span()),
                format!(
                    "{what} is {}: expected a quoted string",
                    with_article(v.get_ref().type_str())
                ),
            )
        })
    }

    /// One of `valid` (case-insensitive), or an error in csp-audit's words with the closest.
    fn choice(&self, v: &Value<'_>, what: &str, valid: &[&str]) -> Result<usize, Problem> {
        let text = self.string(v, what)?;
        valid
            .iter()
            .position(|c| c.eq_ignore_ascii_case(text.trim()))
            .ok_or_else(|| {
                let hint = crate::load::did_you_mean(text, valid.iter().copied());
                self.error(
                    Some(v.span()),
                    format!("unknown {what} '{text}'{hint}: expected {}", one_of(valid)),
                )
            })
    }

    /// A table, or the error saying what `what` should be.
    fn table<'v, 'i>(&self, v: &'v Value<'i>, what: &str) -> Result<&'v DeTable<'i>, Problem> {
        v.get_ref().as_table().ok_or_else(|| {
            self.error(
                Some(v.span()),
                format!(
                    "{what} is {}: expected a table ([{what}])",
                    with_article(v.get_ref().type_str())
                ),
            )
        })
    }
}

/// `'a', 'b' or 'c'`, for messages.
fn one_of(valid: &[&str]) -> String {
    let quoted: Vec<String> = valid.iter().map(|v| format!("'{v}'")).collect();
    match quoted.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// `a string`, `an integer`, for messages.
fn with_article(kind: &str) -> String {
    let vowel = kind.starts_with(['a', 'e', 'i', 'o', 'u']);
    format!("{} {kind}", if vowel { "an" } else { "a" })
}

impl Config {
    /// Reads and checks a configuration file; every problem in it is returned, in file order.
    pub fn load(path: &Path) -> Result<Config, Vec<Problem>> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| {
            vec![Problem::whole_file(
                &file.as_str().into(),
                format!("cannot read the configuration: {e}"),
            )]
        })?;
        Config::parse_all(&file, &text)
    }

    /// Parses configuration text; `file` names it in errors. The first problem only: see
    /// [`Config::parse_all`] for every one.
    pub fn parse(file: &str, text: &str) -> Result<Config, Problem> {
        Config::parse_all(file, text).map_err(|mut errors| errors.swap_remove(0))
    }

    /// Parses configuration text and returns every problem in it (at least one on `Err`),
    /// sorted by position: a user fixes them all in one go, not one per run.
    pub fn parse_all(file: &str, text: &str) -> Result<Config, Vec<Problem>> {
        let src = Source { file, text };
        let (doc, syntax) = DeTable::parse_recoverable(text);
        if !syntax.is_empty() {
            // After a syntax error the rest of the file is a guess: say what is wrong with
            // the syntax only.
            let mut errors: Vec<Problem> = syntax
                .iter()
                .map(|e| src.error(e.span(), e.message().trim_end().to_string()))
                .collect();
            errors.sort_by_key(|e| (e.line, e.column));
            errors.dedup();
            return Err(errors);
        }
        let mut config = Config {
            file: Some(file.to_string()),
            ..Config::default()
        };
        let mut errors = Vec::new();
        let mut keep = |r: Result<(), Problem>| {
            if let Err(e) = r {
                errors.push(e);
            }
        };
        for (key, value) in doc.get_ref().iter() {
            match key.get_ref().as_ref() {
                "fail-on" => keep(src.choice(value, "fail-on", &FAIL_ON).map(|i| {
                    config.fail_on = Some([FailOn::Error, FailOn::Warning, FailOn::Never][i]);
                })),
                "rules" => match src.table(value, "rules") {
                    Ok(table) => {
                        for (name, level) in table.iter() {
                            // An unknown rule is pointed at where it is named, not its level.
                            let rule = src.rule(name.get_ref(), name.span());
                            let level = src.choice(level, "level", &LEVELS);
                            match (rule, level) {
                                (Ok(rule), Ok(l)) => {
                                    let l = [Level::Off, Level::Warning, Level::Error][l];
                                    config.levels.insert(rule, l);
                                }
                                (rule, level) => {
                                    keep(rule.map(drop));
                                    keep(level.map(drop));
                                }
                            }
                        }
                    }
                    Err(e) => keep(Err(e)),
                },
                "params" => match src.table(value, "params") {
                    Ok(table) => {
                        for (name, v) in table.iter() {
                            keep(match name.get_ref().as_ref() {
                                "mpa-cutoff" => src.date(v, "mpa-cutoff").map(|d| {
                                    config.params.mpa_cutoff = d;
                                }),
                                _ => Err(src.unknown_key(name, "[params]", &PARAM_KEYS)),
                            });
                        }
                    }
                    Err(e) => keep(Err(e)),
                },
                "allow" => match value.get_ref().as_array() {
                    Some(entries) => {
                        for entry in entries.iter() {
                            match allow_entry(&src, entry) {
                                Ok(e) => config.allow.push(e),
                                Err(mut e) => errors_extend(&mut keep, &mut e),
                            }
                        }
                    }
                    None => keep(Err(src.error(
                        Some(value.span()),
                        "allow is not a list of entries: expected [[allow]] tables",
                    ))),
                },
                "columns" => match src.table(value, "columns") {
                    Ok(table) => {
                        for (name, v) in table.iter() {
                            let r = columns_table(&src, name, v, &mut config.columns);
                            if let Err(mut e) = r {
                                errors_extend(&mut keep, &mut e);
                            }
                        }
                    }
                    Err(e) => keep(Err(e)),
                },
                _ => keep(Err(src.unknown_key(key, "", &KEYS))),
            }
        }
        if errors.is_empty() {
            // Entries in file order (the table is read in key order).
            config.allow.sort_by_key(|e| e.line);
            Ok(config)
        } else {
            errors.sort_by_key(|e| (e.line, e.column));
            Err(errors)
        }
    }
}

/// Hands every error of `more` to `keep`.
fn errors_extend(keep: &mut impl FnMut(Result<(), Problem>), more: &mut Vec<Problem>) {
    for e in more.drain(..) {
        keep(Err(e));
    }
}

/// One `[[allow]]` entry, or every problem in it.
fn allow_entry(src: &Source<'_>, entry: &Value<'_>) -> Result<AllowEntry, Vec<Problem>> {
    let table = src.table(entry, "allow").map_err(|e| vec![e])?;
    let line = src.line(entry.span());
    let mut errors = Vec::new();
    let (mut rule, mut entities, mut reason, mut owner, mut expires) =
        (None, None, None, None, None);
    for (key, v) in table.iter() {
        let r: Result<(), Problem> = match key.get_ref().as_ref() {
            "rule" => src
                .string(v, "rule")
                .and_then(|name| src.rule(name, v.span()))
                .map(|r| rule = Some(r)),
            "entities" => match v.get_ref().as_array() {
                Some(items) if items.is_empty() => Err(src.error(
                    Some(v.span()),
                    "empty entities: an allow entry names the ids of the finding it excuses \
                     (to switch a rule off, set its level to \"off\")",
                )),
                Some(items) => items
                    .iter()
                    .map(|i| src.string(i, "an entity").map(str::to_string))
                    .collect::<Result<Vec<_>, _>>()
                    .map(|ids| entities = Some(ids)),
                None => Err(src.error(
                    Some(v.span()),
                    "entities is not a list: expected ids such as [\"P1\", \"T9\"]",
                )),
            },
            "reason" => src.string(v, "reason").and_then(|text| {
                if text.trim().is_empty() {
                    Err(src.error(
                        Some(v.span()),
                        "empty reason: say why the exception is accepted",
                    ))
                } else {
                    reason = Some(text.to_string());
                    Ok(())
                }
            }),
            "owner" => src.string(v, "owner").map(|o| owner = Some(o.to_string())),
            "expires" => src.date(v, "expires").map(|d| expires = Some(d)),
            _ => Err(src.unknown_key(key, "[[allow]]", &ALLOW_KEYS)),
        };
        if let Err(e) = r {
            errors.push(e);
        }
    }
    let span = Some(entry.span());
    for (missing, what) in [
        (
            table.get("rule").is_none(),
            "rule: say which rule's finding it excuses",
        ),
        (
            table.get("entities").is_none(),
            "entities: name the ids of the finding it excuses",
        ),
        (
            table.get("reason").is_none(),
            "reason: say why the exception is accepted",
        ),
    ] {
        if missing {
            errors.push(src.error(span.clone(), format!("[[allow]] entry without {what}")));
        }
    }
    match (rule, entities, reason, errors.is_empty()) {
        (Some(rule), Some(entities), Some(reason), true) => Ok(AllowEntry {
            rule,
            entities,
            reason,
            owner,
            expires,
            line,
        }),
        _ => Err(errors),
    }
}

/// One `[columns.FILE]` table: contract column = the export's header name.
fn columns_table(
    src: &Source<'_>,
    name: &Spanned<DeString<'_>>,
    v: &Value<'_>,
    out: &mut [Vec<ColumnMapping>; 3],
) -> Result<(), Vec<Problem>> {
    let files = ["partners", "tenants", "relationships"];
    let Some(i) = files.iter().position(|f| *f == name.get_ref().as_ref()) else {
        return Err(vec![src.unknown_key(name, "[columns]", &files)]);
    };
    let file = InputFile::ALL[i];
    let what = format!("columns.{}", files[i]);
    let table = src.table(v, &what).map_err(|e| vec![e])?;
    let contract = crate::load::contract_columns(file);
    let mut errors = Vec::new();
    for (column, header) in table.iter() {
        let Some(&c) = contract.iter().find(|c| **c == column.get_ref().as_ref()) else {
            let mut e = src.unknown_key(column, &format!("[{what}]"), &contract);
            e.message = e.message.replacen("unknown key", "unknown column", 1);
            errors.push(e);
            continue;
        };
        match src.string(header, column.get_ref()) {
            Ok(h) if h.trim().is_empty() => errors.push(src.error(
                Some(header.span()),
                format!("empty header name for {c}: expected the export's name for the column"),
            )),
            Ok(h) => {
                let (line, _) = line_col(src.text, column.span().start);
                if let Some(other) = out[i]
                    .iter()
                    .find(|m| m.header.trim().eq_ignore_ascii_case(h.trim()))
                {
                    errors.push(src.error(
                        Some(header.span()),
                        format!(
                            "header '{h}' is mapped to both {} and {c}: expected one column per header name",
                            other.column
                        ),
                    ));
                    continue;
                }
                out[i].push(ColumnMapping {
                    column: c.to_string(),
                    header: h.trim().to_string(),
                    origin: format!("{}:{line}", src.file),
                });
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The level of every rule: defaults, then the file, then the command line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Levels(Vec<Level>);

/// Level overrides given on the command line.
#[derive(Clone, Debug, Default)]
pub struct LevelFlags<'a> {
    /// `--warn CODE`
    pub warn: &'a [String],
    /// `--deny CODE`
    pub deny: &'a [String],
    /// `--allow CODE` (off)
    pub allow: &'a [String],
}

impl Levels {
    /// Resolves levels; a flag naming an unknown rule, or one rule named by two different flags,
    /// is an error.
    pub fn resolve(config: &Config, flags: &LevelFlags<'_>) -> Result<Levels, String> {
        let mut levels: Vec<Level> = REGISTRY
            .iter()
            .map(|r| Level::of(r.default_severity))
            .collect();
        for (rule, level) in &config.levels {
            levels[rule.0 as usize] = *level;
        }
        let mut set: BTreeMap<RuleId, (&str, Level)> = BTreeMap::new();
        for (flag, names, level) in [
            ("--allow", flags.allow, Level::Off),
            ("--warn", flags.warn, Level::Warning),
            ("--deny", flags.deny, Level::Error),
        ] {
            for name in names {
                let rule = RuleId::find(name).ok_or_else(|| {
                    let hint = rule_hint(name);
                    format!("unknown rule '{name}' in {flag}{hint}: see `csp-audit rules`")
                })?;
                if let Some((other, _)) = set.get(&rule).filter(|(_, l)| *l != level) {
                    return Err(format!(
                        "{} is given to both {other} and {flag}",
                        rule.info().code
                    ));
                }
                set.insert(rule, (flag, level));
            }
        }
        for (rule, (_, level)) in set {
            levels[rule.0 as usize] = level;
        }
        Ok(Levels(levels))
    }

    /// The level of `rule`.
    pub fn get(&self, rule: RuleId) -> Level {
        self.0.get(rule.0 as usize).copied().unwrap_or(Level::Off)
    }

    /// Whether `rule` runs.
    pub fn enabled(&self, rule: RuleId) -> bool {
        self.get(rule) != Level::Off
    }

    /// Gives every finding its configured severity: the one place where severity is decided.
    /// (Rules that are off do not run, and findings made outside the rule passes are only made
    /// when their rule is enabled.)
    pub fn apply<'f>(&self, findings: impl IntoIterator<Item = &'f mut Finding>) {
        for f in findings {
            f.severity = match self.get(f.rule) {
                Level::Warning => Severity::Warning,
                Level::Error | Level::Off => Severity::Error,
            };
        }
    }
}

/// Why an allow entry is stale.
pub fn stale_message(entry: &AllowEntry, matched: bool, today: Date) -> Option<String> {
    let code = entry.rule.info().code;
    let ids = entry.entities.join(", ");
    match entry.expires {
        Some(d) if entry.expired(today) => Some(format!(
            "allow entry for {code} [{ids}] expired on {d}{}: renew it or delete it",
            if matched {
                ", so its finding is reported again"
            } else {
                ""
            }
        )),
        _ if !matched => Some(format!(
            "allow entry for {code} [{ids}] matches no finding: delete it"
        )),
        _ => None,
    }
}

/// The CSP101 finding for a stale entry (severity applied later, with every other finding).
pub fn stale_finding(entry: &AllowEntry, message: String) -> Finding {
    let mut f = Finding::new(stale_allow_rule(), message);
    f.raw_entities = entry.entities.clone();
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_of_an_offset() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 6), (2, 1));
        // after "bé" (3 bytes) the column counts characters
        assert_eq!(line_col(text, 9), (2, 3));
    }

    #[test]
    fn flags_override_the_file_and_conflicts_are_refused() {
        let config = Config::parse(
            "c.toml",
            "[rules]\nCSP006 = \"error\"\nself-sale = \"off\"\n",
        )
        .expect("valid");
        let six = RuleId::find("CSP006").expect("rule");
        let five = RuleId::find("CSP005").expect("rule");
        let levels = Levels::resolve(&config, &LevelFlags::default()).expect("levels");
        assert_eq!(levels.get(six), Level::Error);
        assert_eq!(levels.get(five), Level::Off);
        let warn = vec!["csp006".to_string()];
        let levels = Levels::resolve(
            &config,
            &LevelFlags {
                warn: &warn,
                ..LevelFlags::default()
            },
        )
        .expect("levels");
        assert_eq!(levels.get(six), Level::Warning);
        let deny = vec!["duplicate-relationship".to_string()];
        let err = Levels::resolve(
            &config,
            &LevelFlags {
                warn: &warn,
                deny: &deny,
                ..LevelFlags::default()
            },
        )
        .expect_err("conflict");
        assert_eq!(err, "CSP006 is given to both --warn and --deny");
    }
}
