//! The binary's logic: run a parsed command line, return the exit code.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anstream::{AutoStream, ColorChoice};
use anyhow::Context;

use crate::audit::{load_network, network_rules};
use crate::baseline::{fingerprints, hash_parts, Baseline};
use crate::cli::{AuditArgs, Cli, Command, FailOn, Format, ImportWhat, RulesFormat, SourceKind};
use crate::config::{self, Config, ConfigError, LevelFlags, Levels, CONFIG_FILE};
use crate::exit::Exit;
use crate::graph::Network;
use crate::load::{builtin_regions, load_regions, InputError, InputPaths};
use crate::model::{Date, InputFile, Model};
use crate::report::{
    plural, Allowed, BaselineCounts, CiInfo, CsvEmitter, Emitter, GithubEmitter, JsonEmitter,
    JunitEmitter, Mark, MarkdownEmitter, Report, SarifEmitter, TextEmitter,
};
use crate::rules::{
    self, rejected_row_rule, sort_findings, stale_allow_rule, Finding, RowRef, RuleId, Severity,
    REGISTRY,
};

/// How many input errors the text output lists before giving the count.
const SHOWN_ERRORS: usize = 100;

/// Runs a command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Audit(args) => run_audit(&args),
        Command::Generate(args) => crate::generate::run(&args),
        Command::Import {
            what: ImportWhat::PartnerCenter { dir, out, regions },
        } => crate::cmd::import::run(&dir, &out, regions.as_deref()),
        Command::Explain { rule } if rule.eq_ignore_ascii_case("partner-center") => {
            let mut out = stdout();
            writeln!(out, "{}", crate::load::partner_center::MAPPING)?;
            out.flush()?;
            Ok(Exit::Clean)
        }
        Command::Rules { format } => {
            rules_table(format, &mut stdout())?;
            Ok(Exit::Clean)
        }
        Command::Explain { rule } => match RuleId::find(&rule) {
            Some(id) => {
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
            None => {
                let hint = config::rule_hint(&rule);
                say(format_args!(
                    "error: unknown rule '{rule}'{hint}: see `csp-audit rules`"
                ));
                Ok(Exit::BadInput)
            }
        },
    }
}

/// Buffered standard output that drops colour unless it is a terminal.
fn stdout() -> BufWriter<AutoStream<io::Stdout>> {
    let choice = AutoStream::choice(&io::stdout());
    BufWriter::with_capacity(1 << 16, AutoStream::new(io::stdout(), choice))
}

fn rules_table(format: RulesFormat, out: &mut dyn Write) -> io::Result<()> {
    match format {
        RulesFormat::Text => {
            writeln!(
                out,
                "{:<7} {:<32} {:<8} summary",
                "code", "name", "severity"
            )?;
            for r in REGISTRY {
                writeln!(
                    out,
                    "{:<7} {:<32} {:<8} {}",
                    r.code,
                    r.name,
                    r.default_severity.as_str(),
                    r.summary
                )?;
            }
        }
        RulesFormat::Json => {
            let rows: Vec<serde_json::Value> = REGISTRY
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.code,
                        "name": r.name,
                        "severity": r.default_severity.as_str(),
                        "summary": r.summary,
                    })
                })
                .collect();
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
    }
    out.flush()
}

fn input_paths(args: &AuditArgs) -> anyhow::Result<InputPaths> {
    let base = match (
        &args.dir,
        &args.partners,
        &args.tenants,
        &args.relationships,
    ) {
        (Some(dir), ..) => InputPaths::in_dir(dir),
        (None, Some(p), Some(t), Some(r)) => InputPaths {
            partners: p.clone(),
            tenants: t.clone(),
            relationships: r.clone(),
        },
        _ => anyhow::bail!(
            "no data folder: give DIR, or all of --partners, --tenants and --relationships"
        ),
    };
    Ok(InputPaths {
        partners: args.partners.clone().unwrap_or(base.partners),
        tenants: args.tenants.clone().unwrap_or(base.tenants),
        relationships: args.relationships.clone().unwrap_or(base.relationships),
    })
}

fn fails(findings: &[Finding], fail_on: FailOn) -> bool {
    let threshold = match fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Never => return false,
    };
    findings.iter().any(|f| f.severity >= threshold)
}

/// The configuration: `--config FILE`, else `DIR/csp-audit.toml` when it exists, else defaults.
fn load_config(args: &AuditArgs) -> Result<Config, ConfigError> {
    let path = match (&args.config, &args.dir) {
        (Some(p), _) => p.clone(),
        (None, Some(dir)) if dir.join(CONFIG_FILE).is_file() => dir.join(CONFIG_FILE),
        _ => return Ok(Config::default()),
    };
    Config::load(&path)
}

