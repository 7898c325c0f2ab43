"""A page body (markdown, HTML or a mix) as lines in reading order: junk elements dropped (nav,
share bars, captions), link text marked so a line's link density can be measured, markdown
markup taken off. Every walk is iterative and every repeat bounded, so a hostile page costs linear time."""

from __future__ import annotations

import re
from collections.abc import Callable

from bs4 import BeautifulSoup, NavigableString, Tag

LINK_START, LINK_END = "\x01", "\x02"  # mark link text inside extracted lines, to measure link density


# <summary> is the label of a <details> toggle ("View/Hide Original English"), not text.
_JUNK_TAGS = ("script", "style", "noscript", "img", "picture", "figure", "figcaption", "iframe", "svg",
              "form", "button", "input", "select", "nav", "header", "footer", "aside", "h6", "video",
              "audio", "object", "embed", "head", "title", "meta", "link", "summary")


# A post's byline, categories, dates and reading time ("entry-meta" in WordPress themes) are no
# paragraph: read as one, "McCaffrey Opinion , 中国故事 2018年2月25日 2019年6月25日 0 Minutes" met the
# dates of questions about other articles and outranked their answers (26 such passages in large).
_JUNK_CLASS = re.compile(r"caption|share|social|related|breadcrumb|advert|promo|comment|entry-meta|post-meta",
                         re.I)


_BLOCK_TAGS = frozenset("p div li ul ol h1 h2 h3 h4 h5 h6 tr td th table blockquote section article "
                        "dd dt dl pre hr details summary center".split())


# Text inside these is running prose of one paragraph: its line breaks are the page author's wrapping.
_PROSE_TAGS = frozenset("p li h1 h2 h3 h4 h5 td th dd dt blockquote summary".split())


# Markdown inside these is a transcript behind a toggle ("Original English"), wrapped every few
# words: a single line break is wrapping and only a blank line ends a paragraph. Read line by line,
# the large corpus's 764 such blocks gave ~4,200 passages of a few words ("the sole government in
# charge of") that outranked whole answers for English questions on word overlap alone.
_WRAPPED_TAGS = frozenset(("details",))
_SOFT_BREAK = re.compile(r"[ \t]*(?<!\n)\n(?![ \t]*\n)[ \t]*")


# Repeats are bounded ({0,N}) wherever a pattern may start at many places on one line, so a
# hostile line (50 000 "![" in a row) costs linear, not quadratic, time.
MD_IMAGE = re.compile(r"!\[[^\[\]]{0,500}\]\([^)]{0,2000}\)")


# Link text may hold one level of brackets: "[[國際] 美媒：…](https://…)" (RTI headlines).
LINK_TEXT = r"((?:[^\[\]]|\[[^\[\]]{0,300}\]){0,1000})"


_MD_LINK = re.compile(rf"\[{LINK_TEXT}\]\(([^)\s]{{0,2000}})(?:\s+\"[^\"]{{0,500}}\")?\)")


# "](url)" or "url)" closing a link whose text began on the line above
_MD_LINK_TAIL = re.compile(r"^\s*(?:\]\(|(?=https?://))[^)\s]{0,2000}\)")


_MD_LINK_HEAD = re.compile(r"\[([^\[\]]{0,300})\]\(\s*$")  # "[text](" whose url is on the next line


_SHORTCODE = re.compile(r"\{\{[<%].{0,1000}?[%>]\}\}")  # Hugo {{< video … >}}


_BR_MARK = "\x03"  # a <br>: a real line break, even inside a paragraph


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")


MD_RULE = re.compile(r"^\s*([-=*_~`]\s*){3,}$")


_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")


