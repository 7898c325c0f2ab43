"""A question → its groups: one per thing it asks about, each with the terms that may stand for it.

One source of terms per kind, each in its own step: the question's own tokens; for an English
question, numbers and quantities (retrieval.crosslingual.numbers), names the corpus glosses or
spells in pinyin (crosslingual.names), dictionary translations (crosslingual.bridge), the static
model's nearest corpus words (crosslingual.neighbours) and sound-alike transliterations. A step
claims the words it explains, so a later step does not look them up again. Every candidate term
is kept only if the index can match it (an index token, else a Chinese substring).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from retrieval.crosslingual.bridge import EnglishWords, english_words, load_bridge
from retrieval.crosslingual.cantonese import key_of_english as cantonese_key
from retrieval.crosslingual.names import chinese_person_names, load_transliteration_characters, pinyin_key
from retrieval.crosslingual.neighbours import TokenNeighbours
from retrieval.crosslingual.numbers import chinese_digit_years, counted_unit, is_year, number_phrases, with_digits
from retrieval.crosslingual.regional import load_regional_variants
from retrieval.crosslingual.senses import chosen, context_scores
from retrieval.search.asked import asked_clause, asked_english_clause
from retrieval.search.corpus import CorpusView
from retrieval.search.terms import (
    LOOSE_BRIDGE_WEIGHT,
    QueryGroup,
    QueryTerm,
    is_mostly_english,
    weaker,
    with_kinds,
)
from retrieval.store.protocol import IndexReader
from retrieval.store.records import TermMatches
from retrieval.text import STOPWORDS_EN, is_informative, normalize, tokenize
from retrieval.text.patterns import HAN

# A nearest-neighbour stand-in for an untranslatable word counts for less than a dictionary translation.
NEIGHBOUR_WEIGHT = 0.5
BRIDGE_MIN_PHRASE_CHARS = 3


_ORDINAL = re.compile(r"(\d+)(?:st|nd|rd|th)")
_DATED_WORD = re.compile(r"[a-z]{1,3}((?:19|20)\d\d)")


@dataclass
class _EnglishQuestion:
    """An English question's words while the steps claim them."""

    parsed: EnglishWords
    covered_tokens: set[str]  # tokens a group already stands for: not groups of their own
    groups: list[QueryGroup] = field(default_factory=list)
    taken: list[bool] = field(default_factory=list)
    # position → the word before it, where that reads as someone's given name (given_names)
    given_names: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.taken = [False] * len(self.parsed.words)

    @property
    def words(self) -> list[str]:
        return self.parsed.words


