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

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
import yaml
from bs4 import BeautifulSoup, NavigableString, Tag

from retrieval.ingest.metadata import MIRROR_HOSTS as _MIRROR_HOSTS
from retrieval.ingest.metadata import URL as _URL
from retrieval.ingest.metadata import clean_title, first_link_url, header_source_url
from retrieval.ingest.metadata import trim_url as trim_url  # re-exported: part of this module's API
from retrieval.records import Article
from retrieval.text.patterns import MONTHS as _MONTHS

MAX_ARTICLE_BYTES = 5 * 1024 * 1024  # a news article page is tens of KB; anything this big is not one

_LINK_START, _LINK_END = "\x01", "\x02"  # mark link text inside extracted lines, to measure link density
# <summary> is the label of a <details> toggle ("View/Hide Original English"), not text.
_JUNK_TAGS = ("script", "style", "noscript", "img", "picture", "figure", "figcaption", "iframe", "svg",
              "form", "button", "input", "select", "nav", "header", "footer", "aside", "h6", "video",
              "audio", "object", "embed", "head", "title", "meta", "link", "summary")
_JUNK_CLASS = re.compile(r"caption|share|social|related|breadcrumb|advert|promo|comment", re.I)
_BLOCK_TAGS = frozenset("p div li ul ol h1 h2 h3 h4 h5 h6 tr td th table blockquote section article "
                        "dd dt dl pre hr details summary center".split())
# Text inside these is running prose of one paragraph: its line breaks are the page author's wrapping.
_PROSE_TAGS = frozenset("p li h1 h2 h3 h4 h5 td th dd dt blockquote summary".split())

