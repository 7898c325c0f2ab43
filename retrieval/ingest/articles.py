"""Read article page files (HTML, markdown, or a mix, as saved from news sites and their mirrors).

One page file in, one `Article` out: title, date, the outlet's own URL, and the body paragraphs with
navigation, promo banners, link lists, share lines and image markup stripped. The page format is
sniffed from the content, never trusted from the file extension. Formats met in real archives:
Jekyll/Hugo posts (YAML front matter, markdown or HTML body), RSS-to-markdown pages opening with
`[headline](url)`, GNews-style mirrors (`## headline`, a byline with `[轉載自GNews](url)`), minghui /
gfw-breaker mirrors (nav links, an HTML body, a `原文地址：` line), epochtimes table mirrors.

Metadata, in order of trust. Source URL: front matter (`original_url` before `url`, which archives
fill with their own wrapper), a `[headline](url)` header, a labelled source line; a struck-through
(~~dead~~) link is never the source. Date: front matter, a byline under the headline, a dateline
opening the text, the feed's `<!--epoch ms-->` stamp; always ISO 8601 (YYYY-MM-DD).

Image captions that are statements are kept, as paragraphs after the body: on these outlets they
often state facts found nowhere else in the article ("据统计，全球稀土总储量约为1.26亿吨，中国的稀土
储量占全球总储量的44%。"). They go last so that a date in a caption is never taken for the article's
dateline. Captions that are only a credit or a label ("图为稀土矿场，示意图。(Rodger Bosch/AFP)"), or
that repeat a body sentence, are dropped, as are staff credits, subscription and paywall appeals,
disclaimers, copyright lines and timestamp-only lines.

A file that cannot be read never raises out of `read_article_file`: it returns a `ReadOutcome`
with the reason, so one broken page never sinks a rebuild. Parsing is linear in the page size
(iterative tree walks, bounded regex repeats), so a hostile page cannot hang a rebuild.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.ingest.content import content_lines, is_timestamp_line
from retrieval.ingest.dates import find_date, normalize_date
from retrieval.ingest.html_lines import (
    CAPTION_CREDIT,
    clean_inline,
    informative_captions,
    parse_html,
    strip_html_comments,
)
from retrieval.ingest.metadata import clean_title, trim_url
from retrieval.ingest.page_text import ArticleReadError, decode_page, front_matter_value, split_front_matter
from retrieval.ingest.source_link import find_source_url, first_heading, link_header
from retrieval.records import Article

# The reader's public surface, re-exported from the modules that hold it.
__all__ = ["MAX_ARTICLE_BYTES", "ArticleReadError", "ReadOutcome", "article_id_for", "decode_page", "normalize_date",
           "parse_page", "read_article_file", "sniff_format", "strip_html_comments", "trim_url"]

MAX_ARTICLE_BYTES = 5 * 1024 * 1024  # a news article page is tens of KB; anything this big is not one


@dataclass(frozen=True)
class ReadOutcome:
    """What reading one file gave: an article, or the reason there is none (and any warnings)."""

    path: str
    article: Article | None
    skipped_reason: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


def sniff_format(front_matter: dict, body: str) -> str:
    if front_matter:
        return "front-matter"
    if link_header(body):
        return "link-header"
    if re.search(r"<table[^>]*>.*<h2 align=center>", body[:20000], re.S | re.I):
        return "html-table-mirror"
    if re.search(r"\[(?:转载自|轉載自)[^\]\n]{0,40}\]\(https?://", body[:3000]):
        return "repost-mirror"  # GNews-style: "## headline", then a byline with [轉載自GNews](url)
    if re.match(r"\s*#{1,6}\s", body):
        return "markdown-mirror"
    if re.search(r"<(p|div|html|body)\b", body[:5000], re.I):
        return "html"
    return "markdown"


def parse_page(text: str, source_path: str) -> Article:
    """Page text → Article. Raises ArticleReadError when the page holds no article text."""
    parts = split_front_matter(text)
    front_matter, body = parts.front_matter, parts.body
    page_format = sniff_format(front_matter, body)
    header = link_header(body)
    soup = parse_html(body)
    title = (front_matter_value(front_matter, ("title",))
             or (header[0] if header else None)
             or first_heading(body, soup))
    url = find_source_url(front_matter, body)
    captions = informative_captions(soup)
    lines = content_lines(soup)  # changes the soup: parsed once, the headline looked up first
    headline_only = False
    if title:
        title = clean_title(title)  # shown as the page gives it, spacing included
        without_title = [line for line in lines if line != clean_inline(title)]
        headline_only = bool(lines) and not without_title
        lines = without_title
    date = find_date(front_matter, lines, body, title)
    lines = [line for line in lines if not is_timestamp_line(line)]
    if lines:
        body_text = "".join(lines)
        lines += [caption for caption in captions
                  if CAPTION_CREDIT.sub("", caption).strip() not in body_text]
    if not lines and headline_only and title:
        # A stub whose body is just its headline (the feed kept no text): the headline is still
        # what the page says, and indexing it keeps the article findable with its link.
        lines = [clean_inline(title)]
    if not lines:
        raise ArticleReadError("no article text found (only navigation, links, dates or markup)")
    return Article(
        id=article_id_for(source_path),
        title=title or Path(source_path).stem,
        date=date,
        url=url,
        paragraphs=tuple(lines),
        source_path=source_path,
        page_format=page_format,
    )


def article_id_for(source_path: str) -> str:
    """Stable across rebuilds: the same file keeps its id when its content changes."""
    return hashlib.sha1(Path(source_path).as_posix().encode("utf-8")).hexdigest()[:12]


def read_article_file(path: Path, source_path: str | None = None,
                      max_bytes: int = MAX_ARTICLE_BYTES) -> ReadOutcome:
    """Read one page file. Never raises for a bad file: the outcome carries the reason instead."""
    shown = source_path or str(path)
    try:
        if path.is_dir():
            raise ArticleReadError("is a directory")
        if path.exists() and not path.is_file():
            raise ArticleReadError("not a regular file (a pipe or device would block the read)")
        size = path.stat().st_size
        if size > max_bytes:
            raise ArticleReadError(f"file is {size / 1e6:.1f} MB, over the {max_bytes / 1e6:.0f} MB "
                                   "limit for one article page")
        text, warnings = decode_page(path.read_bytes(), shown)
        article = parse_page(text, shown)
        return ReadOutcome(shown, article, None, tuple(warnings))
    except ArticleReadError as error:
        return ReadOutcome(shown, None, str(error))
    except OSError as error:
        return ReadOutcome(shown, None, f"cannot read file: {error.strerror or error}")
    except RecursionError:
        return ReadOutcome(shown, None, "markup nested too deeply to parse")
    except (ValueError, LookupError, TypeError, AttributeError) as error:
        # A parser bug on some odd page must cost that page, not the rebuild; the reason says so.
        return ReadOutcome(shown, None, f"could not parse page ({type(error).__name__}: {error})")
