"""Hits → text for people: the terminal's answer, and the pieces the bot's pages share with it.

What a reader sees: hits grouped by article (title, date and source link once, then the article's
paragraphs in rank order); in each paragraph only the few words that carry the answer are marked —
the span stating what the question asks for (a number of tons, a duration, an amount, a date:
retrieval.crosslingual.answer_type) where there is one, else the question's most specific terms, once each.
Marking every matched term drowned the answer (32 bold runs in one 574-character bot page).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from retrieval.crosslingual.answer_type import expected_answer
from retrieval.records import Hit, SearchResult
from retrieval.text import find_term_spans, fold_width, to_simplified

NO_ANSWER_TEXT = "No passage in the corpus answers this question. Try rephrasing it, or ask about another topic."
NO_LINK_TEXT = "no source link in the article"
MAX_ANSWER_SPANS = 2  # a passage stating the answer twice (619吨 … 619吨) needs it marked once or twice, no more
MAX_KEY_TERMS = 3
SHORT_URL_CHARS = 60
# The low end of a range just before a matched amount (45-50%, 1200-1500 吨, 12到24个月).
_RANGE_START = re.compile(r"(?<![\d,.])\d[\d,.]*\s*(?:[-–—~～]|至|到)\s*$")


@dataclass(frozen=True)
class ArticleHits:
    """One article's hits, in rank order; `rank` is the rank of its best hit (1-based)."""

    rank: int
    hits: tuple[Hit, ...]

    @property
    def first(self) -> Hit:
        return self.hits[0]


def group_by_article(hits: Iterable[Hit]) -> list[ArticleHits]:
    """Hits grouped by article, articles in the order of their best hit, paragraphs in rank order."""
    order: dict[str, list[Hit]] = {}
    ranks: dict[str, int] = {}
    for rank, hit in enumerate(hits, 1):
        order.setdefault(hit.article_id, []).append(hit)
        ranks.setdefault(hit.article_id, rank)
    return [ArticleHits(ranks[article], tuple(group)) for article, group in order.items()]


def short_url(url: str, limit: int = SHORT_URL_CHARS) -> str:
    """A web address as a reader can take it in: no scheme, www., query or fragment; percent-escapes
    decoded (Chinese slugs arrive as 400 characters of %E7%A8%80…); a long path cut in the middle."""
    parts = urlsplit(url)
    host = (parts.hostname or parts.netloc).removeprefix("www.")
    path = unquote(parts.path, errors="replace").rstrip("/")
    shown = host + path
    if len(shown) <= limit:
        return shown
    last = path.rsplit("/", 1)[-1]
    keep = max(limit - len(host) - 3, 8)  # host + "/…/" + the end of the last path segment
    tail = last if len(last) <= keep else "…" + last[-(keep - 1):]
    return f"{host}/…/{tail}"


