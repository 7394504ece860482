//! The binary's logic: run a parsed command line, return the exit code.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anstream::{AutoStream, ColorChoice};
use anyhow::Context;

use crate::audit::{audit, load_network, network_rules};
use crate::cli::{AuditArgs, Cli, Command, FailOn, Format, RulesFormat};
use crate::exit::Exit;
use crate::load::{builtin_regions, load_regions, InputError, InputPaths};
use crate::report::{Emitter, JsonEmitter, Report, TextEmitter};
use crate::rules::{
    rejected_row_rule, sort_findings, Finding, Params, RowRef, RuleId, Severity, REGISTRY,
};

/// How many input errors the text output lists before giving the count.
const SHOWN_ERRORS: usize = 100;

/// Runs a command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Audit(args) => run_audit(&args),
        Command::Generate(args) => crate::generate::run(&args),
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
                let hint = crate::load::did_you_mean(
                    &rule,
                    REGISTRY.iter().flat_map(|r| [r.code, r.name]),
                );
                eprintln!("error: unknown rule '{rule}'{hint}: see `csp-audit rules`");
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

fn run_audit(args: &AuditArgs) -> anyhow::Result<Exit> {
    let paths = match input_paths(args) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("error: {e}");
            return Ok(Exit::BadInput);
        }
    };
    let regions = match &args.regions {
        None => builtin_regions(),
        Some(path) => match load_regions(path) {
            Ok(table) => table,
            Err(errors) => {
                report_input_errors(args, &errors)?;
                return Ok(Exit::BadInput);
            }
        },
    };
    let loaded = load_network(&paths, regions);
    if !loaded.errors.is_empty() && !args.keep_going {
        if args.format == Format::Json {
            let rules = network_rules();
            let report = Report {
                net: &loaded.net,
                findings: &[],
                errors: &loaded.errors,
                rules: &rules,
            };
            write_report(args, &report)?;
        } else {
            report_input_errors(args, &loaded.errors)?;
        }
        return Ok(Exit::BadInput);
    }
    let mut findings = audit(&loaded.net, &Params::default());
    let mut rules = network_rules();
    if args.keep_going {
        rules.push(rejected_row_rule());
        findings.extend(loaded.errors.iter().map(rejected_row_finding));
        sort_findings(&loaded.net, &mut findings);
    }
    let report = Report {
        net: &loaded.net,
        findings: &findings,
        errors: &loaded.errors,
        rules: &rules,
    };
    write_report(args, &report)?;
    Ok(if !loaded.errors.is_empty() {
        Exit::BadInput
    } else if fails(&findings, args.fail_on) {
        Exit::Findings
    } else {
        Exit::Clean
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

fn write_report(args: &AuditArgs, report: &Report<'_>) -> anyhow::Result<()> {
    let emitter: &dyn Emitter = match args.format {
        Format::Text => &TextEmitter,
        Format::Json => &JsonEmitter,
    };
    match &args.output {
        Some(path) => {
            let file = File::create(path)
                .with_context(|| format!("cannot write report to {}", path.display()))?;
            let mut out = BufWriter::new(AutoStream::new(file, ColorChoice::Never));
            emitter.emit(report, &mut out)?;
            out.flush()
                .with_context(|| format!("cannot write report to {}", path.display()))?;
        }
        None => {
            let mut out = stdout();
            emitter.emit(report, &mut out)?;
            out.flush()?;
        }
    }
    Ok(())
}

/// Lists input errors on standard error: the first [`SHOWN_ERRORS`], then the count.
fn report_input_errors(args: &AuditArgs, errors: &[InputError]) -> anyhow::Result<()> {
    let _ = args;
    let mut err = BufWriter::new(AutoStream::new(
        io::stderr(),
        AutoStream::choice(&io::stderr()),
    ));
    for e in errors.iter().take(SHOWN_ERRORS) {
        writeln!(err, "{e}")?;
    }
    if errors.len() > SHOWN_ERRORS {
        writeln!(
            err,
            "... and {} more ({} problems in all)",
            errors.len() - SHOWN_ERRORS,
            errors.len()
        )?;
    }
    writeln!(
        err,
        "error: {} problem{} in the input; nothing was audited",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    )?;
    err.flush()?;
    Ok(())
}
