//! One audit of a network folder, phase by phase: wall time of CSV load, graph build and the
//! rules, and the peak resident memory (VmHWM) at the end of each phase, as one JSON line.
//! `benches/scaling.sh` runs it at every size; by hand:
//!
//! ```sh
//! cargo bench --bench phases -- DIR
//! ```

use std::time::Instant;

use csp_audit::audit::audit;
use csp_audit::graph::Network;
use csp_audit::load::{builtin_regions, load, InputPaths};
use csp_audit::rules::{Params, RuleId};

/// The allocator the binary uses, so that the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Peak resident set size so far, in KiB (Linux `/proc/self/status`), or 0 where unknown.
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn main() {
    // `cargo bench` passes `--bench`; the folder is the first other argument.
    let Some(dir) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench phases -- DIR");
        std::process::exit(2);
    };
    let paths = InputPaths::in_dir(std::path::Path::new(&dir));
    let t0 = Instant::now();
    let loaded = load(&paths, builtin_regions());
    let load_s = t0.elapsed().as_secs_f64();
    let load_kib = peak_kib();
    if !loaded.errors.is_empty() {
        eprintln!("{}: {} input errors", dir, loaded.errors.len());
        std::process::exit(2);
    }
    let rows = loaded.model.relationships.len();
    let t1 = Instant::now();
    let net = Network::build(loaded.model);
    let build_s = t1.elapsed().as_secs_f64();
    let build_kib = peak_kib();
    let t2 = Instant::now();
    let params = Params::default();
    let findings = audit(&net, &params);
    let rules_s = t2.elapsed().as_secs_f64();
    let rules_kib = peak_kib();
    // Each rule alone, after the whole pass, so that its time is not shared with the others.
    let per_rule: Vec<String> = RuleId::all()
        .filter_map(|r| r.info().check.map(|check| (r.info().code, check)))
        .map(|(code, check)| {
            let t = Instant::now();
            let found = check(&net, &params).len();
            let s = t.elapsed().as_secs_f64();
            format!("\"{code}\":{{\"s\":{s:.6},\"findings\":{found}}}")
        })
        .collect();
    println!(
        "{{\"relationships\":{rows},\"findings\":{},\"load_s\":{load_s:.6},\"build_s\":{build_s:.6},\"rules_s\":{rules_s:.6},\"load_peak_kib\":{load_kib},\"build_peak_kib\":{build_kib},\"rules_peak_kib\":{rules_kib},\"rule\":{{{}}}}}",
        findings.len(),
        per_rule.join(",")
    );
}
