"""Segments: incremental rebuilds write a delta + tombstones, answer exactly like a full rebuild,
compact into a fresh base, survive failures, share segments across versions, and read old indexes."""

from __future__ import annotations

import contextlib
import json
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import faiss
import numpy as np
import pytest
from support.building import build_with_deltas as build
from support.building import forget_digests
from support.paths import SEEDS

from retrieval.config import Settings
from retrieval.errors import IndexError_, ModelMismatch
from retrieval.models.embedding import load_embedder
from retrieval.service import open_searcher
from retrieval.store.local.delta import CompactionPolicy
from retrieval.store.local.reader import load_index
from retrieval.store.local.versions import live_version, live_version_dir

QUERIES = ["稀土出口管制", "中国7月稀土磁铁出口了多少吨？", "贝森特说的12到24个月是什么意思？",
           "China rare earth export controls", "锑出口管制对全球供应链的影响", "日本的稀有金属储备"]
# substring terms (matched through bigram postings), one of them only in the changed paragraph
PHRASES = ["稀土磁铁", "对美出口620吨", "出口管制", "贝森特", "12到24个月", "2025年"]
NEW_ARTICLE = ("---\ntitle: 新文章\ndate: 2025-01-02\nfrom: https://example.com/a\n---\n"
               "这是一篇新加入的文章，讲述锑出口管制对全球供应链的影响与各国的应对。\n")


def answers(index_dir: Path, model: str) -> list[dict]:
    """Per query: every lexical and dense score by passage id, and the end-to-end hits; then each
    substring term's scores and what the corpus view knows about names."""
    searcher = open_searcher(replace(Settings(), index_dir=index_dir, model=model))
    index = searcher.index
    ids = {p.row: p.passage_id for p in index.passages(list(range(index.num_passages)))}
    corpus = searcher.corpus
    out = [{"phrases": {term: dict(zip([ids[row] for row in index.phrase_matches(term).rows.tolist()],
                                       index.phrase_matches(term).scores.tolist(), strict=True)) for term in PHRASES},
            "glossed": corpus.names.glossed, "pinyin": {key: set(words) for key, words in corpus.pinyin.items()}}]
    for query in QUERIES:
        lexical = searcher.scorer.lexical_scores(searcher.analyse(query), limit=10**6)
        _, dense = searcher.scorer.dense_scores(query, index.num_passages)
        hits = searcher.search(query, top_k=5)
        out.append({"lexical": {ids[row]: score for row, score in lexical.items()},
                    "dense": {ids[row]: score for row, score in dense.items()},
                    "hits": [(h.passage_id, h.title) for h in hits.hits],
                    "scores": [h.score for h in hits.hits]})
    index.close()
    return out


def assert_same_answers(index_dir: Path, other_dir: Path, model: str) -> None:
    """Same passages with the same scores (up to float32 rounding) for every query, on both sides."""
    ours_corpus, *ours_answers = answers(index_dir, model)
    theirs_corpus, *theirs_answers = answers(other_dir, model)
    assert ours_corpus["glossed"] == theirs_corpus["glossed"]
    assert ours_corpus["pinyin"].keys() >= theirs_corpus["pinyin"].keys()  # readings of removed rows may linger
    for term, scores in theirs_corpus["phrases"].items():
        assert ours_corpus["phrases"][term] == pytest.approx(scores, rel=1e-4), term
    for ours, theirs in zip(ours_answers, theirs_answers, strict=True):
        assert ours["hits"] == theirs["hits"]
        assert ours["scores"] == pytest.approx(theirs["scores"], rel=1e-4)
        for side in ("lexical", "dense"):
            assert ours[side].keys() == theirs[side].keys()
            assert ours[side] == pytest.approx(theirs[side], rel=1e-4, abs=1e-5)


def all_passages(index_dir: Path):
    index = load_index(index_dir)
    try:
        return index.passages(list(range(index.num_passages)))
    finally:
        index.close()


def change_articles(articles: Path) -> None:
    """One paragraph changed, one article added, one removed."""
    changed = articles / "004_e4235420dcd6cc06.txt"
    changed.write_text(changed.read_text(encoding="utf-8").replace("对美出口619吨", "对美出口620吨"), encoding="utf-8")
    (articles / "new_article.md").write_text(NEW_ARTICLE, encoding="utf-8")
    (articles / "000_aeb44d780e645d3e.txt").unlink()


