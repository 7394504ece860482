//! The synthetic network generator (`csp-audit generate`).
//!
//! One seeded generator, shared by the property tests and the benchmarks: it writes
//! partners.csv, tenants.csv and relationships.csv (input contract v1) shaped like the CSP
//! program — few indirect providers, many resellers with a Zipf-like long tail of customers,
//! some direct-bill partners, customers spread over the CSP regions by market weight, multi-partner
//! and multi-channel customers, affiliate groups, partners' internal-use tenants, dates from 2017
//! to 2026 with MPA signatures mostly before 2020-02-01 — with violations planted at known
//! places, and `expected.json`, the findings the audit must report: those and nothing else.
//!
//! The same [`Config`] gives byte-identical files on every platform (ChaCha8, integer
//! arithmetic only). Output is streamed: the customers are written and forgotten, so memory
//! grows with the number of partners and plants, not with the number of relationships.

mod emit;
mod expected;
pub mod partner_center;
mod plan;
mod shape;
mod write;

use std::path::{Path, PathBuf};
use std::time::Instant;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use plan::{Counts, RULES, RULE_CODES};

use crate::exit::Exit;
use crate::load::builtin_regions;

/// Why a network could not be generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The arguments cannot make a network.
    #[error("{0}")]
    Invalid(String),
    /// A file could not be written.
    #[error("cannot write {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The error.
        source: std::io::Error,
    },
}

/// How many violations to plant.
#[derive(Clone, Debug, PartialEq)]
pub enum Violations {
    /// Planted violations per relationship row, spread evenly over the ten rules.
    Rate(f64),
    /// Violations per rule (index 0 = CSP001).
    Counts(Counts),
}

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    /// Rows of relationships.csv (exactly).
    pub relationships: u64,
    /// Seed of the random generator.
    pub seed: u64,
    /// Base partners (default: one per 200 relationships, at least 14 per region).
    pub partners: Option<usize>,
    /// Customer tenants, roughly (default: about one per 2.1 relationships left after the
    /// partners' own rows).
    pub customers: Option<u64>,
    /// CSP regions used: the `regions` biggest markets, 1 to 15.
    pub regions: usize,
    /// Planted violations.
    pub violations: Violations,
}

impl Config {
    /// `relationships` rows, seed 1, default shape, no planted violation.
    pub fn new(relationships: u64) -> Config {
        Config {
            relationships,
            seed: 1,
            partners: None,
            customers: None,
            regions: 15,
            violations: Violations::Counts([0; RULES]),
        }
    }

    /// Violations per rule.
    pub fn counts(&self) -> Counts {
        match &self.violations {
            Violations::Counts(c) => *c,
            Violations::Rate(rate) => {
                let total = (rate * self.relationships as f64).round() as u64;
                let mut c = [0u32; RULES];
                for (i, n) in c.iter_mut().enumerate() {
                    *n = (total / RULES as u64 + u64::from((i as u64) < total % RULES as u64))
                        as u32;
                }
                c
            }
        }
    }
}

/// What was written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Generated {
    /// Partners written.
    pub partners: u64,
    /// Tenants written.
    pub tenants: u64,
    /// Relationships written.
    pub relationships: u64,
    /// Findings in expected.json.
    pub findings: usize,
}

