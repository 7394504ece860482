#!/usr/bin/env bash
# Validates csp-audit's SARIF with Microsoft's SARIF validator (@microsoft/sarif-multitool,
# `validate`, the SARIF and GitHub rule sets): the sample audited by a relative and by an
# absolute path, and a generated network. Fails on any error or warning; notes are printed.
# Needs npm (the validator is installed into a temporary folder, nothing is committed) and a
# built binary (BIN, default target/debug/csp-audit).
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/debug/csp-audit}
case $BIN in /*) ;; *) BIN=$PWD/$BIN ;; esac
if ! command -v npm >/dev/null 2>&1; then
  echo "npm is not installed: cannot run the SARIF validator" >&2
  exit 1
fi
[ -x "$BIN" ] || cargo build --locked
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm install --prefix "$work/npm" --no-audit --no-fund --silent @microsoft/sarif-multitool >/dev/null
tool=$(find "$work/npm/node_modules/@microsoft" -name Sarif.Multitool -type f | head -1)
[ -n "$tool" ] || { echo "the sarif-multitool package has no Sarif.Multitool binary here" >&2; exit 1; }
chmod u+x "$tool"

"$BIN" generate --out "$work/net" --relationships 20000 --seed 3 >/dev/null
"$BIN" audit data/sample --format sarif --output "$work/sample.sarif" || true
"$BIN" audit "$PWD/data/sample" --format sarif --output "$work/sample-absolute.sarif" || true
(cd "$work" && "$BIN" audit net --format sarif --output generated.sarif) || true

status=0
for f in sample sample-absolute generated; do
  "$tool" validate "$work/$f.sarif" --rule-kind "Sarif;Gh" --level "Error;Warning;Note" \
    --output "$work/$f.validation.sarif" --log ForceOverwrite >/dev/null || true
  node -e '
    const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const rs = d.runs[0].results || [];
    const bad = rs.filter(r => (r.level || "warning") !== "note");
    const count = {};
    for (const r of rs) { const k = r.ruleId + " " + (r.level || "warning"); count[k] = (count[k] || 0) + 1; }
    console.log(process.argv[2] + ": " + (Object.entries(count).map(([k, v]) => k + " x" + v).join(", ") || "nothing"));
    for (const r of bad) console.log("  " + r.ruleId + ": " + JSON.stringify(r.message.arguments || r.message.text));
    process.exit(bad.length ? 1 : 0);
  ' "$work/$f.validation.sarif" "$f" || status=1
done
[ $status -eq 0 ] && echo "sarif-multitool: no error and no warning"
exit $status
