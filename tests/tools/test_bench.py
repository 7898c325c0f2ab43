"""The benchmark's measuring parts, at tiny scale: numbers are printed by scripts/bench.py, never asserted."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from retrieval.ingest.articles import read_article_file
from retrieval.ingest.chunking import chunk_article
from retrieval.service import open_searcher
from retrieval.store.local.versions import live_version_dir
from retrieval.tools.benchmark import (
    BaselinePipeline,
    Latency,
    exact_top_k,
    load_source_pool,
    read_index_rows,
    read_index_vectors,
    recall_at_k,
    sample_queries,
    synthesize_corpus,
    time_query_stages,
)


def test_latency_percentiles_are_in_milliseconds():
    latency = Latency.of("x", [i / 1000 for i in range(1, 101)])
    assert latency.count == 100
    assert latency.p50 == pytest.approx(50.5)
    assert latency.p95 == pytest.approx(95.05)
    assert latency.p99 == pytest.approx(99.01)
    with pytest.raises(ValueError, match="'y'"):
        Latency.of("y", [])


def test_sampled_queries_are_fixed_questions_then_windows_of_real_passages():
    texts = ["中国稀土出口管制措施升级", "美国财政部长贝森特表示"]
    queries = sample_queries(texts, ["问题一"], 30, seed=3)
    assert len(queries) == 30 and queries[0] == "问题一"
    assert all(any(q in t for t in texts) and 4 <= len(q) <= 16 for q in queries[1:])
    assert queries == sample_queries(texts, ["问题一"], 30, seed=3)


def test_blockwise_exact_search_matches_a_full_sort():
    rng = np.random.default_rng(0)
    rows, queries = rng.standard_normal((1000, 8)).astype(np.float32), rng.standard_normal((5, 8)).astype(np.float32)
    found = exact_top_k(rows, queries, 10, block=64)
    expected = np.argsort(-(queries @ rows.T), axis=1)[:, :10]
    assert [sorted(f) for f in found.tolist()] == [sorted(e) for e in expected.tolist()]
    assert recall_at_k(found, expected) == 1.0
    assert recall_at_k(np.full_like(found, -1), expected) == 0.0


def test_baseline_finds_passages_holding_the_query_terms(seed_index):
    directory = live_version_dir(seed_index.index_dir)
    texts, tokens = read_index_rows(directory)
    embeddings = read_index_vectors(directory)
    baseline = BaselinePipeline(tokens, embeddings)
    lexical = baseline.lexical("稀土")
    assert lexical and all("稀土" in texts[row] for row in lexical)
    vector = embeddings[7]
    assert next(iter(baseline.dense(vector))) == 7
    assert len(baseline.search("稀土", vector, top_k=3)) == 3


def test_stage_timings_cover_every_query(seed_index):
    searcher = open_searcher(seed_index)
    timings = time_query_stages(searcher, ["稀土", "出口管制", "贝森特"])
    assert set(timings.stages) == {"embed", "ann", "dense", "lexical", "fuse", "end_to_end"}
    assert all(len(seconds) == 3 for seconds in timings.stages.values())
    assert timings.query_vectors.shape == (3, searcher.embedder.dim)


def test_synthetic_corpus_is_seeded_real_text_that_reads_back_as_the_same_passages(seed_index, tmp_path):
    pool = load_source_pool(live_version_dir(seed_index.index_dir))
    corpus = synthesize_corpus(pool, 45, tmp_path / "a", seed=1)
    again = synthesize_corpus(pool, 45, tmp_path / "b", seed=1)
    assert [p.text for p in corpus.rows] == [p.text for p in again.rows]
    np.testing.assert_array_equal(corpus.vectors, again.vectors)
    assert len(corpus.rows) == 45 and len(corpus.entries) == 3  # 20 passages per article file
    assert np.allclose(np.linalg.norm(corpus.vectors, axis=1), 1.0, atol=1e-5)
    sentences = {s for source in pool for s in source.sentences}
    first = corpus.rows[0].text
    assert any(first.startswith(s) for s in sentences)
    for entry in corpus.entries:  # the files a real incremental rebuild will read hold those passages
        outcome = read_article_file(Path(entry.article.source_path))
        assert outcome.article is not None
        assert [p.id for p in chunk_article(outcome.article)] == [p.id for p in entry.passages]


def test_index_texts_are_the_live_rows_in_order(seed_index):
    from retrieval.tools.benchmark import read_index_texts

    directory = live_version_dir(seed_index.index_dir)
    assert read_index_texts(directory) == read_index_rows(directory)[0]