def test_a_changed_article_writes_a_delta_that_answers_like_a_full_rebuild(seeds_copy, tmp_path, tiny_model):
    index_dir = tmp_path / "index"
    first, _ = build(seeds_copy, index_dir, tiny_model)
    assert first.written == "base" and first.segments == 1
    base_files = {p.name: p.stat().st_ino for p in (live_version_dir(index_dir) / "segments").glob("base-*/*")
                  if p.is_file()}

    change_articles(seeds_copy)
    report, embedder = build(seeds_copy, index_dir, tiny_model)
    assert report.written == "delta" and report.segments == 2
    assert (report.articles_read, report.articles_removed, len(embedder.texts)) == (2, 1, 2)
    manifest = json.loads((live_version_dir(index_dir) / "manifest.json").read_text())
    base, delta = manifest["segments"]
    assert base["kind"] == "base" and base["dead_rows"] >= 2 and delta["kind"] == "delta"
    assert delta["rows"] < base["rows"] / 4  # a delta holds the change, not the corpus
    # the base segment was not rewritten: the new version links the very same files
    relinked = {p.name: p.stat().st_ino for p in (live_version_dir(index_dir) / "segments").glob("base-*/*")
                if p.is_file()}
    assert relinked == base_files

    build(seeds_copy, tmp_path / "full", tiny_model, full=True)
    assert_same_answers(index_dir, tmp_path / "full", tiny_model)
    assert len(all_passages(index_dir)) == len(all_passages(tmp_path / "full"))


def test_a_removed_article_never_comes_back(seeds_copy, tmp_path, tiny_model):
    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, tiny_model)
    removed = seeds_copy / "000_aeb44d780e645d3e.txt"
    before = {p.passage_id: p.text for p in all_passages(index_dir)}
    removed.unlink()
    report, _ = build(seeds_copy, index_dir, tiny_model)
    assert report.written == "delta" and report.articles_removed == 1 and report.passages_removed > 0
    left = {p.passage_id for p in all_passages(index_dir)}
    gone = set(before) - left
    assert len(gone) == report.passages_removed
    searcher = open_searcher(replace(Settings(), index_dir=index_dir, model=tiny_model))
    for pid in gone:  # not by its own words, not by its own vector, not by any page of rows
        text = before[pid]
        assert all(h.passage_id not in gone for h in searcher.search(text[:40], top_k=10).hits)
        _, dense = searcher.scorer.dense_scores(text, searcher.index.num_passages)
        assert {p.passage_id for p in searcher.index.passages(list(dense))}.isdisjoint(gone)
        lexical = searcher.scorer.lexical_scores(searcher.analyse(text), limit=10**6)
        assert {p.passage_id for p in searcher.index.passages(list(lexical))}.isdisjoint(gone)
    # and a later delta (on another file) keeps them out
    (seeds_copy / "new_article.md").write_text(NEW_ARTICLE, encoding="utf-8")
    build(seeds_copy, index_dir, tiny_model)
    assert {p.passage_id for p in all_passages(index_dir)}.isdisjoint(gone)


def _article(title: str, paragraphs: list[str]) -> str:
    return f"---\ntitle: {title}\ndate: 2025-03-0{len(title) % 9}\n---\n" + "\n\n".join(paragraphs) + "\n"


P1 = "第一段：商务部宣布对七种中重稀土相关物项实施出口管制，自四月四日起生效，引发市场关注。"
P2 = "第二段：这段文字会从一篇文章搬到另一篇文章里，但它在索引里始终只能是一条结果。"
P3 = "第三段：美国财政部长贝森特表示，摆脱对中国稀土的依赖需要十二到二十四个月的时间。"


def test_a_passage_that_moves_to_another_article_stays_one_hit(tmp_path, tiny_model):
    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.md").write_text(_article("甲文", [P1, P2]), encoding="utf-8")
    (articles / "b.md").write_text(_article("乙文章", [P3]), encoding="utf-8")
    index_dir = tmp_path / "index"
    build(articles, index_dir, tiny_model)

    (articles / "a.md").write_text(_article("甲文", [P1]), encoding="utf-8")
    (articles / "b.md").write_text(_article("乙文章", [P3, P2]), encoding="utf-8")
    report, embedder = build(articles, index_dir, tiny_model)
    assert report.written == "delta" and embedder.texts == []  # its vector moved with it
    stored = [p for p in all_passages(index_dir) if p.text == P2]
    assert len(stored) == 1 and stored[0].title == "乙文章"
    # the same text in a new article while the old one keeps it: still one row, owner by path order
    (articles / "c.md").write_text(_article("丙文章", [P1]), encoding="utf-8")
    report, embedder = build(articles, index_dir, tiny_model)
    assert embedder.texts == [] and report.duplicate_passages == 1
    assert [p.title for p in all_passages(index_dir) if p.text == P1] == ["甲文"]
    hits = open_searcher(replace(Settings(), index_dir=index_dir, model=tiny_model)).search(P2, top_k=5).hits
    assert [h.text for h in hits].count(P2) == 1
    build(articles, tmp_path / "full", tiny_model, full=True)
    assert_same_answers(index_dir, tmp_path / "full", tiny_model)


