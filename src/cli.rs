//! The command line (clap derive: the `///` comments are the help text).

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Parser, Subcommand, ValueEnum};

use crate::config::FailOn;
use crate::generate::{self, Counts, GenerateError, Violations, RULES};
use crate::rules::NetworkRule;

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
    Generate(GenerateArgs),
    /// Print a rule's documentation: what it finds, why it matters, an example, how to fix
    /// (`explain partner-center`: how Partner Center files are read).
    Explain {
        /// Rule code (CSP003) or name (cross-region-customer), or `partner-center`.
        rule: String,
    },
    /// Export the network, or the neighbourhood of a finding, partner or tenant, as DOT, GraphML
    /// or JSON.
    Graph(GraphArgs),
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
    /// Field separator of the CSV files: ',', ';', '|' or 'tab' [default: found in each
    /// file's header].
    #[arg(long, value_name = "C", value_parser = parse_delimiter)]
    pub delimiter: Option<u8>,
    /// How the CSV files are encoded.
    #[arg(long, value_enum, default_value_t = InputEncoding::Utf8)]
    pub encoding: InputEncoding,
    /// Audit the rows that loaded even when some did not; every rejected row is reported as a
    /// CSP100 finding and the exit code stays 2.
    #[arg(long)]
    pub keep_going: bool,
    /// No progress display on standard error while the files load (it is shown only on a
    /// terminal, and only when loading takes a while).
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Folder to write partners.csv, tenants.csv, relationships.csv and expected.json into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of relationships to generate (exactly).
    #[arg(long, value_name = "N")]
    pub relationships: u64,
    /// Seed: the same arguments give byte-identical files.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub seed: u64,
    /// Planted violations per relationship row, spread evenly over CSP001-CSP010
    /// (default 0.001; 0 plants none).
    #[arg(long, value_name = "RATE", conflicts_with = "plant")]
    pub violations: Option<f64>,
    /// Planted violations per rule, e.g. CSP003=20,CSP005=3 (other rules: none).
    #[arg(long, value_name = "RULE=N,...", value_parser = parse_plant)]
    pub plant: Option<PlantCounts>,
    /// Base partners (default: one per 200 relationships, at least 14 per region).
    #[arg(long, value_name = "N")]
    pub partners: Option<usize>,
    /// Customer tenants, roughly (default: about one per 2.1 relationships).
    #[arg(long, value_name = "N")]
    pub customers: Option<u64>,
    /// CSP regions to spread the network over: the N biggest markets (1 to 15).
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub regions: usize,
    /// Write into --out even when it already holds files (the four files are replaced).
    #[arg(long)]
    pub force: bool,
    /// What to write: contract-v1 files, or Partner Center files (then --relationships counts
    /// line items and every rule but CSP006 can be planted).
    #[arg(long, value_enum, default_value_t = GenerateFormat::Contract)]
    pub format: GenerateFormat,
}

/// Output of `generate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GenerateFormat {
    /// partners.csv, tenants.csv, relationships.csv.
    Contract,
    /// A Partner Center folder (invoice reconciliation file, API responses, partners.csv).
    PartnerCenter,
}

/// Parsed `--plant`.
#[derive(Clone, Debug)]
pub struct PlantCounts(pub Counts);

fn parse_plant(text: &str) -> Result<PlantCounts, String> {
    let mut counts = [0u32; RULES];
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (code, n) = item
            .split_once('=')
            .ok_or_else(|| format!("'{item}': expected RULE=N, e.g. CSP003=20"))?;
        let rule = NetworkRule::from_code(code.trim()).ok_or_else(|| {
            let (first, last) = (NetworkRule::ALL[0], NetworkRule::ALL[RULES - 1]);
            format!(
                "unknown rule '{code}': expected one of {} to {}",
                first.code(),
                last.code()
            )
        })?;
        counts[rule.index()] = n
            .trim()
            .parse()
            .map_err(|_| format!("'{n}' in '{item}': expected a count"))?;
    }
    Ok(PlantCounts(counts))
}

