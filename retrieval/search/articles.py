"""Articles as units: which article each passage belongs to, and article-level scores.

A question is usually answered by one paragraph, but the words that identify *which story* it asks
about are spread over the article: the lead names the company, the third paragraph states the
number. At 86k passages a paragraph that shares the question's common words outranks the answer,
whose article as a whole speaks to far more of the question. So the search scores articles too:
per question group the best score any of the article's passages has for it, summed over groups
(a "max per group, then sum" document score), and lets that lift every paragraph of the article;
the reranking then chooses the paragraph inside it. Which article a row belongs to is the
index's to say (retrieval.store.protocol.IndexReader.row_articles).
"""

from __future__ import annotations

import numpy as np


def article_totals(group_matches: list[tuple[np.ndarray, np.ndarray]], article_of: np.ndarray,
                   num_articles: int) -> np.ndarray:
    """Per article, the sum over groups of the best score any of its rows has for that group.

    `group_matches` holds, per question group, its matching rows and their (already weighted) scores.
    """
    totals = np.zeros(num_articles, dtype=np.float32)
    best = np.zeros(num_articles, dtype=np.float32)
    for rows, scores in group_matches:
        articles = article_of[rows]
        known = articles >= 0
        best.fill(0.0)
        np.maximum.at(best, articles[known], scores[known].astype(np.float32))
        totals += best
    return totals


def top_articles(totals: np.ndarray, count: int) -> np.ndarray:
    """The `count` best-scoring articles with a score above zero, best first."""
    positive = np.flatnonzero(totals > 0)
    if len(positive) > count:
        positive = positive[np.argpartition(-totals[positive], count - 1)[:count]]
    return positive[np.argsort(-totals[positive], kind="stable")]


def with_similarity(totals: np.ndarray, similarity: np.ndarray, present: np.ndarray, weight: float) -> np.ndarray:
    """Article scores lifted by how close each article's vector is to the question's
    (retrieval.models.article_encoder): up to `weight` × the best score, for the articles nearest
    the question only: ((cos − median) / (max − median))⁴, nothing at or below the median.

    The fourth power keeps the lift for the few articles the vectors single out: the vectors
    alone put the right article in the top 3 for 0.38 of English tuning questions (title + lead
    only), far from enough to reorder the rest. Measured on the tuning probes (pool + D, heldout +
    large, English): article R@3 0.628 → 0.674, paragraph R@3 0.558 → 0.616; docs/quality_at_scale.md."""
    if weight <= 0 or not present.any() or not len(totals):
        return totals
    near = similarity[present]
    median, best = float(np.median(near)), float(near.max())
    if best <= median:
        return totals
    lift = np.zeros(len(totals), dtype=np.float32)
    lift[present] = np.clip((near - median) / (best - median), 0.0, 1.0) ** 4
    return totals + np.float32(weight * float(totals.max())) * lift
