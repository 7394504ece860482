//! The binary's logic: run a parsed command line, return the exit code. Each subcommand is a
//! module of [`crate::cmd`].

use crate::cli::{Cli, Command, ImportWhat};
use crate::cmd;
use crate::exit::Exit;

pub use crate::cmd::audit::{clap_message, usage_failure};

/// Runs a command line.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Audit(args) => cmd::audit::run(&args),
        Command::Generate(args) => cmd::generate::run(&args),
        Command::Rules { format } => cmd::rules::run(format),
        Command::Explain { rule } => cmd::explain::run(&rule),
        Command::Graph(args) => cmd::graph::run(&args),
        Command::Import {
            what: ImportWhat::PartnerCenter { dir, out, regions },
        } => cmd::import::run(&dir, &out, regions.as_deref()),
    }
}
