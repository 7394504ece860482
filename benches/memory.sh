#!/usr/bin/env bash
# Peak memory (maximum resident set size) and wall time of a whole audit of a generated network
# of N relationships (default 10,000,000), written to benches/results/memory.md.
#   benches/memory.sh [N] [RUNS]        e.g. benches/memory.sh 1000000 3
# It fails (exit 1) when the median peak exceeds LIMIT_MIB (default 2600 for 10M relationships,
# about 10% above the figure in benches/results/memory.md), so a memory regression is caught.
# Needs GNU time (/usr/bin/time; `apt-get install time` if missing). The network is generated
# once into bench-out/ (about 70 bytes per relationship) and reused while N is the same.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-10000000}
runs=${2:-3}

if [ ! -x /usr/bin/time ]; then
  echo "GNU time is missing: installing it (apt-get install time)" >&2
  apt-get install -y time >/dev/null 2>&1 || { echo "cannot install GNU time" >&2; exit 1; }
fi

cargo build --release --locked --quiet
bin=target/release/csp-audit
dir=bench-out/memory-$n
if [ ! -f "$dir/relationships.csv" ]; then
  "$bin" generate --out "$dir" --relationships "$n" >&2
fi

peaks=() walls=()
for i in $(seq "$runs"); do
  log=$(mktemp)
  code=0
  /usr/bin/time -v "$bin" audit "$dir" --format json --output /dev/null 2>"$log" || code=$?
  # Exit 1 (findings) is expected: the generator plants violations.
  if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
    cat "$log" >&2
    exit "$code"
  fi
  peaks+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")")
  walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")")
  rm -f "$log"
  echo "run $i: peak RSS ${peaks[-1]} KiB, wall ${walls[-1]}" >&2
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
peak_kib=$(median "${peaks[@]}")
wall=$(printf '%s\n' "${walls[@]}" | sort | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
size_mb=$(du -sm "$dir" | cut -f1)
per_row=$(awk -v k="$peak_kib" -v n="$n" 'BEGIN {printf "%.0f", k * 1024 / n}')

mkdir -p benches/results
out=benches/results/memory.md
# Measurements recorded by hand (before/after a change) follow a "## History" line and are kept.
history=""
if [ -f "$out" ]; then
  history=$(sed -n '/^## History/,$p' "$out")
fi
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
git diff --quiet HEAD -- src Cargo.toml Cargo.lock 2>/dev/null || commit="$commit with uncommitted changes"
{
  echo "# Peak memory of a whole audit"
  echo
  echo "Written by \`benches/memory.sh $n $runs\`; median of $runs runs."
  echo
  echo "| relationships | input on disk | peak RSS | bytes per relationship | wall time |"
  echo "|---:|---:|---:|---:|---:|"
  printf '| %s | %s MB | %s MiB | %s | %s |\n' "$n" "$size_mb" "$((peak_kib / 1024))" "$per_row" "$wall"
  echo
  echo "- command: \`csp-audit audit $dir --format json --output /dev/null\` (release build)"
  echo "- every run's peak RSS (KiB): ${peaks[*]}"
  echo "- commit: $commit, $(date -u +%Y-%m-%d)"
  echo "- machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo), $(uname -sr)"
  echo "- wall time depends on what else runs on the machine; peak RSS barely does"
  if [ -n "$history" ]; then
    echo
    echo "$history"
  fi
} >"$out"
cat "$out"

limit=${LIMIT_MIB:-$((n / 10000000 * 2600))}
if [ "$limit" -gt 0 ] && [ "$((peak_kib / 1024))" -gt "$limit" ]; then
  echo "memory regression: median peak $((peak_kib / 1024)) MiB is above LIMIT_MIB=$limit" >&2
  exit 1
fi
