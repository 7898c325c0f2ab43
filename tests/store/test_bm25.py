"""One BM25: the token postings and the substring postings score with the same IDF, length norm and
term-frequency formula (retrieval.store.bm25), differing only by the named phrase scale."""

from __future__ import annotations

import math

import numpy as np
import pytest

from retrieval.store import bm25
from retrieval.store.local.lexical import SegmentedLexical, SegmentTerms
from retrieval.store.local.phrases import BigramPostings, PhraseIndex
from retrieval.store.local.rows import RowMap
from retrieval.text import compact_normal_form

TOKENS = [["稀土", "出口", "管制"], ["稀土", "稀土", "价格"], ["关税", "谈判"], ["出口"]]


def test_idf_is_positive_and_falls_with_document_frequency():
    assert bm25.idf(10, 1) > bm25.idf(10, 5) > bm25.idf(10, 10) > 0
    assert bm25.unseen_idf(10) == pytest.approx(math.log(1 + 10.5 / 0.5))
    assert bm25.unseen_idf(10) > bm25.idf(10, 1)


def test_length_norms_count_only_live_rows():
    lengths = np.asarray([3, 3, 2, 6], dtype=np.float32)
    all_live, [norms] = bm25.length_norms([(lengths, RowMap(4, 0, np.zeros(0)))])
    assert all_live == 4
    assert norms[0] == pytest.approx(bm25.K1 * (1 - bm25.B + bm25.B * 3 / 3.5))
    one_dead, [norms_dead] = bm25.length_norms([(lengths, RowMap(4, 0, np.asarray([3])))])
    assert one_dead == 3
    assert norms_dead[0] == pytest.approx(bm25.K1 * (1 - bm25.B + bm25.B * 3 / (8 / 3)))


def test_a_token_and_a_phrase_of_equal_frequency_differ_by_the_phrase_scale_only():
    terms = SegmentTerms.build(TOKENS)
    row_map = RowMap(len(TOKENS), 0, np.zeros(0))
    lexical = SegmentedLexical([(terms, row_map)])
    texts = ["".join(tokens) for tokens in TOKENS]
    phrases = PhraseIndex([(BigramPostings.build([compact_normal_form(t) for t in texts], terms.lengths), row_map)])
    token = lexical.postings("稀土")
    phrase = phrases.find("稀土")
    assert token.rows.tolist() == phrase.rows.tolist() == [0, 1]
    assert token.idf == phrase.idf == bm25.idf(4, 2)
    np.testing.assert_allclose(phrase.scores, token.scores * bm25.PHRASE_TF_SCALE, rtol=1e-6)
    # tf saturates: the row saying it twice scores more, but less than twice as much
    assert token.scores[0] < token.scores[1] < 2 * token.scores[0]
