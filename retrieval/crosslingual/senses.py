"""Bridge senses chosen by context: the dictionary's translations the corpus uses together.

CC-CEDICT gives "chips" as 薯条 (fries), 晶片 (microchips), 碎片 and 筹码; "head" as 脑壳 and 主任;
"yuan" as the people 屈原 and 魏源 as well as the currency. A question's other words decide: in
"three new chips Nvidia tailored for China" the articles that say 晶片 also say 伟达 and 出口; the
ones that say 薯条 do not. This is dictionary-based cross-language retrieval's classic remedy
(Ballesteros & Croft 1998; Gao et al. 2001 for Chinese–English): score each translation by how
strongly it co-occurs, within articles, with the best translation of every other question word,
and keep the translations that score close to the best.
"""

from __future__ import annotations

import numpy as np

# A translation is kept when its context score reaches this share of its group's best.
# Measured on eval/large_probes_A.jsonl (heldout + large indexed); see retrieval/config.py.
MIN_SHARE_OF_BEST = 0.5


def association(article_sets: list[np.ndarray]) -> np.ndarray:
    """Cosine association of terms by the articles they occur in: |A∩B| / sqrt(|A|·|B|).

    Only articles holding two terms or more can make a pair co-occur, so only those become columns
    of the term × article matrix: a common word's thousands of other articles never enter it
    (English questions of the large probes: 33 → ~3 ms per question).
    """
    if not article_sets:
        return np.zeros((0, 0), dtype=np.float32)
    sets = [np.unique(articles) for articles in article_sets]  # (sorted and distinct already: cheap)
    sizes = np.sqrt(np.maximum(np.asarray([len(a) for a in sets], dtype=np.float32), 1.0))
    everything = np.concatenate(sets).astype(np.int64)
    counts = np.bincount(everything) if len(everything) else np.zeros(0, dtype=np.int64)
    shared = np.flatnonzero(counts >= 2)
    column = np.full(len(counts), -1, dtype=np.int64)
    column[shared] = np.arange(len(shared))
    matrix = np.zeros((len(sets), len(shared)), dtype=np.float32)
    for i, articles in enumerate(sets):
        columns = column[articles.astype(np.int64)]
        matrix[i, columns[columns >= 0]] = 1.0
    together = matrix @ matrix.T
    np.fill_diagonal(together, sizes ** 2)
    return together / sizes[:, None] / sizes[None, :]


def context_scores(groups: list[list[np.ndarray]]) -> list[np.ndarray]:
    """Per group, per translation: the sum over the *other* groups of its association with their
    best-associated translation. `groups` holds each group's translations as article-id sets."""
    flat = [articles for group in groups for articles in group]
    owner = np.asarray([g for g, group in enumerate(groups) for _ in group], dtype=np.int64)
    assoc = association(flat)
    scores = np.zeros(len(flat), dtype=np.float32)
    for other in range(len(groups)):
        columns = np.flatnonzero(owner == other)
        if not len(columns):
            continue
        best = assoc[:, columns].max(axis=1)
        scores += np.where(owner == other, 0.0, best)
    bounds = np.cumsum([0, *(len(group) for group in groups)])
    return [scores[bounds[g]:bounds[g + 1]] for g in range(len(groups))]


def chosen(scores: np.ndarray, min_share: float = MIN_SHARE_OF_BEST) -> np.ndarray:
    """Which translations to keep: those scoring at least `min_share` of the best (all when no
    translation co-occurs with anything: then the context says nothing)."""
    best = float(scores.max()) if len(scores) else 0.0
    if best <= 0:
        return np.ones(len(scores), dtype=bool)
    return scores >= min_share * best
