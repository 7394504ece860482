//! `csp-audit audit`: resolve the plan (paths, source, configuration, levels, baseline, regions,
//! today, load options, outputs) in one step that returns every problem at once → load → rules
//! → triage → reports → exit code.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::output::write_report;
use crate::audit::{load_network_with, network_rules, LoadedNetwork};
use crate::baseline::Baseline;
use crate::cli::{AuditArgs, Format, InputEncoding, ReportSpec, SourceKind};
use crate::cmd;
use crate::cmd::progress::LoadBar;
use crate::config::{Config, FailOn, LevelFlags, Levels, CONFIG_FILE};
use crate::exit::Exit;
use crate::graph::Network;
use crate::load::{builtin_regions, check_dir, load_regions, Encoding, InputPaths, LoadOptions};
use crate::messages::say;
use crate::model::{CoverageStatus, Date, InputFile, Model, RegionTable};
use crate::problem::{Problem, USAGE_FILE};
use crate::report::{plural, CiInfo, Report};
use crate::rules::{
    self, rejected_row_rule, sort_findings, stale_allow_rule, Finding, RowRef, RuleId, Severity,
};
use crate::triage::{against_baseline, triage};

/// How many input errors the text output lists before giving the count.
const SHOWN_ERRORS: usize = 100;

/// What an audit run reads and how, resolved from the command line and the files it names.
struct Plan {
    /// The three contract files (or the folder's, for Partner Center input).
    paths: InputPaths,
    /// How the data folder is read.
    source: SourceKind,
    /// The configuration (defaults when there is no file).
    config: Config,
    /// Every rule's level.
    levels: Levels,
    /// "Today" for allow-list expiry.
    today: Date,
    /// The baseline to compare with.
    baseline: Option<Baseline>,
    /// The region table.
    regions: RegionTable,
    /// How the contract files are read.
    opts: LoadOptions,
}

/// Why the plan could not be resolved: every problem found, and what kind stops the run (the
/// kind of the first one, in the order the steps are resolved).
struct Rejected {
    stopped: Stopped,
    problems: Vec<Problem>,
}

/// Resolves everything the run needs before it reads the input; on failure, every problem at
/// once (a later step that depends on a failed one is not tried).
fn resolve(args: &AuditArgs) -> Result<Plan, Rejected> {
    let mut problems: Vec<(Stopped, Problem)> = Vec::new();
    let usage = |problems: &mut Vec<(Stopped, Problem)>, message: String| {
        problems.push((Stopped::Usage, Problem::usage(message)));
    };
    if let Err(e) = distinct_outputs(args) {
        usage(&mut problems, e);
    }
    let paths = input_paths(args)
        .map_err(|e| usage(&mut problems, e.to_string()))
        .ok();
    let config = load_config(args)
        .map_err(|errors| {
            // Every problem of the file at once, not one per run.
            problems.extend(errors.into_iter().map(|e| (Stopped::Config, e)));
        })
        .ok();
    let flags = LevelFlags {
        warn: &args.warn,
        deny: &args.deny,
        allow: &args.allow,
    };
    let levels = Levels::resolve(config.as_ref().unwrap_or(&Config::default()), &flags)
        .map_err(|e| usage(&mut problems, e))
        .ok();
    let today = today(args).map_err(|e| usage(&mut problems, e)).ok();
    let baseline = match args.baseline.as_deref().map(Baseline::load).transpose() {
        Ok(b) => Some(b),
        Err(e) => {
            problems.push((Stopped::Baseline, e));
            None
        }
    };
    let regions = match &args.regions {
        None => Some(builtin_regions()),
        Some(path) => load_regions(path)
            .map_err(|errors| problems.extend(errors.into_iter().map(|e| (Stopped::Input, e))))
            .ok(),
    };
    // A data folder that is none is one problem, not three missing files.
    let dir_problem = args
        .dir
        .as_deref()
        .filter(|_| !all_files_named(args))
        .and_then(check_dir);
    let dir_ok = dir_problem.is_none();
    problems.extend(dir_problem.map(|e| (Stopped::Input, e)));
    let source = match (&args.dir, args.source) {
        (Some(dir), asked) if from_dir_only(args) => {
            if dir_ok {
                cmd::import::choose(dir, asked)
                    .map_err(|e| usage(&mut problems, e))
                    .ok()
            } else {
                None
            }
        }
        (_, SourceKind::PartnerCenter) if paths.is_some() => {
            usage(
                &mut problems,
                "--source partner-center reads a folder: give DIR without --partners, \
                 --tenants or --relationships"
                    .into(),
            );
            None
        }
        _ => Some(SourceKind::Contract),
    };
    match (paths, config, levels, today, baseline, regions, source) {
        (
            Some(paths),
            Some(config),
            Some(levels),
            Some(today),
            Some(baseline),
            Some(regions),
            Some(source),
        ) if problems.is_empty() => {
            let opts = LoadOptions {
                delimiter: args.delimiter,
                encoding: match args.encoding {
                    InputEncoding::Utf8 => Encoding::Utf8,
                    InputEncoding::Windows1252 => Encoding::Windows1252,
                },
                columns: config.columns.clone(),
                ..LoadOptions::default()
            };
            Ok(Plan {
                paths,
                source,
                config,
                levels,
                today,
                baseline,
                regions,
                opts,
            })
        }
        _ => Err(Rejected {
            stopped: problems.first().map_or(Stopped::Usage, |(s, _)| *s),
            problems: problems.into_iter().map(|(_, p)| p).collect(),
        }),
    }
}

