"""Query → ranked, de-duplicated passages (or an honest 'nothing answers this').

A question is analysed into *groups*: one per thing the question asks about (a Chinese word, an
English word or phrase, a name, a quantity). A group holds alternative terms, any one of which
in a passage counts: for an English question, "rare earth" becomes the group {稀土}, "Bessent"
the group {bessent, 贝森特}, "12–24 months" the group {12到24个月, 12–24个月, …}. Index tokens are
scored from the BM25 postings; other terms by substring over the passage text (retrieval.phrases).
A passage's lexical score sums, over groups, its best alternative's score.

Lexical and dense (FAISS inner product on unit vectors) candidates are fused, either by a weighted
blend of scores or by reciprocal rank fusion, as the settings say. The answer is withheld when
the best passages cover too little of the question's groups (IDF-weighted).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from retrieval.answer_type import ExpectedAnswer, expected_answer
from retrieval.config import Settings
from retrieval.context import best_per_row, followers_of, with_followers
from retrieval.embedding import Embedder
from retrieval.index import LoadedIndex, StoredPassage
from retrieval.numbers import is_year
from retrieval.phrases import compact_normal_form, contains
from retrieval.records import Hit, SearchResult
from retrieval.text import STOPWORDS_EN, tokenize

CANDIDATES_PER_SIDE = 100
# A nearest-neighbour stand-in for an untranslatable word counts for less than a dictionary translation.
NEIGHBOUR_WEIGHT = 0.5
BRIDGE_MIN_PHRASE_CHARS = 3
# A translation from a dictionary sense that is not among a word's main ones.
LOOSE_BRIDGE_WEIGHT = 0.7
_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class QueryTerm:
    term: str  # normalised, as in the lexical index or as a substring of the passage's normalised text
    weight: float = 1.0
    phrase: bool = False  # matched as a substring of the passage text, not as an index token


@dataclass(frozen=True)
class QueryGroup:
    """One thing the question asks about, and the terms any one of which a passage may use for it."""

    source: str  # the question's own words for it
    terms: tuple[QueryTerm, ...]
    kind: str = "token"  # token | bridge | name | number | neighbour
    weight: float = 1.0


@dataclass(frozen=True)
class RankingOptions:
    fusion: str = "weighted"
    dense_weight: float = 0.2
    rrf_k: int = 60
    min_coverage: float = 0.2
    min_groups: int = 2
    use_dense: bool = True
    use_lexical: bool = True
    use_bridge: bool = True
    use_names: bool = True
    use_numbers: bool = True
    use_phrases: bool = True
    use_neighbours: bool = False
    # Reranking of the fused candidates by how much of the question each one speaks to (0: off),
    # the article's title optionally counting for part of what the passage itself does not say.
    rerank_weight: float = 0.5
    title_credit: float = 0.0
    rerank_depth: int = 30
    # A name matched by sound alone (Bessent ~ 贝森特) is a guess: over the 232 held-out articles
    # Biden, Putin and 波顿 share one sound key. Held-out probes: en R@3 0.844 → 0.867 at 0.5.
    sound_alike_weight: float = 0.5
    # A year the question names ("in 2024") must appear in a top passage, its title or its date.
    require_years: bool = True
    # A Chinese person's name a Chinese question asks about (王文涛) must appear somewhere in the corpus.
    require_names: bool = True
    # An English word the dictionary turns into a bare character only (law → 法) also matches the
    # corpus words the dictionary glosses as a kind of it (法案 "proposed law"), a little weaker.
    use_kinds: bool = True
    # A paragraph opening with 其中/此外/该… (retrieval.context) inherits this share of the question
    # terms the paragraph before it in its article has, in BM25 and in the reranking's coverage;
    # 0: off. Not in the abstain decision: that still asks what the passage itself says.
    context_weight: float = 0.7
    # A question asking "how many tons" / "多久" / "多少钱" (retrieval.answer_type) credits, in the
    # reranking, the candidates that state such a quantity, duration or amount; 0: off.
    answer_weight: float = 0.2

    @classmethod
    def from_settings(cls, settings: Settings) -> RankingOptions:
        return cls(fusion=settings.fusion, dense_weight=settings.dense_weight, rrf_k=settings.rrf_k,
                   min_coverage=settings.min_coverage, min_groups=settings.min_groups,
                   use_dense=settings.use_dense,
                   use_lexical=settings.use_lexical, use_bridge=settings.use_bridge,
                   use_names=settings.use_names, use_numbers=settings.use_numbers,
                   use_phrases=settings.use_phrases, use_neighbours=settings.use_neighbours,
                   rerank_weight=settings.rerank_weight, title_credit=settings.title_credit,
                   sound_alike_weight=settings.sound_alike_weight,
                   require_years=settings.require_years, require_names=settings.require_names,
                   use_kinds=settings.use_kinds,
                   context_weight=settings.context_weight, answer_weight=settings.answer_weight)


def analyse_query(query: str) -> list[QueryTerm]:
    """The question's own tokens (no cross-lingual terms: those need the index; see Searcher.analyse)."""
    seen: dict[str, QueryTerm] = {}
    for token in tokenize(query):
        seen.setdefault(token, QueryTerm(token))
    return list(seen.values())


