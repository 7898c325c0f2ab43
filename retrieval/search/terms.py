"""What a question asks about, as search matches it: groups of alternative terms."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from retrieval.text.patterns import HAN, LATIN, YEAR_DIGITS

# A translation from a dictionary sense that is not among a word's main ones.
LOOSE_BRIDGE_WEIGHT = 0.7
_BARE_YEAR = re.compile(rf"(?:in |of |since |by |from |until )?{YEAR_DIGITS}")


@dataclass(frozen=True)
class QueryTerm:
    term: str  # normalised, as in the lexical index or as a substring of the passage's normalised text
    weight: float = 1.0
    phrase: bool = False  # matched as a substring of the passage text, not as an index token
    # a later dictionary sense of a word that has main ones: kept only where the question's other
    # words choose it (retrieval.crosslingual.senses)
    later_sense: bool = False


@dataclass(frozen=True)
class QueryGroup:
    """One thing the question asks about, and the terms any one of which a passage may use for it."""

    source: str  # the question's own words for it
    terms: tuple[QueryTerm, ...]
    kind: str = "token"  # token | bridge | name | number | neighbour
    weight: float = 1.0


def is_mostly_english(query: str) -> bool:
    return len(LATIN.findall(query)) > 2 * len(HAN.findall(query))


def with_kinds(group: QueryGroup, kinds: tuple[str, ...]) -> QueryGroup:
    """The group with narrower words (substring-matched, as bridged phrases are) as weaker alternatives."""
    extra = tuple(QueryTerm(kind, LOOSE_BRIDGE_WEIGHT, phrase=True) for kind in kinds
                  if all(kind != t.term for t in group.terms))
    return replace(group, terms=group.terms + extra)


def weaker(group: QueryGroup, terms: tuple[str, ...], weight: float) -> QueryGroup:
    """The group with these of its terms counting for `weight` only."""
    return replace(group, terms=tuple(replace(t, weight=weight) if t.term in terms else t for t in group.terms))


def as_groups(groups: list[QueryGroup] | list[QueryTerm]) -> list[QueryGroup]:
    """Plain terms (the core's token queries) as one-term groups."""
    return [g if isinstance(g, QueryGroup) else QueryGroup(g.term, (g,)) for g in groups]


def distinct_sources(sources: list[str]) -> list[str]:
    """The question's words, pieces of a longer word dropped: 国防 and 国防部 inside 美国国防部 count once."""
    return [source for source in sources if not any(source != other and source in other for other in sources)]


def without_years(groups: list[QueryGroup]) -> list[QueryGroup]:
    """The groups other than a bare year (2023, "in 2020"); a month and year still count."""
    return [group for group in groups if not _BARE_YEAR.fullmatch(group.source)]