/// Runs `csp-audit audit`.
pub fn run(args: &AuditArgs) -> anyhow::Result<Exit> {
    let plan = match resolve(args) {
        Ok(plan) => plan,
        Err(rejected) => {
            let net = Network::build(Model::default());
            // Whatever stopped the run, no rule ran: every report says so.
            let ci = not_run(rejected.stopped);
            return stop(args, &net, &rejected.problems, &[], &ci, rejected.stopped);
        }
    };
    let Plan {
        paths,
        source,
        config,
        levels,
        today,
        baseline,
        regions,
        opts,
    } = plan;
    let (loaded, paths) = match (source, &args.dir) {
        (SourceKind::PartnerCenter, Some(dir)) => {
            let pc = crate::load::partner_center::load_dir(dir, regions);
            cmd::import::warn(&pc);
            let loaded = LoadedNetwork {
                net: Network::build(pc.loaded.model),
                errors: pc.loaded.errors,
                notes: pc.loaded.notes,
            };
            (loaded, None)
        }
        _ => {
            // The bar is told by the loader and taken off once the network is loaded.
            let bar = LoadBar::new(args.quiet);
            let opts = LoadOptions {
                progress: bar.as_ref().map(LoadBar::sink),
                ..opts
            };
            let loaded = load_network_with(&paths, regions, &opts);
            if let Some(bar) = bar {
                bar.finish();
            }
            (loaded, Some(paths))
        }
    };
    for note in &loaded.notes {
        say(note);
    }
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(FailOn::Error);
    let coverage = rules::coverage(&loaded.net.model);
    let not_checked = |r: RuleId| {
        coverage
            .iter()
            .find(|c| c.code == r.info().code && c.status == CoverageStatus::NotChecked)
    };
    let mut ci = CiInfo {
        paths,
        config_file: config.file.clone(),
        fail_at: match fail_on {
            _ if args.exit_zero || args.write_baseline.is_some() => None,
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Never => None,
        },
        skipped: switched_off(args, &config, &levels),
        ..CiInfo::default()
    };
    let mut rules: Vec<RuleId> = Vec::new();
    for r in network_rules().into_iter().filter(|r| levels.enabled(*r)) {
        match not_checked(r) {
            Some(c) => ci.skipped.push((r, format!("not checked: {}", c.reason))),
            None => rules.push(r),
        }
    }
    ci.coverage = coverage.clone();
    if !loaded.errors.is_empty() && !args.keep_going {
        let why = format!(
            "not run: {} in the input, nothing was audited",
            plural(crate::problem::problem_count(&loaded.errors), "problem")
        );
        ci.skipped.extend(rules.iter().map(|r| (*r, why.clone())));
        ci.skipped.sort_by_key(|(r, _)| *r);
        return stop(args, &loaded.net, &loaded.errors, &[], &ci, Stopped::Input);
    }
    ci.skipped.sort_by_key(|(r, _)| *r);
    let mut findings = rules::run(&loaded.net, &config.params, |r| rules.contains(&r));
    if args.keep_going && levels.enabled(rejected_row_rule()) {
        rules.push(rejected_row_rule());
        findings.extend(loaded.errors.iter().map(rejected_row_finding));
        sort_findings(&loaded.net, &mut findings);
    }
    if !config.allow.is_empty() && levels.enabled(stale_allow_rule()) {
        rules.push(stale_allow_rule());
    }
    let triaged = triage(&loaded.net, findings, &config, &levels, today);

    if let Some(path) = &args.write_baseline {
        let (fs, fps) = triaged.to_record();
        Baseline::of(&loaded.net, &fs, &fps)
            .save(path)
            .with_context(|| format!("cannot write the baseline to {}", path.display()))?;
        say(format_args!(
            "wrote {} fingerprints to {}",
            fs.len(),
            path.display()
        ));
    }
    let part = against_baseline(
        triaged.reported,
        &triaged.allowed,
        baseline.as_ref(),
        &rules,
    );
    ci.allowed = triaged.allowed;
    ci.baseline = part.counts;
    ci.fixed = part.fixed;
    ci.marks = part.marks;
    let findings = part.findings;
    let report = Report {
        net: &loaded.net,
        findings: &findings,
        errors: &loaded.errors,
        rules: &rules,
        ci: &ci,
    };
    write_report(args.format, args.output.as_deref(), &report)?;
    write_extra_reports(args, &report)?;
    if args.format != Format::Text || args.output.is_some() {
        // The text report on a terminal ends with these lines; every other run says them on
        // standard error, so that no rule looks checked and no column read when it was not.
        coverage_notes(&report);
    }
    Ok(if !loaded.errors.is_empty() {
        Exit::BadInput
    } else if args.exit_zero || args.write_baseline.is_some() || !fails(&findings, fail_on) {
        Exit::Clean
    } else {
        Exit::Findings
    })
}

