#!/usr/bin/env bash
# Import throughput of Partner Center files against the contract-v1 loader: N line items of a
# generated Partner Center folder (`generate --format partner-center`) and N relationships of a
# generated contract-v1 network, each audited RUNS times (median wall time), printed as rows
# (or line items) per second and as MB (10^6 bytes) of input files per second.
#   benches/partner_center.sh [N] [RUNS]     e.g. benches/partner_center.sh 100000 3
# BIN=path/to/csp-audit measures that binary instead of building this checkout (to compare a
# build before a change with one after it on the same files).
# Default N is 100,000: on a shared machine keep it there; the issue's 10M-line-item target
# needs a machine of its own (about 4 GB of reconciliation CSV).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
runs=${2:-3}

if [ -z "${BIN:-}" ]; then
  cargo build --release --locked --quiet
fi
bin=${BIN:-target/release/csp-audit}
pc=bench-out/partner-center-$n
v1=bench-out/contract-$n
[ -f "$pc/invoice-reconciliation.csv" ] || "$bin" generate --format partner-center --out "$pc" --relationships "$n" >&2
[ -f "$v1/relationships.csv" ] || "$bin" generate --out "$v1" --relationships "$n" >&2

median_seconds() {
  local times=()
  for _ in $(seq "$runs"); do
    local start end code=0
    start=$(date +%s.%N)
    "$bin" audit "$@" --format json --output /dev/null 2>/dev/null || code=$?
    end=$(date +%s.%N)
    # Exit 1 (findings) is expected: both generators plant violations.
    if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
      echo "audit $* failed with exit code $code" >&2
      exit "$code"
    fi
    times+=("$(echo "$end - $start" | bc -l)")
  done
  printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

pc_s=$(median_seconds "$pc" --source partner-center)
v1_s=$(median_seconds "$v1" --source contract)
# Input bytes: every file the audit reads (not the generator's expected.json).
bytes() { find -L "$1" -maxdepth 1 -type f ! -name expected.json -printf '%s\n' | paste -sd+ - | bc; }
pc_b=$(bytes "$pc")
v1_b=$(bytes "$v1")
printf 'input            rows       MB        median s  rows/s     MB/s\n'
printf 'partner-center   %-10s %-9.1f %-9.3f %-10.0f %.1f\n' "$n" "$(echo "$pc_b / 1000000" | bc -l)" "$pc_s" "$(echo "$n / $pc_s" | bc -l)" "$(echo "$pc_b / 1000000 / $pc_s" | bc -l)"
printf 'contract-v1      %-10s %-9.1f %-9.3f %-10.0f %.1f\n' "$n" "$(echo "$v1_b / 1000000" | bc -l)" "$v1_s" "$(echo "$n / $v1_s" | bc -l)" "$(echo "$v1_b / 1000000 / $v1_s" | bc -l)"