impl GenerateArgs {
    /// The generator configuration these arguments ask for.
    pub fn config(&self) -> Result<generate::Config, GenerateError> {
        let violations = match (&self.plant, self.violations) {
            (Some(p), _) => Violations::Counts(p.0),
            (None, Some(rate)) if !(0.0..=1.0).contains(&rate) => {
                return Err(GenerateError::Invalid(format!(
                    "--violations {rate}: expected a rate from 0 to 1"
                )))
            }
            (None, rate) => Violations::Rate(rate.unwrap_or(0.001)),
        };
        Ok(generate::Config {
            relationships: self.relationships,
            seed: self.seed,
            partners: self.partners,
            customers: self.customers,
            regions: self.regions,
            violations,
        })
    }
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
    /// JSON Lines: one finding per line with every field, for ticketing systems.
    Jsonl,
    /// GitLab Code Quality JSON, for merge-request widgets (`artifacts: reports: codequality`).
    Gitlab,
    /// One self-contained HTML page: summary, chart, filterable findings, evidence graphs.
    Html,
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

/// Parses `--delimiter`: one of the separators exports use.
fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "|" => Ok(b'|'),
        "\t" | "\\t" | "tab" | "TAB" => Ok(b'\t'),
        _ => Err(format!("expected ',', ';', '|' or 'tab', found '{s}'")),
    }
}

/// Encodings of `--encoding`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputEncoding {
    /// UTF-8 (a byte order mark is accepted).
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// Windows-1252 (Excel's "CSV" in western Europe and the Americas).
    #[value(name = "windows-1252", alias = "cp1252")]
    Windows1252,
}

/// Formats of `rules`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// A table.
    Text,
    /// A JSON array.
    Json,
}

/// `--fail-on`: the values and their help, for the configuration's [`FailOn`].
impl ValueEnum for FailOn {
    fn value_variants<'a>() -> &'a [Self] {
        &[FailOn::Error, FailOn::Warning, FailOn::Never]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            FailOn::Error => PossibleValue::new("error").help("Any error-level finding"),
            FailOn::Warning => PossibleValue::new("warning").help("Any finding"),
            FailOn::Never => PossibleValue::new("never")
                .help("Never: exit 0 whatever is found (bad input still exits 2)"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fail_on_takes_the_configuration_s_values() {
        for (text, value) in [
            ("error", FailOn::Error),
            ("warning", FailOn::Warning),
            ("never", FailOn::Never),
        ] {
            let cli = Cli::try_parse_from(["csp-audit", "audit", "net", "--fail-on", text])
                .expect("a valid --fail-on");
            let Command::Audit(args) = cli.command else {
                panic!("audit expected");
            };
            assert_eq!(args.fail_on, Some(value), "{text}");
        }
        assert!(Cli::try_parse_from(["csp-audit", "audit", "net", "--fail-on", "info"]).is_err());
    }

    #[test]
    fn plants_are_counted_by_network_rule() {
        let PlantCounts(counts) = parse_plant("CSP003=2, csp010=1").expect("valid plants");
        let mut want = [0u32; RULES];
        want[NetworkRule::CSP003.index()] = 2;
        want[NetworkRule::CSP010.index()] = 1;
        assert_eq!(counts, want);
        // CSP100 is a rule, but not one the generator can plant.
        assert_eq!(
            parse_plant("CSP100=1")
                .map(|p| p.0)
                .expect_err("not plantable"),
            "unknown rule 'CSP100': expected one of CSP001 to CSP010"
        );
    }
}

/// Arguments of `graph`.
#[derive(Debug, clap::Args)]
pub struct GraphArgs {
    /// Folder with partners.csv, tenants.csv and relationships.csv.
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Write to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only the neighbourhood of the finding with this fingerprint (as in the reports).
    #[arg(long, value_name = "FINGERPRINT", group = "focus")]
    pub finding: Option<String>,
    /// Only the neighbourhood of this partner.
    #[arg(long, value_name = "ID", group = "focus")]
    pub partner: Option<String>,
    /// Only the neighbourhood of this tenant (compared case-insensitively).
    #[arg(long, value_name = "ID", group = "focus")]
    pub tenant: Option<String>,
    /// How many edges away from the focus a node may be (with --finding, --partner, --tenant).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub depth: u32,
    /// Configuration file for rule levels and parameters [default: DIR/csp-audit.toml].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Region table replacing the built-in one.
    #[arg(long, value_name = "FILE")]
    pub regions: Option<PathBuf>,
}

/// Formats of `graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
    /// GraphML, for Gephi, yEd, Cytoscape, NetworkX.
    Graphml,
    /// JSON: `{"version": 1, "nodes": [...], "edges": [...]}`.
    Json,
}
