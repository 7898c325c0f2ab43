"""Search-side use of paragraphs that lean on the one before them (retrieval.ingest.leaning).

News writing splits one statement over paragraphs: "7月稀土磁铁出口总量达5,577吨。" and then
"其中，对美出口619吨……" — the second answers "how many tons of rare-earth magnets went to the US in
July?" but says neither 稀土, 磁铁 nor 7月 itself. A paragraph that opens with such a connective or
pronoun inherits, at reduced weight, the question terms its predecessor in the same article has: in
BM25 (search.scoring) and in the reranking's coverage (search.rerank), `context_weight`.

Whether a paragraph leans is decided when its segment is written (leaning.npy); which row comes
before it, at the first query (IndexReader.predecessor_rows).
"""

from __future__ import annotations

import numpy as np


def followers_of(predecessor: np.ndarray) -> np.ndarray:
    """The inverse of IndexReader.predecessor_rows(): per row, the row that leans on it; else -1."""
    follower = np.full(len(predecessor), -1, dtype=np.int32)
    leaning = np.flatnonzero(predecessor >= 0)
    follower[predecessor[leaning]] = leaning
    return follower


def with_followers(rows: np.ndarray, scores: np.ndarray, follower: np.ndarray,
                   weight: float) -> tuple[np.ndarray, np.ndarray]:
    """The matches of one term group (distinct rows), each leaning follower of a matched row
    inheriting `weight` × its score (a row keeps the better of its own and its inherited score).

    No sort of the whole match list: a common term matches most of a 1M-passage corpus, and each
    follower has exactly one predecessor, so the inherited rows are distinct already.
    """
    inherited = follower[rows]
    mask = inherited >= 0
    if not mask.any():
        return rows, scores
    heirs, shares = inherited[mask].astype(rows.dtype), scores[mask] * weight
    order = None
    if len(rows) > 1 and not bool(np.all(rows[1:] > rows[:-1])):
        order = np.argsort(rows, kind="stable")
    ordered_rows = rows if order is None else rows[order]
    at = np.minimum(np.searchsorted(ordered_rows, heirs), len(rows) - 1)
    own = ordered_rows[at] == heirs
    position = at[own] if order is None else order[at[own]]
    scores = scores.copy()
    scores[position] = np.maximum(scores[position], shares[own])
    return np.concatenate([rows, heirs[~own]]), np.concatenate([scores, shares[~own]])


def best_per_row(rows: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One score per row: the highest."""
    order = np.lexsort((-scores, rows))
    rows, scores = rows[order], scores[order]
    first = np.concatenate(([True], rows[1:] != rows[:-1]))
    return rows[first], scores[first]