/// Writes a network and its expected.json into `dir` (created if missing).
pub fn generate(cfg: &Config, dir: &Path) -> Result<Generated, GenerateError> {
    std::fs::create_dir_all(dir).map_err(|e| GenerateError::Io {
        path: dir.display().to_string(),
        source: e,
    })?;
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let regions = shape::Regions::new(builtin_regions(), cfg.regions)?;
    let cal = shape::Calendar::new();
    let n = cfg.relationships;
    let min_partners =
        (shape::MIN_PROVIDERS + shape::MIN_RESELLERS + shape::MIN_DIRECT) * regions.len();
    let partners = cfg
        .partners
        .unwrap_or(((n / 200) as usize).max(min_partners));
    let mut net = shape::Shape::new(&mut rng, &regions, &cal, partners)?;
    let internal: u64 = net.partners.iter().map(|p| p.internal as u64).sum();
    let fixed = (net.links.len() + net.family_rows.len()) as u64 + internal * 3 / 2;
    let customers = cfg
        .customers
        .unwrap_or(n.saturating_sub(fixed) * 10 / 21)
        .max(1);
    let counts = cfg.counts();
    let plan = plan::plan(&mut rng, &mut net, &regions, &cal, &counts, customers)?;
    let least = (net.links.len() + net.family_rows.len()) as u64 + internal + plan.rows();
    if least > n {
        return Err(GenerateError::Invalid(format!(
            "{n} relationships are too few for this network: its partners' own rows and the \
             planted violations need {least}; raise --relationships, or lower --partners, \
             --regions or the violations"
        )));
    }
    let customers = customers.max(plan.min_customers);
    let mut expects = plan.expects.clone();
    let emit = emit::Emit::start(dir, &mut rng, &mut net, &regions, &cal)?;
    let customer_base = emit.customer_base;
    let counts = emit.relationships(&plan, &mut expects, n, customers)?;
    let json = expected::render(&expects, &net, customer_base, &counts)
        .map_err(|e| GenerateError::Invalid(format!("cannot render expected.json: {e}")))?;
    write::write_file(&dir.join("expected.json"), &json)?;
    Ok(Generated {
        partners: counts.partners,
        tenants: counts.tenants,
        relationships: counts.relationships,
        findings: expects.len(),
    })
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
    /// What to write: contract-v1 files, or Partner Center files (then --relationships counts
    /// line items and only CSP002, CSP003, CSP009 and CSP010 can be planted).
    #[arg(long, value_enum, default_value_t = GenerateFormat::Contract)]
    pub format: GenerateFormat,
}

/// Output of `generate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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
        let i = RULE_CODES
            .iter()
            .position(|c| c.eq_ignore_ascii_case(code.trim()))
            .ok_or_else(|| format!("unknown rule '{code}': expected one of CSP001 to CSP010"))?;
        counts[i] = n
            .trim()
            .parse()
            .map_err(|_| format!("'{n}' in '{item}': expected a count"))?;
    }
    Ok(PlantCounts(counts))
}

impl GenerateArgs {
    /// The generator configuration these arguments ask for.
    pub fn config(&self) -> Result<Config, GenerateError> {
        let violations = match (&self.plant, self.violations) {
            (Some(p), _) => Violations::Counts(p.0),
            (None, Some(rate)) if !(0.0..=1.0).contains(&rate) => {
                return Err(GenerateError::Invalid(format!(
                    "--violations {rate}: expected a rate from 0 to 1"
                )))
            }
            (None, rate) => Violations::Rate(rate.unwrap_or(0.001)),
        };
        Ok(Config {
            relationships: self.relationships,
            seed: self.seed,
            partners: self.partners,
            customers: self.customers,
            regions: self.regions,
            violations,
        })
    }
}

/// Runs `generate`.
pub fn run(args: &GenerateArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let result = args.config().and_then(|cfg| match args.format {
        GenerateFormat::Contract => generate(&cfg, &args.out),
        GenerateFormat::PartnerCenter => partner_center::generate(&cfg, &args.out),
    });
    match result {
        Ok(g) => {
            crate::app::say(format_args!(
                "wrote {} relationships, {} partners, {} tenants and {} expected findings to {} in {:.1}s",
                g.relationships,
                g.partners,
                g.tenants,
                g.findings,
                args.out.display(),
                started.elapsed().as_secs_f64()
            ));
            Ok(Exit::Clean)
        }
        Err(e @ GenerateError::Invalid(_)) => {
            crate::app::say(format_args!("error: {e}"));
            Ok(Exit::BadInput)
        }
        Err(e) => Err(e.into()),
    }
}