def test_compaction_writes_a_fresh_base_that_answers_the_same(seeds_copy, tmp_path, tiny_model):
    index_dir = tmp_path / "index"
    policy = CompactionPolicy(max_delta_share=100.0, max_deltas=1)
    build(seeds_copy, index_dir, tiny_model, compaction=policy)
    (seeds_copy / "new_article.md").write_text(NEW_ARTICLE, encoding="utf-8")
    assert build(seeds_copy, index_dir, tiny_model, compaction=policy)[0].written == "delta"
    change_articles(seeds_copy)
    report, embedder = build(seeds_copy, index_dir, tiny_model, compaction=policy)
    assert report.written == "compaction" and report.segments == 1
    assert len(embedder.texts) == 1  # only the changed paragraph: every other vector is reused
    build(seeds_copy, tmp_path / "full", tiny_model, full=True)
    assert_same_answers(index_dir, tmp_path / "full", tiny_model)
    # by share: a delta bigger than 5% of the base compacts at once
    (seeds_copy / "another.md").write_text(NEW_ARTICLE.replace("锑", "镓"), encoding="utf-8")
    small = build(seeds_copy, index_dir, tiny_model, compaction=CompactionPolicy(max_delta_share=0.0001))[0]
    assert small.written == "compaction"


def test_compaction_reuses_the_trained_ivf_lists(seeds_copy, tmp_path, tiny_model):
    from retrieval.store.local.vectors import VectorIndexSpec

    index_dir = tmp_path / "index"
    spec = VectorIndexSpec("ivf_sq8", nlist=4, nprobe=4)
    build(seeds_copy, index_dir, tiny_model, vector_spec=spec)
    first = faiss.read_index(str(next((live_version_dir(index_dir) / "segments").glob("base-*")) / "vectors.faiss"))
    change_articles(seeds_copy)
    report, _ = build(seeds_copy, index_dir, tiny_model, vector_spec=spec, compaction=CompactionPolicy(0.0, 8))
    assert report.written == "compaction" and report.vector_index == "IVF4,SQ8"
    again = faiss.read_index(str(next((live_version_dir(index_dir) / "segments").glob("base-*")) / "vectors.faiss"))
    np.testing.assert_array_equal(first.quantizer.reconstruct_n(0, 4), again.quantizer.reconstruct_n(0, 4))


def test_a_failed_delta_rebuild_leaves_the_previous_version_serving(seeds_copy, tmp_path, tiny_model, monkeypatch):
    import retrieval.store.local.versions as versions_module

    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, tiny_model)
    before = live_version(index_dir)
    texts_before = sorted(p.text for p in all_passages(index_dir))
    change_articles(seeds_copy)
    real_write = versions_module.write_segment

    def write_then_fail(directory, content, trained=None):
        real_write(directory, content, trained)  # the delta's files are on disk, links made ...
        raise OSError(28, "No space left on device")  # ... and then the disk fills up

    monkeypatch.setattr(versions_module, "write_segment", write_then_fail)
    with pytest.raises(OSError, match="No space"):
        build(seeds_copy, index_dir, tiny_model)
    assert live_version(index_dir) == before
    assert sorted(p.text for p in all_passages(index_dir)) == texts_before
    result = open_searcher(replace(Settings(), index_dir=index_dir, model=tiny_model)).search(
        "中国7月稀土磁铁出口了多少吨？", top_k=3)
    assert result.answered and any("5,577吨" in h.text for h in result.hits)
    monkeypatch.setattr(versions_module, "write_segment", real_write)
    report, _ = build(seeds_copy, index_dir, tiny_model)  # the next rebuild clears the leftovers and works
    assert report.written == "delta" and not list((index_dir / "versions").glob(".tmp-*"))


