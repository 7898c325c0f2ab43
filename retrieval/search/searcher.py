"""Query → ranked, de-duplicated passages (or an honest 'nothing answers this').

A question is analysed into *groups* (retrieval.search.analysis): one per thing the question asks
about (a Chinese word, an English word or phrase, a name, a quantity), each holding alternative
terms any one of which in a passage counts. Index tokens are scored from the BM25 postings, other
terms by substring over the passage text; a passage's lexical score sums, over groups, its best
alternative's score (retrieval.search.scoring). Lexical and dense candidates are fused
(retrieval.search.fusion), the best reranked by how much of the question they speak to
(retrieval.search.rerank), and the answer is withheld when the best passages cover too little of
the question (retrieval.search.abstain).

The Searcher only orchestrates: it reads the index through retrieval.store.protocol.IndexReader,
whatever backend holds it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

import numpy as np

from retrieval.crosslingual.answer_type import expected_answer
from retrieval.crosslingual.neighbours import TokenNeighbours
from retrieval.models.article_encoder import ArticleEncoder
from retrieval.models.embedding import Embedder
from retrieval.records import Hit, SearchResult
from retrieval.search.abstain import should_abstain
from retrieval.search.analysis import QueryAnalyzer
from retrieval.search.articles import article_totals, top_articles, with_similarity
from retrieval.search.context import followers_of
from retrieval.search.corpus import CorpusView
from retrieval.search.evidence import article_evidence
from retrieval.search.focus import focus_scores
from retrieval.search.fusion import Scored, fuse
from retrieval.search.options import RankingOptions
from retrieval.search.rerank import rerank, with_english_passages_weighed
from retrieval.search.scoring import CANDIDATES_PER_SIDE, Scorer, best_rows, passage_totals
from retrieval.search.terms import QueryGroup, is_mostly_english
from retrieval.store.protocol import IndexReader
from retrieval.store.records import StoredPassage
from retrieval.text.patterns import HAN
from retrieval.text.safe import clean_question


@dataclass(frozen=True)
class Ranking:
    groups: list[QueryGroup]
    scored: list[Scored]
    stored: list[StoredPassage]
    coverage: float  # best share of the question's groups among the top 3 passages
    group_weights: list[float]  # each group's IDF weight in the coverage measures
    groups_matched: int = 0  # most distinct question groups one of the top 3 passages speaks to
    # IDF-weighted share of the question's specific things (names, places, numbers…: search.evidence)
    # that the best of the top 3 passages' articles holds anywhere in it; 1.0 when it names none
    article_evidence: float = 1.0


class Searcher:
    def __init__(self, index: IndexReader, embedder: Embedder, options: RankingOptions | None = None,
                 article_encoder: ArticleEncoder | None = None):
        index.info.check_model(embedder.name, embedder.dim, getattr(embedder, "fingerprint", None))
        self.index = index
        self.embedder = embedder
        self.article_encoder = article_encoder
        self._article_matrix: tuple[np.ndarray, np.ndarray] | bool | None = None
        self._options = options or RankingOptions()
        self._corpus: CorpusView | None = None
        self._corpus_lock = threading.Lock()
        self._followers: np.ndarray | None = None
        self._wire()

    def _wire(self) -> None:
        self.analyzer = QueryAnalyzer(self.index, self._options, lambda: self.corpus, lambda: self.neighbours)
        self.scorer = Scorer(self.index, self.embedder, self._options, lambda: self.followers)

    @property
    def options(self) -> RankingOptions:
        return self._options

    def with_options(self, options: RankingOptions) -> Searcher:
        """A searcher over the same index and models with other ranking options (ablation, tests)."""
        return Searcher(self.index, self.embedder, options, self.article_encoder)

    @options.setter
    def options(self, options: RankingOptions) -> None:
        self._options = options
        self._wire()

    @property
    def corpus(self) -> CorpusView:
        with self._corpus_lock:
            if self._corpus is None:
                self._corpus = CorpusView(self.index, with_names=self.options.use_names)
            return self._corpus

    def share_corpus(self, other: Searcher) -> None:
        """Use another Searcher's corpus view (same index): it depends on the index only."""
        self._corpus = other.corpus

    @property
    def neighbours(self) -> TokenNeighbours | None:
        """The static model's nearest corpus words for English words (None for other models)."""
        corpus = self.corpus
        with self._corpus_lock:
            if corpus.neighbours is None:
                found = TokenNeighbours.from_embedder(self.embedder, lambda t: self.index.term_matches(t) is not None)
                corpus.neighbours = found or False
            return corpus.neighbours or None

    @property
    def followers(self) -> np.ndarray:
        """Per row, the row of the next paragraph when that one leans on this one; else -1."""
        with self._corpus_lock:
            if self._followers is None:
                self._followers = followers_of(self.index.predecessor_rows())
            return self._followers

    def article_matrix(self) -> tuple[np.ndarray, np.ndarray] | None:
        """(vectors, present) of the index's article vectors in row_articles' order; None when the
        index has none made by this searcher's article encoder."""
        with self._corpus_lock:
            if self._article_matrix is None:
                stored = self.index.article_vectors() if self.article_encoder is not None else None
                self._article_matrix = False
                if stored is not None and stored.model == self.article_encoder.name:
                    self._article_matrix = stored.aligned(self.index.row_articles().article_ids)
            return self._article_matrix or None

    def _article_similarity(self, query: str) -> tuple[np.ndarray, np.ndarray] | None:
        """Each article's cosine to the question, for English questions only: for Chinese ones the
        lexical article scores already find the article (article R@3 0.90 on the tuning probes),
        and the question's vector costs 20–50 ms on 2 cores (warm p50 58 ms for every language,
        against the 50 ms bar; the gain there was zh-Hant +0.015, NOANS +0.017)."""
        if self.options.article_vector_weight <= 0 or self.article_encoder is None or HAN.search(query):
            return None
        matrix = self.article_matrix()
        if matrix is None:
            return None
        vectors, present = matrix
        return vectors @ self.article_encoder.query(query), present

    def analyse(self, query: str) -> list[QueryGroup]:
        # A store that keeps what a question fetched (retrieval.store.milvus: each row costs a round
        # trip) drops the last question's here; the local store has no such method.
        begin = getattr(self.index, "begin_question", None)
        if begin is not None:
            begin()
        return self.analyzer.analyse(query)

    def rank(self, query: str, top_k: int = 5) -> Ranking:
        """The best `top_k` passages before the abstain decision, with what that decision uses."""
        groups = self.analyse(query)
        options = self.options
        scorer = self.scorer
        matches = scorer.group_matches(groups) if options.use_lexical else []
        matched_rows, matched_totals = passage_totals(matches)
        lexical = best_rows(matched_rows, matched_totals, CANDIDATES_PER_SIDE)
        article_credit = None
        if options.article_weight > 0 and matches:
            articles = self.index.row_articles()
            totals = article_totals(matches, articles.article_of, articles.num_articles)
            similarity = self._article_similarity(query)
            if similarity is not None:
                totals = with_similarity(totals, *similarity, options.article_vector_weight)
            # The matched paragraphs of the best articles are candidates whatever their own rank.
            inside = np.isin(articles.article_of[matched_rows], top_articles(totals, options.article_depth))
            lexical.update(zip(matched_rows[inside].tolist(), matched_totals[inside].tolist(), strict=True))
            article_credit = (articles.article_of, totals / (totals.max() or 1.0))
        query_vector, dense = (scorer.dense_scores(query, CANDIDATES_PER_SIDE) if options.use_dense
                               else (None, {}))
        if not options.use_dense:
            options = replace(options, dense_weight=0.0)
        elif not options.use_lexical:
            options = replace(options, dense_weight=1.0)
        scored = fuse(lexical, dense, query_vector, options, self.index.vectors_for)
        if article_credit is not None:  # every candidate gains a share of its article's score
            article_of, credit = article_credit
            scored = [replace(s, fused=s.fused + options.article_weight * float(credit[article_of[s.row]]))
                      if article_of[s.row] >= 0 else s for s in scored]
            scored.sort(key=lambda s: (-s.fused, s.row))
        reranking = options.rerank_weight > 0
        scored = scored[: max(options.rerank_depth, top_k) if reranking else max(top_k, 1)]
        fetched = {p.row: p for p in self.index.passages([s.row for s in scored])}
        weights = scorer.group_weights(groups)
        if reranking:
            scored = rerank(self.index, scorer, groups, scored, fetched, weights, options, expected_answer(query))
            if options.focus_weight > 0:
                scored = self._with_focus(groups, scored, fetched, weights)
        if is_mostly_english(query):
            scored = with_english_passages_weighed(scored, fetched, options.english_passage_weight)
        scored = scored[: max(top_k, 1)]
        stored = [fetched[s.row] for s in scored if s.row in fetched]
        coverage = max((scorer.coverage_with_title(groups, passage, 0.0, weights) for passage in stored[:3]),
                       default=0.0)
        matched = max((scorer.groups_matched(groups, passage) for passage in stored[:3]), default=0)
        evidence = 1.0
        if options.use_lexical and stored:
            evidence = article_evidence(
                query, groups, weights, stored[:3], self.index.row_articles(), scorer.term_rows,
                self.analyzer.in_corpus, scorer.group_idf, self.index.unseen_idf(), self._given_name_words(query))
        return Ranking(groups, scored, stored, coverage, weights, matched, evidence)

    def _given_name_words(self, query: str) -> frozenset[str]:
        """The corpus's foreign given names, for an English question only: reading the names
        evidence costs a cold process ~1 s, which a Chinese question never needs."""
        if not is_mostly_english(query) or not self.options.use_names:
            return frozenset()
        names = self.corpus.names
        return names.given_name_words if names is not None else frozenset()

    def _with_focus(self, groups: list[QueryGroup], scored: list[Scored], fetched: dict[int, StoredPassage],
                    weights: list[float]) -> list[Scored]:
        """Each candidate gains focus_weight × its focus inside its article (retrieval.search.focus)."""
        if not scored or not groups:
            return scored
        rows = [s.row for s in scored]
        credits = np.asarray([self.scorer.group_credits(groups, fetched[row]) for row in rows], dtype=np.float64)
        focus = focus_scores(rows, credits, [self.scorer.group_rows(g) for g in groups],
                             np.asarray(weights, dtype=np.float64), self.index.row_articles())
        weight = self.options.focus_weight
        focused = [replace(s, fused=s.fused + weight * float(f)) for s, f in zip(scored, focus, strict=True)]
        focused.sort(key=lambda s: (-s.fused, s.row))
        return focused

    def search(self, query: str, top_k: int = 5) -> SearchResult:
        """The passages that answer `query`; QuestionRejected for a question past the length cap
        (retrieval.text.safe.MAX_QUESTION_CHARS). Invalid Unicode in it is replaced, never raised."""
        query = clean_question(query).text
        ranking = self.rank(query, top_k)
        if should_abstain(query, ranking.groups, ranking.stored, ranking.coverage, ranking.groups_matched,
                          self.options, self.analyzer.unknown_people, ranking.article_evidence):
            return SearchResult(query, False, ())
        hits = [Hit(passage_id=passage.passage_id, article_id=passage.article_id, text=passage.text,
                    title=passage.title, date=passage.date, url=passage.url, score=score.fused,
                    matched_terms=self.scorer.matched_terms(ranking.groups, passage),
                    coverage=self.scorer.coverage_with_title(ranking.groups, passage, 0.0, ranking.group_weights))
                for score, passage in zip(ranking.scored, ranking.stored, strict=True)]
        return SearchResult(query, True, tuple(hits[:top_k]))
