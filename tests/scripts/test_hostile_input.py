"""Hostile text at the edges: escape sequences in articles never reach the terminal; long and invalid
questions get a clear message at every entry point, never a traceback (issue 19)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest
from support.paths import ROOT

from retrieval.errors import QuestionRejected
from retrieval.service import open_searcher, rebuild
from retrieval.text.safe import MAX_QUESTION_CHARS, clean_question, printable_path, terminal_safe

ESC_ARTICLE = ("# 稀土\x1b]0;pwned\x07出口\x1b[2J管制\n\n"
               "发布时间：2025-07-01\n\n"
               "中国\x1b[31m稀土\x1b[0m出口管制在七月收紧，\x1b]8;;https://evil.example\x1b\\\\点此\x1b]8;;\x1b\\\\"
               "相关企业的镝和铽出口许可申请需要更长时间审批。\x9b2J\u202e反转\n")


def run_query(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "scripts" / "query.py"), *args], capture_output=True,
                          env={**os.environ, **env}, timeout=300, cwd=ROOT)


@pytest.mark.parametrize("text", ["a\x1b[2Jb", "a\x1b]0;t\x07b", "a\x9b31mb", "a\rb", "a\u202eb", "a\x00b"])
def test_terminal_safe_removes_what_a_terminal_would_act_on(text):
    assert terminal_safe(text) == terminal_safe(text).replace("\x1b", "") and "\x1b" not in terminal_safe(text)
    assert terminal_safe(text).startswith("a") and terminal_safe(text).endswith("b")
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in terminal_safe(text))


def test_terminal_safe_keeps_text_tabs_and_newlines():
    assert terminal_safe("稀土 rare\tearth\n第二行") == "稀土 rare\tearth\n第二行"
    assert terminal_safe("一\n二", keep_newlines=False) == "一二"


def test_printable_path_shows_undecodable_bytes_as_escapes():
    assert printable_path(b"/x/caf\xe9\x1b[2J.txt") == r"/x/caf\xe9[2J.txt"
    assert printable_path(os.fsdecode(b"/x/\xff.txt")) == r"/x/\xff.txt"


def test_an_article_with_escape_sequences_prints_none(tmp_path, tiny_settings):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "esc.md").write_text(ESC_ARTICLE, encoding="utf-8")
    (articles / "plain.md").write_text("# 天气\n\n今天北京天气晴朗，最高气温三十度，适合出行。\n", encoding="utf-8")
    settings = replace(tiny_settings, articles_dirs=(articles,))
    rebuild(settings, show_progress=False)
    env = {"NEWSQA_INDEX": str(settings.index_dir), "NEWSQA_MODEL": settings.model}
    text = run_query("稀土出口管制镝和铽", env=env)
    assert text.returncode == 0, text.stderr
    assert b"\x1b" not in text.stdout and b"\x1b" not in text.stderr and "\x9b".encode() not in text.stdout
    assert "需要更长时间".encode() in text.stdout
    as_json = run_query("--json", "稀土出口管制镝和铽", env=env)
    assert b"\x1b" not in as_json.stdout  # escaped as \u001b by json
    hit = json.loads(as_json.stdout)["hits"][0]
    assert "出口许可" in hit["text"]


def test_a_question_past_the_cap_is_refused_everywhere(seed_index):
    searcher = open_searcher(seed_index)
    with pytest.raises(QuestionRejected, match="100,000 characters"):
        searcher.search("稀土出口" * 25_000)
    env = {"NEWSQA_INDEX": str(seed_index.index_dir), "NEWSQA_MODEL": seed_index.model}
    result = run_query("rare earth " * 9_091, env=env)  # ASCII: one argv string may hold 128 KiB at most
    assert result.returncode == 2 and b"limit is 1,000" in result.stderr and b"Traceback" not in result.stderr


def test_a_question_at_the_cap_is_answered(seed_index):
    searcher = open_searcher(seed_index)
    question = ("How much 稀土 did China export to the US in July 2024? 美国国防部投资了多少钱 $400 million "
                * 20)[:MAX_QUESTION_CHARS]
    assert searcher.search(question).query == question
    with pytest.raises(QuestionRejected):
        searcher.search(question + "?")


def test_a_lone_surrogate_is_replaced_not_a_traceback(seed_index, tmp_path):
    assert clean_question("稀土\ud800出口").text == "稀土\ufffd出口"
    searcher = open_searcher(seed_index)
    assert searcher.search("稀土\ud800出口").query == "稀土\ufffd出口"
    env = {"NEWSQA_INDEX": str(seed_index.index_dir), "NEWSQA_MODEL": seed_index.model}
    argv = subprocess.run([sys.executable, str(ROOT / "scripts" / "query.py"), b"\xff\xfe\xe7\xa8\x80\xe5\x9c\x9f"],
                          capture_output=True, env={**os.environ, **env}, timeout=300, cwd=ROOT)
    assert argv.returncode == 0 and b"invalid" in argv.stderr and b"Traceback" not in argv.stderr


def test_one_bad_line_in_a_batch_is_an_error_object_and_the_batch_goes_on(seed_index, tmp_path):
    path = tmp_path / "q.jsonl"
    lines = ['{"query": "中国的稀土储量占全球多少？"}', '{"query": "稀土\\ud800出口"}', "not json",
             '{"question": "no query field"}', json.dumps({"query": "稀" * 100_000}), '{"query": "如何做红烧肉？"}']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {"NEWSQA_INDEX": str(seed_index.index_dir), "NEWSQA_MODEL": seed_index.model}
    result = run_query("--questions", str(path), env=env)
    assert b"Traceback" not in result.stderr
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(answers) == 6 and result.returncode == 1
    assert answers[0]["answered"] is True and "error" not in answers[0]
    assert answers[1]["query"] == "稀土\ufffd出口" and "error" not in answers[1]
    for answer, where in zip(answers[2:5], (3, 4, 5), strict=True):
        assert answer["answered"] is False and answer["hits"] == [] and f":{where}" in answer["error"]
    assert answers[5]["answered"] is False and "error" not in answers[5]