/// Says on standard error which rules did not run or ran in part, and which columns were
/// ignored, absent or read under another name.
fn coverage_notes(report: &Report<'_>) {
    for c in report.coverage() {
        say(format_args!(
            "note: {} {}: {}",
            c.code,
            c.status.as_str().replace('_', " "),
            c.reason
        ));
    }
    for line in report.column_lines() {
        say(format_args!("note: columns of {line}"));
    }
}

/// Whether DIR's files are all named by flags (so DIR is not read as a folder).
fn all_files_named(args: &AuditArgs) -> bool {
    args.partners.is_some() && args.tenants.is_some() && args.relationships.is_some()
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
fn load_config(args: &AuditArgs) -> Result<Config, Vec<Problem>> {
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

/// A path's identity for comparing outputs: the file it resolves to when it (or its folder)
/// exists, so `a.sarif`, `./a.sarif` and `out/../a.sarif` are one file.
fn file_identity(path: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(path) {
        return p;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (std::fs::canonicalize(parent), path.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => path.components().collect(),
    }
}

/// Every file the run writes must be its own: two reports on one path would lose one.
fn distinct_outputs(args: &AuditArgs) -> Result<(), String> {
    let mut seen: Vec<(PathBuf, String)> = Vec::new();
    let named = args
        .output
        .iter()
        .map(|p| (p, "--output".to_string()))
        .chain(args.reports.iter().map(|r| {
            let format = format!("{:?}", r.format).to_lowercase();
            (&r.path, format!("--report {format}="))
        }))
        .chain(
            args.write_baseline
                .iter()
                .map(|p| (p, "--write-baseline".to_string())),
        );
    for (path, flag) in named {
        let id = file_identity(path);
        if let Some((_, first)) = seen.iter().find(|(p, _)| *p == id) {
            return Err(format!(
                "{first} and {flag} name the same file '{}': give each output its own path",
                path.display()
            ));
        }
        seen.push((id, flag));
    }
    Ok(())
}

/// Whether the input is DIR alone (no file of it named by a flag), so DIR may be any source.
fn from_dir_only(args: &AuditArgs) -> bool {
    args.partners.is_none() && args.tenants.is_none() && args.relationships.is_none()
}

/// The rules switched off, with who switched them off.
fn switched_off(args: &AuditArgs, config: &Config, levels: &Levels) -> Vec<(RuleId, String)> {
    RuleId::all()
        .filter(|r| !levels.enabled(*r))
        .map(|r| {
            let by_flag = args.allow.iter().any(|name| RuleId::find(name) == Some(r));
            let why = match (&config.file, by_flag) {
                (_, true) => "switched off by --allow".to_string(),
                (Some(file), false) => format!("switched off in {file}"),
                (None, false) => "switched off".to_string(),
            };
            (r, why)
        })
        .collect()
}

/// A rejected input row as a finding, so that `--keep-going` leaves nothing silent.
fn rejected_row_finding(e: &Problem) -> Finding {
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

/// A report's CI part when nothing ran: every rule is listed as not run, with why.
fn not_run(stopped: Stopped) -> CiInfo {
    let why = match stopped {
        Stopped::Input => "not run: bad input, nothing was audited",
        Stopped::Config => "not run: invalid configuration, nothing was audited",
        Stopped::Baseline => "not run: invalid baseline, nothing was audited",
        Stopped::Usage => "not run: bad usage, nothing was audited",
    };
    CiInfo {
        skipped: network_rules()
            .into_iter()
            .map(|r| (r, why.to_string()))
            .collect(),
        ..CiInfo::default()
    }
}

/// Ends a run that cannot audit, with exit code 2. The problems are listed on standard error
/// for the text and CSV formats, and are in every report: the machine formats carry them
/// (JSON `errors`, SARIF notifications, a failed JUnit case, ...), so a CI job can parse a failed
/// run, and every `--output`/`--report` file is written, so none is left from an earlier run.
fn stop(
    args: &AuditArgs,
    net: &Network,
    errors: &[Problem],
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

/// The `--format`, `--output` and `--report` of a command line that clap rejected, recovered
/// from the raw arguments, so that a bad flag still leaves no stale report behind.
#[derive(Debug, PartialEq, Eq)]
struct Outputs {
    format: Format,
    output: Option<PathBuf>,
    reports: Vec<ReportSpec>,
}

/// A format name as given, or the closest one (`sarf` → SARIF); `None` when nothing is close.
fn format_named(name: &str) -> Option<Format> {
    use clap::ValueEnum;
    if let Ok(f) = Format::from_str(name, true) {
        return Some(f);
    }
    Format::value_variants()
        .iter()
        .filter_map(|v| Some((*v, v.to_possible_value()?.get_name().to_string())))
        .map(|(v, n)| (strsim::jaro_winkler(&n, &name.to_lowercase()), v))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, v)| v)
}

/// Reads the output flags of `csp-audit audit ...` from the raw arguments (`None` for another
/// subcommand).
fn recover_outputs(raw: &[OsString]) -> Option<Outputs> {
    let args: Vec<String> = raw
        .iter()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if args.first().map(String::as_str) != Some("audit") {
        return None;
    }
    let mut out = Outputs {
        format: Format::Text,
        output: None,
        reports: Vec::new(),
    };
    let mut it = args.iter().skip(1);
    while let Some(arg) = it.next() {
        if arg == "--" {
            break;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ if arg.starts_with("-o") && arg.len() > 2 && !arg.starts_with("--") => {
                ("-o", Some(arg[2..].to_string()))
            }
            _ => (arg.as_str(), None),
        };
        if !matches!(flag, "--format" | "--output" | "-o" | "--report") {
            continue;
        }
        let Some(value) = inline.or_else(|| it.next().cloned()) else {
            break;
        };
        match flag {
            // An unknown --format still names a report: the closest format, else JSON.
            "--format" => out.format = format_named(&value).unwrap_or(Format::Json),
            "--output" | "-o" => out.output = Some(PathBuf::from(value)),
            _ => {
                if let Some((f, path)) = value.split_once('=') {
                    if let (Some(format), false) = (format_named(f), path.is_empty()) {
                        out.reports.push(ReportSpec {
                            format,
                            path: PathBuf::from(path),
                        });
                    }
                }
            }
        }
    }
    Some(out)
}

/// A clap error as one line for a report: its first paragraph, without `error: `.
pub fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let first = text.split("\n\n").next().unwrap_or_default();
    let line = first
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    line.strip_prefix("error: ").unwrap_or(&line).to_string()
}

/// Ends a run whose command line clap rejected (clap has printed its message): the machine
/// report carrying the problem (file `command line`) goes to standard output and to every
/// `--output`/`--report` path that the raw arguments name, so none is left from an earlier run.
pub fn usage_failure(raw: &[OsString], message: &str) -> Exit {
    let Some(outputs) = recover_outputs(raw) else {
        return Exit::BadInput;
    };
    let net = Network::build(Model::default());
    let errors = [Problem::usage(message)];
    let ci = not_run(Stopped::Usage);
    let report = Report {
        net: &net,
        findings: &[],
        errors: &errors,
        rules: &[],
        ci: &ci,
    };
    let human = matches!(outputs.format, Format::Text | Format::Csv);
    let mut targets: Vec<(Format, Option<&Path>)> = Vec::new();
    if !human || outputs.output.is_some() {
        targets.push((outputs.format, outputs.output.as_deref()));
    }
    targets.extend(
        outputs
            .reports
            .iter()
            .map(|r| (r.format, Some(r.path.as_path()))),
    );
    for (format, path) in targets {
        if let Err(e) = write_report(format, path, &report) {
            say(format_args!("error: {e:#}"));
        }
    }
    Exit::BadInput
}

/// Lists the problems on standard error: the first [`SHOWN_ERRORS`], how many more there are,
/// the rows read, loaded and rejected per file (when the files were read), and a closing line.
/// A closed or full standard error does not change the outcome: the run still exits 2.
fn list_problems(errors: &[Problem], files: Option<(&InputPaths, &Network)>, stopped: Stopped) {
    let mut text = String::new();
    let (shown, more) = crate::problem::listing(errors, SHOWN_ERRORS);
    for e in shown {
        // A command-line problem is said as it is, without its made-up file name.
        text += &if stopped != Stopped::Input && &*e.file == USAGE_FILE {
            format!("error: {}\n", e.message)
        } else {
            format!("{e}\n")
        };
    }
    if more > 0 {
        text += &format!("... and {} not listed\n", plural(more, "more problem"));
    }
    if let Some((paths, net)) = files {
        for file in InputFile::ALL {
            let st = net.model.stats(file);
            let skipped = match st.skipped {
                0 => String::new(),
                n => format!(", {n} skipped"),
            };
            text += &format!(
                "{}: {} read, {} loaded, {} rejected{skipped}\n",
                paths.get(file).display(),
                plural(st.read, "row"),
                st.loaded,
                st.rejected
            );
        }
    }
    let total = crate::problem::problem_count(errors);
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
