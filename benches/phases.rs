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

/// A figure of Linux `/proc/self/status` in KiB (`VmHWM`, `VmRSS`), or 0 where unknown.
fn status_kib(key: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// Peak resident set size so far, in KiB.
fn peak_kib() -> u64 {
    status_kib("VmHWM:")
}

/// Resident set size now, in KiB.
fn rss_kib() -> u64 {
    status_kib("VmRSS:")
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
    let load_rss_kib = rss_kib();
    let id_map_bytes = csp_audit::load::ID_MAP_BYTES.load(std::sync::atomic::Ordering::Relaxed);
    if !loaded.errors.is_empty() {
        eprintln!("{}: {} input errors", dir, loaded.errors.len());
        std::process::exit(2);
    }
    let rows = loaded.model.relationships.len();
    let t1 = Instant::now();
    let net = Network::build(loaded.model);
    let build_s = t1.elapsed().as_secs_f64();
    let build_kib = peak_kib();
    let build_rss_kib = rss_kib();
    // Where the memory goes, table by table (elements plus what they own on the heap).
    let tables: Vec<String> = net
        .table_bytes()
        .iter()
        .map(|t| {
            format!(
                "\"{}\":{{\"len\":{},\"inline\":{},\"heap\":{}}}",
                t.table, t.len, t.inline, t.heap
            )
        })
        .collect();
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
        "{{\"relationships\":{rows},\"findings\":{},\"load_s\":{load_s:.6},\"build_s\":{build_s:.6},\"rules_s\":{rules_s:.6},\"load_peak_kib\":{load_kib},\"build_peak_kib\":{build_kib},\"rules_peak_kib\":{rules_kib},\"load_rss_kib\":{load_rss_kib},\"build_rss_kib\":{build_rss_kib},\"id_map_bytes\":{id_map_bytes},\"tables\":{{{}}},\"rule\":{{{}}}}}",
        findings.len(),
        tables.join(","),
        per_rule.join(",")
    );
}
