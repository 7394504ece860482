//! One file per subcommand.

pub mod graph;
