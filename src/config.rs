//! `csp-audit.toml`: rule levels, `fail-on`, rule parameters and the allow-list.
//!
//! The file is found next to the data (`DIR/csp-audit.toml`) or given with `--config`. Levels
//! from the file and from `--warn/--deny/--allow` are resolved into one [`Levels`] table, which is
//! the only place where a finding's severity is decided. Every problem in the file is reported as
//! `FILE:LINE:COLUMN: message`.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use crate::graph::Network;
use crate::load::InputError;
use crate::model::Date;
use crate::rules::{stale_allow_rule, Entity, Finding, Params, RuleId, Severity, REGISTRY};

/// The file name looked for in the data folder.
pub const CONFIG_FILE: &str = "csp-audit.toml";

/// A problem with the configuration file (or a level flag), with its position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The file as the user named it (or `command line`).
    pub file: String,
    /// Line, 1-based.
    pub line: usize,
    /// Column (character), 1-based.
    pub column: usize,
    /// What is wrong and what was expected.
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ConfigError {}

impl From<ConfigError> for InputError {
    fn from(e: ConfigError) -> Self {
        InputError::new(
            &Arc::from(e.file.as_str()),
            e.line as u64,
            e.column as u64,
            e.message,
        )
    }
}

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
                    _ => e.id(net) == want,
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
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawConfig {
    fail_on: Option<Spanned<FailOn>>,
    #[serde(default)]
    rules: BTreeMap<Spanned<String>, Spanned<Level>>,
    #[serde(default)]
    params: RawParams,
    #[serde(default)]
    allow: Vec<Spanned<RawAllow>>,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawParams {
    mpa_cutoff: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    rule: Spanned<String>,
    entities: Spanned<Vec<String>>,
    reason: Spanned<String>,
    owner: Option<String>,
    expires: Option<Spanned<toml::Value>>,
}

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
    fn error(&self, span: Option<Range<usize>>, message: impl Into<String>) -> ConfigError {
        let (line, column) = span.map_or((1, 1), |s| line_col(self.text, s.start));
        ConfigError {
            file: self.file.to_string(),
            line,
            column,
            message: message.into(),
        }
    }

    fn line(&self, span: Range<usize>) -> u32 {
        line_col(self.text, span.start).0 as u32
    }

    fn rule(&self, name: &str, span: Range<usize>) -> Result<RuleId, ConfigError> {
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

    fn date(&self, v: &Spanned<toml::Value>, what: &str) -> Result<Date, ConfigError> {
        let parsed = match v.get_ref() {
            toml::Value::String(s) => Date::parse_from_str(s, "%Y-%m-%d").ok(),
            toml::Value::Datetime(dt) if dt.time.is_none() && dt.offset.is_none() => dt
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
}

impl Config {
    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
            file: file.clone(),
            line: 1,
            column: 1,
            message: format!("cannot read the configuration: {e}"),
        })?;
        Config::parse(&file, &text)
    }

    /// Parses configuration text; `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Config, ConfigError> {
        let src = Source { file, text };
        let raw: RawConfig = toml::from_str(text)
            .map_err(|e| src.error(e.span(), e.message().trim_end().to_string()))?;
        let mut config = Config {
            file: Some(file.to_string()),
            fail_on: raw.fail_on.map(Spanned::into_inner),
            ..Config::default()
        };
        for (name, level) in &raw.rules {
            // An unknown rule is pointed at where it is named: the key, not its level.
            let rule = src.rule(name.get_ref(), name.span())?;
            config.levels.insert(rule, *level.get_ref());
        }
        if let Some(v) = &raw.params.mpa_cutoff {
            config.params.mpa_cutoff = src.date(v, "mpa-cutoff")?;
        }
        for entry in &raw.allow {
            let line = src.line(entry.span());
            let e = entry.get_ref();
            let rule = src.rule(e.rule.get_ref(), e.rule.span())?;
            if e.entities.get_ref().is_empty() {
                return Err(src.error(
                    Some(e.entities.span()),
                    "empty entities: an allow entry names the ids of the finding it excuses \
                     (to switch a rule off, set its level to \"off\")",
                ));
            }
            if e.reason.get_ref().trim().is_empty() {
                return Err(src.error(
                    Some(e.reason.span()),
                    "empty reason: say why the exception is accepted",
                ));
            }
            let expires = e
                .expires
                .as_ref()
                .map(|v| src.date(v, "expires"))
                .transpose()?;
            config.allow.push(AllowEntry {
                rule,
                entities: e.entities.get_ref().clone(),
                reason: e.reason.get_ref().clone(),
                owner: e.owner.clone(),
                expires,
                line,
            });
        }
        Ok(config)
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
