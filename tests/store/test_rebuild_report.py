"""A rebuild says what it ignored and which pages look like no news article."""

from __future__ import annotations

import shutil
import subprocess
import sys

from support.building import build
from support.paths import ROOT, SEEDS

from retrieval.ingest.signals import missing_news_signals, unlike_news
from retrieval.records import Article

DESIGN_NOTES = "# Scaling notes\n\nThe index keeps one base segment and a few deltas.\n\nMore text here.\n"


def articles_with_strays(root):
    articles = root / "articles"
    shutil.copytree(SEEDS, articles)
    (articles / "scaling.md").write_text(DESIGN_NOTES, encoding="utf-8")
    (articles / "report.pdf").write_bytes(b"%PDF-1.4")
    (articles / "notes").write_text("no extension", encoding="utf-8")
    (articles / "README.md").write_text("# What is here\n", encoding="utf-8")
    (articles / ".git").mkdir()
    (articles / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    (articles / "_layouts").mkdir()
    (articles / "_layouts" / "post.html").write_text("<html>{{ content }}</html>")
    return articles


def test_ignored_files_are_counted_by_reason_and_unlike_news_pages_named(tmp_path, tiny_model):
    articles = articles_with_strays(tmp_path)
    warnings: list[str] = []
    report, _ = build(articles, tmp_path / "index", tiny_model, on_warning=warnings.append)
    assert report.articles_read == 6  # the five seeds and the notes page: indexed, but warned about
    reasons = {path.rsplit("/", 1)[-1]: reason for path, reason in report.ignored}
    assert reasons == {"report.pdf": "not a page type NewsQA reads (.pdf)",
                       "notes": "not a page type NewsQA reads (no extension)", "README.md": "README",
                       ".git": "hidden folder", "_layouts": "site template or asset folder"}
    assert "HEAD" not in str(report.ignored)  # a skipped folder is not listed file by file
    assert report.unlike_news == [(str(articles / "scaling.md"), "no date, no source link")]
    assert any("scaling.md does not look like a news article" in message for message in warnings)
    summary = report.summary()
    assert "1 unlike news" in summary and "1 not a page type NewsQA reads (.pdf)" in summary and "1 README" in summary


def test_the_rebuild_command_names_ignored_files_when_verbose(tmp_path, tiny_model):
    articles = articles_with_strays(tmp_path)
    command = [sys.executable, str(ROOT / "scripts" / "rebuild_index.py"), "--articles", str(articles),
               "--index", str(tmp_path / "index"), "--no-progress"]
    env = {"NEWSQA_MODEL": tiny_model, "PATH": "/usr/bin:/bin"}
    quiet = subprocess.run(command, capture_output=True, text=True, env=env, timeout=300)
    assert quiet.returncode == 0, quiet.stderr
    assert "ignored: " in quiet.stdout and "report.pdf" not in quiet.stderr
    assert "scaling.md does not look like a news article (no date, no source link)" in quiet.stderr
    verbose = subprocess.run([*command, "--verbose"], capture_output=True, text=True, env=env, timeout=300)
    assert verbose.returncode == 0 and f"ignored {articles / 'report.pdf'}: not a page type" in verbose.stderr


def test_news_signals_are_read_from_the_article_record():
    def article(title, date, url, path="/x/page-1.md"):
        return Article("id", title, date, url, ("text",), path)

    assert unlike_news(article("Headline", "2025-07-01", "https://example.org/a")) is None
    assert unlike_news(article("Headline", None, "https://example.org/a")) is None  # one gap: still news
    assert missing_news_signals(article("page-1", None, None)) == ["no headline", "no date", "no source link"]
    assert unlike_news(article("Headline", None, None)) == "no date, no source link"