def test_removing_old_versions_keeps_the_segments_live_versions_share(seeds_copy, tmp_path, tiny_model):
    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, tiny_model)
    first = live_version(index_dir)
    base_name = next((live_version_dir(index_dir) / "segments").glob("base-*")).name
    for number in range(3):
        (seeds_copy / f"extra{number}.md").write_text(NEW_ARTICLE.replace("锑", f"锑{number}"), encoding="utf-8")
        assert build(seeds_copy, index_dir, tiny_model)[0].written == "delta"
    versions = sorted(p.name for p in (index_dir / "versions").iterdir())
    assert first not in versions and len(versions) == 2  # the live one and the one before it
    live_base = live_version_dir(index_dir) / "segments" / base_name
    assert live_base.is_dir() and (live_base / "embeddings.npy").stat().st_nlink == 2
    manifest = json.loads((live_version_dir(index_dir) / "manifest.json").read_text())
    assert [s["kind"] for s in manifest["segments"]] == ["base", "delta", "delta", "delta"]
    hits = open_searcher(replace(Settings(), index_dir=index_dir, model=tiny_model)).search(
        "中国7月稀土磁铁出口了多少吨？", top_k=3).hits
    assert any("5,577吨" in h.text for h in hits)


def test_unchanged_files_are_not_hashed_and_touched_ones_are_not_reread(seeds_copy, tmp_path, tiny_model):
    import os

    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, tiny_model)
    report, _ = build(seeds_copy, index_dir, tiny_model)
    assert (report.files_hashed, report.articles_read, report.written) == (0, 0, "")
    touched = seeds_copy / "002_9011cc8408861f1e.txt"
    os.utime(touched, ns=(touched.stat().st_atime_ns, touched.stat().st_mtime_ns + 10**9))
    report, embedder = build(seeds_copy, index_dir, tiny_model)
    assert (report.files_hashed, report.articles_read, len(embedder.texts)) == (1, 0, 0)
    assert report.written == "delta" and report.passages_added == report.passages_removed == 0
    assert build(seeds_copy, index_dir, tiny_model)[0].files_hashed == 0  # its new stat was recorded
    build(seeds_copy, tmp_path / "full", tiny_model, full=True)
    assert_same_answers(index_dir, tmp_path / "full", tiny_model)


# ---------------------------------------------------------------------------------------------
# indexes written before segments (format 1)


def write_format_1_index(index_dir: Path, model: str) -> None:
    """An index exactly as NewsQA wrote it before segments: one version dir, bm25s scores."""
    from retrieval.ingest.articles import read_article_file
    from retrieval.ingest.changes import file_hash
    from retrieval.ingest.chunking import chunk_article
    from retrieval.ingest.files import find_article_files
    from retrieval.store.local.fingerprint import pipeline_fingerprint
    from retrieval.store.local.lexical import LexicalIndex
    from retrieval.store.local.versions import point_current_at
    from retrieval.text import tokenize

    embedder = load_embedder(model)
    entries = []
    for path in find_article_files(SEEDS):
        article = read_article_file(path, path.resolve().as_posix()).article
        entries.append((article, file_hash(path), chunk_article(article)))
    entries.sort(key=lambda e: e[0].source_path)
    rows, seen = [], set()
    for _, _, passages in entries:
        for p in passages:
            if p.id not in seen:
                seen.add(p.id)
                rows.append(p)
    directory = index_dir / "versions" / "old-version"
    directory.mkdir(parents=True)
    tokens = [tokenize(p.text) for p in rows]
    with contextlib.closing(sqlite3.connect(directory / "meta.sqlite")) as db:
        db.executescript("""
            CREATE TABLE articles (article_id TEXT PRIMARY KEY, source_path TEXT UNIQUE, file_hash TEXT,
                                   title TEXT, date TEXT, url TEXT, page_format TEXT);
            CREATE TABLE passages (row INTEGER PRIMARY KEY, passage_id TEXT UNIQUE, article_id TEXT,
                                   position INTEGER, text TEXT, tokens TEXT);
            CREATE TABLE article_passages (article_id TEXT, position INTEGER, passage_id TEXT,
                                           PRIMARY KEY (article_id, position));""")
        db.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(a.id, a.source_path, h, a.title, a.date, a.url, a.page_format) for a, h, _ in entries])
        db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?)",
                       [(i, p.id, p.article_id, p.position, p.text, "\t".join(tokens[i])) for i, p in enumerate(rows)])
        db.executemany("INSERT INTO article_passages VALUES (?, ?, ?)",
                       [(a.id, p.position, p.id) for a, _, passages in entries for p in passages])
        db.commit()
    embeddings = embedder.encode([p.text for p in rows])
    np.save(directory / "embeddings.npy", embeddings, allow_pickle=False)
    flat = faiss.IndexFlatIP(embeddings.shape[1])
    flat.add(embeddings)
    faiss.write_index(flat, str(directory / "vectors.faiss"))
    LexicalIndex.build(tokens).save(directory / "lexical")
    (directory / "manifest.json").write_text(json.dumps({
        "format_version": 1, "version": "old-version", "model": embedder.name, "dim": embedder.dim,
        "faiss_index": "Flat", "vector_index": {"kind": "flat", "nlist": 0, "nprobe": 0},
        "pipeline": pipeline_fingerprint(), "articles": len(entries), "passages": len(rows)}))
    point_current_at(index_dir, "old-version")


