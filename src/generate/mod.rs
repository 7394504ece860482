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

use std::path::Path;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

pub use plan::{Counts, RULES};

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
    /// Planted violations per relationship row, spread evenly over the network rules.
    Rate(f64),
    /// Violations per rule (in the order of `NetworkRule::ALL`, 0 = CSP001).
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
