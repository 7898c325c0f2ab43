"""Query → ranked, de-duplicated passages (or an honest 'nothing answers this').

Lexical (BM25 over jieba tokens) and dense (FAISS inner product on unit vectors) candidates are
fused, either by a weighted blend of scores or by reciprocal rank fusion, as the settings say.
The evaluation script measures both; see the README.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from retrieval.config import Settings
from retrieval.embedding import Embedder
from retrieval.index import LoadedIndex, StoredPassage
from retrieval.records import Hit, SearchResult
from retrieval.text import tokenize

CANDIDATES_PER_SIDE = 100


@dataclass(frozen=True)
class QueryTerm:
    term: str  # normalised, as in the lexical index
    weight: float = 1.0


@dataclass(frozen=True)
class RankingOptions:
    fusion: str = "weighted"
    dense_weight: float = 0.2
    rrf_k: int = 60
    min_coverage: float = 0.35
    use_dense: bool = True
    use_lexical: bool = True

    @classmethod
    def from_settings(cls, settings: Settings) -> RankingOptions:
        return cls(fusion=settings.fusion, dense_weight=settings.dense_weight, rrf_k=settings.rrf_k,
                   min_coverage=settings.min_coverage)


def analyse_query(query: str) -> list[QueryTerm]:
    seen: dict[str, QueryTerm] = {}
    for token in tokenize(query):
        seen.setdefault(token, QueryTerm(token))
    return list(seen.values())


@dataclass(frozen=True)
class _Scored:
    row: int
    lexical: float
    dense: float
    fused: float


class Searcher:
    def __init__(self, index: LoadedIndex, embedder: Embedder, options: RankingOptions | None = None):
        index.check_model(embedder.name, embedder.dim)
        self.index = index
        self.embedder = embedder
        self.options = options or RankingOptions()

    # -- the two sides ------------------------------------------------------------------------

    def lexical_scores(self, terms: list[QueryTerm], limit: int = CANDIDATES_PER_SIDE) -> dict[int, float]:
        """BM25 scores of the `limit` best passages (row → score), summed over the weighted terms."""
        found = [(term, self.index.lexical.postings(term.term)) for term in terms]
        found = [(term, postings) for term, postings in found if postings is not None and len(postings.rows)]
        if not found:
            return {}
        rows = np.concatenate([postings.rows for _, postings in found])
        weighted = np.concatenate([postings.scores * term.weight for term, postings in found])
        unique_rows, inverse = np.unique(rows, return_inverse=True)
        totals = np.bincount(inverse, weights=weighted).astype(np.float32)
        if len(totals) > limit:
            best = np.argpartition(-totals, limit - 1)[:limit]
            unique_rows, totals = unique_rows[best], totals[best]
        return dict(zip(unique_rows.tolist(), totals.tolist(), strict=True))

    def dense_scores(self, query: str, limit: int) -> tuple[np.ndarray, dict[int, float]]:
        vector = self.embedder.encode([query])
        sims, rows = self.index.vectors.search(vector, min(limit, self.index.num_passages))
        return vector[0], {int(r): float(s) for r, s in zip(rows[0], sims[0], strict=True) if r >= 0}

    # -- fusion -----------------------------------------------------------------------------

    def _fuse(self, lexical: dict[int, float], dense: dict[int, float], query_vector: np.ndarray | None,
              options: RankingOptions) -> list[_Scored]:
        lexical_top = sorted(lexical, key=lexical.__getitem__, reverse=True)
        candidates = list(dict.fromkeys(lexical_top + list(dense)))
        if query_vector is not None:
            missing = [row for row in candidates if row not in dense]
            if missing:
                vectors = self.index.vectors.vectors_for(missing)
                dense = {**dense, **dict(zip(missing, (vectors @ query_vector).tolist(), strict=True))}
        top_lexical = max(lexical.values(), default=0.0) or 1.0
        lexical_rank = {row: rank for rank, row in enumerate(lexical_top)}
        dense_rank = {row: rank for rank, row in enumerate(sorted(dense, key=dense.__getitem__, reverse=True))}
        scored = []
        for row in candidates:
            lex = lexical.get(row, 0.0)
            den = dense.get(row, 0.0)
            if options.fusion == "rrf":
                fused = 0.0
                if row in lexical_rank:
                    fused += (1 - options.dense_weight) / (options.rrf_k + lexical_rank[row] + 1)
                if row in dense_rank:
                    fused += options.dense_weight / (options.rrf_k + dense_rank[row] + 1)
            else:
                fused = (1 - options.dense_weight) * lex / top_lexical + options.dense_weight * den
            scored.append(_Scored(row, lex, den, fused))
        scored.sort(key=lambda s: (-s.fused, s.row))
        return scored

    # -- coverage: does the best passage actually speak to the question? ---------------------

    def term_idf(self, term: str) -> float:
        postings = self.index.lexical.postings(term)
        return postings.idf if postings is not None else self.index.lexical.unseen_idf()

    def coverage(self, terms: list[QueryTerm], passage: StoredPassage) -> float:
        """Share of the question's informative terms (IDF-weighted) that the passage contains."""
        if not terms:
            return 0.0
        tokens = set(passage.tokens)
        weights = [(self.term_idf(t.term) * t.weight, t.term in tokens) for t in terms]
        total = sum(weight for weight, _ in weights)
        return sum(weight for weight, present in weights if present) / total if total else 0.0

    # -- the whole query ----------------------------------------------------------------------

    def search(self, query: str, top_k: int = 5) -> SearchResult:
        terms = analyse_query(query)
        options = self.options
        lexical = self.lexical_scores(terms) if options.use_lexical else {}
        query_vector, dense = (self.dense_scores(query, CANDIDATES_PER_SIDE) if options.use_dense
                               else (None, {}))
        if not options.use_dense:
            options = replace(options, dense_weight=0.0)
        elif not options.use_lexical:
            options = replace(options, dense_weight=1.0)
        scored = self._fuse(lexical, dense, query_vector, options)[: max(top_k, 1)]
        stored = self.index.passages([s.row for s in scored])
        if not stored:
            return SearchResult(query, False, ())
        best_coverage = max(self.coverage(terms, passage) for passage in stored[:3])
        if best_coverage < options.min_coverage:
            return SearchResult(query, False, ())
        hits = []
        for score, passage in zip(scored, stored, strict=True):
            tokens = set(passage.tokens)
            hits.append(Hit(
                passage_id=passage.passage_id, article_id=passage.article_id, text=passage.text,
                title=passage.title, date=passage.date, url=passage.url, score=score.fused,
                matched_terms=tuple(t.term for t in terms if t.term in tokens),
            ))
        return SearchResult(query, True, tuple(hits[:top_k]))
