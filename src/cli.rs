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
    /// Print a rule's documentation: what it finds, why it matters, an example, how to fix.
    Explain {
        /// Rule code (CSP003) or name (cross-region-customer).
        rule: String,
    },
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
    /// Report format on standard output (or --output).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit with 1 when a finding at or above this severity is reported.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
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
