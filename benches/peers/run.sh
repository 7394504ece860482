#!/usr/bin/env bash
# csp-audit against its peers on the same generated network: DuckDB SQL for all ten rules and
# NetworkX for the graph rules (CSP005, CSP008), and against the limit: the csv crate's raw parse
# of the same files (benches/limit.rs), on one thread and on every core. Installs duckdb and networkx from PyPI into
# bench-out/venv, generates the network (seed 1, default violation rate), runs csp-audit and each
# peer, checks that they agree on the finding count of every rule, and writes the comparison to
# benches/results/peers-<N>.md. Exits 1 if a peer disagrees.
#   benches/peers/run.sh [N] [--no-networkx]      default N = 1000000; RUNS=3 runs per tool
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000000}
networkx=--networkx
[ "${2:-}" = "--no-networkx" ] && networkx=

if [ ! -x bench-out/venv/bin/python ]; then
  python3 -m venv bench-out/venv
fi
bench-out/venv/bin/pip install --quiet duckdb networkx

cargo build --release --locked --quiet
cargo bench --locked --quiet --bench limit --no-run 2>/dev/null || cargo bench --locked --bench limit --no-run
dir=bench-out/peers-$n
if [ ! -f "$dir/expected.json" ]; then
  target/release/csp-audit generate --out "$dir" --relationships "$n" --seed 1
fi
mkdir -p benches/results
bench-out/venv/bin/python benches/peers/peers.py "$dir" target/release/csp-audit \
  "benches/results/peers-$n.md" $networkx --limit cargo bench --locked --quiet --bench limit -- "$dir"
