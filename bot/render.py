"""Search hits → Telegram HTML messages (pure functions: no Telegram objects, no I/O).

Every piece of article text (title, passage, date, URL) is escaped, so markup inside an article is
shown as text and never interpreted; only the tags written here are real. Messages are kept under
Telegram's 4096-character limit by cutting passages shorter (at sentence ends) until they fit.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from bot.i18n import Language, text
from retrieval.records import Hit
from retrieval.render import mark_terms

TELEGRAM_MAX_CHARS = 4096
PASSAGE_CHARS = 700  # a passage longer than this is cut at a sentence end
TITLE_CHARS = 200
_MIN_PASSAGE_CHARS = 80
_MIN_TITLE_CHARS = 80
_PASSAGE_STEPS = (PASSAGE_CHARS, 480, 320, 200, 120, _MIN_PASSAGE_CHARS)
ELLIPSIS = "…"

# A sentence ends at Chinese or Western end punctuation, plus any closing quotes/brackets after it.
_SENTENCE_END = re.compile(r"(?:[。！？；!?;]|\.(?=\s|$))[”’」』）)\"']*")


def telegram_length(message: str) -> int:
    """Length as Telegram counts it (UTF-16 code units), so emoji and rare CJK count double."""
    return len(message.encode("utf-16-le")) // 2


def cut_at_sentence(passage: str, limit: int) -> str:
    """The passage itself if short enough, else its longest sentence-aligned prefix within limit + '…'.

    Falls back to a hard cut when no sentence ends in the second half of the allowed length, so a
    one-sentence wall of text still gets shortened.
    """
    if len(passage) <= limit:
        return passage
    window = passage[: max(limit - 1, 1)]
    ends = [match.end() for match in _SENTENCE_END.finditer(window)]
    usable = [end for end in ends if end >= limit // 2]
    cut = usable[-1] if usable else len(window)
    return passage[:cut].rstrip() + ELLIPSIS


def source_link(url: str | None, language: Language) -> str:
    """An <a> to the source (labelled with its host), or a plain note when there is no web URL."""
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return html.escape(text(language, "no_link"))
    host = parts.hostname or parts.netloc
    host = host.removeprefix("www.")
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(host)}</a>'


def render_hit(hit: Hit, rank: int, language: Language, passage_chars: int = PASSAGE_CHARS,
               title_chars: int = TITLE_CHARS, with_link: bool = True) -> str:
    title = f"<b>{rank}. {html.escape(cut_at_sentence(hit.title, title_chars))}</b>"
    link = source_link(hit.url, language) if with_link else ""
    meta = " · ".join(part for part in (html.escape(hit.date or ""), link) if part)
    passage = mark_terms(cut_at_sentence(hit.text, passage_chars), hit.matched_terms, "<b>", "</b>",
                         escape=html.escape)
    return "\n".join(part for part in (title, meta, passage) if part)


def page_count(total_hits: int, page_size: int) -> int:
    return max(1, -(-total_hits // page_size))


def render_page(hits: tuple[Hit, ...] | list[Hit], page: int, page_size: int, language: Language) -> str:
    """One page of results as Telegram HTML that fits in one message (for page sizes up to 3).

    Passages are cut shorter until the page fits; only pathological titles or URLs (thousands of
    characters) make it fall back to short titles without links.
    """
    first = page * page_size
    shown = hits[first: first + page_size]
    if not shown:
        raise ValueError(f"page {page} is past the last of {len(hits)} hits")
    header = text(language, "results_header", first=first + 1, last=first + len(shown), total=len(hits))
    footer = f"<i>{html.escape(header)}</i>"
    attempts = [(chars, TITLE_CHARS, True) for chars in _PASSAGE_STEPS]
    attempts.append((_MIN_PASSAGE_CHARS, _MIN_TITLE_CHARS, False))
    for passage_chars, title_chars, with_link in attempts:
        blocks = [render_hit(hit, first + i + 1, language, passage_chars, title_chars, with_link)
                  for i, hit in enumerate(shown)]
        message = "\n\n".join([*blocks, footer])
        if telegram_length(message) <= TELEGRAM_MAX_CHARS:
            break
    return message
