//! `csp-audit generate`: the command-line arguments in, a synthetic network out.

use std::path::Path;
use std::time::Instant;

use crate::cli::{GenerateArgs, GenerateFormat};
use crate::exit::Exit;
use crate::generate::{generate, partner_center, GenerateError};
use crate::messages::say;

/// Writes the network the arguments ask for; arguments that cannot make one exit 2.
pub fn run(args: &GenerateArgs) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let result = check_out(&args.out, args.force)
        .and_then(|()| args.config())
        .and_then(|cfg| match args.format {
            GenerateFormat::Contract => generate(&cfg, &args.out),
            GenerateFormat::PartnerCenter => partner_center::generate(&cfg, &args.out),
        });
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

/// Refuses an --out folder that already holds files, unless `force`: a typo in --out must not
/// overwrite a real export.
fn check_out(dir: &Path, force: bool) -> Result<(), GenerateError> {
    if force {
        return Ok(());
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(()); // missing (created later) or not a folder (reported when writing)
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    let more = names.len().saturating_sub(4);
    names.truncate(4);
    let list = names.join(", ")
        + &if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
    Err(GenerateError::Invalid(format!(
        "{} already holds files ({list}): give a new or empty folder, or --force to overwrite",
        dir.display()
    )))
}
