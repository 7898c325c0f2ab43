"""The scripts as users run them: --help, the --json contract, batch order, first-run build."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from support.paths import ROOT

from retrieval.locations import tables_cache_dir

SCRIPTS = ("query.py", "rebuild_index.py", "evaluate.py")


def run(script: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / script), *args], capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=300, cwd=ROOT)


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_has_help(script):
    result = run(script, "--help")
    assert result.returncode == 0 and "usage:" in result.stdout


def test_json_output_follows_the_contract(seed_index):
    result = run("query.py", "--json", "--top-k", "3", "7月中国稀土磁铁出口了多少吨？",
                 env={"NEWSQA_INDEX": str(seed_index.index_dir), "NEWSQA_MODEL": seed_index.model})
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert set(answer) == {"query", "answered", "hits"}
    assert answer["query"] == "7月中国稀土磁铁出口了多少吨？" and answer["answered"] is True
    assert 1 <= len(answer["hits"]) <= 3
    for hit in answer["hits"]:
        assert set(hit) == {"text", "title", "date", "url", "score", "passage_id", "article_id"}
        assert isinstance(hit["score"], float) and hit["url"].startswith("https://")
    assert any("5,577吨" in hit["text"] for hit in answer["hits"])


def test_batch_mode_answers_every_line_in_order(seed_index, tmp_path):
    questions = ["中国的稀土储量占全球多少？", "如何做红烧肉？", "美国国防部给MP Materials投资了多少钱？",
                 "貝森特說中共在稀土上的籌碼最多能持續多久？"]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps({"id": i, "query": q}, ensure_ascii=False) for i, q in enumerate(questions)),
                    encoding="utf-8")
    result = run("query.py", "--questions", str(path),
                 env={"NEWSQA_INDEX": str(seed_index.index_dir), "NEWSQA_MODEL": seed_index.model})
    assert result.returncode == 0, result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["query"] for a in answers] == questions
    assert [a["answered"] for a in answers] == [True, False, True, True]
    assert answers[1]["hits"] == []


def test_batch_file_with_a_bad_line_names_the_line_and_goes_on(tmp_path, seed_index):
    path = tmp_path / "q.jsonl"
    path.write_text('{"query": "稀土"}\n{"question": "no query field"}\n{"query": "稀土"}\n', encoding="utf-8")
    result = run("query.py", "--questions", str(path), env={"NEWSQA_INDEX": str(seed_index.index_dir),
                                                             "NEWSQA_MODEL": seed_index.model})
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 1 and len(answers) == 3 and answers[0] == answers[2]
    assert f"{path}:2" in answers[1]["error"] and "query" in answers[1]["error"] and answers[1]["hits"] == []


def test_first_query_builds_the_index_at_the_default_location_and_says_so(tmp_path, tiny_model):
    # the default index is $NEWSQA_HOME/index; the prepared tables stay where they are
    env = {"NEWSQA_HOME": str(tmp_path / "home"), "NEWSQA_MODEL": tiny_model,
           "NEWSQA_CACHE": str(tables_cache_dir()), "NEWSQA_INDEX": ""}
    result = run("query.py", "中国的稀土储量占全球多少？", env=env)
    assert result.returncode == 0, result.stderr
    assert "building one" in result.stderr and "Index built" in result.stderr
    assert (tmp_path / "home" / "index" / "CURRENT").is_file()
    assert "44%" in result.stdout and "rfa.org/" in result.stdout
    assert "[" not in result.stdout and "score" not in result.stdout  # a pipe gets no marks and no scores
    again = run("query.py", "中国的稀土储量占全球多少？", env=env)
    assert "building" not in again.stderr


def test_verbose_shows_scores_and_full_source_urls(seed_index):
    result = run("query.py", "--verbose", "中国的稀土储量占全球多少？",
                 env={"NEWSQA_INDEX": str(seed_index.index_dir), "NEWSQA_MODEL": seed_index.model})
    assert result.returncode == 0, result.stderr
    assert "score " in result.stdout and "https://www.rfa.org/" in result.stdout


def test_a_missing_index_elsewhere_is_an_error_that_says_how_to_build_one(tmp_path, tiny_model):
    mistyped = tmp_path / "mistyped-index"
    for args, env in ((("--index", str(mistyped)), {}), ((), {"NEWSQA_INDEX": str(mistyped)})):
        result = run("query.py", *args, "中国的稀土储量占全球多少？", env={"NEWSQA_MODEL": tiny_model, **env})
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"no index in {mistyped}" in result.stderr and "newsqa rebuild --index" in result.stderr
        assert not mistyped.exists() and result.stdout == ""


def test_no_answer_is_said_plainly(seed_index):
    result = run("query.py", "比特币今天的价格是多少？",
                 env={"NEWSQA_INDEX": str(seed_index.index_dir), "NEWSQA_MODEL": seed_index.model})
    assert result.returncode == 0 and "No passage in the corpus answers" in result.stdout


def test_rebuild_script_prints_a_summary_and_fails_only_when_nothing_indexed(tmp_path, tiny_model):
    env = {"NEWSQA_MODEL": tiny_model}
    ok = run("rebuild_index.py", "--articles", str(ROOT / "seeds"), "--index", str(tmp_path / "i"), "--no-progress",
             env=env)
    assert ok.returncode == 0, ok.stderr
    assert "articles: 5 read" in ok.stdout and "passages:" in ok.stdout
    empty = tmp_path / "empty"
    empty.mkdir()
    failed = run("rebuild_index.py", "--articles", str(empty), "--index", str(tmp_path / "i"), "--no-progress",
                 env=env)
    assert failed.returncode == 1 and "nothing could be indexed" in failed.stderr


def test_model_mismatch_from_the_cli_says_to_rebuild(seed_index, tmp_path):
    from support.tiny_model import build_tiny_model

    other = build_tiny_model(tmp_path / "m", dim=8, seed=3)
    result = run("query.py", "稀土", env={"NEWSQA_INDEX": str(seed_index.index_dir), "NEWSQA_MODEL": other})
    assert result.returncode == 2 and "rebuild" in result.stderr and "Traceback" not in result.stderr


def test_the_newsqa_command_runs_each_command_from_any_folder(seed_index, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NEWSQA_INDEX": str(seed_index.index_dir),
           "NEWSQA_MODEL": seed_index.model}
    newsqa = [sys.executable, "-m", "newsqa"]
    listing = subprocess.run(newsqa, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert listing.returncode == 0 and all(f"  {name} " in listing.stdout for name in ("ask", "rebuild", "bot", "eval"))
    unknown = subprocess.run([*newsqa, "frobnicate"], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert unknown.returncode == 2 and "unknown command 'frobnicate'" in unknown.stderr
    asked = subprocess.run([*newsqa, "ask", "--json", "7月中国稀土磁铁出口了多少吨？"], capture_output=True, text=True,
                           env=env, cwd=tmp_path, timeout=300)
    assert asked.returncode == 0, asked.stderr
    assert any("5,577吨" in hit["text"] for hit in json.loads(asked.stdout)["hits"])
