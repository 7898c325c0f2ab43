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
from retrieval.render import ArticleHits, group_by_article, is_web_url, key_spans, mark_spans

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
    if not is_web_url(url):
        return html.escape(text(language, "no_link"))
    host = (urlsplit(url).hostname or urlsplit(url).netloc).removeprefix("www.")
    return f'<a href="{html.escape(url, quote=True)}">{html.escape(host)}</a>'


def render_article(article: ArticleHits, question: str, language: Language, passage_chars: int = PASSAGE_CHARS,
                   title_chars: int = TITLE_CHARS, with_link: bool = True) -> str:
    """One article's block: bold title, then date · source link, then its passages (each marked only
    where it states the answer or the question's most specific terms: retrieval.render.key_spans)."""
    first = article.first
    title = f"<b>{html.escape(cut_at_sentence(first.title, title_chars))}</b>"
    link = source_link(first.url, language) if with_link else ""
    meta = " · ".join(part for part in (html.escape(first.date or ""), link) if part)
    passages = []
    for hit in article.hits:
        passage = cut_at_sentence(hit.text, passage_chars)
        spans = key_spans(question, passage, hit.matched_terms)
        passages.append("▪ " + mark_spans(passage, spans, "<b>", "</b>", escape=html.escape))
    return "\n".join([title, *([meta] if meta else []), *passages])


def page_count(total_hits: int, page_size: int) -> int:
    return max(1, -(-total_hits // page_size))


def in_article_order(hits: tuple[Hit, ...] | list[Hit]) -> tuple[Hit, ...]:
    """The hits with each article's passages together (articles in the order of their best hit), so
    that a page shows each article's title, date and link once."""
    return tuple(hit for article in group_by_article(hits) for hit in article.hits)


def render_page(hits: tuple[Hit, ...] | list[Hit], page: int, page_size: int, language: Language,
                question: str = "") -> str:
    """One page of results as Telegram HTML that fits in one message (for page sizes up to 3).

    The page's hits are grouped by article (pass hits through in_article_order first so an article's
    passages share a page). Passages are cut shorter until the page fits; only pathological titles or
    URLs (thousands of characters) make it fall back to short titles without links.
    """
    first = page * page_size
    shown = hits[first: first + page_size]
    if not shown:
        raise ValueError(f"page {page} is past the last of {len(hits)} hits")
    header = text(language, "results_header", first=first + 1, last=first + len(shown), total=len(hits))
    footer = f"<i>{html.escape(header)}</i>"
    articles = group_by_article(shown)
    attempts = [(chars, TITLE_CHARS, True) for chars in _PASSAGE_STEPS]
    attempts.append((_MIN_PASSAGE_CHARS, _MIN_TITLE_CHARS, False))
    for passage_chars, title_chars, with_link in attempts:
        blocks = [render_article(article, question, language, passage_chars, title_chars, with_link)
                  for article in articles]
        message = "\n\n".join([*blocks, footer])
        if telegram_length(message) <= TELEGRAM_MAX_CHARS:
            break
    return message
