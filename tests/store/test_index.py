"""The on-disk index: round trip, incremental rebuilds, atomic swap, bad inputs, model checks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from support.building import build
from support.paths import ROOT

from retrieval.errors import ModelMismatch, NothingIndexed
from retrieval.models.embedding import load_embedder
from retrieval.service import open_searcher, rebuild
from retrieval.store.local.build import build_index
from retrieval.store.local.reader import load_index
from retrieval.store.local.versions import live_version, live_version_dir


def test_round_trip_keeps_passages_metadata_and_model(tmp_path, tiny_model):
    report, _ = build(ROOT / "seeds", tmp_path / "index", tiny_model)
    index = load_index(tmp_path / "index")
    assert index.num_articles == 5 and report.articles_read == 5
    assert index.num_passages == report.passages_total == index.vectors.ntotal
    assert index.model_name == tiny_model and index.dim == 32
    stored = index.passages(list(range(index.num_passages)))
    assert len({p.passage_id for p in stored}) == index.num_passages
    by_text = {p.text: p for p in stored}
    hit = next(p for text, p in by_text.items() if "5,577吨" in text)
    assert hit.title == "中国7月稀土磁铁出口攀升 创六个月最高"
    assert hit.url == "https://www.epochtimes.com/gb/25/8/20/n14577375.htm"
    assert hit.date == "2025-08-20"
    assert not list((tmp_path / "index").rglob("*.pkl")) and not list((tmp_path / "index").rglob("*.pickle"))


def test_incremental_rebuild_processes_only_added_changed_and_removed(seeds_copy, tmp_path, tiny_model):
    index_dir = tmp_path / "index"
    first, embedder = build(seeds_copy, index_dir, tiny_model)
    assert len(embedder.texts) == first.passages_total

    unchanged, embedder = build(seeds_copy, index_dir, tiny_model)
    assert (unchanged.articles_read, unchanged.articles_reused, len(embedder.texts)) == (0, 5, 0)

    # change one paragraph of one article, add one article, remove one
    changed = seeds_copy / "004_e4235420dcd6cc06.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("对美出口619吨", "对美出口620吨"), encoding="utf-8")
    added = seeds_copy / "new_article.md"
    added.write_text("---\ntitle: 新文章\ndate: 2025-01-02\nfrom: https://example.com/a\n---\n"
                     "这是一篇新加入的文章，讲述锑出口管制对全球供应链的影响与各国的应对。\n", encoding="utf-8")
    (seeds_copy / "000_aeb44d780e645d3e.txt").unlink()

    report, embedder = build(seeds_copy, index_dir, tiny_model)
    assert report.articles_read == 2 and report.articles_reused == 3 and report.articles_removed == 1
    assert sorted(embedder.texts) == sorted(t for t in embedder.texts if "620吨" in t or "锑出口管制" in t)
    assert len(embedder.texts) == 2  # only the changed paragraph and the new article's passage
    assert report.passages_added == 2 and report.passages_removed >= 1 + 1  # removed article + old paragraph

    searcher = open_searcher(replace_settings(index_dir, tiny_model))
    texts = [h.text for h in searcher.search("锑出口管制", top_k=3).hits]
    assert any("锑出口管制" in t for t in texts)
    assert not any("日本的稀有金属储备" in t for t in _all_texts(index_dir))


def _all_texts(index_dir: Path) -> list[str]:
    index = load_index(index_dir)
    return [p.text for p in index.passages(list(range(index.num_passages)))]


def replace_settings(index_dir: Path, model: str):
    from retrieval.config import Settings

    return replace(Settings(), index_dir=index_dir, model=model)


def test_identical_article_in_two_places_is_stored_once(tmp_path, tiny_model):
    articles = tmp_path / "articles"
    (articles / "mirror-a").mkdir(parents=True)
    (articles / "mirror-b").mkdir()
    seed = (ROOT / "seeds" / "002_9011cc8408861f1e.txt").read_bytes()
    (articles / "mirror-a" / "copy.md").write_bytes(seed)
    (articles / "mirror-b" / "copy.html").write_bytes(seed)
    report, _ = build(articles, tmp_path / "index", tiny_model)
    assert report.articles_read == 2
    assert report.duplicate_passages == report.passages_total
    hits = open_searcher(replace_settings(tmp_path / "index", tiny_model)).search("莱纳斯 蓝线集团", top_k=5).hits
    assert len({h.text for h in hits}) == len(hits)


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.md", b"", "empty file"),
        ("binary.md", bytes(range(256)) * 40, "binary file"),
        ("huge.md", b"<p>" + "稀土".encode() * (20 * 1024 * 1024 // 6) + b"</p>", "over the"),  # 20 MB
        ("noise.md", bytes([0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1]) * 3000, "undecodable"),
    ],
)
def test_a_bad_article_is_skipped_with_its_reason_and_the_build_goes_on(tmp_path, tiny_model, name, content,
                                                                        reason):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "good.md").write_bytes((ROOT / "seeds" / "002_9011cc8408861f1e.txt").read_bytes())
    (articles / name).write_bytes(content)
    warnings: list[str] = []
    report = build_index([articles], tmp_path / "index", load_embedder(tiny_model), show_progress=False,
                         on_warning=warnings.append)
    assert report.articles_read == 1
    assert [(Path(path).name, reason in why) for path, why in report.skipped] == [(name, True)]
    assert any(name in warning and reason in warning for warning in warnings)


def test_gbk_and_slightly_broken_utf8_articles_are_read(tmp_path, tiny_model):
    articles = tmp_path / "articles"
    articles.mkdir()
    text = "---\ntitle: 稀土出口新规\n---\n商务部宣布对七种中重稀土相关物项实施出口管制，自四月四日起生效。\n" * 1
    (articles / "gbk.md").write_bytes(text.encode("gbk"))
    broken = text.replace("四月四日", "四月五日").encode("utf-8")
    (articles / "broken.md").write_bytes(broken[:60] + b"\xff" + broken[60:])
    warnings: list[str] = []
    report = build_index([articles], tmp_path / "index", load_embedder(tiny_model), show_progress=False,
                         on_warning=warnings.append)
    assert report.articles_read == 2 and not report.skipped
    texts = _all_texts(tmp_path / "index")
    assert any("七种中重稀土相关物项实施出口管制" in t for t in texts)
    assert any("gbk.md" in w and "not UTF-8" in w for w in warnings)
    assert any("broken.md" in w and "invalid UTF-8" in w for w in warnings)


def test_nothing_indexable_is_an_error_and_leaves_the_old_index_serving(tmp_path, tiny_model):
    rebuild_settings = replace(replace_settings(tmp_path / "index", tiny_model), articles_dirs=(ROOT / "seeds",))
    rebuild(rebuild_settings, show_progress=False)
    before = live_version(tmp_path / "index")
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "blank.md").write_text("   \n")
    with pytest.raises(NothingIndexed):
        build_index([empty], tmp_path / "index", load_embedder(tiny_model), show_progress=False, full=True)
    assert live_version(tmp_path / "index") == before


def test_querying_with_another_model_is_a_clear_error(seed_index, tmp_path):
    from support.tiny_model import build_tiny_model

    other = build_tiny_model(tmp_path / "other-model", dim=16, seed=1)
    with pytest.raises(ModelMismatch, match="rebuild"):
        open_searcher(replace(seed_index, model=other))


def test_a_model_rebuilt_under_the_same_name_is_caught(tmp_path):
    from support.tiny_model import build_tiny_model

    model = str(tmp_path / "model")
    build_tiny_model(Path(model), seed=0)
    settings = replace(replace_settings(tmp_path / "index", model), articles_dirs=(ROOT / "seeds",))
    rebuild(settings, show_progress=False)
    assert open_searcher(settings).search("稀土", 1).hits
    build_tiny_model(Path(model), seed=1)  # same name, same dimension, other vectors
    load_embedder.cache_clear()
    try:
        with pytest.raises(ModelMismatch, match="changed since"):
            open_searcher(settings)
        warnings: list[str] = []
        report = rebuild(settings, show_progress=False, on_warning=warnings.append)
        assert any("re-embedding everything" in w for w in warnings)
        assert report.passages_embedded == report.passages_total
        assert open_searcher(settings).search("稀土", 1).hits
    finally:
        load_embedder.cache_clear()


def test_rebuild_killed_during_embedding_leaves_the_old_index_answering(tmp_path, tiny_model):
    index_dir = tmp_path / "index"
    settings = replace(replace_settings(index_dir, tiny_model), articles_dirs=(ROOT / "seeds",))
    rebuild(settings, show_progress=False)
    before = live_version(index_dir)
    marker = tmp_path / "embedding-started"
    # A rebuild in another process whose embedding step blocks; we kill it there.
    script = f"""
