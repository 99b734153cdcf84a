#!/usr/bin/env bash
# The evaluation harnesses the export tests run as a user would
# (docs/exports.md): inspect-ai from PyPI in a virtual environment, and
# promptfoo from npm, both cached outside the checkout so a second run, or
# a CI machine that keeps its home, installs nothing.
#
#   scripts/eval-tools.sh install   install what is missing (idempotent)
#   scripts/eval-tools.sh inspect   print the inspect command's path
#   scripts/eval-tools.sh promptfoo print the promptfoo command's path
#   scripts/eval-tools.sh python    print the venv's python (has datasets, pandas)
#
# The cache is $COVERAGE_TOOLS_HOME (default ~/.cache/coverage-tools).
set -euo pipefail

home=${COVERAGE_TOOLS_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/coverage-tools}
venv=$home/venv
inspect_version=0.3.285
promptfoo_version=0.121.20

inspect_ok() {
  [ -x "$venv/bin/inspect" ] &&
    "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('inspect-ai') != '$inspect_version')" 2>/dev/null &&
    "$venv/bin/python" -c "import datasets, pandas, openai" 2>/dev/null
}

promptfoo_ok() {
  [ -x "$home/npm/node_modules/.bin/promptfoo" ] &&
    grep -q "\"version\": \"$promptfoo_version\"" "$home/npm/node_modules/promptfoo/package.json"
}

install() {
  mkdir -p "$home/npm"
  if inspect_ok; then
    echo "eval tools: inspect-ai $inspect_version already installed in $venv"
  else
    [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    # openai: inspect's provider for OpenAI-compatible servers; datasets
    # and pandas: the Hugging Face export's load test.
    "$venv/bin/python" -m pip install --quiet "inspect-ai==$inspect_version" openai datasets pandas
  fi
  if promptfoo_ok; then
    echo "eval tools: promptfoo $promptfoo_version already installed in $home/npm"
  else
    (cd "$home/npm" && npm install --no-audit --no-fund --loglevel=error "promptfoo@$promptfoo_version")
  fi
}

case ${1:-} in
  install) install ;;
  inspect) inspect_ok && echo "$venv/bin/inspect" ;;
  promptfoo) promptfoo_ok && echo "$home/npm/node_modules/.bin/promptfoo" ;;
  python) inspect_ok && echo "$venv/bin/python" ;;
  *) echo "usage: $0 install|inspect|promptfoo|python" >&2; exit 2 ;;
esac
