"""When to answer "nothing here answers that" instead of showing the best passages.

A real answer speaks to enough of the question, and to more than one thing it asks about: at corpus
scale some passage always shares one word with an unrelated question. A year says when, not what:
"Who won the 2023 NBA Finals?" met by 赢得 and 2023年 is not met. Measurements behind each rule are
with its setting (retrieval/config.py).
"""

from __future__ import annotations

from collections.abc import Callable

from retrieval.crosslingual.numbers import years_in
from retrieval.search.terms import QueryGroup, distinct_sources, is_mostly_english, without_years
from retrieval.store.records import StoredPassage


def should_abstain(query: str, groups: list[QueryGroup], stored: list[StoredPassage], coverage: float,
                   groups_matched: int, options, unknown_people: Callable[[str], list[str]],
                   article_evidence: float = 1.0) -> bool:
    """`coverage` and `groups_matched`: the best among the top 3 passages (Searcher.rank);
    `article_evidence`: the best top-3 article's share of the question's specific things
    (retrieval.search.evidence)."""
    distinct = len(set(distinct_sources([g.source for g in without_years(groups)])))
    return (not stored or coverage < coverage_bar(query, len(groups), options)
            or groups_matched < min(options.min_groups, distinct)
            or (options.require_years and not years_met(query, stored[:3]))
            or (options.require_names and bool(unknown_people(query)))
            or article_evidence < options.min_evidence)


def coverage_bar(query: str, num_groups: int, options) -> float:
    """min_coverage, raised to min_chinese_coverage for a question not mostly in English; past
    chinese_coverage_groups groups the raise falls in proportion: a long question spends its words
    on set-up that the answer's other paragraphs hold, so the answering one covers less of it."""
    if is_mostly_english(query):
        return options.min_coverage
    full = options.chinese_coverage_groups
    share = min(1.0, full / num_groups) if full > 0 and num_groups > 0 else 1.0
    return max(options.min_coverage, options.min_chinese_coverage * share)


def years_met(query: str, passages: list[StoredPassage]) -> bool:
    """Every year the question names is in one of the passages, their titles or their dates."""
    years = years_in(query)
    return not years or any(years <= years_in(f"{p.text} {p.title} {p.date or ''}") for p in passages)
