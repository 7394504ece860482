//! The command line (clap derive: the `///` comments are the help text).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Audits Microsoft CSP partner networks for program-rule violations.
///
/// Reads CSV exports of partners, tenants and relationships, builds the partner network and
/// reports every breach of the CSP program's partner-relationship rules.
#[derive(Debug, Parser)]
#[command(name = "csp-audit", version, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit a partner network.
    Audit(AuditArgs),
    /// List every rule: code, name, default severity, summary.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = RulesFormat::Text)]
        format: RulesFormat,
    },
    /// Write a synthetic partner network with planted violations, and the findings expected.
    Generate(crate::generate::GenerateArgs),
    /// Print a rule's documentation: what it finds, why it matters, an example, how to fix
    /// (`explain partner-center`: how Partner Center files are read).
    Explain {
        /// Rule code (CSP003) or name (cross-region-customer), or `partner-center`.
        rule: String,
    },
    /// Convert other exports into the three contract-v1 files.
    Import {
        /// What to import.
        #[command(subcommand)]
        what: ImportWhat,
    },
}

/// What `import` converts.
#[derive(Debug, Subcommand)]
pub enum ImportWhat {
    /// A folder of Partner Center files → partners.csv, tenants.csv, relationships.csv and a
    /// mapping summary (mapping.txt).
    PartnerCenter {
        /// Folder of Partner Center files (and the optional partners.csv, affiliates.csv).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
        /// Folder to write the contract-v1 files into.
        #[arg(long, value_name = "OUT")]
        out: PathBuf,
        /// Region table (country_code,country_name,csp_region) replacing the built-in one.
        #[arg(long, value_name = "FILE")]
        regions: Option<PathBuf>,
    },
}

/// What kind of input `audit DIR` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SourceKind {
    /// Contract v1 when partners.csv, tenants.csv and relationships.csv are there, Partner
    /// Center when Partner Center files are (said on standard error).
    Auto,
    /// Input contract v1: partners.csv, tenants.csv, relationships.csv.
    Contract,
    /// Partner Center downloads and saved API responses.
    PartnerCenter,
}

/// Arguments of `audit`.
#[derive(Debug, clap::Args)]
pub struct AuditArgs {
    /// Folder with partners.csv, tenants.csv and relationships.csv.
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// partners.csv to read instead of DIR/partners.csv.
    #[arg(long, value_name = "FILE")]
    pub partners: Option<PathBuf>,
    /// tenants.csv to read instead of DIR/tenants.csv.
    #[arg(long, value_name = "FILE")]
    pub tenants: Option<PathBuf>,
    /// relationships.csv to read instead of DIR/relationships.csv.
    #[arg(long, value_name = "FILE")]
    pub relationships: Option<PathBuf>,
    /// Region table (country_code,country_name,csp_region) replacing the built-in one.
    #[arg(long, value_name = "FILE")]
    pub regions: Option<PathBuf>,
    /// What DIR holds: contract-v1 files, Partner Center files, or whichever is there.
    #[arg(long, value_enum, default_value_t = SourceKind::Auto)]
    pub source: SourceKind,
    /// Report format on standard output (or --output).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a report in FORMAT to PATH (repeatable), e.g. `--report sarif=out.sarif`.
    #[arg(long = "report", value_name = "FORMAT=PATH", value_parser = parse_report_spec)]
    pub reports: Vec<ReportSpec>,
    /// Exit with 1 when a finding at or above this severity is reported [default: error, or
    /// `fail-on` in the configuration].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Exit with 0 even when findings are reported (bad input or configuration still exits 2).
    #[arg(long)]
    pub exit_zero: bool,
    /// Configuration file [default: DIR/csp-audit.toml when it exists].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report the rule's findings as warnings (code or name; repeatable).
    #[arg(long, value_name = "RULE")]
    pub warn: Vec<String>,
    /// Report the rule's findings as errors (code or name; repeatable).
    #[arg(long, value_name = "RULE")]
    pub deny: Vec<String>,
    /// Do not run the rule (code or name; repeatable).
    #[arg(long, value_name = "RULE")]
    pub allow: Vec<String>,
    /// Report and fail only on findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the fingerprints of this run's findings in FILE (the run then exits 0 unless the
    /// input is bad).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// The date allow-list expiry is judged against [default: $CSP_AUDIT_TODAY, else today].
    #[arg(long, value_name = "YYYY-MM-DD", hide = true)]
    pub today: Option<String>,
    /// Audit the rows that loaded even when some did not; every rejected row is reported as a
    /// CSP100 finding and the exit code stays 2.
    #[arg(long)]
    pub keep_going: bool,
}

/// Report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: findings grouped by rule, then a summary.
    Text,
    /// For machines: the documented JSON format, version 1.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// JUnit XML: one test case per rule, for CI test dashboards.
    Junit,
    /// GitHub Actions workflow commands: annotations on the CSV rows.
    Github,
    /// Markdown, for a job summary or a pull-request comment.
    Markdown,
    /// Findings as CSV rows, for a spreadsheet.
    Csv,
}

/// A `--report FORMAT=PATH` request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportSpec {
    /// The format.
    pub format: Format,
    /// Where to write it.
    pub path: PathBuf,
}

/// Parses `FORMAT=PATH`.
fn parse_report_spec(s: &str) -> Result<ReportSpec, String> {
    let (format, path) = s
        .split_once('=')
        .ok_or_else(|| format!("expected FORMAT=PATH (e.g. sarif=out.sarif), found '{s}'"))?;
    let format = Format::from_str(format, true).map_err(|_| {
        let names: Vec<String> = Format::value_variants()
            .iter()
            .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
            .collect();
        format!(
            "unknown format '{format}': expected one of {}",
            names.join(", ")
        )
    })?;
    if path.is_empty() {
        return Err(format!("no path after '{format:?}='").to_lowercase());
    }
    Ok(ReportSpec {
        format,
        path: PathBuf::from(path),
    })
}

/// Formats of `rules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A table.
    Text,
    /// A JSON array.
    Json,
}

/// When findings fail the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    /// Any error-level finding.
    Error,
    /// Any finding.
    Warning,
    /// Never: exit 0 whatever is found (bad input still exits 2).
    Never,
}
