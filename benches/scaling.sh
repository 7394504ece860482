#!/usr/bin/env bash
# Scaling run: generate networks from 10k to 10M relationships (100M on request), audit each, and
# record per size the generation time, the time of each audit phase (load, build, rules), the
# whole command's wall time, MB/s of input, rows per second, peak memory (maximum resident set
# size) and bytes of peak memory per relationship, beside the limit: the csv crate's raw parse
# of the same files on every core (benches/limit.rs), measured in the same run. Writes
# benches/results/scaling.csv, benches/results/scaling.md and the chart
# benches/results/scaling.svg (matplotlib, installed from PyPI into bench-out/venv).
#   benches/scaling.sh [SIZES...]   default: 10k 100k 1M 3M 10M, then 30M and 100M up to SCALING_MAX
#   SCALING_MAX=100000000: the largest default size (default 10000000; 100M needs ~11 GB of disk)
#   RUNS=3: audits per size (the table gives the median wall time and its peak memory)
# Needs GNU time (/usr/bin/time; installed with apt-get when missing) and disk for the largest
# network (in bench-out/, deleted after each size).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("$@")
if [ ${#sizes[@]} -eq 0 ]; then
  for n in 10000 100000 1000000 3000000 10000000 30000000 100000000; do
    [ "$n" -le "${SCALING_MAX:-10000000}" ] && sizes+=("$n")
  done
fi

if [ ! -x /usr/bin/time ]; then
  echo "GNU time is missing: installing it (apt-get install time)" >&2
  (apt-get update -qq && apt-get install -y -qq time) >/dev/null 2>&1 \
    || { echo "cannot install GNU time" >&2; exit 1; }
fi

cargo build --release --locked --quiet
for b in phases limit; do
  cargo bench --locked --bench "$b" --no-run --quiet 2>/dev/null || cargo bench --locked --bench "$b" --no-run
done
bin=target/release/csp-audit
out=benches/results
mkdir -p "$out" bench-out
csv=$out/scaling.csv
echo "relationships,input_mb,generate_s,generate_peak_mib,load_s,build_s,rules_s,audit_s,audit_peak_mib,load_peak_mib,build_peak_mib,findings,limit_s" >"$csv"
rules_csv=$out/scaling-rules.csv
echo "relationships,$(seq -f 'CSP%03g' -s, 1 10)" >"$rules_csv"

# Wall seconds and max RSS (MiB, from GNU time's verbose output) of one command.
measure() {
  local log
  log=$(mktemp)
  local code=0 t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -v "$@" >/dev/null 2>"$log" || code=$?
  t1=$(date +%s.%N)
  # Exit 1 means findings: the generator plants violations.
  if [ "$code" -ne 0 ] && [ "$code" -ne 1 ]; then
    cat "$log" >&2
    exit 1
  fi
  local wall rss
  wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$log")
  rm -f "$log"
  echo "$wall $rss"
}

for n in "${sizes[@]}"; do
  dir=bench-out/scaling-$n
  rm -rf "$dir"
  # Command substitution (not `< <(...)`) so that a failed measurement stops the run.
  m=$(measure "$bin" generate --out "$dir" --relationships "$n" --seed 1)
  read -r gen_s gen_mib <<<"$m"
  # The network just written is still being flushed to disk: let that finish first, or the
  # audits below compete with it.
  sync
  input_mb=$(du -cb "$dir"/partners.csv "$dir"/tenants.csv "$dir"/relationships.csv | awk 'END {printf "%.1f", $1 / 1e6}')
  phases=$(cargo bench --locked --quiet --bench phases -- "$dir" | tail -1)
  limit_s=$(cargo bench --locked --quiet --bench limit -- "$dir" | tail -1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["parallel_s"])')
  # The whole command: median of RUNS runs (wall time varies on a shared machine).
  audits=()
  for _ in $(seq "${RUNS:-3}"); do
    audits+=("$(measure "$bin" audit "$dir" --format json --output /dev/null)")
  done
  read -r audit_s audit_mib < <(printf '%s\n' "${audits[@]}" | sort -n | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
  # The audit must find exactly what the generator planted, or the figures measure nothing.
  python3 - "$dir/expected.json" "$phases" <<'EOF'
import json, sys
want = json.load(open(sys.argv[1]))["summary"]["findings"]
got = json.loads(sys.argv[2])["findings"]
sys.exit(0 if want == got else f"audit found {got} findings, expected.json has {want}")
EOF
  python3 - "$n" "$gen_s" "$gen_mib" "$audit_s" "$audit_mib" "$phases" "$rules_csv" "$input_mb" "$limit_s" >>"$csv" <<'EOF'
import json, sys
n, gen_s, gen_mib, audit_s, audit_mib, phases, rules_csv, input_mb, limit_s = sys.argv[1:]
p = json.loads(phases)
with open(rules_csv, "a") as f:
    print(n, *(p["rule"][f"CSP{i:03}"]["s"] for i in range(1, 11)), sep=",", file=f)
mib = lambda k: p[k] / 1024
print(f"{n},{input_mb},{gen_s},{gen_mib},{p['load_s']},{p['build_s']},{p['rules_s']},{audit_s},"
      f"{audit_mib},{mib('load_peak_kib'):.1f},{mib('build_peak_kib'):.1f},{p['findings']},{limit_s}")
EOF
  echo "$(tail -1 "$csv")" >&2
  rm -rf "$dir"
done

machine="$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/ {print $2}') GiB RAM"
python3 - "$csv" "$machine" "$rules_csv" >"$out/scaling.md" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
rules = list(csv.DictReader(open(sys.argv[3])))
def size(n):
    n = int(n)
    return f"{n // 1_000_000}M" if n >= 1_000_000 and n % 1_000_000 == 0 else f"{n // 1000}k"
print(f"Scaling of csp-audit on generated networks ({sys.argv[2]}); "
      "times in seconds, memory is peak resident set size in MiB.\n")
print("| relationships | input MB | generate | load | build | rules | audit (CLI) | limit | audit / limit | MB/s (load / audit) | µs per relationship | peak MiB (audit) | bytes per relationship | peak MiB after load / build | findings |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for r in rows:
    n, a, mb = int(r["relationships"]), float(r["audit_s"]), float(r["input_mb"])
    load, limit, peak = float(r["load_s"]), float(r["limit_s"]), float(r["audit_peak_mib"])
    print(f"| {size(n)} | {mb:,.0f} | {float(r['generate_s']):.2f} | {load:.2f} | {float(r['build_s']):.2f} "
          f"| {float(r['rules_s']):.2f} | {a:.2f} | {limit:.2f} | {a / limit:.2f} "
          f"| {mb / load:,.0f} / {mb / a:,.0f} | {a / n * 1e6:.3f} | {peak:,.0f} | {peak * 2**20 / n:.0f} "
          f"| {float(r['load_peak_mib']):,.0f} / {float(r['build_peak_mib']):,.0f} | {r['findings']} |")
print("\n*limit*: the csv crate's raw parse of the same three files on every core, no checks "
      "(benches/limit.rs), in the same run; *µs per relationship* is the whole audit's time per row.")
codes = [f"CSP{i:03}" for i in range(1, 11)]
print("\nEach rule alone on the built network (seconds; the whole audit runs them in parallel):\n")
print("| relationships | " + " | ".join(codes) + " |")
print("|---:|" + "---:|" * len(codes))
for r in rules:
    print(f"| {size(r['relationships'])} | " + " | ".join(f"{float(r[c]):.3f}" for c in codes) + " |")
EOF
cat "$out/scaling.md"

# The chart: matplotlib from PyPI in a private virtual environment.
if [ ! -x bench-out/venv/bin/python ]; then
  python3 -m venv bench-out/venv
fi
bench-out/venv/bin/pip install --quiet matplotlib
bench-out/venv/bin/python benches/scaling_chart.py "$csv" "$out/scaling.svg" "$machine"
echo "wrote $csv, $out/scaling.md and $out/scaling.svg" >&2
