//! The synthetic network generator (`csp-audit generate`).

use std::path::PathBuf;

use crate::exit::Exit;

/// Arguments of `generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Folder to write partners.csv, tenants.csv, relationships.csv and expected.json into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Number of relationships to generate.
    #[arg(long, value_name = "N")]
    pub relationships: u64,
}

/// Runs `generate`.
pub fn run(args: &GenerateArgs) -> anyhow::Result<Exit> {
    anyhow::bail!(
        "generate is not implemented yet ({} relationships into {})",
        args.relationships,
        args.out.display()
    )
}
