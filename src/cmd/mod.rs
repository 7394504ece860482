//! One file per subcommand that is more than a few lines of dispatch.

pub mod import;
