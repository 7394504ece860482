//! criterion benches of every phase of an audit — CSV load, graph build, each rule, the whole
//! audit — on generated networks of named sizes: 10k and 100k relationships by default, and 1M
//! with `CSP_AUDIT_BENCH_1M=1` (it takes a few minutes). Networks are generated once per size
//! into a temporary folder, outside the timed loops; each timed iteration asserts the finding
//! count the generator planted, so a bench that stops finding them fails instead of speeding up.
//!
//! ```sh
//! cargo bench --bench audit                       # 10k and 100k
//! CSP_AUDIT_BENCH_1M=1 cargo bench --bench audit  # and 1M
//! cargo bench --bench audit -- 'rule/CSP005'      # one group
//! ```

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, BenchmarkId, Criterion, Throughput};
use csp_audit::audit::audit;
use csp_audit::generate::{generate, Config, Violations};
use csp_audit::graph::Network;
use csp_audit::load::{builtin_regions, load, InputPaths};
use csp_audit::model::Model;
use csp_audit::rules::{Params, RuleId};

/// The allocator the binary uses, so that the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A generated network ready to bench.
struct Input {
    name: &'static str,
    relationships: u64,
    paths: InputPaths,
    model: Model,
    net: Network,
    /// Expected findings per rule code, from expected.json.
    by_rule: BTreeMap<String, usize>,
    total: usize,
    _dir: tempfile::TempDir,
}

fn sizes() -> Vec<(&'static str, u64)> {
    let mut sizes = vec![("10k", 10_000), ("100k", 100_000)];
    if std::env::var_os("CSP_AUDIT_BENCH_1M").is_some_and(|v| v != "0") {
        sizes.push(("1M", 1_000_000));
    }
    sizes
}

fn expected(dir: &Path) -> (BTreeMap<String, usize>, usize) {
    let bytes = std::fs::read(dir.join("expected.json")).expect("expected.json");
    let doc: serde_json::Value = serde_json::from_slice(&bytes).expect("valid expected.json");
    let by_rule = doc["summary"]["by_rule"]
        .as_object()
        .expect("by_rule")
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0) as usize))
        .collect();
    let total = doc["summary"]["findings"].as_u64().unwrap_or(0) as usize;
    (by_rule, total)
}

fn inputs() -> Vec<Input> {
    sizes()
        .into_iter()
        .map(|(name, n)| {
            let dir = tempfile::tempdir().expect("temp dir");
            let mut cfg = Config::new(n);
            cfg.seed = 2024;
            cfg.violations = Violations::Rate(0.001);
            generate(&cfg, dir.path()).expect("generates");
            let paths = InputPaths::in_dir(dir.path());
            let loaded = load(&paths, builtin_regions());
            assert!(loaded.errors.is_empty(), "generated input does not load");
            let model = loaded.model;
            let net = Network::build(model.clone());
            let (by_rule, total) = expected(dir.path());
            Input {
                name,
                relationships: n,
                paths,
                model,
                net,
                by_rule,
                total,
                _dir: dir,
            }
        })
        .collect()
}

fn configure(group: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(3));
}

fn benches(c: &mut Criterion) {
    let inputs = inputs();
    let params = Params::default();

    let mut group = c.benchmark_group("load");
    configure(&mut group);
    for input in &inputs {
        group.throughput(Throughput::Elements(input.relationships));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            input,
            |b, input| {
                b.iter(|| {
                    let loaded = load(&input.paths, builtin_regions());
                    assert_eq!(loaded.model.relationships.len() as u64, input.relationships);
                    assert!(loaded.errors.is_empty());
                    loaded
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("build");
    configure(&mut group);
    for input in &inputs {
        group.throughput(Throughput::Elements(input.relationships));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            input,
            |b, input| {
                b.iter_batched(
                    || input.model.clone(),
                    |model| {
                        let net = Network::build(model);
                        assert_eq!(net.model.relationships.len() as u64, input.relationships);
                        net
                    },
                    BatchSize::LargeInput,
                )
            },
        );
    }
    group.finish();

    for rule in RuleId::all() {
        let info = rule.info();
        let Some(check) = info.check else { continue };
        let mut group = c.benchmark_group(format!("rule/{}", info.code));
        configure(&mut group);
        for input in &inputs {
            let want = input.by_rule.get(info.code).copied().unwrap_or(0);
            group.throughput(Throughput::Elements(input.relationships));
            group.bench_with_input(
                BenchmarkId::from_parameter(input.name),
                input,
                |b, input| {
                    b.iter(|| {
                        let found = check(&input.net, &params);
                        assert_eq!(found.len(), want, "{} on {}", info.code, input.name);
                        found
                    })
                },
            );
        }
        group.finish();
    }

    let mut group = c.benchmark_group("audit");
    configure(&mut group);
    for input in &inputs {
        group.throughput(Throughput::Elements(input.relationships));
        group.bench_with_input(
            BenchmarkId::from_parameter(input.name),
            input,
            |b, input| {
                b.iter(|| {
                    let loaded = load(&input.paths, builtin_regions());
                    let net = Network::build(loaded.model);
                    let findings = audit(&net, &params);
                    assert_eq!(findings.len(), input.total, "audit of {}", input.name);
                    findings
                })
            },
        );
    }
    group.finish();
}

criterion_group!(audit_benches, benches);
criterion_main!(audit_benches);