def is_mostly_english(query: str) -> bool:
    return len(_LATIN.findall(query)) > 2 * len(_HAN.findall(query))


@dataclass(frozen=True)
class _Scored:
    row: int
    lexical: float
    dense: float
    fused: float


@dataclass(frozen=True)
class Ranking:
    groups: list[QueryGroup]
    scored: list[_Scored]
    stored: list[StoredPassage]
    coverage: float  # best share of the question's groups among the top 3 passages
    group_weights: list[float]  # each group's IDF weight in the coverage measures
    groups_matched: int = 0  # most distinct question groups one of the top 3 passages speaks to


class _CorpusView:
    """What query analysis needs to know about the whole corpus, built once per loaded index from
    what each segment stored when it was written: nothing here grows with every passage's text."""

    def __init__(self, index: LoadedIndex, with_names: bool):
        self.phrases = index.phrases
        self.neighbours = None
        self.names = None
        self.pinyin: dict[str, tuple[str, ...]] = {}
        if with_names:
            from retrieval.bridge import load_bridge
            from retrieval.names import NameMatcher, merged_readings

            evidence = index.name_evidence()
            # a word CC-CEDICT glosses ("group", "materials") is no surname standing for a whole name
            self.names = NameMatcher.from_evidence(
                evidence, is_common_word=lambda word: bool(load_bridge().lookup([word.lower()])))
            self.pinyin = merged_readings(evidence)