def is_web_url(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _aligned_compact(text: str) -> tuple[str, list[int]]:
    """The text in answer_type's compact normal form (width-folded, Simplified, lower-case, no
    whitespace), with each of its characters' offsets in the original text."""
    folded = [fold_width(ch) for ch in text]
    if all(len(ch) == 1 for ch in folded):
        simplified = to_simplified("".join(folded)).lower()
        if len(simplified) != len(text):
            simplified = "".join(folded).lower()
    else:
        simplified = text.lower()
    kept = [(ch, i) for i, ch in enumerate(simplified) if not ch.isspace()]
    return "".join(ch for ch, _ in kept), [i for _, i in kept]


def answer_spans(question: str, text: str) -> list[tuple[int, int]]:
    """Where the passage states the kind of answer the question asks for (at most MAX_ANSWER_SPANS)."""
    expected = expected_answer(question) if question else None
    if expected is None:
        return []
    compact, offsets = _aligned_compact(text)
    spans = []
    for match in expected.pattern.finditer(compact):
        if match.end() > match.start():
            start, end = offsets[match.start()], offsets[match.end() - 1] + 1
            low = _RANGE_START.search(text, max(0, start - 24), start)  # "45-50%": the pattern found "50%"
            if low and (not spans or low.start() >= spans[-1][1]):
                start = low.start()
            spans.append((start, end))
        if len(spans) == MAX_ANSWER_SPANS:
            break
    return spans


def key_spans(question: str, text: str, terms: tuple[str, ...] | list[str]) -> list[tuple[int, int]]:
    """The few spans worth marking: the stated answer if the passage has one, else the first
    occurrence of each of the question's most specific matched terms (longest first, at most
    MAX_KEY_TERMS; a lone CJK character never)."""
    found = answer_spans(question, text)
    if found:
        return found
    spans = []
    for term in sorted(dict.fromkeys(terms), key=len, reverse=True):
        first = find_term_spans(text, [term])[:1]
        if first and all(first[0][1] <= s or first[0][0] >= e for s, e in spans):
            spans.append(first[0])
        if len(spans) == MAX_KEY_TERMS:
            break
    return sorted(spans)


def mark_spans(text: str, spans: list[tuple[int, int]], before: str, after: str,
               escape: Callable[[str], str] = lambda s: s) -> str:
    """Wrap each (non-overlapping, sorted) span in before/after; every other piece goes through escape."""
    out: list[str] = []
    cursor = 0
    for start, end in spans:
        out.append(escape(text[cursor:start]))
        out.append(before + escape(text[start:end]) + after)
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def mark_terms(text: str, terms: tuple[str, ...] | list[str], before: str, after: str,
               escape: Callable[[str], str] = lambda s: s) -> str:
    """Wrap every occurrence of the matched terms in before/after (kept for callers that want all of them)."""
    return mark_spans(text, find_term_spans(text, terms), before, after, escape)


@dataclass(frozen=True)
class TerminalStyle:
    """ANSI styling for a terminal; all empty for a pipe or a file, where marks would be debris."""

    title: str = ""
    dim: str = ""
    mark: str = ""
    reset: str = ""
    hyperlinks: bool = False  # OSC 8: the short link text opens the full URL in terminals that know it

    @classmethod
    def for_stream(cls, is_tty: bool, environ: dict[str, str] | None = None) -> TerminalStyle:
        """Colour for a terminal unless NO_COLOR is set (no-color.org) or TERM is dumb."""
        env = os.environ if environ is None else environ
        if not is_tty or env.get("NO_COLOR") or env.get("TERM") == "dumb":
            return cls()
        return cls("\033[1m", "\033[2m", "\033[1;33m", "\033[0m", hyperlinks=True)


def _terminal_link(url: str | None, style: TerminalStyle, verbose: bool) -> str:
    if not is_web_url(url):
        return NO_LINK_TEXT
    if verbose:
        return url
    text = short_url(url)
    return f"\033]8;;{url}\033\\{text}\033]8;;\033\\" if style.hyperlinks else text


def render_terminal(result: SearchResult, style: TerminalStyle | bool = False, verbose: bool = False) -> str:
    """The answer for a person reading a terminal (or a pipe: then no escape codes and no marks).

    verbose adds each paragraph's score and shows full source URLs.
    """
    if isinstance(style, bool):
        style = TerminalStyle.for_stream(style)
    if not result.answered:
        return NO_ANSWER_TEXT
    blocks = []
    for number, article in enumerate(group_by_article(result.hits), 1):
        first = article.first
        meta = " · ".join(part for part in (first.date, _terminal_link(first.url, style, verbose)) if part)
        lines = [f"{style.title}{number}. {first.title}{style.reset}", f"   {style.dim}{meta}{style.reset}"]
        for hit in article.hits:
            spans = key_spans(result.query, hit.text, hit.matched_terms) if style.mark else []
            body = mark_spans(hit.text, spans, style.mark, style.reset)
            score = f"\n   {style.dim}score {hit.score:.3f}{style.reset}" if verbose else ""
            lines.append(f"\n{body}{score}")
        blocks.append("\n".join(lines))
    return "\n\n\n".join(blocks)
