//! The subcommands, one file each.

pub mod audit;
pub mod explain;
pub mod generate;
pub mod graph;
pub mod import;
pub mod output;
pub mod progress;
pub mod rules;