class Searcher:
    def __init__(self, index: LoadedIndex, embedder: Embedder, options: RankingOptions | None = None):
        index.check_model(embedder.name, embedder.dim, getattr(embedder, "fingerprint", None))
        self.index = index
        self.embedder = embedder
        self.options = options or RankingOptions()
        self._corpus: _CorpusView | None = None
        self._corpus_lock = threading.Lock()
        self._followers: np.ndarray | None = None

    @property
    def neighbours(self):
        """The static model's nearest corpus words for English words (None for other models)."""
        corpus = self.corpus
        with self._corpus_lock:
            if corpus.neighbours is None:
                from retrieval.neighbours import TokenNeighbours

                model = getattr(self.embedder, "model", None)
                found = TokenNeighbours.from_model(model, lambda t: self.index.lexical.postings(t) is not None) \
                    if model is not None else None
                corpus.neighbours = found or False
            return corpus.neighbours or None

    @property
    def followers(self) -> np.ndarray:
        """Per row, the row of the next paragraph when that one leans on this one; else -1."""
        with self._corpus_lock:
            if self._followers is None:
                self._followers = followers_of(self.index.predecessors)
            return self._followers

    @property
    def corpus(self) -> _CorpusView:
        with self._corpus_lock:
            if self._corpus is None:
                self._corpus = _CorpusView(self.index, with_names=self.options.use_names)
            return self._corpus

    # -- query analysis ---------------------------------------------------------------------------

    def _in_corpus(self, term: str, min_phrase_chars: int = 2) -> QueryTerm | None:
        """The term as the index can match it: an index token, else a substring; None if absent."""
        if self.index.lexical.postings(term) is not None:
            return QueryTerm(term)
        # Only Chinese is matched inside running text: a Latin "us" would match inside "business",
        # and a lone Chinese character inside any word that contains it.
        if (self.options.use_phrases and len(term) >= min_phrase_chars and _HAN.search(term)
                and len(self.corpus.phrases.find(term).rows)):
            return QueryTerm(term, phrase=True)
        return None

    def _in_corpus_all(self, candidates: tuple[str, ...] | list[str], min_phrase_chars: int = 2) -> tuple[str, ...]:
        return tuple(c for c in candidates if self._in_corpus(c, min_phrase_chars) is not None)

    def _group(self, source: str, candidates: list[str], kind: str, min_phrase_chars: int = 2) -> QueryGroup:
        found = [term for term in (self._in_corpus(c, min_phrase_chars) for c in dict.fromkeys(candidates))
                 if term is not None]
        return QueryGroup(source, tuple(found), kind)

    def analyse(self, query: str) -> list[QueryGroup]:
        """The question's groups: its own tokens, plus (for English) bridged, named and numeric ones."""
        options = self.options
        groups: list[QueryGroup] = []
        covered_tokens: set[str] = set()
        if is_mostly_english(query) and (options.use_bridge or options.use_names or options.use_numbers):
            if options.use_numbers:
                from retrieval.numbers import with_digits

                query = with_digits(query)  # "two years" is one quantity, as "2 years" is
            groups += self._english_groups(query, covered_tokens)
        for token in dict.fromkeys(tokenize(query)):
            if token in covered_tokens:
                continue
            candidates = [token]
            if options.use_numbers and is_year(token):
                from retrieval.numbers import chinese_digit_years

                candidates += chinese_digit_years(token)  # 2017 is also written 二零一七
            groups.append(self._group(token, candidates, "token"))
        return groups

    def _english_groups(self, query: str, covered_tokens: set[str]) -> list[QueryGroup]:
        from retrieval.bridge import english_words, load_bridge

        options = self.options
        groups: list[QueryGroup] = []
        if options.use_numbers:
            from retrieval.numbers import counted_unit, number_phrases

            unit = counted_unit(query)
            if unit is not None:
                groups.append(self._group(unit.english.lower(), list(unit.chinese), "number"))
                covered_tokens.update(tokenize(unit.english))
                query = re.sub(rf"\b{re.escape(unit.english)}\b", " ", query, count=1)
            for number in number_phrases(query):
                digits = re.findall(r"\d+", number.english)
                groups.append(self._group(number.english, [*number.chinese, *digits], "number"))
                covered_tokens.update([*digits, *tokenize(number.english)])
                # the quantity is now one group: its words are not looked up again one by one
                query = query.replace(number.english, " ")
        parsed = english_words(query)
        words = parsed.words
        taken = [False] * len(words)
        names = self.corpus.names if options.use_names else None
        # Names the corpus glosses itself come first: they are this corpus's own translations;
        # then Chinese names spelled in pinyin (Ma Yongmao → 马永茂), capitalised words only.
        if names is not None:
            from retrieval.names import pinyin_key

            start = 0
            while start < len(words):
                for length in range(min(4, len(words) - start), 0, -1):
                    span = words[start:start + length]
                    if length == 1 and (span[0].lower() in STOPWORDS_EN or start not in parsed.capitalised):
                        continue
                    forms = names.glossed_forms(" ".join(span))
                    if not forms and all(start + i in parsed.capitalised for i in range(length)):
                        key = pinyin_key(span)
                        forms = self.corpus.pinyin.get(key, ()) if key else ()
                    if forms:
                        own = [*(w.lower() for w in span), *tokenize(" ".join(span))]
                        groups.append(self._group(" ".join(span), [*forms, *own], "name"))
                        covered_tokens.update(own)
                        taken[start:start + length] = [True] * length
                        start += length
                        break
                else:
                    start += 1
        if options.use_bridge:
            bridge = load_bridge()
            for run_start, run in _untaken_runs(words, taken):
                acronyms = _within(parsed.acronyms, run_start, len(run))
                capitalised = _within(parsed.capitalised, run_start, len(run))
                # A dictionary word the tokenizer never cut out is looked for inside running text only
                # when it is long enough not to be a piece of other words (东土 in 东土城路).
                keep = lambda found: self._in_corpus_all(found, BRIDGE_MIN_PHRASE_CHARS)  # noqa: E731
                for phrase in bridge.translate(run, acronyms, keep=keep, capitalised=capitalised):
                    span = run[phrase.start:phrase.end]
                    group = self._group(phrase.english, [*phrase.chinese, *(w.lower() for w in span)], "bridge",
                                        BRIDGE_MIN_PHRASE_CHARS)
                    if phrase.loose:
                        group = _weaker(group, phrase.chinese, LOOSE_BRIDGE_WEIGHT)
                    if options.use_kinds and len(span) == 1 and all(len(word) == 1 for word in phrase.chinese):
                        group = _with_kinds(group, keep(bridge.kinds_of(span[0], phrase.chinese)))
                    groups.append(group)
                    covered_tokens.update([*(w.lower() for w in span), *tokenize(" ".join(span))])
                    for i in range(phrase.start, phrase.end):
                        taken[run_start + i] = True
        neighbours = self.neighbours if options.use_neighbours else None
        if neighbours is not None:
            for i, word in enumerate(words):
                if taken[i] or word.lower() in STOPWORDS_EN or not word.isalpha():
                    continue
                near = neighbours.nearest(word)
                if near:
                    groups.append(_weaker(self._group(word, [*near, word.lower()], "neighbour"), near,
                                          NEIGHBOUR_WEIGHT))
                    covered_tokens.add(word.lower())
                    taken[i] = True
        if names is not None:
            for i, word in enumerate(words):
                if (taken[i] or i not in parsed.capitalised or word.lower() in STOPWORDS_EN
                        or self._in_corpus(word.lower()) is not None
                        or (options.use_bridge and load_bridge().lookup([word]))):
                    # a name the corpus writes in Latin letters (Noveon) is matched as it is; a word
                    # the dictionary knows (Mount, Chinese) is no transliterated name
                    continue
                sounds = names.sounds_like(word)
                if sounds:
                    groups.append(_weaker(self._group(word, [*sounds, word.lower()], "name"), sounds,
                                          self.options.sound_alike_weight))
                    covered_tokens.add(word.lower())
        return groups

    # -- the two sides ------------------------------------------------------------------------

    def _term_matches(self, term: QueryTerm) -> tuple[np.ndarray, np.ndarray] | None:
        if term.phrase:
            found = self.corpus.phrases.find(term.term)
            return (found.rows, found.scores) if len(found.rows) else None
        postings = self.index.lexical.postings(term.term)
        return (postings.rows, postings.scores) if postings is not None and len(postings.rows) else None

    def lexical_scores(self, groups: list[QueryGroup] | list[QueryTerm],
                       limit: int = CANDIDATES_PER_SIDE) -> dict[int, float]:
        """BM25 scores of the `limit` best passages (row → score): per group its best term, summed."""
        groups = _as_groups(groups)
        row_parts, score_parts = [], []
        follower = self.followers if self.options.context_weight > 0 else None
        for group in groups:
            matches = [(m, t) for m, t in ((self._term_matches(t), t) for t in group.terms) if m is not None]
            if not matches:
                continue
            rows = np.concatenate([m[0] for m, _ in matches])
            scores = np.concatenate([m[1] * t.weight for m, t in matches])
            if len(matches) > 1:  # the group's best alternative per passage, not their sum
                rows, scores = best_per_row(rows, scores)
            if follower is not None:
                rows, scores = with_followers(rows, scores, follower, self.options.context_weight)
            row_parts.append(rows)
            score_parts.append(scores * group.weight)
        if not row_parts:
            return {}
        unique_rows, inverse = np.unique(np.concatenate(row_parts), return_inverse=True)
        totals = np.bincount(inverse, weights=np.concatenate(score_parts)).astype(np.float32)
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

    def _group_idf(self, group: QueryGroup) -> float:
        """How informative the group is: its commonest alternative's IDF (unseen: the rarest possible)."""
        idfs = [self.corpus.phrases.find(t.term).idf if t.phrase else self.term_idf(t.term) for t in group.terms]
        return min(idfs) if idfs else self.index.lexical.unseen_idf()

    def _present(self, term: QueryTerm, passage: StoredPassage, tokens: set[str]) -> bool:
        # bigram postings only propose a phrase's rows: whether the passage says it is read from its text
        return contains(passage.text, term.term) if term.phrase else term.term in tokens

    def coverage(self, groups: list[QueryGroup] | list[QueryTerm], passage: StoredPassage) -> float:
        """Share of the question's groups (IDF-weighted) that the passage speaks to."""
        return self.coverage_with_title(_as_groups(groups), passage, title_credit=0.0)

    # -- the whole query ----------------------------------------------------------------------

    def rank(self, query: str, top_k: int = 5) -> Ranking:
        """The best `top_k` passages before the abstain decision, with what that decision uses."""
        groups = self.analyse(query)
        options = self.options
        lexical = self.lexical_scores(groups) if options.use_lexical else {}
        query_vector, dense = (self.dense_scores(query, CANDIDATES_PER_SIDE) if options.use_dense
                               else (None, {}))
        if not options.use_dense:
            options = replace(options, dense_weight=0.0)
        elif not options.use_lexical:
            options = replace(options, dense_weight=1.0)
        scored = self._fuse(lexical, dense, query_vector, options)
        reranking = options.rerank_weight > 0
        scored = scored[: max(options.rerank_depth, top_k) if reranking else max(top_k, 1)]
        fetched = {p.row: p for p in self.index.passages([s.row for s in scored])}
        weights = self.group_weights(groups)
        if reranking:
            scored = self._rerank(groups, scored, fetched, weights, options, expected_answer(query))
        scored = scored[: max(top_k, 1)]
        stored = [fetched[s.row] for s in scored if s.row in fetched]
        coverage = max((self.coverage_with_title(groups, passage, 0.0, weights) for passage in stored[:3]),
                       default=0.0)
        matched = max((self.groups_matched(groups, passage) for passage in stored[:3]), default=0)
        return Ranking(groups, scored, stored, coverage, weights, matched)

    def group_weights(self, groups: list[QueryGroup]) -> list[float]:
        return [self._group_idf(g) * g.weight for g in groups]

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
            credit = max((t.weight for t in group.terms if self._present(t, passage, tokens)), default=0.0)
            if credit == 0.0 and previous is not None:
                credit = context_weight * max(
                    (t.weight for t in group.terms if self._present(t, previous, previous_tokens)), default=0.0)
            if credit == 0.0 and title_credit > 0:
                in_title = max((t.weight for t in group.terms
                                if (t.term in title_text if t.phrase else t.term in title_tokens)), default=0.0)
                credit = title_credit * in_title
            earned += weight * min(credit, 1.0)
        total = sum(weights)
        return earned / total if total else 0.0

    def _rerank(self, groups: list[QueryGroup], scored: list[_Scored], stored: dict[int, StoredPassage],
                weights: list[float], options: RankingOptions, expected: ExpectedAnswer | None = None,
                ) -> list[_Scored]:
        previous: dict[int, StoredPassage] = {}
        if options.context_weight > 0:
            predecessor = self.index.predecessors
            leaning = {int(predecessor[s.row]): s.row for s in scored if predecessor[s.row] >= 0}
            previous = {leaning[p.row]: p for p in self.index.passages(list(leaning))}

        def credit(passage: StoredPassage) -> float:
            coverage = self.coverage_with_title(groups, passage, options.title_credit, weights,
                                                previous.get(passage.row), options.context_weight)
            states_answer = expected is not None and expected.found_in(compact_normal_form(passage.text))
            return options.rerank_weight * coverage + (options.answer_weight if states_answer else 0.0)

        reranked = [replace(s, fused=s.fused + credit(stored[s.row])) for s in scored if s.row in stored]
        reranked.sort(key=lambda s: (-s.fused, s.row))
        return reranked

    def unknown_people(self, query: str) -> list[str]:
        """People a Chinese question names that no passage of the corpus mentions: it cannot be answered."""
        if is_mostly_english(query):
            return []
        from retrieval.names import chinese_person_names, load_transliteration_characters
        from retrieval.text import normalize

        names = dict.fromkeys(chinese_person_names(normalize(query), load_transliteration_characters()))
        return [name for name in names if self._in_corpus(name, min_phrase_chars=3) is None]

    def groups_matched(self, groups: list[QueryGroup], passage: StoredPassage) -> int:
        """How many distinct things the question asks about the passage speaks to.

        Pieces of one Chinese word (国防, 国防部, 美国国防部 all from 美国国防部) count once.
        """
        tokens = set(passage.tokens)
        return len(_distinct_sources([g.source for g in _without_years(groups)
                                      if any(self._present(t, passage, tokens) for t in g.terms)]))

    def search(self, query: str, top_k: int = 5) -> SearchResult:
        ranking = self.rank(query, top_k)
        groups, scored, stored = ranking.groups, ranking.scored, ranking.stored
        # A real answer speaks to enough of the question, and to more than one thing it asks about:
        # at corpus scale some passage always shares one word with an unrelated question. A year
        # says when, not what: "Who won the 2023 NBA Finals?" met by 赢得 and 2023年 is not met.
        distinct = len(set(_distinct_sources([g.source for g in _without_years(groups)])))
        if (not stored or ranking.coverage < self.options.min_coverage
                or ranking.groups_matched < min(self.options.min_groups, distinct)
                or (self.options.require_years and not _years_met(query, stored[:3]))
                or (self.options.require_names and self.unknown_people(query))):
            return SearchResult(query, False, ())
        hits = []
        weights = ranking.group_weights
        for score, passage in zip(scored, stored, strict=True):
            tokens = set(passage.tokens)
            matched = [t.term for g in groups for t in g.terms if self._present(t, passage, tokens)]
            hits.append(Hit(
                passage_id=passage.passage_id, article_id=passage.article_id, text=passage.text,
                title=passage.title, date=passage.date, url=passage.url, score=score.fused,
                matched_terms=tuple(dict.fromkeys(matched)),
                coverage=self.coverage_with_title(groups, passage, 0.0, weights),
            ))
        return SearchResult(query, True, tuple(hits[:top_k]))


