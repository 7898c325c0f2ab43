"""The two candidate sides and the coverage measures: BM25 over a question's groups, dense
similarity, and how much of the question (IDF-weighted) a passage speaks to."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np

from retrieval.models.embedding import Embedder
from retrieval.search.context import best_per_row, with_followers
from retrieval.search.terms import QueryGroup, QueryTerm, as_groups, distinct_sources, without_years
from retrieval.store.protocol import IndexReader
from retrieval.store.records import StoredPassage
from retrieval.text import contains, normalize, tokenize
from retrieval.text.patterns import HAN

CANDIDATES_PER_SIDE = 100


class Scorer:
    def __init__(self, index: IndexReader, embedder: Embedder, options, followers: Callable[[], np.ndarray]):
        self.index = index
        self.embedder = embedder
        self.options = options
        self._followers = followers

    # -- the two sides ----------------------------------------------------------------------------

    def term_rows(self, term: QueryTerm) -> tuple[np.ndarray, np.ndarray] | None:
        if term.phrase:
            found = self.index.phrase_matches(term.term)
            return (found.rows, found.scores) if len(found.rows) else None
        postings = self.index.term_matches(term.term)
        return (postings.rows, postings.scores) if postings is not None and len(postings.rows) else None

    def group_matches(self, groups: list[QueryGroup] | list[QueryTerm]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per group the corpus has: its matching rows and their BM25 scores (the group's best term
        per passage, leaning followers inheriting a share), times the group's weight."""
        groups = as_groups(groups)
        # A store whose matches cost a round trip each (retrieval.store.milvus) fetches the
        # question's terms in one; the local store has no such method and reads its postings.
        prepare = getattr(self.index, "prepare_terms", None)
        if prepare is not None:
            prepare([t.term for g in groups for t in g.terms if not t.phrase],
                    [t.term for g in groups for t in g.terms if t.phrase])
        found = []
        follower = self._followers() if self.options.context_weight > 0 else None
        for group in as_groups(groups):
            matches = [(m, t) for m, t in ((self.term_rows(t), t) for t in group.terms) if m is not None]
            if not matches:
                continue
            if self.options.cap_english_forms:
                matches = self._english_forms_capped(matches)
            rows = np.concatenate([m[0] for m, _ in matches])
            scores = np.concatenate([m[1] * t.weight for m, t in matches])
            if len(matches) > 1:  # the group's best alternative per passage, not their sum
                rows, scores = best_per_row(rows, scores)
            if follower is not None:
                rows, scores = with_followers(rows, scores, follower, self.options.context_weight)
            found.append((rows, scores * group.weight))
        return found

    def _english_forms_capped(self, matches: list[tuple[tuple[np.ndarray, np.ndarray], QueryTerm]]
                              ) -> list[tuple[tuple[np.ndarray, np.ndarray], QueryTerm]]:
        """A group's English form (trade, of a bridged "trade") scores at no more than the IDF of its
        best Chinese translation (贸易): English words are rare in a Chinese corpus, so at their own
        IDF a transcript's English line saying "trade" outscored every Chinese paragraph saying 贸易."""
        if all(HAN.search(t.term) for _, t in matches):
            return matches  # nothing English to cap (every group of a Chinese question)
        han_idfs = [self._idf(t) for _, t in matches if HAN.search(t.term)]
        if not han_idfs:
            return matches
        ceiling = max(han_idfs)
        capped = []
        for (rows, scores), term in matches:
            idf = self._idf(term) if not HAN.search(term.term) else 0.0
            if idf > ceiling > 0:
                scores = scores * (ceiling / idf)
            capped.append(((rows, scores), term))
        return capped

    def _idf(self, term: QueryTerm) -> float:
        return self.index.phrase_matches(term.term).idf if term.phrase else self.term_idf(term.term)

    def lexical_scores(self, groups: list[QueryGroup] | list[QueryTerm],
                       limit: int = CANDIDATES_PER_SIDE) -> dict[int, float]:
        """BM25 scores of the `limit` best passages (row → score): per group its best term, summed."""
        return best_rows(*passage_totals(self.group_matches(groups)), limit)

    def dense_scores(self, query: str, limit: int) -> tuple[np.ndarray, dict[int, float]]:
        vector = self.embedder.encode([query])
        sims, rows = self.index.dense_search(vector, min(limit, self.index.info.passages))
        return vector[0], {int(r): float(s) for r, s in zip(rows[0], sims[0], strict=True) if r >= 0}

    # -- coverage: does a passage actually speak to the question? ---------------------------------

    def term_idf(self, term: str) -> float:
        postings = self.index.term_matches(term)
        return postings.idf if postings is not None else self.index.unseen_idf()

    def group_idf(self, group: QueryGroup) -> float:
        """How informative the group is: its commonest alternative's IDF (unseen: the rarest possible)."""
        idfs = [self._idf(t) for t in group.terms]
        return min(idfs) if idfs else self.index.unseen_idf()

    def group_weights(self, groups: list[QueryGroup]) -> list[float]:
        return [self.group_idf(g) * g.weight for g in groups]

    @staticmethod
    def present(term: QueryTerm, passage: StoredPassage, tokens: set[str]) -> bool:
        # bigram postings only propose a phrase's rows: whether the passage says it is read from its text
        return contains(passage.text, term.term) if term.phrase else term.term in tokens

    def coverage(self, groups: list[QueryGroup] | list[QueryTerm], passage: StoredPassage) -> float:
        """Share of the question's groups (IDF-weighted) that the passage speaks to."""
        return self.coverage_with_title(as_groups(groups), passage, title_credit=0.0)

    def coverage_with_title(self, groups: list[QueryGroup], passage: StoredPassage, title_credit: float,
                            weights: list[float] | None = None, previous: StoredPassage | None = None,
                            context_weight: float = 0.0) -> float:
        """Share of the question's groups (IDF-weighted; `weights` if already known) that the passage
        speaks to, a group only its article's title has earning `title_credit`, and one only the
        paragraph it leans on (`previous`) has earning `context_weight`. A group counts as much as
        the strongest of its terms the passage has (a stand-in: less)."""
        if not groups:
            return 0.0
        weights = weights if weights is not None else self.group_weights(groups)
        tokens = set(passage.tokens)
        previous_tokens = set(previous.tokens) if previous is not None else set()
        title_text, title_tokens = _title_terms(passage.title or "") if title_credit > 0 else ("", frozenset())
        earned = 0.0
        for group, weight in zip(groups, weights, strict=True):
            credit = max((t.weight for t in group.terms if self.present(t, passage, tokens)), default=0.0)
            if credit == 0.0 and previous is not None:
                credit = context_weight * max(
                    (t.weight for t in group.terms if self.present(t, previous, previous_tokens)), default=0.0)
            if credit == 0.0 and title_credit > 0:
                in_title = max((t.weight for t in group.terms
                                if (t.term in title_text if t.phrase else t.term in title_tokens)), default=0.0)
                credit = title_credit * in_title
            earned += weight * min(credit, 1.0)
        total = sum(weights)
        return earned / total if total else 0.0

    def group_credits(self, groups: list[QueryGroup], passage: StoredPassage) -> list[float]:
        """Per group, the weight of the strongest of its terms the passage says (0: none)."""
        tokens = set(passage.tokens)
        return [max((t.weight for t in group.terms if self.present(t, passage, tokens)), default=0.0)
                for group in groups]

    def group_rows(self, group: QueryGroup) -> np.ndarray:
        """Every row that has one of the group's terms (as the index proposes them)."""
        found = [matches[0] for matches in map(self.term_rows, group.terms) if matches is not None]
        return np.unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)

    def groups_matched(self, groups: list[QueryGroup], passage: StoredPassage) -> int:
        """How many distinct things the question asks about the passage speaks to.

        Pieces of one Chinese word (国防, 国防部, 美国国防部 all from 美国国防部) count once.
        """
        tokens = set(passage.tokens)
        return len(distinct_sources([g.source for g in without_years(groups)
                                     if any(self.present(t, passage, tokens) for t in g.terms)]))

    def matched_terms(self, groups: list[QueryGroup], passage: StoredPassage) -> tuple[str, ...]:
        """The question's terms the passage says, each once, in the question's order (to mark them)."""
        tokens = set(passage.tokens)
        return tuple(dict.fromkeys(t.term for g in groups for t in g.terms if self.present(t, passage, tokens)))


def passage_totals(matches: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Every matched row and its lexical score: the sum of its groups' scores."""
    if not matches:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    unique_rows, inverse = np.unique(np.concatenate([rows for rows, _ in matches]), return_inverse=True)
    totals = np.bincount(inverse, weights=np.concatenate([scores for _, scores in matches])).astype(np.float32)
    return unique_rows, totals


def best_rows(rows: np.ndarray, totals: np.ndarray, limit: int) -> dict[int, float]:
    """The `limit` best rows (row → score)."""
    if len(totals) > limit:
        best = np.argpartition(-totals, limit - 1)[:limit]
        rows, totals = rows[best], totals[best]
    return dict(zip(rows.tolist(), totals.tolist(), strict=True))


@lru_cache(maxsize=4096)
def _title_terms(title: str) -> tuple[str, frozenset[str]]:
    """A title as matched: its normalised text (for substring terms) and its tokens."""
    return normalize(title), frozenset(tokenize(title))
