//! The subcommands, one file each (the audit command is still in `app`).

pub mod explain;
pub mod generate;
pub mod graph;
pub mod import;
pub mod rules;
