"""BM25, written once: the IDF, the length norm and the term-frequency formula every lexical score uses.

Token postings (retrieval.store.local.lexical), substring postings (retrieval.store.local.phrases),
the coverage weights of the search side and any other backend score with these functions, so a
token match and a phrase match of equal frequency are comparable by construction.

k1 and b are bm25s' defaults (method "lucene"), so a segmented index scores exactly as the bm25s one
(format 1) did.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from retrieval.store.local.rows import RowMap

K1 = 1.5
B = 0.75

# Lucene's BM25 (and so bm25s') drops the classic (k1 + 1) factor of the term-frequency part: it
# scales every score alike and never changes a ranking among token matches. Substring (phrase)
# matches have always kept it, so at equal frequency a phrase match scores 2.5× a token match.
# Measured with 1.0 for phrases too (docs/architecture.md, "BM25"): probes v1–v3 lose (v2 all R@3
# 0.915 → 0.890, v3 NOANS 0.500 → 0.333), v4 gains (all R@1 0.667 → 0.750); kept as it was.
TOKEN_TF_SCALE = 1.0
PHRASE_TF_SCALE = K1 + 1


def idf(num_docs: int, doc_freq: int) -> float:
    """BM25's IDF (the +1 inside the log keeps it positive for terms in most passages)."""
    return math.log(1 + (num_docs - doc_freq + 0.5) / (doc_freq + 0.5))


def unseen_idf(num_docs: int) -> float:
    """IDF given to a query term no passage contains: rarer than the rarest indexed term."""
    return idf(num_docs, 0)


def length_norms(parts: list[tuple[np.ndarray, RowMap]]) -> tuple[int, list[np.ndarray]]:
    """The number of live rows, and per segment the length part of BM25's denominator for each
    local row (k1 · (1 − b + b · length / average live length)), computed once per loaded version.

    `parts`: per segment, tokens per local row (at least 1) and where its live rows sit."""
    num_docs = sum(row_map.live for _, row_map in parts)
    total = sum(float(lengths.sum() if row_map.alive is None else lengths[row_map.alive].sum())
                for lengths, row_map in parts)
    average = total / num_docs if num_docs else 1.0
    return num_docs, [(K1 * (1 - B + B * lengths / average)).astype(np.float32) for lengths, _ in parts]


def tf_scores(term_idf: float, counts: np.ndarray, norms: np.ndarray, scale: float = TOKEN_TF_SCALE) -> np.ndarray:
    """Each row's BM25 contribution of one term: idf · tf · scale / (tf + length norm), float32."""
    return (term_idf * counts * scale / (counts + norms)).astype(np.float32)