# Repeats are bounded ({0,N}) wherever a pattern may start at many places on one line, so a
# hostile line (50 000 "![" in a row) costs linear, not quadratic, time.
_MD_IMAGE = re.compile(r"!\[[^\[\]]{0,500}\]\([^)]{0,2000}\)")
# Link text may hold one level of brackets: "[[國際] 美媒：…](https://…)" (RTI headlines).
_LINK_TEXT = r"((?:[^\[\]]|\[[^\[\]]{0,300}\]){0,1000})"
_MD_LINK = re.compile(rf"\[{_LINK_TEXT}\]\(([^)\s]{{0,2000}})(?:\s+\"[^\"]{{0,500}}\")?\)")
# "](url)" or "url)" closing a link whose text began on the line above
_MD_LINK_TAIL = re.compile(r"^\s*(?:\]\(|(?=https?://))[^)\s]{0,2000}\)")
_MD_LINK_HEAD = re.compile(r"\[([^\[\]]{0,300})\]\(\s*$")  # "[text](" whose url is on the next line
_SHORTCODE = re.compile(r"\{\{[<%].{0,1000}?[%>]\}\}")  # Hugo {{< video … >}}
_BR_MARK = "\x03"  # a <br>: a real line break, even inside a paragraph
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_RULE = re.compile(r"^\s*([-=*_~`]\s*){3,}$")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?!\s)|`)")
_STRUCK = re.compile(r"~~[^~\n]{1,1000}~~|<(s|del|strike)\b[^<>]{0,300}>.{0,3000}?</\1\s*>", re.S | re.I)
_WIKI_LINK = re.compile(r"\[\[(?:[a-z]{2,3}:)?([^\[\]|]{1,200})(?:\|([^\[\]]{0,200}))?\]\]")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_BEFORE_CJK_PUNCT = re.compile(r"\s+(?=[，。、；：！？）》」』”])")
_SPACES = re.compile(r"\s+")  # collapsed first, so the CJK spacing patterns never meet long runs
_ZH_DATE = re.compile(r"(\d{4})\s{0,3}年\s{0,3}(\d{1,2})\s{0,3}月\s{0,3}(\d{1,2})\s{0,3}日")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
# 12/12/2023 5:45 AM UTC: month first, as US-run sites (GNews) print it; a first number over 12 is a day.
_US_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")
_MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))
# "Mon, 29 Jun 2020 14:25:41 GMT" (RSS), "29 June 2020", "June 29, 2020"
_EN_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s{{1,3}}({_MONTH_NAME})\.?,?\s{{1,3}}(\d{{4}})\b", re.I)
_EN_MONTH_DAY_YEAR = re.compile(rf"\b({_MONTH_NAME})\.?\s{{1,3}}(\d{{1,2}}),?\s{{1,3}}(\d{{4}})\b", re.I)
# <!--1595929475000-->: RSS-to-markdown mirrors stamp each page with its item's publication time.
_EPOCH_COMMENT = re.compile(r"^\s*<!--\s*(\d{10}|\d{13})\s*-->")
_ZH_DIGITS = "〇零一二三四五六七八九十"
_ZH_NUMERAL_DATE = re.compile(rf"([{_ZH_DIGITS}]{{4}})年([{_ZH_DIGITS}]{{1,3}})月([{_ZH_DIGITS}]{{1,3}})日")
_DATELINE_ZONE = 40  # a dateline sits at the very start of a first paragraph; dates further in are events
_HEADER_LINES = 12  # a byline with the date sits among the page's first lines, above the body text
_BYLINE_MAX_CHARS = 80
_BYLINE_LINES = 2

# Lines that mirrors and outlets wrap around every article: credits, share prompts, list headers.
_BOILERPLATE = re.compile(
    r"^(责任编辑|責任編輯|责编|責編|网编|網編|编辑推荐|編輯推薦|相关新闻|相關新聞|热门新闻|熱門新聞|相关文章|相關文章|"
    r"延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|手机上长按|手機上長按|原文地址|原文链接|原文鏈接|本文转自|本文轉自|"
    r"下载.{0,12}翻墙|下載.{0,12}翻牆|分享本文|分享到|网站代理|網站代理|点击|點擊|订阅|訂閱|版权所有|版權所有|"
    r"返回|上一篇|下一篇|更多|图片来源|圖片來源|图片|圖片|来源：|來源：|转载自|轉載自)"
)
_CREDIT_LINE = re.compile(r"(责编|責編|网编|網編|责任编辑|責任編輯)[：:]|转载自|轉載自|编辑发表|編輯發表")
# Staff credits opening or closing a post: "撰稿：…", "翻译/整理：…", "校对/审核 – …", "编辑&发布：…".
_STAFF_ROLE = (r"撰稿|撰文|作者|翻译|翻譯|整理|编译|編譯|配音|音频|音頻|视频|視頻|发布|發布|发稿|發稿|"
               r"校对|校對|审核|審核|审校|審校|编辑|編輯|上传|上傳|排版|制作|製作|选材|選材|素材|采编|採編|By|文")
_STAFF_CREDIT = re.compile(rf"^[【\[（(]?(?:(?:{_STAFF_ROLE})\s*[/&、／|｜]?\s*){{1,3}}[】\]）)]?\s*[：:–—-]")
_STAFF_CREDIT_MAX_CHARS = 40
_COPYRIGHT = re.compile(r"^(©|\(c\)|copyright\b)|版权声明|版權聲明|仅代表作者|僅代表作者|"
                        r"未经许可，不得转载|未經許可，不得轉載", re.I)
# A line that is only a date or time stamp: it dates the page, it is no passage.
_TIMESTAMP_LEFTOVER = re.compile(  # words first: "T" must not eat the T of "Tue"
    rf"\b(mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b({_MONTH_NAME})\b|\b(gmt|utc|am|pm)\b|"
    r"(?<=\d)[tz](?=\d|$)|[\d\s:/.,\-–年月日号號時时分秒]", re.I)
# Lines that are a widget's label, whole: an ad slot, a tag list header.
_LABEL_LINES = frozenset(("广告", "廣告", "advertisement", "sponsored", "tagged", "tags", "标签", "標籤"))
# Appeals and notices that outlets wrap around every article: subscribe, pay, disclaimers. Matched
# anywhere in a *short* line only, so an article that reports on, say, a paywall keeps its sentences.
_PROMO_LINE = re.compile(
    r"订户|訂戶|付费会员|付費會員|小额支持|小額支持|阅读余下全文|閱讀餘下全文|畅读全站|暢讀全站|"
    r"免责声明|免責聲明|不承担任何法律|不承擔任何法律|支持我们的工作|支持我們的工作|获取更多RSS|獲取更多RSS|"
    r"长按识别|長按識別|扫码关注|掃碼關注|关注我们|關注我們|防失联|防失聯|欢迎点击|歡迎點擊"
)
_PROMO_MAX_CHARS = 120
_SOURCE_LABEL = re.compile(r"(原文地址|原文链接|原文鏈接|浏览原文|瀏覽原文|阅读原文|閱讀原文|转载自|轉載自|原文)")
_FRONT_MATTER_URL_KEYS = ("original_url", "from", "source_url", "source", "canonical_url", "canonical",
                          "link", "url")
_FRONT_MATTER_DATE_KEYS = ("date", "published", "pubdate", "publish_date", "created")


_MAX_YAML_CHARS = 64 * 1024  # real front matter is a few hundred bytes; PyYAML is slow on megabytes
# libyaml's safe loader where PyYAML was built with it: the same data for all 2,007 front matters of
# heldout + large, 0.56 s against 4.74 s for the pure-Python one (15% of reading time).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ArticleReadError(Exception):
    """A page file that cannot be made into an article; the message says why."""


@dataclass(frozen=True)
class ReadOutcome:
    """What reading one file gave: an article, or the reason there is none (and any warnings)."""

    path: str
    article: Article | None
    skipped_reason: str | None = None
    warnings: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------------
# bytes → text


def decode_page(data: bytes, path: str = "<bytes>") -> tuple[str, list[str]]:
    """Decode a page's bytes. UTF-8 (with or without BOM) first; otherwise charset detection.

    Returns the text and warnings. Raises ArticleReadError for empty, binary or undecodable input.
    """
    warnings: list[str] = []
    if not data.strip():
        raise ArticleReadError("empty file")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ArticleReadError("binary file (NUL bytes), not a text page")
    try:
        return data.decode("utf-8-sig"), warnings
    except UnicodeDecodeError as error:
        utf8_error = error
    best = charset_normalizer.from_bytes(data).best()
    if best is not None and best.encoding not in ("utf_8", "utf_8_sig"):
        text = str(best)
        if _looks_like_text(text):
            warnings.append(f"{path}: decoded as {best.encoding} (not UTF-8)")
            return text, warnings
    # Mostly UTF-8 with a few broken bytes (a truncated download, a bad copy): keep what is readable.
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= max(8, len(text) // 200) and _looks_like_text(text):
        warnings.append(f"{path}: {bad} invalid UTF-8 byte sequence(s) replaced "
                        f"(first at byte {utf8_error.start})")
        return text, warnings
    raise ArticleReadError(f"undecodable text: not UTF-8 ({utf8_error.reason} at byte {utf8_error.start}) "
                           "and no other encoding detected")


def _looks_like_text(text: str) -> bool:
    if not text:
        return False
    sample = text[:20000]
    printable = sum(1 for ch in sample if ch.isprintable() or ch in "\n\r\t")
    return printable / len(sample) > 0.95


# ---------------------------------------------------------------------------------------------
# text → page parts


@dataclass
class _PageParts:
    front_matter: dict
    body: str


def split_front_matter(text: str) -> _PageParts:
    """YAML front matter (Jekyll, Hugo, …) if the page starts with one; else an empty dict."""
    stripped = text.lstrip("\ufeff\n\r ")
    if not stripped.startswith("---"):
        return _PageParts({}, text)
    match = re.match(r"---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)", stripped, re.S)
    if not match:
        return _PageParts({}, text)
    try:
        if len(match.group(1)) > _MAX_YAML_CHARS:
            raise yaml.YAMLError("front matter too long to be metadata")
        data = yaml.load(match.group(1), Loader=_YAML_LOADER)
    except yaml.YAMLError:
        data = _loose_front_matter(match.group(1))
    if not isinstance(data, dict):
        data = {}
    return _PageParts(data, stripped[match.end():])


def _loose_front_matter(block: str) -> dict:
    """`key: value` lines of front matter that is not valid YAML (unquoted colons in titles, say)."""
    data = {}
    for line in block.splitlines():
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*)$", line)
        if match:
            data[match.group(1).lower()] = match.group(2).strip().strip("\"'")
    return data


def _front_matter_value(front_matter: dict, keys: tuple[str, ...]) -> str | None:
    lowered = {str(key).lower(): value for key, value in front_matter.items()}
    for key in keys:
        value = lowered.get(key)
        if isinstance(value, (str, dt.date, dt.datetime)) and str(value).strip():
            return str(value).strip()
    return None


# ---------------------------------------------------------------------------------------------
# HTML / markdown body → lines


def _clean_inline(text: str) -> str:
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


_CAPTION_CREDIT = re.compile(r"[（(][^（()）]{0,80}[)）]\s*$")
_CAPTION_MIN_CJK = 15  # shorter captions are labels ("图为稀土矿场，示意图。"), not statements


def _is_caption_container(tag: Tag) -> bool:
    classes = _classes(tag)
    return tag.name in ("figcaption", "h6") or "caption" in classes.lower()


def informative_captions(soup: BeautifulSoup) -> list[str]:
    """Texts of the page's image captions that are statements of fact (read before junk is dropped)."""
    found: list[str] = []
    for tag in _outermost(soup, _is_caption_container):
        text = _clean_inline(tag.get_text(" "))
        statement = _CAPTION_CREDIT.sub("", text).strip()
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
        anchor.replace_with(NavigableString(f"{_LINK_START}{text}{_LINK_END}" if text.strip() else ""))


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
    # Iterative walk: (node, its line breaks are only wrapping, leaving a block tag)
    stack: list[tuple[object, bool, bool]] = [(soup, False, False)]
    while stack:
        node, flowing, leaving = stack.pop()
        if leaving:
            pieces.append("\n")
        elif isinstance(node, Tag):
            block = node.name in _BLOCK_TAGS
            if block:
                pieces.append("\n")
                stack.append((node, flowing, True))
            # Inside a paragraph, or inside an inline element (<span>, <b>, minghui's glossary <ok>).
            inline = not block and node.name not in _ROOT_TAGS
            children_flow = flowing or node.name in _PROSE_TAGS or inline
            stack.extend((child, children_flow, False) for child in reversed(node.contents))
        elif type(node) is NavigableString:  # not comments, doctypes, CDATA
            pieces.append(node.replace("\n", " ") if flowing else _join_at_inline_neighbours(node))
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


def _markdown_to_marked(line: str) -> str:
    line = _MD_IMAGE.sub("", line)
    line = _SHORTCODE.sub("", _MD_LINK_TAIL.sub("", line))
    line = _MD_LINK_HEAD.sub(lambda m: f"{_LINK_START}{m.group(1)}{_LINK_END}", line)
    line = _WIKI_LINK.sub(lambda m: m.group(2) or m.group(1), line)  # [[zh:中共]] wiki links: keep the word
    line = line.replace("~~", "")
    line = _MD_LINK.sub(lambda m: f"{_LINK_START}{m.group(1)}{_LINK_END}" if m.group(1).strip() else "", line)
    line = _MD_HEADING.sub("", line)
    line = _MD_LIST.sub("", line)
    return _MD_EMPHASIS.sub("", line)


_NOT_COUNTED = re.compile(r"[\s|｜·•/\-]+")  # separators in a nav bar are no text of their own


def _link_density(marked: str) -> float:
    """Share of a line's text that is link text (between the sentinels; an unclosed link runs on)."""
    text = _NOT_COUNTED.sub("", marked)
    if _LINK_START not in text:
        total = len(text) - text.count(_LINK_END)
        return 0.0 if total else 1.0
    inside = 0
    total = 0
    for index, piece in enumerate(text.split(_LINK_START)):
        before, _, after = piece.partition(_LINK_END)
        if index == 0:  # text before the first link (a stray closer is no text)
            total += len(piece) - piece.count(_LINK_END)
            continue
        after = after.replace(_LINK_END, "")
        inside += len(before)
        total += len(before) + len(after)
    return inside / total if total else 1.0


_MD_IMAGE_ALT = re.compile(r"!\[([^\[\]]{0,500})\]\([^)\s]{0,2000}")
_CAPTION_MARK = re.compile(r"^[（(\[【]?(图片说明|圖片說明|图说|圖說|图注|圖註|图片|圖片|图|圖)[）)\]】]?[：:]|"
                           r"^[（(\[【](图片说明|圖片說明|图说|圖說|图注|圖註)[）)\]】]")
_MD_ITALIC_LINE = re.compile(r"^\s*(\*[^*\s][^*]*\*|_[^_\s][^_]*_)\s*$")


def _is_caption(raw: str, image_alt: str | None) -> bool:
    """A markdown image's caption: an italic line right under it, or a line repeating its alt text."""
    if image_alt is None:
        return False
    if _MD_ITALIC_LINE.match(raw):
        return True
    plain = _clean_inline(_MD_EMPHASIS.sub("", raw))
    return bool(image_alt.strip()) and plain == _clean_inline(image_alt)


def is_promo_line(text: str) -> bool:
    """Subscription appeals, paywall notices, disclaimers, 'follow us' lines (short lines only)."""
    return len(text) <= _PROMO_MAX_CHARS and bool(_PROMO_LINE.search(text))


def content_lines(body: str | BeautifulSoup) -> list[str]:
    """The body's lines that are content: link lists, nav bars, rules, credits, promos, captions removed."""
    lines: list[str] = []
    image_alt: str | None = None  # alt text of an image standing alone on the previous line
    for raw in html_body_lines(body):
        if _MD_RULE.match(raw) or not raw.strip():
            continue
        after_image, image_alt = image_alt, None
        images = _MD_IMAGE_ALT.findall(raw)
        if images and not _MD_IMAGE.sub("", raw).strip(" -*+\t"):
            image_alt = images[-1]
            continue
        if _is_caption(raw, after_image):
            continue
        if images and _CAPTION_MARK.match(_clean_inline(_MD_IMAGE.sub("", raw))):
            continue  # "![](…)（图片说明）…": an image with its caption on one line
        marked = _markdown_to_marked(raw)
        if _link_density(marked) > 0.5:
            continue
        text = _clean_inline(marked.replace(_LINK_START, "").replace(_LINK_END, ""))
        if not text or not re.search(rf"[\w{_CJK}]", text):
            continue
        if _BOILERPLATE.match(text) or (_CREDIT_LINE.search(text) and len(text) < 80) or is_promo_line(text):
            continue
        if is_staff_credit(text) or (_COPYRIGHT.search(text) and len(text) <= _PROMO_MAX_CHARS):
            continue
        if text.lower().rstrip(":：") in _LABEL_LINES:
            continue
        if _URL.fullmatch(text):  # a bare link: share or QR-code targets
            continue
        lines.append(text)
    # "参考链接：" with its links gone: a label with nothing left under it.
    while lines and lines[-1].endswith((":", "：")) and len(lines[-1]) <= 20:
        lines.pop()
    return lines


def is_staff_credit(text: str) -> bool:
    return len(text) <= _STAFF_CREDIT_MAX_CHARS and bool(_STAFF_CREDIT.match(text))


def is_timestamp_line(text: str) -> bool:
    """'2020-07-22T07:14:19', 'Tue, 28 Jul 2020 07:53:49 GMT', '30/07/2020 - 02:19', '2020年 7月 16日'."""
    return len(text) <= 60 and normalize_date(text) is not None and not _TIMESTAMP_LEFTOVER.sub("", text)


# ---------------------------------------------------------------------------------------------
# metadata


def _first_heading(body: str, soup: BeautifulSoup | None = None) -> str | None:
    """The page's headline: an HTML h1 / centred h2, or the first markdown heading that is not a link."""
    soup = soup if soup is not None else parse_html(body)
    for finder in (lambda: soup.find("h1"), lambda: soup.find("h2", attrs={"align": "center"})):
        tag = finder()
        if tag is not None and tag.get_text(strip=True):
            return tag.get_text().strip()
    for raw in body.splitlines():
        if re.match(r"^\s{0,3}#{1,6}\s+\S", raw):
            marked = _markdown_to_marked(raw)
            if _link_density(marked) > 0.5:
                continue
            text = marked.replace(_LINK_START, "").replace(_LINK_END, "").strip()
            if text:
                return text
    return None


def _link_header(body: str) -> tuple[str, str] | None:
    """A page that opens with `[headline](source url)` (RSS-to-markdown mirrors): its first line
    with any text (a feed's `<!--epoch-->` stamp may stand above it). A `[label](url)` line lower
    down, under a headline, is a body link ("[图片来源](…)"), not the page's source."""
    for raw in body.splitlines()[:8]:
        if not raw.strip() or _EPOCH_COMMENT.match(raw):
            continue
        match = re.match(rf"^\s*\[{_LINK_TEXT}\]\((https?://[^)\s]+)\)\s*$", raw)
        return (match.group(1).strip(), match.group(2)) if match else None
    return None


def _labelled_source_url(body: str) -> str | None:
    """ "原文地址（需翻墙访问）：https://…", "[轉載自GNews](https://…)", "原文鏈接：<a href=…>" lines.

    Struck-through links (~~…~~) are left alone: archives strike a link out once it is dead or
    deleted, and a dead link is no source to send a reader to.
    """
    live = _STRUCK.sub(" ", body)
    for match in _SOURCE_LABEL.finditer(live):
        window = live[match.end(): match.end() + 400]
        window = "\n".join(window.split("\n")[:2])  # the label's own line, or the line under it
        found = first_link_url(window)
        if found and not _MIRROR_HOSTS.search(found):
            return found
    return None


def find_source_url(front_matter: dict, body: str) -> str | None:
    """The outlet's own article URL; never a mirror's navigation or share link.

    In order: the front matter (`original_url` before `url`: archives put their own wrapper, e.g. a
    web.archive.org address, in `url`), a `[headline](url)` header, the provenance block an archive
    post opens with (retrieval.ingest.metadata.header_source_url), then a labelled source line.
    """
    value = _front_matter_value(front_matter, _FRONT_MATTER_URL_KEYS)
    if value and _URL.match(value):
        return value
    header = _link_header(body)
    if header:
        return header[1]
    return header_source_url(body) or _labelled_source_url(body) or None


def normalize_date(value: str | None) -> str | None:
    """Any date the pages state (ISO, 2020年8月25日, 二零二零年十二月三日, 12/31/2023) as YYYY-MM-DD."""
    if not value:
        return None
    for pattern in (_ISO_DATE, _ZH_DATE, _ZH_NUMERAL_DATE, _US_DATE, _EN_DAY_MONTH_YEAR, _EN_MONTH_DAY_YEAR):
        for match in pattern.finditer(value):
            date = _valid_date(*_year_month_day(pattern, match.groups()))
            if date:
                return date
    return None


def _year_month_day(pattern: re.Pattern, groups: tuple[str, ...]) -> tuple[int, int, int]:
    if pattern is _ZH_NUMERAL_DATE:
        year, month, day = (_zh_numeral(group) for group in groups)
    elif pattern is _US_DATE:
        first, second, year = (int(group) for group in groups)
        month, day = (first, second) if first <= 12 else (second, first)
    elif pattern is _EN_DAY_MONTH_YEAR:
        day, month, year = int(groups[0]), _MONTHS[groups[1].lower()], int(groups[2])
    elif pattern is _EN_MONTH_DAY_YEAR:
        month, day, year = _MONTHS[groups[0].lower()], int(groups[1]), int(groups[2])
    else:
        year, month, day = (int(group) for group in groups)
    return year, month, day


def _valid_date(year: int, month: int, day: int) -> str | None:
    if not 1900 <= year <= 2100:  # "0001-01-01" placeholders, phone numbers, IDs
        return None
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def _epoch_comment_date(body: str) -> str | None:
    match = _EPOCH_COMMENT.match(body)
    if not match:
        return None
    stamp = int(match.group(1))
    seconds = stamp / 1000 if len(match.group(1)) == 13 else stamp
    try:
        moment = dt.datetime.fromtimestamp(seconds, tz=dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return _valid_date(moment.year, moment.month, moment.day)


def _zh_numeral(text: str) -> int:
    """二零二零 → 2020, 十二 → 12, 二十三 → 23; -1 for anything that is not such a number."""
    digits = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    if "十" not in text:
        if any(ch not in digits for ch in text):
            return -1
        return int("".join(str(digits[ch]) for ch in text))  # a year, or a month/day, digit by digit
    tens, _, ones = text.partition("十")
    if "十" in ones or (tens and tens not in digits) or (ones and ones not in digits):
        return -1
    return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)


def _byline_candidates(body: str, title: str | None) -> list[str]:
    """The short lines right under the headline, as plain text: where a byline with the date sits.

    Only there: lower down, a caption or a paragraph may name some other date. Byline lines are
    often dropped from the content as credits, so they are looked for in the page itself.
    """
    plain_title = _clean_inline(title or "")
    if not plain_title:
        return []
    found: list[str] = []
    after_title = False
    for raw in body.splitlines()[:_HEADER_LINES * 4]:
        text = _clean_inline(re.sub(r"<[^<>]*>", " ", _markdown_to_marked(raw)))
        text = text.replace(_LINK_START, "").replace(_LINK_END, "")
        if not text or _MD_RULE.match(raw):
            continue
        if plain_title in text:
            after_title = True
            continue
        if after_title:
            if len(text) > _BYLINE_MAX_CHARS or len(found) == _BYLINE_LINES:
                break
            found.append(text)
    return found


def find_date(front_matter: dict, lines: list[str], body: str = "", title: str | None = None) -> str | None:
    """The date the page states, in order of trust: front matter, a byline under the headline, a
    dateline opening the text (【大纪元2025年11月04日讯】), a machine publication stamp."""
    date = normalize_date(_front_matter_value(front_matter, _FRONT_MATTER_DATE_KEYS))
    if date:
        return date
    for line in _byline_candidates(body, title):
        date = normalize_date(line)
        if date:
            return date
    for line in lines[:3]:
        date = normalize_date(line[:_DATELINE_ZONE])
        if date:
            return date
    return _epoch_comment_date(body)


# ---------------------------------------------------------------------------------------------
# the whole page


def sniff_format(front_matter: dict, body: str) -> str:
    if front_matter:
        return "front-matter"
    if _link_header(body):
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
    header = _link_header(body)
    soup = parse_html(body)
    title = (_front_matter_value(front_matter, ("title",))
             or (header[0] if header else None)
             or _first_heading(body, soup))
    url = find_source_url(front_matter, body)
    captions = informative_captions(soup)
    lines = content_lines(soup)  # changes the soup: parsed once, the headline looked up first
    headline_only = False
    if title:
        title = clean_title(title)  # shown as the page gives it, spacing included
        without_title = [line for line in lines if line != _clean_inline(title)]
        headline_only = bool(lines) and not without_title
        lines = without_title
    date = find_date(front_matter, lines, body, title)
    lines = [line for line in lines if not is_timestamp_line(line)]
    if lines:
        body_text = "".join(lines)
        lines += [caption for caption in captions
                  if _CAPTION_CREDIT.sub("", caption).strip() not in body_text]
    if not lines and headline_only and title:
        # A stub whose body is just its headline (the feed kept no text): the headline is still
        # what the page says, and indexing it keeps the article findable with its link.
        lines = [_clean_inline(title)]
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
