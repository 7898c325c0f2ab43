"""The reader inside a rebuild: duplicate articles collapse, several sources index together incrementally."""

from __future__ import annotations

import shutil
import sys
from dataclasses import replace

import pytest
from support.paths import ROOT

from retrieval.config import Settings
from retrieval.models.embedding import load_embedder
from retrieval.service import open_searcher
from retrieval.store.local.build import build_index
from retrieval.store.local.reader import load_index

SEEDS = ROOT / "seeds"

PARAGRAPHS = (
    "美国国防部宣布向一家稀土磁铁制造商追加投资，以加快在本土建立从分离到磁体的完整产能。",
    "该公司表示，新工厂预计两年内投产，届时可满足国内军工需求的一半以上。",
    "分析人士认为，这一投资显示华盛顿正试图在关键矿产上减少对外国供应的依赖。",
)


def _markdown_copy() -> str:
    body = "\n\n".join(PARAGRAPHS)
    return f"---\ntitle: 美国加码投资稀土磁铁产能\ndate: 2025-01-05\n---\n\n{body}\n"


def _mirror_copy() -> str:
    """The same article as another mirror saved it: different markup, nav bar, source line."""
    body = "".join(f"<p>{paragraph}</p>\n" for paragraph in PARAGRAPHS)
    return ("### 美国加码投资稀土磁铁产能\n------------------------\n\n"
            "#### [首页](https://github.com/x/README.md) &nbsp;|&nbsp; [翻墙教程](https://github.com/x/wiki)\n\n"
            f"<div>\n{body}</div>\n\n原文地址：https://news.example.com/2025/01/05/magnets.html\n")


def test_the_same_article_saved_twice_in_two_formats_gives_one_hit_not_two(tmp_path, tiny_model):
    first, second = tmp_path / "mirror-a", tmp_path / "mirror-b"
    first.mkdir()
    second.mkdir()
    (first / "magnets.md").write_text(_markdown_copy(), encoding="utf-8")
    (second / "magnets-copy.html").write_text(_mirror_copy(), encoding="utf-8")
    settings = replace(Settings(), index_dir=tmp_path / "index", articles_dirs=(first, second), model=tiny_model)

    report = build_index([first, second], settings.index_dir, load_embedder(tiny_model), show_progress=False)

    assert report.articles_read == 2
    assert report.passages_total == len(PARAGRAPHS)  # one row per distinct passage text
    assert report.duplicate_passages == len(PARAGRAPHS)
    result = open_searcher(settings).search("美国国防部向稀土磁铁制造商追加投资", top_k=5)
    matching = [hit for hit in result.hits if PARAGRAPHS[0] in hit.text]
    assert len(matching) == 1


def _run_rebuild(argv: list[str], monkeypatch, tiny_model, capsys) -> str:
    scripts = str(ROOT / "scripts")
    monkeypatch.syspath_prepend(scripts)
    monkeypatch.setenv("NEWSQA_MODEL", tiny_model)
    monkeypatch.setenv("NEWSQA_CONFIG", str(ROOT / "no-such-newsqa.toml"))
    sys.modules.pop("rebuild_index", None)
    import rebuild_index

    assert rebuild_index.main([*argv, "--no-progress"]) == 0
    return capsys.readouterr().out


def test_rebuild_indexes_two_directories_together_and_incrementally_by_content(
        tmp_path, tiny_model, monkeypatch, capsys):
    seeds, extra = tmp_path / "seeds", tmp_path / "extra"
    shutil.copytree(SEEDS, seeds)
    extra.mkdir()
    (extra / "magnets.md").write_text(_markdown_copy(), encoding="utf-8")
    (extra / "empty.md").write_bytes(b"")  # one bad file never sinks a rebuild
    index_dir = tmp_path / "index"
    argv = ["--articles", str(seeds), str(extra), "--index", str(index_dir)]
    seed_count = len(list(SEEDS.iterdir()))

    out = _run_rebuild(argv, monkeypatch, tiny_model, capsys)
    assert f"articles: {seed_count + 1} read, 0 unchanged" in out and "1 skipped (1 empty file)" in out
    assert load_index(index_dir).num_articles == seed_count + 1

    out = _run_rebuild(argv, monkeypatch, tiny_model, capsys)  # nothing changed: nothing re-read or embedded
    assert f"articles: 0 read, {seed_count + 1} unchanged, 0 removed" in out and "0 embedded" in out

    changed = _markdown_copy().replace(PARAGRAPHS[2], "另有消息称，该工厂的部分设备将从日本进口，以缩短建设周期。")
    (extra / "magnets.md").write_text(changed, encoding="utf-8")
    next(seeds.iterdir()).unlink()
    out = _run_rebuild(argv, monkeypatch, tiny_model, capsys)
    assert f"articles: 1 read, {seed_count - 1} unchanged, 1 removed" in out
    assert "1 embedded" in out  # only the changed paragraph is new text
    assert load_index(index_dir).num_articles == seed_count


@pytest.mark.parametrize("name", ["article.md", "article.html"])
def test_a_directory_named_like_an_article_is_not_read_as_one(tmp_path, tiny_model, name):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / name).mkdir()
    (articles / "real.md").write_text(_markdown_copy(), encoding="utf-8")
    report = build_index([articles], tmp_path / "index", load_embedder(tiny_model), show_progress=False)
    assert report.articles_read == 1 and not report.skipped
