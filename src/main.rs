//! `csp-audit`: parse the command line, run, map the outcome to an exit code.

use std::process::ExitCode;

use clap::Parser;
use csp_audit::app::run;
use csp_audit::cli::Cli;
use csp_audit::exit::Exit;
use csp_audit::messages::{is_broken_pipe, say};

/// The network loader's many small allocations are several times cheaper in mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout; a closed pipe there is not an error.
            let _ = e.print();
            if !e.use_stderr() {
                return Exit::Clean.into();
            }
            // A bad flag: the machine reports carry the problem too, so none is left stale.
            let raw: Vec<_> = std::env::args_os().collect();
            return csp_audit::app::usage_failure(&raw, &csp_audit::app::clap_message(&e)).into();
        }
    };
    match run(cli) {
        Ok(exit) => exit.into(),
        Err(e) if is_broken_pipe(e.as_ref()) => Exit::Clean.into(),
        Err(e) => {
            say(format_args!("error: {e:#}"));
            Exit::BadInput.into()
        }
    }
}
