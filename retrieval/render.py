"""Hits → text for people: terminal output, and the term-marking both the CLI and the bot use."""

from __future__ import annotations

from collections.abc import Callable

from retrieval.records import SearchResult
from retrieval.text import find_term_spans

NO_ANSWER_TEXT = "No passage in the corpus answers this question. Try rephrasing it, or ask about another topic."


def mark_terms(text: str, terms: tuple[str, ...] | list[str], before: str, after: str,
               escape: Callable[[str], str] = lambda s: s) -> str:
    """Wrap each occurrence of the matched terms in before/after; every other piece goes through escape."""
    out: list[str] = []
    cursor = 0
    for start, end in find_term_spans(text, terms):
        out.append(escape(text[cursor:start]))
        out.append(before + escape(text[start:end]) + after)
        cursor = end
    out.append(escape(text[cursor:]))
    return "".join(out)


def render_terminal(result: SearchResult, color: bool) -> str:
    bold, dim, mark, reset = ("\033[1m", "\033[2m", "\033[1;33m", "\033[0m") if color else ("", "", "", "")
    before, after = (mark, reset) if color else ("[", "]")
    if not result.answered:
        return NO_ANSWER_TEXT
    blocks = []
    for rank, hit in enumerate(result.hits, 1):
        header = f"{bold}{rank}. {hit.title}{reset}"
        meta = " · ".join(part for part in (hit.date, hit.url or "(no source link)") if part)
        body = mark_terms(hit.text, hit.matched_terms, before, after)
        blocks.append(f"{header}\n{dim}{meta}   score {hit.score:.3f}{reset}\n{body}")
    return "\n\n".join(blocks)