_BARE_YEAR = re.compile(r"(?:in |of |since |by |from |until )?(?:19|20)\d\d")


def _without_years(groups: list[QueryGroup]) -> list[QueryGroup]:
    """The groups other than a bare year (2023, "in 2020"); a month and year still count."""
    return [group for group in groups if not _BARE_YEAR.fullmatch(group.source)]


def _years_met(query: str, passages: list[StoredPassage]) -> bool:
    """Every year the question names is in one of the passages, their titles or their dates."""
    from retrieval.numbers import years_in

    years = years_in(query)
    return not years or any(years <= years_in(f"{p.text} {p.title} {p.date or ''}") for p in passages)


@lru_cache(maxsize=4096)
def _title_terms(title: str) -> tuple[str, frozenset[str]]:
    """A title as matched: its normalised text (for substring terms) and its tokens."""
    from retrieval.text import normalize

    return normalize(title), frozenset(tokenize(title))


def _with_kinds(group: QueryGroup, kinds: tuple[str, ...]) -> QueryGroup:
    """The group with narrower words (substring-matched, as bridged phrases are) as weaker alternatives."""
    extra = tuple(QueryTerm(kind, LOOSE_BRIDGE_WEIGHT, phrase=True) for kind in kinds
                  if all(kind != t.term for t in group.terms))
    return replace(group, terms=group.terms + extra)