class QueryAnalyzer:
    def __init__(self, index: IndexReader, options, corpus: Callable[[], CorpusView],
                 neighbours: Callable[[], TokenNeighbours | None]):
        self.index = index
        self.options = options
        self._corpus = corpus
        self._neighbours = neighbours

    # -- what the index can match -----------------------------------------------------------------

    def in_corpus(self, term: str, min_phrase_chars: int = 2) -> QueryTerm | None:
        """The term as the index can match it: an index token, else a substring; None if absent."""
        if self.index.term_matches(term) is not None:
            return QueryTerm(term)
        # Only Chinese is matched inside running text: a Latin "us" would match inside "business",
        # and a lone Chinese character inside any word that contains it.
        if (self.options.use_phrases and len(term) >= min_phrase_chars and HAN.search(term)
                and len(self.index.phrase_matches(term).rows)):
            return QueryTerm(term, phrase=True)
        return None

    def in_corpus_all(self, candidates: tuple[str, ...] | list[str], min_phrase_chars: int = 2) -> tuple[str, ...]:
        return tuple(c for c in candidates if self.in_corpus(c, min_phrase_chars) is not None)

    def group(self, source: str, candidates: list[str], kind: str, min_phrase_chars: int = 2) -> QueryGroup:
        found = [term for term in (self.in_corpus(c, min_phrase_chars) for c in dict.fromkeys(candidates))
                 if term is not None]
        return QueryGroup(source, tuple(found), kind)

    # -- the question -----------------------------------------------------------------------------

    def analyse(self, query: str) -> list[QueryGroup]:
        """The question's groups: its own tokens, plus (for English) bridged, named and numeric ones."""
        options = self.options
        groups: list[QueryGroup] = []
        covered_tokens: set[str] = set()
        if is_mostly_english(query) and (options.use_bridge or options.use_names or options.use_numbers):
            if options.use_numbers:
                query = with_digits(query)  # "two years" is one quantity, as "2 years" is
            groups += self._english_groups(query, covered_tokens)
        english = is_mostly_english(query)
        for token in dict.fromkeys(tokenize(query)):
            ordinal = _ORDINAL.fullmatch(token)
            if token in covered_tokens or (ordinal and ordinal[1] in covered_tokens):  # 21st of 21st-Century
                continue
            if (english and len(token) == 1 and token.isascii() and token.isalpha()
                    and not re.search(rf"\b{token}-\d", query, re.I)):
                continue  # the u of U.S., the r and d of R&D name nothing (the F of F-16 does)
            candidates = [token]
            if options.use_names and HAN.search(token):  # 特朗普 is also written 川普
                candidates += load_regional_variants().get(token, ())
            if options.use_numbers and is_year(token):
                candidates += chinese_digit_years(token)  # 2017 is also written 二零一七
            elif options.use_numbers and (dated := _DATED_WORD.fullmatch(token)) and self.in_corpus(token) is None:
                # FY2025, CY2024: the corpus writes the year (2025财年)
                year = dated.group(1)
                candidates += [year, f"{year}年", *chinese_digit_years(year)]
            group = self.group(token, candidates, "token")
            if not group.terms and len(token) >= 3 and all(HAN.match(c) for c in token):
                group = replace(group, terms=self.known_pieces(token))
            groups.append(group)
        if options.asked_clause_weight > 0 and not english:
            groups = _weigh_asked_clause(groups, normalize(query), options.asked_clause_weight)
        elif options.asked_english_clause_weight > 0 and english:
            groups = _weigh_asked_english_clause(groups, query, options.asked_english_clause_weight)
        return groups

    def known_pieces(self, word: str) -> tuple[QueryTerm, ...]:
        """The index words inside a Chinese word the corpus never writes, at the share of it each
        spans: jieba's new-word guesser fuses a word with the character after or before it
        (川普说, 最迟在, 说福奇), which no passage holds as such. Only the longest pieces (川普, not
        川), so a longer known name is not met by any passage with one of its characters."""
        pieces = {word[i:j] for i in range(len(word)) for j in range(i + 2, len(word) + (i > 0))
                  if is_informative(word[i:j]) and self.index.term_matches(word[i:j]) is not None}
        longest = sorted(p for p in pieces if not any(p != q and p in q for q in pieces))
        return tuple(QueryTerm(p, weight=len(p) / len(word)) for p in longest)

    def unknown_people(self, query: str) -> list[str]:
        """People a Chinese question names that no passage of the corpus mentions: it cannot be answered."""
        if is_mostly_english(query):
            return []
        names = dict.fromkeys(chinese_person_names(normalize(query), load_transliteration_characters()))
        return [name for name in names if self.in_corpus(name, min_phrase_chars=3) is None]

    # -- an English question, step by step --------------------------------------------------------

    def _english_groups(self, query: str, covered_tokens: set[str]) -> list[QueryGroup]:
        options = self.options
        number_groups: list[QueryGroup] = []
        if options.use_numbers:
            query = self._number_groups(query, number_groups, covered_tokens)
        question = _EnglishQuestion(english_words(query), covered_tokens, number_groups)
        if options.use_bridge:
            question.given_names = given_names(question.parsed)
        names = self._corpus().names if options.use_names else None
        if names is not None:
            self._glossed_name_groups(question)
        if options.use_bridge:
            self._bridge_groups(question)
        if options.use_neighbours:
            self._neighbour_groups(question)
        if names is not None:
            self._sound_alike_groups(question)
        if options.sense_share > 0:
            return self._senses_by_context(question.groups, options.sense_share)
        return question.groups

    def _senses_by_context(self, groups: list[QueryGroup], min_share: float) -> list[QueryGroup]:
        """Each bridged word keeps the Chinese translations that the corpus's articles use together
        with the other words' translations (retrieval.crosslingual.senses); its English form stays."""
        context = [g for g in groups if g.kind in ("bridge", "name", "number")]
        # the dictionary's translations compete, its later senses too; weaker stand-ins (a word's
        # only loose senses, kinds of a bare-character word: 法案 for law → 法) stay as they are
        han = [[t for t in g.terms if HAN.search(t.term) and (t.weight >= 1.0 or t.later_sense)] for g in context]
        if sum(1 for terms in han if terms) < 2:
            return groups
        articles = self.index.row_articles()
        # A store whose matches cost a round trip each (retrieval.store.milvus) reads these terms'
        # rows in one; the local store has no such method and reads its postings.
        prefetch = getattr(self.index, "prefetch_terms", None)
        if prefetch is not None:
            prefetch([t.term for terms in han for t in terms if not t.phrase])
        empty = np.zeros(0, dtype=np.int32)
        sets = [[articles.articles_holding(matches.rows) if (matches := self._matches(t)) is not None else empty
                 for t in terms] for terms in han]
        narrowed = {}
        for group, terms, score in zip(context, han, context_scores(sets), strict=True):
            if group.kind != "bridge" or len(terms) < 2:
                continue
            keep = {t.term for t, flag in zip(terms, chosen(score, min_share), strict=True) if flag}
            narrowed[id(group)] = replace(group, terms=tuple(
                t for t in group.terms
                if t.term in keep or (t.weight < 1.0 and not t.later_sense) or not HAN.search(t.term)))
        return [narrowed.get(id(g), g) for g in groups]

    def _matches(self, term: QueryTerm) -> TermMatches | None:
        if term.phrase:
            found = self.index.phrase_matches(term.term)
            return found if len(found.rows) else None
        return self.index.term_matches(term.term)

    def _number_groups(self, query: str, groups: list[QueryGroup], covered_tokens: set[str]) -> str:
        """Quantities and a counted unit as one group each; the query without their words."""
        unit = counted_unit(query)
        if unit is not None:
            groups.append(self.group(unit.english.lower(), list(unit.chinese), "number"))
            covered_tokens.update(tokenize(unit.english))
            query = re.sub(rf"\b{re.escape(unit.english)}\b", " ", query, count=1)
        for number in number_phrases(query):
            digits = re.findall(r"\d+", number.english)
            groups.append(self.group(number.english, [*number.chinese, *digits], "number"))
            covered_tokens.update([*digits, *tokenize(number.english)])
            # the quantity is now one group: its words are not looked up again one by one
            query = query.replace(number.english, " ")
        return query

    def _glossed_name_groups(self, question: _EnglishQuestion) -> None:
        """Names the corpus glosses itself come first: they are this corpus's own translations;
        then Chinese names spelled in pinyin (Ma Yongmao → 马永茂), capitalised words only."""
        corpus = self._corpus()
        words, parsed = question.words, question.parsed
        start = 0
        while start < len(words):
            for length in range(min(4, len(words) - start), 0, -1):
                span = words[start:start + length]
                if length == 1 and (span[0].lower() in STOPWORDS_EN or start not in parsed.capitalised):
                    continue
                forms = corpus.names.glossed_forms(" ".join(span), question.given_names.get(start)
                                                   if length == 1 else None)
                capitalised = all(start + i in parsed.capitalised for i in range(length))
                if (not forms and capitalised and length >= 2 and self.options.use_bridge
                        and load_bridge().lookup(span)):
                    # a place the dictionary knows whole (Hong Kong → 香港) is not cut for a gloss of
                    # one of its words ("BYD Hong Kong" made "Kong" stand for 比亚迪香港): the bridge's
                    start += length
                    break
                if not forms and capitalised:
                    # a Hong Kong name in its Cantonese spelling first: "Tai Po" is 大埔, though
                    # the pinyin reading meets 太婆 too
                    keys = (cantonese_key(span), pinyin_key(span))
                    forms = tuple(dict.fromkeys(form for key in keys if key for form in corpus.pinyin.get(key, ())))
                    translated = load_bridge().lookup(span) if forms and self.options.use_bridge else ()
                    # the dictionary picks among homophones: Taiwan is 台湾, not also 太晚 ("too late")
                    forms = tuple(form for form in forms if form in translated) or forms
                if forms:
                    own = [*(w.lower() for w in span), *tokenize(" ".join(span))]
                    question.groups.append(self.group(" ".join(span), [*forms, *own], "name"))
                    question.covered_tokens.update(own)
                    question.taken[start:start + length] = [True] * length
                    start += length
                    break
            else:
                start += 1

    def _bridge_groups(self, question: _EnglishQuestion) -> None:
        """Dictionary translations (CC-CEDICT) of the words no name claimed."""
        bridge = load_bridge()
        parsed = question.parsed
        for run_start, run in _untaken_runs(question.words, question.taken):
            acronyms = _within(parsed.acronyms, run_start, len(run))
            capitalised = _within(parsed.capitalised, run_start, len(run))
            # A dictionary word the tokenizer never cut out is looked for inside running text only
            # when it is long enough not to be a piece of other words (东土 in 东土城路).
            keep = lambda found: self.in_corpus_all(found, BRIDGE_MIN_PHRASE_CHARS)  # noqa: E731
            for phrase in bridge.translate(run, acronyms, keep=keep, capitalised=capitalised):
                span = run[phrase.start:phrase.end]
                given_name = question.given_names.get(run_start + phrase.start) if len(span) == 1 else None
                if given_name is not None and self._is_foreign_surname(span[0], given_name):
                    continue  # Graves of "Don Graves" is no 严重 (grave): the sound-alike step reads it
                if given_name is not None and bridge.is_surname(span[0]):
                    # a surname after a given name: "Agnes Chow" is not Stephen Chow (周星驰), whom
                    # "Chow" alone would find, and the Li of "Andy Li" is no 厘 (a unit of length)
                    same = bridge.people_named(span[0], given_name)
                    phrase = replace(phrase, chinese=tuple(c for c in phrase.chinese if c in same))
                    if not phrase.chinese:
                        continue
                group = self.group(phrase.english, [*phrase.chinese, *(w.lower() for w in span)], "bridge",
                                   BRIDGE_MIN_PHRASE_CHARS)
                if phrase.loose:
                    group = weaker(group, phrase.chinese, LOOSE_BRIDGE_WEIGHT)
                elif len(span) == 1 and self.options.sense_share > 0:
                    group = self._with_later_senses(group, keep(bridge.lookup(span, loose=True)))
                if self.options.use_kinds and len(span) == 1 and all(len(word) == 1 for word in phrase.chinese):
                    group = with_kinds(group, keep(bridge.kinds_of(span[0], phrase.chinese)))
                question.groups.append(group)
                question.covered_tokens.update([*(w.lower() for w in span), *tokenize(" ".join(span))])
                for i in range(phrase.start, phrase.end):
                    question.taken[run_start + i] = True

    def _is_foreign_surname(self, word: str, given_name: str) -> bool:
        """A capitalised word after a given name the corpus's glosses give foreigners (Don, Paul),
        and no surname the dictionary knows (Lam, Chow: handled by its people)."""
        names = self._corpus().names if self.options.use_names else None
        return (names is not None and given_name.lower() in names.given_name_words
                and not load_bridge().is_surname(word))

    def _with_later_senses(self, group: QueryGroup, later: tuple[str, ...]) -> QueryGroup:
        """A word's later dictionary senses compete with its main ones in the choice by context:
        "minister" is 公使 (an envoy) first and 部长 only later, "secretary" 秘书 before 部长. Tuning
        pool at heldout + large: en R@3 0.698 → 0.709, article R@3 0.744 → 0.779, false abstains
        15 → 13; the same at weights 0.5–0.85 (docs/quality_at_scale.md)."""
        own = {t.term for t in group.terms}
        extra = self.group(group.source, [w for w in later if w not in own and len(w) > 1], "bridge",
                           BRIDGE_MIN_PHRASE_CHARS).terms
        return replace(group, terms=group.terms + tuple(replace(t, weight=LOOSE_BRIDGE_WEIGHT, later_sense=True)
                                                        for t in extra))

    def _neighbour_groups(self, question: _EnglishQuestion) -> None:
        """The static model's nearest corpus words for words nothing else explained, a little weaker."""
        neighbours = self._neighbours()
        if neighbours is None:
            return
        for i, word in enumerate(question.words):
            if question.taken[i] or word.lower() in STOPWORDS_EN or not word.isalpha():
                continue
            near = neighbours.nearest(word)
            if near:
                question.groups.append(weaker(self.group(word, [*near, word.lower()], "neighbour"), near,
                                              NEIGHBOUR_WEIGHT))
                question.covered_tokens.add(word.lower())
                question.taken[i] = True

    def _sound_alike_groups(self, question: _EnglishQuestion) -> None:
        """Capitalised words left over that sound like a transliteration the corpus uses (Bessent ~ 贝森特)."""
        names = self._corpus().names
        for i, word in enumerate(question.words):
            # a hyphenated word is no transliteration: it is a pinyin given name (Ka-chun) or a
            # compound ("EU-China" sounded like 易斯·伊纳)
            if (question.taken[i] or i not in question.parsed.capitalised or word.lower() in STOPWORDS_EN
                    or "-" in word
                    or self.in_corpus(word.lower()) is not None
                    or (self.options.use_bridge and load_bridge().lookup([word])
                        and not (i in question.given_names
                                 and self._is_foreign_surname(word, question.given_names[i])))):
                # a name the corpus writes in Latin letters (Noveon) is matched as it is; a word
                # the dictionary knows (Mount, Chinese) is no transliterated name
                continue
            sounds = names.sounds_like(word)
            if sounds:
                question.groups.append(weaker(self.group(word, [*sounds, word.lower()], "name"), sounds,
                                              self.options.sound_alike_weight))
                question.covered_tokens.add(word.lower())


