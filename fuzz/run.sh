#!/usr/bin/env bash
# Runs the fuzz targets one after the other, SECONDS each (default 300), on the stable
# toolchain (RUSTC_BOOTSTRAP=1 lets cargo-fuzz use the sanitizer flags it needs).
#   fuzz/run.sh [SECONDS] [TARGET...]      e.g. fuzz/run.sh 60 partners
# Needs `cargo install cargo-fuzz`. Crashes are written to fuzz/artifacts/TARGET/.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-300}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo fuzz list)
fi
./seed-corpus.sh >/dev/null
export RUSTC_BOOTSTRAP=1
# One rule thread: thread hand-offs would cost more than these small audits (thread counts are
# covered by tests/determinism.rs).
export RAYON_NUM_THREADS=1
for t in "${targets[@]}"; do
  echo "== $t: ${secs}s"
  cargo fuzz run -O "$t" "corpus/$t" -- -max_total_time="$secs" -max_len=65536 -timeout=10 -rss_limit_mb=2048
done
