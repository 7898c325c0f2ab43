"""Titles and source links exactly as a page states them.

A title is shown as the page gives it, with what the page's markup added taken off: HTML
entities decoded (`&#8230;&#8230;` → `……`, `&amp;` → `&`) and wrapping quotes a front matter kept
as text (`\\"…\\"`). A source link is the URL itself, never the markdown around it: a link
written `~~[title](url)~~` gives `url`, not `url)~~`.

The page's own source line comes first. Archive posts (Jekyll mirrors of deleted WeChat, Douban and
news pages) open with a short provenance block closed by a rule (`---`): "原文来自「公号」：
~~[title](url)~~", "作者：…". The strike-through there marks the original as deleted; the link
is still what the page names as its source (107 of the 149 such pages in the large corpus state
theirs that way). Links further down are the article's references, not its source.
"""

from __future__ import annotations

import html
import re

# Brackets may belong to a URL (minghui paths end in "（图）-123.html"); unbalanced closers are trimmed.
URL = re.compile(r"https?://[^\s<>\"'\]】]+")
_URL_TRAILING_PUNCT = "。，、；：！？,.;:!?'\"~*"
# [text](url) — the url may sit on the next line ("[title](\nhttps://…)"); <url>; href="url"
_LINK_TARGET = re.compile(r"\]\(\s{0,4}(https?://[^\s)]{1,2000})|<(https?://[^\s<>]{1,2000})>|"
                          r"href=[\"'](https?://[^\"'\s]{1,2000})[\"']")
_IMAGE_LINK = re.compile(r"!\[[^\[\]]{0,500}\]\(\s{0,4}https?://[^\s)]{0,2000}\)")
# Words that introduce a page's source: 原文来自, 来自微信, 出自, 转自, 源自, 原文链接, 原文地址
SOURCE_LABEL = re.compile(r"原文|来自|來自|出自|转自|轉自|转载自|轉載自|源自|链接|鏈接|来源|來源")
MIRROR_HOSTS = re.compile(r"github\.com|githubusercontent|gitlab\.com|web\.archive\.org/web/\d+/?$|"
                          r"quickchart\.io|gfw-breaker", re.I)
_RULE = re.compile(r"^\s*([-*_])(\s*\1){2,}\s*$")
_HEADER_MAX_LINES = 12  # a provenance block is a few lines: source, author, a note
_HEADER_MAX_CHARS = 3000
_WRAPPING_QUOTES = (('\\"', '\\"'), ('"', '"'), ("'", "'"))


def clean_title(raw: str) -> str:
    """The headline as the page states it: entities decoded, one line, wrapping quotes removed."""
    title = " ".join(html.unescape(raw).split("\n")).strip()
    for opening, closing in _WRAPPING_QUOTES:
        inner = title[len(opening):-len(closing)] if len(title) > len(opening) + len(closing) else ""
        if title.startswith(opening) and title.endswith(closing) and opening not in inner.replace("\\", ""):
            return inner.strip()
    return title


def trim_url(url: str) -> str:
    """A URL found in running text, without the sentence punctuation or unbalanced bracket after it."""
    while url:
        last = url[-1]
        if last in _URL_TRAILING_PUNCT or (last in ")）" and url.count("(" if last == ")" else "（") < url.count(last)):
            url = url[:-1]
        else:
            break
    return url


def first_link_url(text: str) -> str | None:
    """The first URL a stretch of page text links to: a markdown or HTML link's target, an autolink
    or a bare URL, whichever comes first; images are not links to a source."""
    text = _IMAGE_LINK.sub(" ", text)
    target = _LINK_TARGET.search(text)
    bare = URL.search(text)
    if target is not None and (bare is None or target.start() <= bare.start() + 1):
        return trim_url(next(group for group in target.groups() if group))
    return trim_url(bare.group(0)) if bare is not None else None


def header_block(body: str) -> str | None:
    """The short block a post opens with, above its first rule: where archives state provenance."""
    lines: list[str] = []
    filled = 0
    size = 0
    for raw in body.split("\n", _HEADER_MAX_LINES * 8)[:_HEADER_MAX_LINES * 8]:
        if _RULE.match(raw):
            return "\n".join(lines) if lines else None
        if raw.strip().strip(">").strip():
            filled += 1
            size += len(raw)
            if filled > _HEADER_MAX_LINES or size > _HEADER_MAX_CHARS:
                return None
        lines.append(raw)
    return None


def _first_line(body: str) -> str:
    return next((line for line in body.splitlines() if line.strip().strip(">").strip()), "")


def header_source_url(body: str) -> str | None:
    """The link a post's provenance block names as its source: the first link after a source label,
    else the block's first link. A post with no such block may still open with its source line
    ("出自微信号「深约一丈」 ~~[title](url)~~"): a first line with a source label and a link.
    None when neither is there."""
    block = header_block(body)
    first_line = block is None
    block = block if block is not None else _first_line(body)
    # The first label only: a link after any later label is after the first one too (and one
    # search keeps a line of 20,000 labels linear).
    label = SOURCE_LABEL.search(block)
    found = first_link_url(block[label.end():]) if label is not None else None
    if found:
        return found
    if first_line:
        return None
    # Unlabelled, a link to the mirror itself (a "[返回首頁](https://github.com/…)" nav bar over
    # a rule) is not a source; labelled ("原文来自：[…](https://github.com/…/README.md)") it is.
    found = first_link_url(block)
    return None if found is None or MIRROR_HOSTS.search(found) else found