def _weigh_asked_clause(groups: list[QueryGroup], simplified_query: str, extra: float) -> list[QueryGroup]:
    """The question's own words in the clause it asks in weigh 1 + `extra` (retrieval.search.asked)."""
    clause = asked_clause(simplified_query)
    if clause is None:
        return groups
    asked = set(tokenize(clause))
    return [replace(g, weight=g.weight * (1 + extra)) if g.kind == "token" and g.source in asked else g
            for g in groups]


def _weigh_asked_english_clause(groups: list[QueryGroup], query: str, extra: float) -> list[QueryGroup]:
    """An English question's groups whose words all lie in the clause it asks in weigh 1 + `extra`."""
    clause = asked_english_clause(query)
    if clause is None:
        return groups
    asked = {w.lower() for w in english_words(with_digits(clause)).words} | set(tokenize(clause))
    return [replace(g, weight=g.weight * (1 + extra))
            if (words := [w.lower() for w in english_words(g.source).words] or tokenize(g.source))
            and all(w in asked for w in words) else g
            for g in groups]


def given_names(parsed: EnglishWords) -> dict[int, str]:
    """Position of a capitalised word → the word before it, where that reads as a given name: capitalised letters,
    no acronym or stopword, no surname of anyone the dictionary knows (Trump of "Trump Xi"), and no
    word the dictionary knows other than as a name (Paul, Benny; not Secretary or Treasury)."""
    bridge = load_bridge()
    found = {}
    for i, word in enumerate(parsed.words[:-1]):
        if (i + 1 in parsed.capitalised and i + 1 not in parsed.acronyms  # a surname is capitalised too
                and i in parsed.capitalised and i not in parsed.acronyms and word.isalpha() and word not in STOPWORDS_EN
                and not bridge.is_surname(word) and (bridge.is_proper_name(word) or not bridge.knows(word))):
            found[i + 1] = word
    return found


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