/// "Today" for allow-list expiry: `--today`, else `$CSP_AUDIT_TODAY`, else the system date (UTC).
fn today(args: &AuditArgs) -> Result<Date, String> {
    let given = args.today.clone().map(|d| ("--today", d)).or_else(|| {
        std::env::var("CSP_AUDIT_TODAY")
            .ok()
            .map(|d| ("CSP_AUDIT_TODAY", d))
    });
    match given {
        Some((what, text)) => Date::parse_from_str(text.trim(), "%Y-%m-%d")
            .map_err(|_| format!("invalid date '{text}' in {what}: expected YYYY-MM-DD")),
        None => {
            let secs = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let epoch = Date::from_ymd_opt(1970, 1, 1).unwrap_or_default();
            Ok(epoch + chrono::Days::new(secs / 86_400))
        }
    }
}

/// Findings after the allow-list: reported ones (with marks), allowed ones, and a CSP101 finding
/// for every entry that matched nothing or has expired.
struct Triaged {
    reported: Vec<(Finding, Mark)>,
    allowed: Vec<Allowed>,
}

fn triage(
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
        let mut seen: std::collections::HashMap<(&str, &[String]), usize> = Default::default();
        for (entry, matched) in config.allow.iter().zip(matched) {
            if let Some(message) = config::stale_message(entry, matched, today) {
                let code = entry.rule.info().code;
                let n = seen.entry((code, &entry.entities)).or_default();
                *n += 1;
                let occurrence = format!("#{n}");
                let mut parts = vec!["csp-audit/1", "CSP101", code];
                parts.extend(entry.entities.iter().map(String::as_str));
                parts.push(&occurrence);
                out.reported.push((
                    config::stale_finding(entry, message),
                    Mark {
                        fingerprint: hash_parts(parts),
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

fn run_audit(args: &AuditArgs) -> anyhow::Result<Exit> {
    let paths = match input_paths(args) {
        Ok(p) => p,
        Err(e) => return stop_early(args, Stopped::Usage, usage_error(e.to_string())),
    };
    let config = match load_config(args) {
        Ok(c) => c,
        Err(e) => return stop_early(args, Stopped::Config, e.into()),
    };
    let flags = LevelFlags {
        warn: &args.warn,
        deny: &args.deny,
        allow: &args.allow,
    };
    let (levels, today) = match (Levels::resolve(&config, &flags), today(args)) {
        (Ok(levels), Ok(today)) => (levels, today),
        (Err(e), _) | (_, Err(e)) => return stop_early(args, Stopped::Usage, usage_error(e)),
    };
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(b) => b,
        Err(e) => return stop_early(args, Stopped::Baseline, e),
    };
    let regions = match &args.regions {
        None => builtin_regions(),
        Some(path) => match load_regions(path) {
            Ok(table) => table,
            Err(errors) => {
                let net = Network::build(Model::default());
                return stop(args, &net, &errors, &[], &CiInfo::default(), Stopped::Input);
            }
        },
    };
    let source = match (&args.dir, args.source) {
        (Some(dir), asked) if args.partners.is_none() && args.tenants.is_none() && args.relationships.is_none() => {
            match crate::cmd::import::choose(dir, asked) {
                Ok(s) => s,
                Err(e) => return stop_early(args, Stopped::Usage, usage_error(e)),
            }
        }
        (_, SourceKind::PartnerCenter) => {
            return stop_early(
                args,
                Stopped::Usage,
                usage_error("--source partner-center reads a folder: give DIR without --partners, --tenants or --relationships".into()),
            )
        }
        _ => SourceKind::Contract,
    };
    let (loaded, paths) = match (source, &args.dir) {
        (SourceKind::PartnerCenter, Some(dir)) => {
            let pc = crate::load::partner_center::load_dir(dir, regions);
            crate::cmd::import::warn(&pc);
            let loaded = crate::audit::LoadedNetwork {
                net: Network::build(pc.loaded.model),
                errors: pc.loaded.errors,
            };
            (loaded, None)
        }
        _ => (load_network(&paths, regions), Some(paths)),
    };
    let mut ci = CiInfo {
        paths,
        config_file: config.file.clone(),
        ..CiInfo::default()
    };
    let mut rules: Vec<RuleId> = network_rules()
        .into_iter()
        .filter(|r| levels.enabled(*r))
        .collect();
    if !loaded.errors.is_empty() && !args.keep_going {
        return stop(
            args,
            &loaded.net,
            &loaded.errors,
            &rules,
            &ci,
            Stopped::Input,
        );
    }
    let mut findings = rules::run(&loaded.net, &config.params, |r| levels.enabled(r));
    if args.keep_going && levels.enabled(rejected_row_rule()) {
        rules.push(rejected_row_rule());
        findings.extend(loaded.errors.iter().map(rejected_row_finding));
        sort_findings(&loaded.net, &mut findings);
    }
    if !config.allow.is_empty() && levels.enabled(stale_allow_rule()) {
        rules.push(stale_allow_rule());
    }
    let triaged = triage(&loaded.net, findings, &config, &levels, today);
    ci.allowed = triaged.allowed;

    if let Some(path) = &args.write_baseline {
        let (fs, fps): (Vec<&Finding>, Vec<&str>) = triaged
            .reported
            .iter()
            .map(|(f, m)| (f, m.fingerprint.as_str()))
            .unzip();
        Baseline::of(&loaded.net, &fs, &fps)
            .save(path)
            .with_context(|| format!("cannot write the baseline to {}", path.display()))?;
        say(format_args!(
            "wrote {} fingerprints to {}",
            fs.len(),
            path.display()
        ));
    }
    let (findings, marks): (Vec<Finding>, Vec<Mark>) = match &baseline {
        None => triaged.reported.into_iter().unzip(),
        Some(b) => {
            let known = b.fingerprints();
            let current: std::collections::BTreeSet<&str> = triaged
                .reported
                .iter()
                .map(|(_, m)| m.fingerprint.as_str())
                .chain(ci.allowed.iter().map(|a| a.mark.fingerprint.as_str()))
                .collect();
            // A recorded finding of a rule that did not run this time is not known to be fixed.
            let ran: std::collections::BTreeSet<&str> =
                rules.iter().map(|r| r.info().code).collect();
            let fixed = b
                .findings
                .iter()
                .filter(|e| ran.contains(e.rule.as_str()))
                .map(|e| e.fingerprint.as_str())
                .collect::<std::collections::BTreeSet<_>>()
                .difference(&current)
                .count();
            let (old, new): (Vec<_>, Vec<_>) = triaged
                .reported
                .into_iter()
                .partition(|(_, m)| known.contains(m.fingerprint.as_str()));
            ci.baseline = Some(BaselineCounts {
                baselined: old.len(),
                fixed,
            });
            new.into_iter().unzip()
        }
    };
    ci.marks = marks;
    let report = Report {
        net: &loaded.net,
        findings: &findings,
        errors: &loaded.errors,
        rules: &rules,
        ci: &ci,
    };
    write_report(args.format, args.output.as_deref(), &report)?;
    write_extra_reports(args, &report)?;
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(FailOn::Error);
    Ok(if !loaded.errors.is_empty() {
        Exit::BadInput
    } else if args.exit_zero || args.write_baseline.is_some() || !fails(&findings, fail_on) {
        Exit::Clean
    } else {
        Exit::Findings
    })
}

/// A rejected input row as a finding, so that `--keep-going` leaves nothing silent.
fn rejected_row_finding(e: &InputError) -> Finding {
    let mut f = Finding::new(
        rejected_row_rule(),
        format!("{}:{}:{}: {}", e.file, e.line, e.column, e.message),
    );
    if let Some(file) = e.input {
        f.rows.push(RowRef {
            file,
            line: e.line as u32,
        });
    }
    f
}

fn emitter(format: Format) -> &'static dyn Emitter {
    match format {
        Format::Text => &TextEmitter,
        Format::Json => &JsonEmitter,
        Format::Sarif => &SarifEmitter,
        Format::Junit => &JunitEmitter,
        Format::Github => &GithubEmitter,
        Format::Markdown => &MarkdownEmitter,
        Format::Csv => &CsvEmitter,
    }
}

/// Writes one report to `path`, or to standard output.
fn write_report(format: Format, path: Option<&Path>, report: &Report<'_>) -> anyhow::Result<()> {
    let emitter = emitter(format);
    match path {
        Some(path) => {
            let file = File::create(path)
                .with_context(|| format!("cannot write report to {}", path.display()))?;
            let mut out = BufWriter::new(AutoStream::new(file, colour(format, ColorChoice::Never)));
            emitter.emit(report, &mut out)?;
            out.flush()
                .with_context(|| format!("cannot write report to {}", path.display()))?;
        }
        None => {
            let choice = colour(format, AutoStream::choice(&io::stdout()));
            let mut out = BufWriter::with_capacity(1 << 16, AutoStream::new(io::stdout(), choice));
            match emitter.emit(report, &mut out).and_then(|()| out.flush()) {
                // A closed pipe (`csp-audit audit DIR | head`) is a reader that has read
                // enough: the run ends quietly, with the exit code of what it found.
                Err(e) if is_broken_pipe(&e) => {}
                written => written?,
            }
        }
    }
    Ok(())
}

/// Only the text report has colour: the other formats pass through untouched, which spares
/// them the scan for escape sequences.
fn colour(format: Format, text_choice: ColorChoice) -> ColorChoice {
    if format == Format::Text {
        text_choice
    } else {
        ColorChoice::AlwaysAnsi
    }
}

/// Whether writing failed because the reader closed the pipe, also when an emitter wrapped
/// that error (as serde_json does).
fn is_broken_pipe(e: &io::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = e.get_ref().map(|e| e as _);
    while let Some(inner) = source {
        let kind = inner
            .downcast_ref::<io::Error>()
            .map(io::Error::kind)
            .or_else(|| inner.downcast_ref::<serde_json::Error>()?.io_error_kind());
        if kind == Some(io::ErrorKind::BrokenPipe) {
            return true;
        }
        source = inner.source();
    }
    e.kind() == io::ErrorKind::BrokenPipe
}

/// Writes the `--report FORMAT=PATH` reports.
fn write_extra_reports(args: &AuditArgs, report: &Report<'_>) -> anyhow::Result<()> {
    for spec in &args.reports {
        write_report(spec.format, Some(&spec.path), report)?;
    }
    Ok(())
}

/// What stopped a run before it audited anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stopped {
    /// Problems in the input files or the region table.
    Input,
    /// A bad `csp-audit.toml`.
    Config,
    /// A bad baseline file.
    Baseline,
    /// A bad combination of flags or values on the command line.
    Usage,
}

/// A command-line problem, for the reports' `errors` arrays.
fn usage_error(message: String) -> InputError {
    InputError::whole_file(&"command line".into(), message)
}

/// [`stop`] before any input was read.
fn stop_early(args: &AuditArgs, stopped: Stopped, error: InputError) -> anyhow::Result<Exit> {
    let net = Network::build(Model::default());
    stop(args, &net, &[error], &[], &CiInfo::default(), stopped)
}

/// Ends a run that cannot audit, with exit code 2. The problems are listed on standard error
/// for the text and CSV formats, and are in every report: the machine formats carry them
/// (JSON `errors`, SARIF notifications, a failed JUnit case, ...), so a CI job can parse a failed
/// run, and every `--output`/`--report` file is written, so none is left from an earlier run.
fn stop(
    args: &AuditArgs,
    net: &Network,
    errors: &[InputError],
    rules: &[RuleId],
    ci: &CiInfo,
    stopped: Stopped,
) -> anyhow::Result<Exit> {
    let report = Report {
        net,
        findings: &[],
        errors,
        rules,
        ci,
    };
    let human = matches!(args.format, Format::Text | Format::Csv);
    let files = ci.paths.as_ref().map(|p| (p, net));
    if human {
        list_problems(errors, files, stopped);
    }
    let mut written = Ok(());
    if !human || args.output.is_some() {
        written = write_report(args.format, args.output.as_deref(), &report);
        if written.is_err() && !human {
            // The report that should have carried the problems could not be written.
            list_problems(errors, files, stopped);
        }
    }
    let extra = write_extra_reports(args, &report);
    written.and(extra).map(|()| Exit::BadInput)
}

/// Lists the problems on standard error: the first [`SHOWN_ERRORS`], how many more there are,
/// the rows read, loaded and rejected per file (when the files were read), and a closing line.
/// A closed or full standard error does not change the outcome: the run still exits 2.
fn list_problems(errors: &[InputError], files: Option<(&InputPaths, &Network)>, stopped: Stopped) {
    let mut text = String::new();
    let (shown, more) = crate::load::listing(errors, SHOWN_ERRORS);
    for e in shown {
        text += &match stopped {
            Stopped::Usage => format!("error: {}\n", e.message),
            _ => format!("{e}\n"),
        };
    }
    if more > 0 {
        text += &format!("... and {} not listed\n", plural(more, "more problem"));
    }
    if let Some((paths, net)) = files {
        for file in InputFile::ALL {
            let st = net.model.stats(file);
            text += &format!(
                "{}: {} read, {} loaded, {} rejected\n",
                paths.get(file).display(),
                plural(st.read, "row"),
                st.loaded,
                st.rejected
            );
        }
    }
    let total = crate::load::problem_count(errors);
    text += &match stopped {
        Stopped::Input => format!(
            "error: {} in the input; nothing was audited\n",
            plural(total, "problem")
        ),
        Stopped::Config => "error: invalid configuration; nothing was audited\n".to_string(),
        Stopped::Baseline => "error: invalid baseline; nothing was audited\n".to_string(),
        Stopped::Usage => String::new(),
    };
    say(text.trim_end());
}

/// Writes a line to standard error, ignoring a closed or failing stream (`eprintln!` would
/// panic there).
pub fn say(line: impl std::fmt::Display) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}
