"""Hostile and broken input never crashes or hangs the reader: it reads what it can or says why not.

No timings are asserted; the pathological cases are sized so that linear parsing takes well under
a second each while the quadratic behaviour they guard against would take minutes.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.paths import SEEDS

from retrieval.ingest.articles import (
    ArticleReadError,
    ReadOutcome,
    parse_page,
    read_article_file,
)
from retrieval.ingest.chunking import chunk_article
from retrieval.ingest.files import find_article_files

SEED_TEXTS = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.iterdir())]

# Pieces real pages are made of, so random pages exercise the format sniffing, not just the decoder.
FRAGMENTS = st.sampled_from([
    "<p>", "</p>", "<div class='caption'>", "</div>", "<a href='http://x.org/a'>", "</a>", "<br>", "<img src=x>",
    "<small>", "<table>", "<td>", "<h1>", "<h2 align=center>", "<!--", "-->", "<details>", "<summary>",
    "---\n", "title: 标题\n", "date: 2020-01-01\n", "url: http://a.org\n", "original_url: 'https://b.org'\n",
    "## ", "### ", "[", "]", "(", ")", "](http://a.org/x)", "![", "[[zh:", "]]", "~~", "**", "`", "\n", "\n\n",
    "【明慧网二零二零年十二月三日】", "原文地址：http://www.example.org/a（图）-1.html", "轉載自GNews", "12/12/2023 ",
    "请加入成为月费订户", "撰稿：某人", "稀土出口管制引发供应链担忧，企业纷纷寻找替代来源。", "Rare earths matter. ",
    "\ufeff", "\u3000", "\r\n", "\x0b", "{{< video >}}", "<script>x</script>", "<!--1594953918000-->",
])
PAGES = st.lists(FRAGMENTS, max_size=60).map("".join)


def _check(outcome: ReadOutcome) -> None:
    assert (outcome.article is None) != (outcome.skipped_reason is None)
    if outcome.article is not None:
        assert outcome.article.paragraphs and all(p.strip() for p in outcome.article.paragraphs)
        chunk_article(outcome.article)
    else:
        assert outcome.skipped_reason.strip()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4000))
def test_random_bytes_never_crash(tmp_path, data):
    path = tmp_path / "random.md"
    path.write_bytes(data)
    _check(read_article_file(path))


@settings(max_examples=200, deadline=None)
@given(page=PAGES)
def test_random_pages_from_real_fragments_parse_or_raise_only_the_readers_error(page):
    try:
        article = parse_page(page, "random.md")
    except ArticleReadError as error:
        assert str(error)
    else:
        assert article.paragraphs and article.title
        assert article.date is None or len(article.date) == 10


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from(SEED_TEXTS), cut=st.floats(min_value=0.0, max_value=1.0))
def test_truncated_real_pages_never_crash(tmp_path, seed, cut):
    data = seed.encode("utf-8")[: int(len(seed.encode("utf-8")) * cut)]  # may cut a character in half
    path = tmp_path / "truncated.html"
    path.write_bytes(data)
    _check(read_article_file(path))


TEXT = "稀土出口管制引发供应链担忧，企业纷纷寻找替代来源。"
PATHOLOGICAL = {
    "deeply nested divs": "<div>" * 20_000 + TEXT,
    "deeply nested divs with text at every level": ("<div>" + TEXT) * 5_000,
    "deeply nested inline tags, closed": "<b><i>" * 10_000 + TEXT + "</i></b>" * 10_000,
    "nested links": "<a href='x'>" * 5_000 + TEXT,
    "unclosed tags": "<p><div><table><tr><td>" * 2_000 + TEXT,
    "unclosed comment": TEXT + "<!--" * 20_000,
    "bracket flood": TEXT + "\n" + "![" * 50_000,
    "link-opener flood": TEXT + "\n" + "[[zh:" * 20_000 + "](" * 20_000,
    "struck-through flood": TEXT + "\n" + "<s>" * 20_000 + "~~" * 10_001,
    "whitespace run between CJK": "中" + "\x0b" * 200_000 + "文" + TEXT,
    "one huge line": TEXT * 40_000,
    "front matter that never closes": "---\ntitle: x\n" + "key: value\n" * 50_000,
    "huge front matter": "---\n" + "key: value\n" * 50_000 + "---\n" + TEXT,
    "label flood": "原文地址：" * 20_000 + TEXT,
}


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_pathological_pages_finish_with_an_article_or_a_reason(tmp_path, name):
    path = tmp_path / "page.html"
    path.write_text(PATHOLOGICAL[name], encoding="utf-8")
    outcome = read_article_file(path)
    _check(outcome)


def test_a_50_mb_page_is_skipped_unread_with_the_reason(tmp_path):
    path = tmp_path / "huge.html"
    with path.open("wb") as handle:
        handle.write(b"<p>" + TEXT.encode("utf-8") + b"</p>\n")
        handle.truncate(50 * 1024 * 1024)
    outcome = read_article_file(path)
    assert outcome.article is None
    assert "52.4 MB" in outcome.skipped_reason and "limit" in outcome.skipped_reason


def test_empty_file_and_directory_named_like_an_article_give_clear_reasons(tmp_path):
    (tmp_path / "empty.md").write_bytes(b"")
    (tmp_path / "folder.md").mkdir()
    assert read_article_file(tmp_path / "empty.md").skipped_reason == "empty file"
    assert read_article_file(tmp_path / "folder.md").skipped_reason == "is a directory"
    assert find_article_files(tmp_path) == [tmp_path / "empty.md"]


def test_an_unreadable_file_gives_a_reason(tmp_path):
    outcome = read_article_file(tmp_path / "missing.md")
    assert outcome.article is None and outcome.skipped_reason.startswith("cannot read file")


def test_a_named_pipe_is_refused_without_blocking(tmp_path):
    import os

    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    outcome = read_article_file(fifo)
    assert outcome.article is None and "not a regular file" in outcome.skipped_reason


def test_find_article_files_skips_repository_metadata_and_site_templates(tmp_path):
    for relative in (".git/x.md", ".github/ISSUE_TEMPLATE/bug.md", "_layouts/post.html", "README.md",
                     "_posts/2020-01-01-a.md", "pages/78/415660.md", "b.html", "notes.txt", "image.png", ".hidden.md"):
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x", encoding="utf-8")
    found = [path.relative_to(tmp_path).as_posix() for path in find_article_files(tmp_path)]
    assert found == ["_posts/2020-01-01-a.md", "b.html", "notes.txt", "pages/78/415660.md"]
