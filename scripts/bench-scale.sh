#!/usr/bin/env bash
# A million-conversation run, side by side with copying its output.
# Generates --variants N (default 200: 1,075,200 conversations) of the
# default selection as per-behavior JSON Lines, durably (every file is
# synced), then copies the output with `cp -r` and `sync`. Prints wall
# time, conversations/s, MB/s and peak RSS for both.
# Usage: scripts/bench-scale.sh [VARIANTS] [WORK_DIR]   (needs GNU time)
set -euo pipefail
cd "$(dirname "$0")/.."
variants=${1:-200}
work=${2:-$(mktemp -d)}
bin=${COVERAGE_BIN:-target/release/coverage}
[ -x "$bin" ] || cargo build --release --quiet
mkdir -p "$work"
out="$work/generated"
copy="$work/copied"
rm -rf "$out" "$copy"
trap 'rm -rf "$out" "$copy"' EXIT

sync
/usr/bin/time -f "%e %M" -o "$work/generate.time" \
  "$bin" generate --variants "$variants" --format jsonl --split --out "$out" > /dev/null
read -r gen_seconds gen_kib < "$work/generate.time"
bytes=$(du -sb "$out" | cut -f1)
conversations=$((5376 * variants))

sync
start=$(date +%s%N)
/usr/bin/time -f "%e %M" -o "$work/copy.time" cp -r "$out" "$copy"
sync
end=$(date +%s%N)
read -r _ cp_kib < "$work/copy.time"
cp_seconds=$(python3 -c "print(($end - $start) / 1e9)")

python3 - "$conversations" "$bytes" "$gen_seconds" "$gen_kib" "$cp_seconds" "$cp_kib" <<'PY'
import sys
n, size, gen, gen_kib, cp, cp_kib = (float(x) for x in sys.argv[1:])
mb = size / 1e6
print(f"output: {int(n):,} conversations, {mb:,.0f} MB")
print(f"coverage generate: {gen:.1f} s, {n / gen:,.0f} conversations/s, {mb / gen:,.0f} MB/s, peak RSS {gen_kib / 1024:.1f} MiB")
print(f"cp -r + sync:      {cp:.1f} s, {n / cp:,.0f} conversations/s, {mb / cp:,.0f} MB/s, peak RSS {cp_kib / 1024:.1f} MiB")
print(f"generate / copy:   {gen / cp:.2f}x")
PY
