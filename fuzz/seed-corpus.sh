#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ with every input file of that kind under data/ and tests/fixtures/
# (partners.csv → partners, ..., regions*.csv → regions, *.toml → config). Files are named by
# content hash, so running it again adds only what is new.
set -euo pipefail
cd "$(dirname "$0")"
root=..

seed() { # seed TARGET FILE...
  local target=$1; shift
  mkdir -p "corpus/$target"
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    cp "$f" "corpus/$target/$(sha1sum "$f" | cut -c1-16)"
  done
}

for kind in partners tenants relationships; do
  mapfile -t files < <(find "$root/data" "$root/tests/fixtures" -type f -name "$kind*.csv" 2>/dev/null | sort)
  seed "$kind" "${files[@]}"
done
# The chunked-reading target reads any table with relationships.csv's columns; its first two
# bytes choose the block and chunk sizes.
mkdir -p corpus/chunks
for f in corpus/relationships/*; do
  { printf '\x07\x03'; cat "$f"; } >"corpus/chunks/$(basename "$f")"
done
mapfile -t files < <(find "$root/data" "$root/tests/fixtures" -type f -name 'regions*.csv' 2>/dev/null | sort)
seed regions "${files[@]}"
mapfile -t files < <(find "$root/data" "$root/tests/fixtures" -type f -name '*.toml' 2>/dev/null | sort)
seed config "${files[@]}"
for d in corpus/*/; do
  echo "$d: $(ls "$d" | wc -l) files"
done
