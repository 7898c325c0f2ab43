"""Reranking the fused candidates by how much of the question each one speaks to, and whether it
states the kind of answer the question asks for (retrieval.crosslingual.answer_type)."""

from __future__ import annotations

from dataclasses import replace

from retrieval.crosslingual.answer_type import ExpectedAnswer
from retrieval.search.fusion import Scored
from retrieval.search.scoring import Scorer
from retrieval.search.terms import QueryGroup, is_mostly_english
from retrieval.store.protocol import IndexReader
from retrieval.store.records import StoredPassage
from retrieval.text import compact_normal_form


def rerank(index: IndexReader, scorer: Scorer, groups: list[QueryGroup], scored: list[Scored],
           stored: dict[int, StoredPassage], weights: list[float], options,
           expected: ExpectedAnswer | None = None) -> list[Scored]:
    """fused + rerank_weight × coverage (+ answer_weight when the passage states the expected kind of
    answer, + counted_weight when it states the number of the very thing counted), best first; a
    paragraph leaning on the one before it counts that one's terms at
    `context_weight` (retrieval.ingest.leaning)."""
    previous: dict[int, StoredPassage] = {}
    if options.context_weight > 0:
        predecessor = index.predecessor_rows()
        leaning = {int(predecessor[s.row]): s.row for s in scored if predecessor[s.row] >= 0}
        previous = {leaning[p.row]: p for p in index.passages(list(leaning))}

    def credit(passage: StoredPassage) -> float:
        coverage = scorer.coverage_with_title(groups, passage, options.title_credit, weights,
                                              previous.get(passage.row), options.context_weight)
        # OpenCC on every candidate is the costly part of the reranking: only when an answer is expected
        compact = compact_normal_form(passage.text) if expected is not None else ""
        states_answer = expected is not None and expected.found_in(compact)
        counts_it = expected is not None and expected.counted_in(compact)
        return (options.rerank_weight * coverage + (options.answer_weight if states_answer else 0.0)
                + (options.counted_weight if counts_it else 0.0))

    reranked = [replace(s, fused=s.fused + credit(stored[s.row])) for s in scored if s.row in stored]
    reranked.sort(key=lambda s: (-s.fused, s.row))
    return reranked


def with_english_passages_weighed(scored: list[Scored], stored: dict[int, StoredPassage],
                                  weight: float) -> list[Scored]:
    """An English question's candidates written in English lose (1 − weight) of their score, best
    first again: transcript lines and reference lists meet its English words literally, and the
    archive's answers are in its Chinese paragraphs (retrieval/config.py english_passage_weight)."""
    if weight >= 1.0:
        return scored
    weighed = [replace(s, fused=s.fused - (1.0 - weight) * abs(s.fused))
               if s.row in stored and is_mostly_english(stored[s.row].text) else s for s in scored]
    weighed.sort(key=lambda s: (-s.fused, s.row))
    return weighed