def _weaker(group: QueryGroup, terms: tuple[str, ...], weight: float) -> QueryGroup:
    """The group with these of its terms counting for `weight` only."""
    return replace(group, terms=tuple(replace(t, weight=weight) if t.term in terms else t for t in group.terms))


def _as_groups(groups: list[QueryGroup] | list[QueryTerm]) -> list[QueryGroup]:
    """Plain terms (the core's token queries) as one-term groups."""
    return [g if isinstance(g, QueryGroup) else QueryGroup(g.term, (g,)) for g in groups]


def _distinct_sources(sources: list[str]) -> list[str]:
    """The question's words, pieces of a longer word dropped: 国防 and 国防部 inside 美国国防部 count once."""
    return [source for source in sources if not any(source != other and source in other for other in sources)]


def _within(positions: frozenset[int], start: int, length: int) -> frozenset[int]:
    """The positions that fall in words[start:start + length], counted from its start."""
    return frozenset(i - start for i in positions if start <= i < start + length)


def _untaken_runs(words: list[str], taken: list[bool]) -> list[tuple[int, list[str]]]:
    """Maximal runs of words not yet claimed by a name, with where each run starts."""
    runs, start = [], None
    for i, is_taken in enumerate([*taken, True]):
        if not is_taken and start is None:
            start = i
        elif is_taken and start is not None:
            runs.append((start, words[start:i]))
            start = None
    return runs
