"""Substring terms through character-bigram postings: the rows and scores a scan over the texts gives."""

from __future__ import annotations

import math

import numpy as np
import pytest

from retrieval.crosslingual.names import NameEvidence
from retrieval.store.bm25 import K1 as BM25_K1
from retrieval.store.bm25 import B as BM25_B
from retrieval.store.local.phrases import BigramPostings, PhraseIndex
from retrieval.store.local.rows import RowMap
from retrieval.text import compact_normal_form, contains

TEXTS = [
    "贝森特说，12到24个月内美国将摆脱对中国稀土的依赖。",
    "美國財政部長貝森特表示，稀土磁鐵供應將在 2019年 恢復。",  # Traditional, with spaces
    "2009年的出口配额与 2020 年不同。",
    "财政部的部长没有出席。",  # 财政 + 政部 + 部长, but never 财政部长
    "MP Materials 与国防部签约，贝森特未置评。贝森特随后离开。",
]
LENGTHS = [12, 14, 9, 5, 11]


def compact(texts: list[str]) -> list[str]:
    return [compact_normal_form(text) for text in texts]


def scanned(texts: list[str], lengths: list[int], term: str, live: list[int] | None = None) -> dict[int, float]:
    """What a plain scan over the live texts scores: row (among live rows) → BM25 contribution."""
    live = list(range(len(texts))) if live is None else live
    term = compact_normal_form(term)
    counts = {new: compact_normal_form(texts[old]).count(term) for new, old in enumerate(live)}
    counts = {row: n for row, n in counts.items() if n}
    average = sum(lengths[old] for old in live) / len(live)
    idf = math.log(1 + (len(live) - len(counts) + 0.5) / (len(counts) + 0.5))
    return {row: idf * n * (BM25_K1 + 1) / (n + BM25_K1 * (1 - BM25_B + BM25_B * lengths[live[row]] / average))
            for row, n in counts.items()}


def found(index: PhraseIndex, term: str) -> dict[int, float]:
    matches = index.find(term)
    return dict(zip(matches.rows.tolist(), matches.scores.tolist(), strict=True))


@pytest.mark.parametrize("term", ["贝森特", "稀土", "12到24个月", "2019年", "财政部", "稀土磁铁", "签约"])
def test_terms_score_as_a_scan_over_the_texts(term):
    index = PhraseIndex([(BigramPostings.build(compact(TEXTS), LENGTHS), RowMap(len(TEXTS), 0, np.zeros(0)))])
    assert found(index, term) == pytest.approx(scanned(TEXTS, LENGTHS, term))
    assert found(index, term)  # every term above is in some text


def test_digits_take_part_so_one_year_is_not_another():
    index = PhraseIndex([(BigramPostings.build(compact(TEXTS), LENGTHS), RowMap(len(TEXTS), 0, np.zeros(0)))])
    assert set(found(index, "2019年")) == {1}
    assert set(found(index, "2009年")) == {2}
    assert set(found(index, "2020年")) == {2}  # "2020 年": whitespace does not separate a term
    assert not found(index, "2024年")


def test_a_term_whose_bigrams_occur_apart_is_only_a_candidate_and_contains_reads_the_text():
    index = PhraseIndex([(BigramPostings.build(compact(TEXTS), LENGTHS), RowMap(len(TEXTS), 0, np.zeros(0)))])
    assert 3 in found(index, "财政部长")  # 财政 … 政部 … 部长: all its bigrams, apart
    assert not contains(TEXTS[3], "财政部长")
    assert contains(TEXTS[1], "财政部长")  # Traditional text, Simplified term


def test_tombstoned_rows_are_left_out_and_statistics_are_those_of_the_live_rows():
    dead = np.asarray([0, 3])
    index = PhraseIndex([(BigramPostings.build(compact(TEXTS), LENGTHS), RowMap(len(TEXTS), 0, dead))])
    live = [1, 2, 4]
    for term in ("贝森特", "稀土", "2019年"):
        assert found(index, term) == pytest.approx(scanned(TEXTS, LENGTHS, term, live))


def test_concatenated_postings_equal_postings_built_from_the_live_texts():
    first, second = TEXTS[:3], TEXTS[3:]
    alive_first, alive_second = np.asarray([True, False, True]), np.asarray([True, True])
    merged = BigramPostings.concatenate([(BigramPostings.build(compact(first), LENGTHS[:3]), alive_first),
                                         (BigramPostings.build(compact(second), LENGTHS[3:]), alive_second)])
    live = [0, 2, 3, 4]
    direct = BigramPostings.build(compact([TEXTS[i] for i in live]), [LENGTHS[i] for i in live])
    for name in BigramPostings.FILES:
        assert np.array_equal(getattr(merged, name), getattr(direct, name)), name


def test_postings_survive_saving_and_loading(tmp_path):
    built = BigramPostings.build(compact(TEXTS), LENGTHS)
    built.save(tmp_path / "bigrams")
    loaded = BigramPostings.load(tmp_path / "bigrams")
    index = PhraseIndex([(loaded, RowMap(len(TEXTS), 0, np.zeros(0)))])
    assert found(index, "贝森特") == pytest.approx(scanned(TEXTS, LENGTHS, "贝森特"))


def test_name_evidence_of_several_segments_keeps_live_glosses_renumbered():
    texts = ["财长贝森特(Scott Bessent)说。", "格里尔（Jamieson Greer）说。", "美国贸易代表格里尔(Jamieson Greer)。"]
    parts = [NameEvidence.from_passages(texts[:2], compact(texts[:2]), ["马永茂"], frozenset()),
             NameEvidence.from_passages(texts[2:], compact(texts[2:]), ["华美"], frozenset())]
    merged = NameEvidence.concatenate([(parts[0], np.asarray([False, True])), (parts[1], np.asarray([True]))])
    assert [(row, english) for row, english, _ in merged.glosses] == [(0, "Jamieson Greer"), (1, "Jamieson Greer")]
    assert merged.readings == {"mayongmao": ("马永茂",), "huamei": ("华美",),  # pinyin and Cantonese readings
                               "yue:ma-wing-mau": ("马永茂",)}  # 华美 is an ordinary word to jieba: no Cantonese key
    assert NameEvidence.from_json(merged.to_json(), "x") == merged


def test_malformed_name_evidence_names_its_file():
    with pytest.raises(ValueError, match=r"segments/base-1/names\.json"):
        NameEvidence.from_json({"glosses": [[0, "x"]], "runs": {}, "readings": {}}, "segments/base-1/names.json")


def test_loaded_postings_read_the_same_slices_from_disk(tmp_path):
    built = BigramPostings.build(compact(TEXTS), LENGTHS)
    built.save(tmp_path / "bigrams")
    loaded = BigramPostings.load(tmp_path / "bigrams")
    assert np.array_equal(loaded.rows[3:17], built.rows[3:17])
    assert np.array_equal(loaded.counts[5:6], built.counts[5:6])
    assert np.array_equal(np.asarray(loaded.rows), built.rows)
    assert len(loaded.rows[4:4]) == 0