def test_an_index_from_before_segments_loads_answers_the_same_and_is_rewritten_by_the_next_rebuild(
        tmp_path, tiny_model):
    old = tmp_path / "old"
    write_format_1_index(old, tiny_model)
    seeds = SEEDS
    build(seeds, tmp_path / "new", tiny_model, full=True)
    # bm25s' own scores (format 1) and the segment scorer agree: same BM25, same answers
    assert_same_answers(old, tmp_path / "new", tiny_model)
    report, embedder = build(seeds, old, tiny_model)  # same files: every vector reused
    assert report.written == "base" and embedder.texts == [] and report.articles_read == 0
    assert_same_answers(old, tmp_path / "new", tiny_model)
    # the model check still guards an old index
    from support.tiny_model import build_tiny_model

    other = build_tiny_model(tmp_path / "other-model", dim=16, seed=1)
    write_format_1_index(tmp_path / "old-other", other)
    with pytest.raises(ModelMismatch, match="rebuild"):
        open_searcher(replace(Settings(), index_dir=tmp_path / "old-other", model=tiny_model))


def test_the_fast_file_walk_finds_what_find_article_files_finds(tmp_path):
    from retrieval.ingest.files import find_article_files, walk_article_files

    for name in ["a.md", "b.txt", "README.md", ".hidden.md", "x.png", "sub/c.html", "sub/deeper/d.htm",
                 ".git/e.md", "_layouts/f.html", "node_modules/g.md", "a-b/h.md"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    (tmp_path / "linked").symlink_to(tmp_path / "sub")
    expected = sorted(p.resolve().as_posix() for p in find_article_files(tmp_path))
    assert sorted({found.path for found in walk_article_files(tmp_path)}) == sorted(set(expected))


def test_a_segment_with_unreadable_corpus_evidence_is_named_when_loading(seeds_copy, tmp_path, tiny_model):
    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, tiny_model)
    names_file = next((live_version_dir(index_dir) / "segments").glob("base-*/names.json"))
    names_file.write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexError_, match=r"names\.json is damaged.*rebuild_index\.py"):
        open_searcher(replace(Settings(), index_dir=index_dir, model=tiny_model))


def test_an_unrecorded_segment_with_unreadable_corpus_evidence_is_named_at_the_first_query(seeds_copy, tmp_path,
                                                                                          tiny_model):
    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, tiny_model)
    forget_digests(live_version_dir(index_dir))
    names_file = next((live_version_dir(index_dir) / "segments").glob("base-*/names.json"))
    names_file.write_text("{not json", encoding="utf-8")
    searcher = open_searcher(replace(Settings(), index_dir=index_dir, model=tiny_model))
    with pytest.raises(IndexError_, match=r"names\.json.*rebuild the index"):
        searcher.search("What is Bessent's 12-24 month timeline?")


def test_segments_written_before_corpus_evidence_existed_still_answer_the_same(seeds_copy, tmp_path, tiny_model):
    index_dir = tmp_path / "index"
    build(seeds_copy, index_dir, tiny_model)
    build(seeds_copy, tmp_path / "full", tiny_model, full=True)
    forget_digests(live_version_dir(index_dir))
    segment = next((live_version_dir(index_dir) / "segments").glob("base-*"))
    (segment / "names.json").unlink()
    shutil.rmtree(segment / "bigrams")
    assert_same_answers(index_dir, tmp_path / "full", tiny_model)
