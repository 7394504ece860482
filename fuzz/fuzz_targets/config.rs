//! Any bytes as `csp-audit.toml`: parsing, resolving levels and applying the allow-list to the
//! base network's findings never panic, and every error has a position.
#![no_main]

use csp_audit::config::{Config, LevelFlags, Levels};
use csp_audit::graph::Network;
use csp_audit::load::load_from_bytes;
use libfuzzer_sys::fuzz_target;

#[path = "../common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    // The file is read as UTF-8 (`Config::load` rejects anything else with a message); the
    // lossy text still exercises the parser with the replacement characters.
    let text = String::from_utf8_lossy(data);
    let config = match Config::parse("csp-audit.toml", &text) {
        Ok(config) => config,
        Err(e) => {
            assert!(e.line >= 1 && e.column >= 1, "bad position: {e}");
            return;
        }
    };
    let _ = Levels::resolve(&config, &LevelFlags::default());
    let loaded = load_from_bytes(
        common::PARTNERS,
        common::TENANTS,
        common::RELATIONSHIPS,
        common::regions(),
    );
    let net = Network::build(loaded.model);
    let findings = csp_audit::rules::run(&net, &config.params, |_| true);
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).expect("a date");
    for entry in &config.allow {
        let _ = entry.expired(today);
        let _ = findings.iter().filter(|f| entry.matches(&net, f)).count();
    }
});