MD_EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?!\s)|`)")


STRUCK = re.compile(r"~~[^~\n]{1,1000}~~|<(s|del|strike)\b[^<>]{0,300}>.{0,3000}?</\1\s*>", re.S | re.I)


_WIKI_LINK = re.compile(r"\[\[(?:[a-z]{2,3}:)?([^\[\]|]{1,200})(?:\|([^\[\]]{0,200}))?\]\]")


CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"


_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{CJK}])\s+(?=[{CJK}])")


_SPACE_BEFORE_CJK_PUNCT = re.compile(r"\s+(?=[，。、；：！？）》」』”])")


_SPACES = re.compile(r"\s+")  # collapsed first, so the CJK spacing patterns never meet long runs


def clean_inline(text: str) -> str:
    text = _SPACES.sub(" ", text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    text = _SPACE_BEFORE_CJK_PUNCT.sub("", text)
    return text.strip()


def strip_html_comments(text: str) -> str:
    """Remove <!-- … --> (an unclosed one runs to the end), in linear time whatever the input."""
    pieces = []
    position = 0
    while True:
        start = text.find("<!--", position)
        if start < 0:
            pieces.append(text[position:])
            return "".join(pieces)
        pieces.append(text[position:start])
        end = text.find("-->", start + 4)
        if end < 0:
            return "".join(pieces)
        position = end + 3


# <https://…>: a markdown autolink, which an HTML parser would take for an unclosed tag swallowing
# the rest of the page (one Terminus post read as a single 8,000-character paragraph).
_AUTOLINK = re.compile(r"<(https?://[^\s<>]{1,2000})>")


def parse_html(body: str) -> BeautifulSoup:
    # class="a b" kept as one string: bs4 splitting every class attribute into a list cost 4% of reading
    return BeautifulSoup(_AUTOLINK.sub(r"[\1](\1)", strip_html_comments(body)), "lxml", multi_valued_attributes=None)


def _outermost(root: Tag, wanted: Callable[[Tag], bool]) -> list[Tag]:
    """Tags for which `wanted` holds, not descending into them; iterative, so deep nesting is fine.

    (bs4's recursive helpers, and even `tag.decomposed`, cost time proportional to a subtree on
    every call: on a page nested thousands of levels deep that turns quadratic.)
    """
    found: list[Tag] = []
    stack = [child for child in reversed(root.contents) if isinstance(child, Tag)]
    while stack:
        tag = stack.pop()
        if wanted(tag):
            found.append(tag)
            continue
        stack.extend(child for child in reversed(tag.contents) if isinstance(child, Tag))
    return found


def _classes(tag: Tag) -> str:
    value = tag.get("class")
    return value if isinstance(value, str) else " ".join(value or [])


def _is_junk(tag: Tag) -> bool:
    if tag.name in _JUNK_TAGS:
        return True
    if tag.name in ("body", "html"):
        return False
    classes = _classes(tag) + " " + str(tag.get("id") or "")
    return bool(classes.strip()) and bool(_JUNK_CLASS.search(classes))


CAPTION_CREDIT = re.compile(r"[（(][^（()）]{0,80}[)）]\s*$")


_CAPTION_MIN_CJK = 15  # shorter captions are labels ("图为稀土矿场，示意图。"), not statements


def _is_caption_container(tag: Tag) -> bool:
    classes = _classes(tag)
    return tag.name in ("figcaption", "h6") or "caption" in classes.lower()


def informative_captions(soup: BeautifulSoup) -> list[str]:
    """Texts of the page's image captions that are statements of fact (read before junk is dropped)."""
    found: list[str] = []
    for tag in _outermost(soup, _is_caption_container):
        text = clean_inline(tag.get_text(" "))
        statement = CAPTION_CREDIT.sub("", text).strip()
        if len(re.findall(r"[\u3400-\u9fff]", statement)) >= _CAPTION_MIN_CJK and text not in found:
            found.append(text)
    return found


_BODY_SHARE = 0.5  # a container holding this share of the page's text is its body, whatever its class


_BODY_CHECKS = 32  # class-matched containers measured per page: bounds the cost on hostile nesting


def _drop_junk(soup: BeautifulSoup) -> None:
    """Drop navigation, share bars, captions and the like.

    A class name only hints at junk: WordPress puts the post's tags in its `<article>` class
    ("tag-social-movement"), Drupal marks a featured node "node-promoted". A container that holds
    most of the page's text is the article, so it is kept and looked into instead (57 WordPress /
    Medium-style posts in the large corpus read as empty before this).
    """
    _drop_html_captions(soup)
    page_chars = len(soup.get_text())
    checks = [0]

    def junk(tag: Tag) -> bool:
        if not _is_junk(tag):
            return False
        if tag.name in _JUNK_TAGS or checks[0] >= _BODY_CHECKS:
            return True
        checks[0] += 1
        return len(tag.get_text()) < _BODY_SHARE * page_chars

    for tag in _outermost(soup, junk):
        tag.decompose()


_CAPTION_TAGS = frozenset(("small", "em", "i", "figcaption"))


_CAPTION_MAX_CHARS = 300


def _drop_html_captions(soup: BeautifulSoup) -> None:
    """Drop the element right after an image when all its text is small print or italics: a caption."""
    captions = []
    for image in soup.find_all("img"):
        for sibling in image.next_siblings:
            if isinstance(sibling, NavigableString):
                if sibling.strip():
                    break
                continue
            if isinstance(sibling, Tag) and _is_caption_element(sibling):
                captions.append(sibling)
            break
    for caption in captions:
        if caption.parent is not None:  # not already gone with an enclosing caption
            caption.extract()


def _is_caption_element(tag: Tag) -> bool:
    text = tag.get_text(strip=True)
    if not text or len(text) > _CAPTION_MAX_CHARS:
        return False
    if tag.name in _CAPTION_TAGS:
        return True
    styled = "".join(inner.get_text(strip=True) for inner in _outermost(tag, lambda t: t.name in _CAPTION_TAGS))
    return styled == text


def _mark_links(soup: BeautifulSoup) -> None:
    """Wrap link text in sentinels so line-level link density can be measured after get_text()."""
    for anchor in _outermost(soup, lambda tag: tag.name == "a"):
        text = anchor.get_text()
        anchor.replace_with(NavigableString(f"{LINK_START}{text}{LINK_END}" if text.strip() else ""))


def html_body_lines(body: str | BeautifulSoup) -> list[str]:
    """Lines of a page body that mixes markdown and HTML, in reading order, links marked.

    Inside HTML paragraphs line breaks are only wrapping, so they are joined; outside them (the
    markdown parts) each line stands for itself. A <br> is a line break everywhere.
    """
    soup = parse_html(body) if isinstance(body, str) else body
    _drop_junk(soup)
    _mark_links(soup)
    for br in soup.find_all("br"):
        br.replace_with(NavigableString(_BR_MARK))
    pieces: list[str] = []
    # Iterative walk: (node, its line breaks are only wrapping, only blank lines break it, leaving a block tag)
    stack: list[tuple[object, bool, bool, bool]] = [(soup, False, False, False)]
    while stack:
        node, flowing, wrapped, leaving = stack.pop()
        if leaving:
            pieces.append("\n")
        elif isinstance(node, Tag):
            block = node.name in _BLOCK_TAGS
            if block:
                pieces.append("\n")
                stack.append((node, flowing, wrapped, True))
            # Inside a paragraph, or inside an inline element (<span>, <b>, minghui's glossary <ok>).
            inline = not block and node.name not in _ROOT_TAGS
            children_flow = flowing or node.name in _PROSE_TAGS or inline
            children_wrapped = wrapped or node.name in _WRAPPED_TAGS
            stack.extend((child, children_flow, children_wrapped, False) for child in reversed(node.contents))
        elif type(node) is NavigableString:  # not comments, doctypes, CDATA
            if flowing:
                pieces.append(node.replace("\n", " "))
            else:
                text = _join_at_inline_neighbours(node)
                pieces.append(_SOFT_BREAK.sub(" ", text) if wrapped else text)
    return "".join(pieces).replace(_BR_MARK, "\n").split("\n")


_ROOT_TAGS = frozenset(("[document]", "html", "body"))


_LEADING_BREAK = re.compile(r"^\s*\n\s*")


_TRAILING_BREAK = re.compile(r"\s*\n\s*$")


def _is_inline_tag(node: object) -> bool:
    return isinstance(node, Tag) and node.name not in _BLOCK_TAGS and node.name not in _ROOT_TAGS


def _join_at_inline_neighbours(node: NavigableString) -> str:
    """Text between inline elements of pretty-printed HTML: the line breaks around them are layout.

    ("…（\n <ok href=…>\n  明慧网\n </ok>\n 通讯员…" is one sentence.) Markdown lines keep their breaks.
    """
    text = str(node)
    if _is_inline_tag(node.previous_sibling):
        text = _LEADING_BREAK.sub(" ", text)
    if _is_inline_tag(node.next_sibling):
        text = _TRAILING_BREAK.sub(" ", text)
    return text


def markdown_to_marked(line: str) -> str:
    line = MD_IMAGE.sub("", line)
    line = _SHORTCODE.sub("", _MD_LINK_TAIL.sub("", line))
    line = _MD_LINK_HEAD.sub(lambda m: f"{LINK_START}{m.group(1)}{LINK_END}", line)
    line = _WIKI_LINK.sub(lambda m: m.group(2) or m.group(1), line)  # [[zh:中共]] wiki links: keep the word
    line = line.replace("~~", "")
    line = _MD_LINK.sub(lambda m: f"{LINK_START}{m.group(1)}{LINK_END}" if m.group(1).strip() else "", line)
    line = _MD_HEADING.sub("", line)
    line = _MD_LIST.sub("", line)
    return MD_EMPHASIS.sub("", line)


_NOT_COUNTED = re.compile(r"[\s|｜·•/\-]+")  # separators in a nav bar are no text of their own


def link_density(marked: str) -> float:
    """Share of a line's text that is link text (between the sentinels; an unclosed link runs on)."""
    text = _NOT_COUNTED.sub("", marked)
    if LINK_START not in text:
        total = len(text) - text.count(LINK_END)
        return 0.0 if total else 1.0
    inside = 0
    total = 0
    for index, piece in enumerate(text.split(LINK_START)):
        before, _, after = piece.partition(LINK_END)
        if index == 0:  # text before the first link (a stray closer is no text)
            total += len(piece) - piece.count(LINK_END)
            continue
        after = after.replace(LINK_END, "")
        inside += len(before)
        total += len(before) + len(after)
    return inside / total if total else 1.0
