//! `csp-audit generate`: the command-line arguments in, a synthetic network out.

use std::time::Instant;

use crate::cli::GenerateArgs;
use crate::exit::Exit;
use crate::generate::{generate, GenerateError};
use crate::messages::say;

/// Writes the network the arguments ask for; arguments that cannot make one exit 2.
pub fn run(args: &GenerateArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let result = args.config().and_then(|cfg| generate(&cfg, &args.out));
    match result {
        Ok(g) => {
            say(format_args!(
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
            say(format_args!("error: {e}"));
            Ok(Exit::BadInput)
        }
        Err(e) => Err(e.into()),
    }
}
