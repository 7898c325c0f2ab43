"""Paragraphs that lean on the one before them (retrieval.ingest.leaning, retrieval.search.context), on small data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
from support.building import build_with_deltas as build
from support.building import forget_digests

from retrieval.config import Settings
from retrieval.ingest.leaning import leans_on_previous
from retrieval.search.context import best_per_row, followers_of, with_followers
from retrieval.service import open_searcher
from retrieval.store.local.reader import load_index
from retrieval.store.local.segment import LEANING_FILE

SUBJECT = "海关总署数据显示，7月稀土磁铁出口总量达5,577吨，创下今年以来单月最高。"
FOLLOWER = "其中，对美出口619吨，较上月跃升75.5%，年增4.8%，此前一度跌至仅46吨。"
OTHER = "欧盟委员会表示，将与成员国协调关键原材料的储备计划，以应对供应链风险。"


def test_openers_that_point_back():
    assert leans_on_previous(FOLLOWER)
    assert leans_on_previous("“此外，”他说。")
    assert leans_on_previous("不過，這項協議")  # Traditional is read as Simplified
    assert not leans_on_previous(SUBJECT)
    assert not leans_on_previous("")


def test_followers_inherit_a_share_and_keep_their_own_better_score():
    follower = followers_of(np.array([-1, 0, -1, 2], dtype=np.int32))
    assert follower.tolist() == [1, -1, 3, -1]
    rows, scores = with_followers(np.array([0, 2, 3]), np.array([2.0, 1.0, 4.0]), follower, 0.5)
    assert dict(zip(rows.tolist(), scores.tolist(), strict=True)) == {0: 2.0, 1: 1.0, 2: 1.0, 3: 4.0}
    assert best_per_row(np.array([5, 5, 4]), np.array([1.0, 3.0, 2.0]))[1].tolist() == [2.0, 3.0]


def _write(path: Path, title: str, paragraphs: list[str]) -> None:
    path.write_text(f"---\ntitle: {title}\ndate: 2025-08-20\n---\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")


def _previous_text(index_dir: Path, text: str) -> str | None:
    index = load_index(index_dir)
    try:
        passage = next(p for p in index.passages(list(range(index.num_passages))) if p.text == text)
        previous = int(index.predecessor_rows()[passage.row])
        return index.passages([previous])[0].text if previous >= 0 else None
    finally:
        index.close()


def test_the_previous_paragraph_is_found_in_its_article_across_segments(tmp_path, tiny_model):
    articles = tmp_path / "articles"
    articles.mkdir()
    _write(articles / "a.md", "稀土磁铁出口", [SUBJECT, FOLLOWER])
    _write(articles / "b.md", "欧盟储备", [OTHER])
    index_dir = tmp_path / "index"
    build(articles, index_dir, tiny_model)
    assert _previous_text(index_dir, FOLLOWER) == SUBJECT
    assert _previous_text(index_dir, SUBJECT) is None  # the first paragraph leans on nothing
    assert _previous_text(index_dir, OTHER) is None  # it opens with no word pointing back

    # A paragraph inserted before the follower: the delta holds it, the follower stays in the base.
    inserted = "据统计，德国仍是中国稀土磁铁的最大买家，美国进口量则大幅反弹。"
    _write(articles / "a.md", "稀土磁铁出口", [SUBJECT, inserted, FOLLOWER])
    report, _ = build(articles, index_dir, tiny_model)
    assert report.written == "delta"
    assert _previous_text(index_dir, FOLLOWER) == inserted
    assert _previous_text(index_dir, inserted) is None
    # An index written before leaning.npy existed works it out from the stored texts' openings.
    for version in (index_dir / "versions").iterdir():
        forget_digests(version)
    for flags in index_dir.rglob(LEANING_FILE):
        flags.unlink()
    assert _previous_text(index_dir, FOLLOWER) == inserted


def test_a_leaning_candidate_earns_part_of_what_its_predecessor_says(seed_index):
    searcher = open_searcher(seed_index)
    question = "How many tons of rare earth magnets did China export to the US in July?"
    groups = searcher.analyse(question)
    index = searcher.index
    follower = next(p for p in index.passages(list(range(index.num_passages))) if "对美出口619吨" in p.text)
    previous = index.passages([int(index.predecessor_rows()[follower.row])])[0]
    assert "5,577吨" in previous.text
    alone = searcher.scorer.coverage_with_title(groups, follower, 0.0)
    leaning = searcher.scorer.coverage_with_title(groups, follower, 0.0, previous=previous, context_weight=0.7)
    full = searcher.scorer.coverage_with_title(groups, follower, 0.0, previous=previous, context_weight=1.0)
    assert alone < leaning < full

    def rank(context_weight: float) -> int:
        ranked = searcher.with_options(replace(searcher.options, context_weight=context_weight))
        rows = [s.row for s in ranked.rank(question, top_k=30).scored]
        return rows.index(follower.row) if follower.row in rows else len(rows)

    assert rank(0.7) < rank(0.0)
    lexical_only = replace(searcher.options, use_dense=False)
    on = searcher.with_options(lexical_only).scorer.lexical_scores(groups, limit=10**6)
    off = searcher.with_options(replace(lexical_only, context_weight=0.0)).scorer.lexical_scores(
        groups, limit=10**6)
    assert on[follower.row] > off.get(follower.row, 0.0)
    assert on[previous.row] == off[previous.row]  # what a paragraph says itself is unchanged


def test_context_is_a_setting(monkeypatch):
    from retrieval.config import load_settings

    monkeypatch.setenv("NEWSQA_CONTEXT_WEIGHT", "0")
    assert load_settings().context_weight == 0.0
    assert Settings().context_weight > 0
