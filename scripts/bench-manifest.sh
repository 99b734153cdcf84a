#!/usr/bin/env bash
# `coverage manifest --json` against scripts/manifest_reference.py, the same
# semantics in plain Python, side by side in one run: checks that both keep
# and exclude the same scenarios for the same reasons, then times each.
# Usage: scripts/bench-manifest.sh [SEED] [RUNS]   (needs a release build)
set -euo pipefail
cd "$(dirname "$0")/.."
seed=${1:-42}
runs=${2:-10}
bin=${COVERAGE_BIN:-target/release/coverage}
[ -x "$bin" ] || cargo build --release --quiet
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$bin" manifest --json --seed "$seed" > "$tmp/rust.json"
python3 scripts/manifest_reference.py "$seed" > "$tmp/python.json"
python3 - "$tmp/rust.json" "$tmp/python.json" <<'PY'
import json, sys
rust, python = (json.load(open(p)) for p in sys.argv[1:])
assert [s["id"] for s in rust["scenarios"]] == [s["id"] for s in python["scenarios"]], "kept sets differ"
assert [(s["id"], s["rule"]) for s in rust["excluded"]] == [(s["id"], s["rule"]) for s in python["excluded"]], "exclusions differ"
assert rust["totals"] == python["totals"]
print(f"same semantics: {rust['totals']['kept']} kept, {rust['totals']['excluded']} excluded")
PY
time_runs() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$runs"); do "$@" > /dev/null; done
  end=$(date +%s%N)
  echo $(( (end - start) / runs / 1000 ))
}
rust_us=$(time_runs "$bin" manifest --json --seed "$seed")
python_us=$(time_runs python3 scripts/manifest_reference.py "$seed")
echo "coverage manifest --json: $((rust_us / 1000)).$(( (rust_us % 1000) / 100 )) ms per run (mean of $runs)"
echo "python3 reference:        $((python_us / 1000)).$(( (python_us % 1000) / 100 )) ms per run (mean of $runs)"
python3 -c "print(f'speed-up: {$python_us / $rust_us:.1f}x')"
