#!/usr/bin/env bash
# The installable-product check: a fresh virtualenv, PyTorch's CPU wheel, then `pip install .`
# (not editable) of this commit, and the `newsqa` command run from another folder against a
# given index. Takes minutes (it installs every dependency), so it is a script, not a test.
#
#   bash scripts/check_install.sh /tmp/heldout-index [WORKDIR]
#
# The built model is taken from this checkout's model cache (NEWSQA_MODEL_CACHE) rather than built
# again; everything else the installed copy writes goes under WORKDIR/home (NEWSQA_HOME).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
INDEX=${1:?usage: check_install.sh INDEX_DIR [WORKDIR]}
WORK=${2:-$(mktemp -d /tmp/newsqa-install-XXXX)}
PYTHON=${PYTHON:-python3}
MODELS=$(cd "$ROOT" && .venv/bin/python -c "from retrieval.locations import model_cache_dir; print(model_cache_dir())")
rm -rf "$WORK/source" "$WORK/venv" "$WORK/home" && mkdir -p "$WORK/source" "$WORK/elsewhere"
git -C "$ROOT" archive --format=tar HEAD | tar -x -C "$WORK/source"
"$PYTHON" -m venv "$WORK/venv"
pip=("$WORK/venv/bin/python" -m pip)
echo "== torch (CPU wheel: the configured sources first, else PyTorch's CPU index)"
"${pip[@]}" install --quiet "torch==2.13.0+cpu" 2>/dev/null \
  || "${pip[@]}" install --quiet "torch==2.13.0+cpu" --index-url "${TORCH_CPU_INDEX:-https://download.pytorch.org/whl/cpu}"
echo "== pip install . (not editable)"
(cd "$WORK/source" && "${pip[@]}" install --quiet .)
"${pip[@]}" show newsqa | grep -E "^(Version|Location|Editable)"
cd "$WORK/elsewhere"
export NEWSQA_HOME="$WORK/home" NEWSQA_MODEL_CACHE="$MODELS"
unset NEWSQA_INDEX NEWSQA_CONFIG NEWSQA_CACHE
newsqa="$WORK/venv/bin/newsqa"
echo "== newsqa setup, from $PWD"; "$newsqa" setup
echo "== newsqa ask --index $INDEX"
"$newsqa" ask --index "$INDEX" "港府认为哪几类人不能担任立法会议员？"
"$newsqa" ask --json --index "$INDEX" "What rare earth technologies did China ban from export in December 2023?" \
  | "$WORK/venv/bin/python" -c "import json, sys; a = json.load(sys.stdin); print('answered', a['answered'], len(a['hits']), 'hits')"
echo "== a missing --index is an error"
if "$newsqa" ask --index "$WORK/no-such-index" "稀土"; then echo "FAIL: answered from a missing index"; exit 1; fi
echo "== the default index is built on first use, under NEWSQA_HOME"
"$newsqa" ask "中国的稀土储量占全球多少？" > /dev/null && test -f "$NEWSQA_HOME/index/CURRENT"
written=$(find "$WORK/venv/lib" -path "*site-packages/retrieval*" -newer "$newsqa" -type f ! -name "*.pyc" | wc -l)
echo "files written inside site-packages/retrieval after install: $written"
test "$written" -eq 0
echo "OK: $WORK"
