#!/usr/bin/env bash
# `coverage run` and `coverage grade` overhead (docs/performance.md):
#  1. run: SAMPLES samples (default 50,000: the full grid's 6,288 graded
#     turns × 8 variants, cut to 50,000) against a local endpoint that
#     answers at once, at concurrency 32; samples/s and peak RSS, beside
#     the endpoint's own rate under one client of the same concurrency;
#  2. grade: a run of LINES transcript lines (default 1,000,000: 50,000
#     samples × 20 trials), beside `python3` merely parsing the same lines.
# Usage: scripts/bench-run.sh [WORK_DIR]   (needs GNU time; COVERAGE_BIN to skip the build)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-$(mktemp -d)}
bin=${COVERAGE_BIN:-target/release/coverage}
[ -x "$bin" ] || cargo build --release --quiet
samples_wanted=${SAMPLES:-50000}
mkdir -p "$work"
rm -rf "$work/samples" "$work/run" "$work/graded"

"$bin" samples --variants 8 --out "$work/samples" > /dev/null
cat $(find "$work/samples" -name '*.samples.jsonl' | sort) | awk -v n="$samples_wanted" 'NR <= n' > "$work/bench.samples.jsonl"
echo "samples: $(wc -l < "$work/bench.samples.jsonl")"

# An endpoint that answers every request at once, with keep-alive.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 - "$port" > "$work/endpoint.log" 2>&1 <<'PY' &
import asyncio, json, sys
BODY = json.dumps({"choices": [{"index": 0, "message": {"role": "assistant", "content": "Done: 12.50 USD.",
    "tool_calls": [{"id": "c", "type": "function", "function": {"name": "fulfill",
    "arguments": "{\"item_id\": \"x\", \"quantity\": 1, \"unit_price\": 12.5, \"offer_id\": \"\"}"}}]}}],
    "usage": {"prompt_tokens": 1500, "completion_tokens": 40}}).encode()
HEAD = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n" % len(BODY)
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            writer.write(HEAD + BODY)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=256)
    await server.serve_forever()
asyncio.run(main())
PY
endpoint_pid=$!
trap 'kill $endpoint_pid 2>/dev/null || true' EXIT
sleep 1

# The endpoint's own rate: 32 Python clients on keep-alive connections.
python3 - "$port" "$work/bench.samples.jsonl" <<'PY'
import http.client, json, sys, threading, time
port, path = int(sys.argv[1]), sys.argv[2]
bodies = [line.encode() for line in open(path)][:20000]
def client(chunk):
    c = http.client.HTTPConnection("127.0.0.1", port)
    for body in chunk:
        c.request("POST", "/v1/chat/completions", body, {"content-type": "application/json"})
        c.getresponse().read()
start = time.time()
threads = [threading.Thread(target=client, args=(bodies[i::32],)) for i in range(32)]
[t.start() for t in threads]; [t.join() for t in threads]
print(f"endpoint alone (python clients, concurrency 32): {len(bodies) / (time.time() - start):,.0f} requests/s")
PY

/usr/bin/time -f "%e %M" -o "$work/run.time" "$bin" run "$work/bench.samples.jsonl" \
  --endpoint "http://127.0.0.1:$port/v1" --model bench --concurrency 32 --out "$work/run" > /dev/null
read -r run_seconds run_kib < "$work/run.time"
python3 -c "import sys; n, s, k = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]); print(f'coverage run: {n:,} samples in {s:.1f} s, {n / s:,.0f} samples/s, peak RSS {k / 1024:.1f} MiB')" \
  "$(wc -l < "$work/bench.samples.jsonl")" "$run_seconds" "$run_kib"

# 1,000,000 transcript lines: the run's lines, once per trial of 20.
mkdir -p "$work/graded"
python3 - "$work/run" "$work/graded" <<'PY'
import json, sys
from pathlib import Path
run, out = Path(sys.argv[1]), Path(sys.argv[2])
record = json.loads((run / "run.json").read_text())
record["parameters"]["trials"] = 20
(out / "run.json").write_text(json.dumps(record))
lines = (run / "transcripts.jsonl").read_text().splitlines()
with open(out / "transcripts.jsonl", "w") as f:
    for trial in range(20):
        for line in lines:
            t = json.loads(line)
            t["trial"] = trial
            f.write(json.dumps(t) + "\n")
PY
lines=$(wc -l < "$work/graded/transcripts.jsonl")
/usr/bin/time -f "%e %M" -o "$work/grade.time" "$bin" grade "$work/graded" > /dev/null
read -r grade_seconds grade_kib < "$work/grade.time"
start=$(date +%s%N)
python3 -c "
import json, sys
for line in open(sys.argv[1]): json.loads(line)" "$work/graded/transcripts.jsonl"
end=$(date +%s%N)
python3 -c "import sys; n, s, k, p = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]) / 1e9; print(f'coverage grade: {n:,} transcript lines in {s:.1f} s ({n / s:,.0f} lines/s), peak RSS {k / 1024:.1f} MiB; python3 json.loads of the same lines: {p:.1f} s')" \
  "$lines" "$grade_seconds" "$grade_kib" "$((end - start))"
