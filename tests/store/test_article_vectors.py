"""Article vectors (retrieval.store.article_vectors): one multilingual vector per live article, made
by a rebuild only for articles whose title and lead have none yet, checked like every index file,
and used to lift English questions' articles (retrieval.search.articles.with_similarity)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.building import build

from retrieval.config import Settings, load_settings
from retrieval.errors import ConfigError, IndexError_
from retrieval.models.article_encoder import ArticleEncoder, article_text, load_article_encoder
from retrieval.search import RankingOptions, Searcher
from retrieval.search.articles import with_similarity
from retrieval.service import open_searcher, rebuild
from retrieval.store.local.article_file import ARTICLES_DIR, VECTORS_FILE
from retrieval.store.local.reader import load_index
from retrieval.store.local.verify import verify_index
from retrieval.store.local.versions import live_version_dir


class CountingArticleEncoder:
    """The real article model, recording what it is asked to embed."""

    def __init__(self, inner: ArticleEncoder):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.texts: list[str] = []
        self.queries: list[str] = []

    def passages(self, texts, show_progress=False):
        self.texts.extend(texts)
        return self.inner.passages(texts)

    def query(self, text):
        self.queries.append(text)
        return self.inner.query(text)


@pytest.fixture
def encoder() -> CountingArticleEncoder:
    return CountingArticleEncoder(load_article_encoder())


def test_the_article_model_bridges_languages_by_meaning():
    model = load_article_encoder()
    articles = model.passages([
        article_text("美国财政部宣布制裁十家中国企业", "美国财政部周五宣布，对十家中国企业实施制裁。"),
        article_text("日本樱花季提前到来", "今年东京的樱花比往年早开了一周。")])
    assert articles.shape == (2, model.dim) and np.allclose(np.linalg.norm(articles, axis=1), 1.0, atol=1e-3)
    question = model.query("Which Chinese companies did the US Treasury sanction?")
    similarity = articles @ question
    assert similarity[0] > similarity[1]


def _stored(index_dir: Path) -> dict:
    return json.loads((live_version_dir(index_dir) / ARTICLES_DIR / "vectors.json").read_text(encoding="utf-8"))


def test_a_rebuild_embeds_only_articles_it_has_no_vector_for(tmp_path, seeds_copy, tiny_model, encoder):
    index_dir = tmp_path / "index"
    report, _ = build(seeds_copy, index_dir, tiny_model, article_encoder=encoder)
    first = _stored(index_dir)
    assert report.articles_embedded == len(first["ids"]) == 5 == len(encoder.texts)
    assert first["model"] == encoder.name
    (seeds_copy / "zz_new.md").write_text("---\ntitle: 锂矿新闻\ndate: 2025-01-02\n---\n\n智利锂矿出口今年增长三成。\n",
                                         encoding="utf-8")
    removed = sorted(seeds_copy.glob("*.txt"))[0]
    removed.unlink()
    report, _ = build(seeds_copy, index_dir, tiny_model, article_encoder=encoder)
    after = _stored(index_dir)
    assert report.articles_embedded == 1 and encoder.texts[-1].startswith("锂矿新闻。智利锂矿")
    assert len(after["ids"]) == 5 and set(first["ids"]) - set(after["ids"])  # the removed one is gone
    index = load_index(index_dir)
    vectors = index.article_vectors()
    assert set(vectors.ids) == set(index.row_articles().article_ids)
    # a full rebuild makes every vector again, and makes the same ones
    report, _ = build(seeds_copy, tmp_path / "fresh", tiny_model, article_encoder=encoder, full=True)
    fresh = load_index(tmp_path / "fresh").article_vectors()
    assert report.articles_embedded == 5
    ours = dict(zip(vectors.ids, vectors.vectors, strict=True))
    assert all(np.allclose(ours[a], v, atol=1e-5) for a, v in zip(fresh.ids, fresh.vectors, strict=True))


def test_an_index_without_article_vectors_gains_them_on_the_next_rebuild(tmp_path, tiny_model, encoder):
    from support.paths import SEEDS

    index_dir = tmp_path / "index"
    build(SEEDS, index_dir, tiny_model)
    assert load_index(index_dir).article_vectors() is None
    report, _ = build(SEEDS, index_dir, tiny_model, article_encoder=encoder)
    assert report.written and report.articles_embedded == 5 and report.passages_embedded == 0
    assert len(load_index(index_dir).article_vectors().ids) == 5


def test_damaged_article_vectors_are_an_error_naming_the_file_and_a_rebuild_repairs(tmp_path, tiny_model, encoder):
    from support.paths import SEEDS

    index_dir = tmp_path / "index"
    build(SEEDS, index_dir, tiny_model, article_encoder=encoder)
    path = live_version_dir(index_dir) / ARTICLES_DIR / VECTORS_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2: len(data) // 2 + 64] = b"\xff" * 64
    path.write_bytes(bytes(data))
    with pytest.raises(IndexError_, match=VECTORS_FILE):
        load_index(index_dir)
    assert any(VECTORS_FILE in problem for problem in verify_index(index_dir).problems)
    report, _ = build(SEEDS, index_dir, tiny_model, article_encoder=encoder)
    assert report.written and len(load_index(index_dir).article_vectors().ids) == 5
    checked = verify_index(index_dir)  # the damaged version is kept as the previous one, the new one is whole
    assert not [problem for problem in checked.problems if checked.live in problem]


def test_the_lift_goes_to_the_articles_nearest_the_question_only():
    totals = np.array([4.0, 2.0, 1.0, 0.0, 3.0], dtype=np.float32)
    similarity = np.array([0.80, 0.90, 0.70, 0.95, 0.0], dtype=np.float32)
    present = np.array([True, True, True, True, False])
    lifted = with_similarity(totals, similarity, present, 0.6)
    # the nearest article gains the whole lift (0.6 × the best total), those at or below the median none
    assert lifted[3] == pytest.approx(0.6 * 4.0)
    assert lifted[0] == totals[0] and lifted[2] == totals[2] and lifted[4] == totals[4]
    assert totals[1] < lifted[1] < totals[1] + 0.6 * 4.0
    assert with_similarity(totals, similarity, present, 0.0) is totals


def test_only_english_questions_ask_the_article_model(seed_index, tmp_path, encoder):
    settings = replace(seed_index, index_dir=tmp_path / "index")
    rebuild(settings, show_progress=False)
    base = open_searcher(settings)
    assert base.article_matrix() is not None  # built with the default settings: article vectors on
    searcher = Searcher(base.index, base.embedder, base.options, encoder)
    searcher.search("贝森特说的12到24个月是什么意思？")
    searcher.search("貝森特說的12到24個月是什麼意思？")
    assert encoder.queries == []
    searcher.search("What did Bessent say about a 12-24 month timeline?")
    assert encoder.queries == ["What did Bessent say about a 12-24 month timeline?"]
    off = Searcher(base.index, base.embedder, replace(base.options, article_vector_weight=0.0), encoder)
    off.search("How much did the Pentagon invest in MP Materials?")
    assert len(encoder.queries) == 1


def test_article_vector_settings_are_read_and_range_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("NEWSQA_ARTICLE_VECTOR_WEIGHT", "0.25")
    monkeypatch.setenv("NEWSQA_ARTICLE_VECTORS", "false")
    settings = load_settings()
    assert settings.article_vector_weight == 0.25 and settings.article_vectors is False
    assert RankingOptions.from_settings(settings).article_vector_weight == 0.25
    monkeypatch.setenv("NEWSQA_ARTICLE_VECTOR_WEIGHT", "-1")
    with pytest.raises(ConfigError, match="article_vector_weight"):
        load_settings()
    assert Settings().article_vectors is True
