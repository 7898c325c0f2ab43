"""A page's headline and the outlet's own URL: front matter, a [headline](url) header, the
provenance block archives open with, a labelled source line."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from retrieval.ingest.dates import EPOCH_COMMENT
from retrieval.ingest.html_lines import (
    LINK_END,
    LINK_START,
    LINK_TEXT,
    STRUCK,
    link_density,
    markdown_to_marked,
    parse_html,
)
from retrieval.ingest.metadata import MIRROR_HOSTS, URL, first_link_url, header_source_url
from retrieval.ingest.page_text import FRONT_MATTER_URL_KEYS, front_matter_value

_SOURCE_LABEL = re.compile(r"(原文地址|原文链接|原文鏈接|浏览原文|瀏覽原文|阅读原文|閱讀原文|转载自|轉載自|原文)")


def first_heading(body: str, soup: BeautifulSoup | None = None) -> str | None:
    """The page's headline: an HTML h1 / centred h2, or the first markdown heading that is not a link."""
    soup = soup if soup is not None else parse_html(body)
    for finder in (lambda: soup.find("h1"), lambda: soup.find("h2", attrs={"align": "center"})):
        tag = finder()
        if tag is not None and tag.get_text(strip=True):
            return tag.get_text().strip()
    for raw in body.splitlines():
        if re.match(r"^\s{0,3}#{1,6}\s+\S", raw):
            marked = markdown_to_marked(raw)
            if link_density(marked) > 0.5:
                continue
            text = marked.replace(LINK_START, "").replace(LINK_END, "").strip()
            if text:
                return text
    return None


def link_header(body: str) -> tuple[str, str] | None:
    """A page that opens with `[headline](source url)` (RSS-to-markdown mirrors): its first line
    with any text (a feed's `<!--epoch-->` stamp may stand above it). A `[label](url)` line lower
    down, under a headline, is a body link ("[图片来源](…)"), not the page's source."""
    for raw in body.splitlines()[:8]:
        if not raw.strip() or EPOCH_COMMENT.match(raw):
            continue
        match = re.match(rf"^\s*\[{LINK_TEXT}\]\((https?://[^)\s]+)\)\s*$", raw)
        return (match.group(1).strip(), match.group(2)) if match else None
    return None


def _labelled_source_url(body: str) -> str | None:
    """ "原文地址（需翻墙访问）：https://…", "[轉載自GNews](https://…)", "原文鏈接：<a href=…>" lines.

    Struck-through links (~~…~~) are left alone: archives strike a link out once it is dead or
    deleted, and a dead link is no source to send a reader to.
    """
    live = STRUCK.sub(" ", body)
    for match in _SOURCE_LABEL.finditer(live):
        window = live[match.end(): match.end() + 400]
        window = "\n".join(window.split("\n")[:2])  # the label's own line, or the line under it
        found = first_link_url(window)
        if found and not MIRROR_HOSTS.search(found):
            return found
    return None


def find_source_url(front_matter: dict, body: str) -> str | None:
    """The outlet's own article URL; never a mirror's navigation or share link.

    In order: the front matter (`original_url` before `url`: archives put their own wrapper, e.g. a
    web.archive.org address, in `url`), a `[headline](url)` header, the provenance block an archive
    post opens with (retrieval.ingest.metadata.header_source_url), then a labelled source line.
    """
    value = front_matter_value(front_matter, FRONT_MATTER_URL_KEYS)
    if value and URL.match(value):
        return value
    header = link_header(body)
    if header:
        return header[1]
    return header_source_url(body) or _labelled_source_url(body) or None