import sys, time
from pathlib import Path
sys.path.insert(0, {str(ROOT)!r})
from retrieval.models import embedding
from retrieval.store.local.build import build_index
def stuck(self, texts, batch_size=64, show_progress=False):
    Path({str(marker)!r}).write_text("x")
    time.sleep(120)
embedding.Embedder.encode = stuck
build_index([Path({str(ROOT / 'seeds')!r})], Path({str(index_dir)!r}),
            embedding.load_embedder({tiny_model!r}, sentence_transformers=True),  # as a rebuild loads it
            full=True, show_progress=False)
"""
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the rebuild never reached the embedding step"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert live_version(index_dir) == before
    result = open_searcher(settings).search("中国7月稀土磁铁出口了多少吨？", top_k=3)
    assert result.answered and any("5,577吨" in h.text for h in result.hits)
    # the next rebuild clears what the killed one left behind
    rebuild(settings, show_progress=False, full=True)
    assert not list((index_dir / "versions").glob(".tmp-*"))
    assert live_version_dir(index_dir) is not None


def test_reader_code_change_rereads_articles_but_reuses_embeddings(seeds_copy, tmp_path, tiny_model, monkeypatch):
    from retrieval.store.local import fingerprint as fingerprint_module

    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, tiny_model)
    monkeypatch.setattr(fingerprint_module, "pipeline_fingerprint", lambda: "a-newer-reader")
    report, embedder = build(seeds_copy, index_dir, tiny_model)
    assert report.articles_read == 5 and report.articles_reused == 0
    assert embedder.texts == []
    assert load_index(index_dir).manifest["pipeline"] == "a-newer-reader"
