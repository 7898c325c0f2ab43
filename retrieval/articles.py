"""Read article page files (HTML, markdown, or a mix, as saved from news sites and their mirrors).

One page file in, one `Article` out: title, date, the outlet's own URL, and the body paragraphs with
navigation, promo banners, link lists, share lines and image markup stripped. The page format is
sniffed from the content, never trusted from the file extension.

Image captions are kept as paragraphs of their own: on these outlets they are often sentences that
state facts found nowhere else in the article ("据统计，全球稀土总储量约为1.26亿吨，中国的稀土储量占
全球总储量的44%。"). The images themselves, and captions that are only a credit, are dropped.

A file that cannot be read never raises out of `read_article_file`: it returns a `ReadOutcome`
with the reason, so one broken page never sinks a rebuild.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import charset_normalizer
import yaml
from bs4 import BeautifulSoup, NavigableString, Tag

from retrieval.records import Article

MAX_ARTICLE_BYTES = 5 * 1024 * 1024  # a news article page is tens of KB; anything this big is not one
ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")

_LINK_START, _LINK_END = "\x01", "\x02"  # mark link text inside extracted lines, to measure link density
_JUNK_TAGS = ("script", "style", "noscript", "img", "picture", "iframe", "svg",
              "form", "button", "input", "select", "nav", "header", "footer", "aside", "video",
              "audio", "object", "embed", "head", "title", "meta", "link")
_JUNK_CLASS = re.compile(r"share|social|related|breadcrumb|advert|promo|comment|copyright", re.I)
_BLOCK_TAGS = frozenset("p div li ul ol h1 h2 h3 h4 h5 h6 tr td th table blockquote section article "
                        "dd dt dl pre hr details summary center figure figcaption".split())
# Text inside these is running prose of one paragraph: its line breaks are the page author's wrapping.
_PROSE_TAGS = frozenset("p li h1 h2 h3 h4 h5 h6 td th dd dt blockquote summary figcaption".split())

_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)(?:\s+\"[^\"]*\")?\)")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MD_RULE = re.compile(r"^\s*([-=*_~`]\s*){3,}$")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_EMPHASIS = re.compile(r"(\*\*|__|(?<![\w*])\*(?!\s)|`)")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_URL = re.compile(r"https?://[^\s<>\"'）)\]】]+")
_CJK = r"\u3000-\u303f\u3400-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_SPACE_BEFORE_CJK_PUNCT = re.compile(r"\s+(?=[，。、；：！？）》」』”])")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_ZH_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_ZH_DIGITS = "〇零一二三四五六七八九十"
_ZH_NUMERAL_DATE = re.compile(rf"([{_ZH_DIGITS}]{{4}})年([{_ZH_DIGITS}]{{1,3}})月([{_ZH_DIGITS}]{{1,3}})日")
_DATELINE = re.compile(r"【[^】]{0,30}?(?:\d{4}|[〇零一二三四五六七八九]{4})年[^】]{0,12}?日[^】]{0,12}】")
_DATELINE_ZONE = 200  # a dateline sits at the very start of the first paragraph

# Lines that mirrors and outlets wrap around every article: credits, share prompts, list headers.
_BOILERPLATE = re.compile(
    r"^(责任编辑|責任編輯|责编|責編|网编|網編|编辑推荐|編輯推薦|相关新闻|相關新聞|热门新闻|熱門新聞|相关文章|相關文章|"
    r"延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|手机上长按|手機上長按|原文地址|原文链接|原文鏈接|本文转自|本文轉自|"
    r"下载.{0,12}翻墙|下載.{0,12}翻牆|分享本文|分享到|网站代理|網站代理|点击|點擊|订阅|訂閱|版权所有|版權所有|"
    r"返回|上一篇|下一篇|更多|图片来源|圖片來源|图片|圖片|来源：|來源：|转载自|轉載自)"
)
_CREDIT_LINE = re.compile(r"(责编|責編|网编|網編|责任编辑|責任編輯)[：:]")
_SOURCE_LABEL = re.compile(r"(原文地址|原文链接|原文鏈接|浏览原文|瀏覽原文|阅读原文|閱讀原文|原文)")
_FRONT_MATTER_URL_KEYS = ("original_url", "from", "source_url", "source", "canonical_url", "canonical",
                          "link", "url")
_FRONT_MATTER_DATE_KEYS = ("date", "published", "pubdate", "publish_date", "created")
_MIRROR_HOSTS = re.compile(r"github\.com|githubusercontent|gitlab\.com|web\.archive\.org/web/\d+/?$|"
                           r"quickchart\.io|gfw-breaker", re.I)


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
        data = yaml.safe_load(match.group(1))
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


def _drop_junk(soup: BeautifulSoup) -> None:
    for tag in soup.find_all(_JUNK_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if tag.decomposed or tag.attrs is None:
            continue
        classes = " ".join(tag.get("class") or []) + " " + str(tag.get("id") or "")
        if classes.strip() and _JUNK_CLASS.search(classes) and tag.name not in ("body", "html"):
            tag.decompose()


def _mark_links(soup: BeautifulSoup) -> None:
    """Wrap link text in sentinels so line-level link density can be measured after get_text()."""
    for anchor in soup.find_all("a"):
        text = anchor.get_text()
        anchor.replace_with(NavigableString(f"{_LINK_START}{text}{_LINK_END}" if text.strip() else ""))


def _inside_prose(node: NavigableString) -> bool:
    parent = node.parent
    while parent is not None and isinstance(parent, Tag):
        if parent.name in _PROSE_TAGS:
            return True
        parent = parent.parent
    return False


def html_body_lines(body: str) -> list[str]:
    """Lines of a page body that mixes markdown and HTML, in reading order, links marked.

    Inside HTML paragraphs line breaks are only wrapping, so they are joined; outside them (the
    markdown parts) each line stands for itself.
    """
    soup = BeautifulSoup(_HTML_COMMENT.sub("", body), "lxml")
    _drop_junk(soup)
    _mark_links(soup)
    for br in soup.find_all("br"):
        br.replace_with(NavigableString("\n"))
    pieces: list[str] = []
    for node in soup.descendants:
        if isinstance(node, Tag):
            if node.name in _BLOCK_TAGS:
                pieces.append("\n")
            continue
        if not isinstance(node, NavigableString) or type(node) is not NavigableString:
            continue  # comments, doctypes, CDATA
        text = str(node)
        if _inside_prose(node):
            text = text.replace("\n", " ")
        pieces.append(text)
        parent = node.parent
        if isinstance(parent, Tag) and parent.name in _BLOCK_TAGS and node.next_sibling is None:
            pieces.append("\n")
    return "".join(pieces).split("\n")


def _markdown_to_marked(line: str) -> str:
    line = _MD_IMAGE.sub("", line)
    line = _MD_LINK.sub(lambda m: f"{_LINK_START}{m.group(1)}{_LINK_END}" if m.group(1).strip() else "", line)
    line = _MD_HEADING.sub("", line)
    line = _MD_LIST.sub("", line)
    return _MD_EMPHASIS.sub("", line)


def _link_density(marked: str) -> float:
    inside = 0
    total = 0
    in_link = False
    for ch in marked:
        if ch == _LINK_START:
            in_link = True
        elif ch == _LINK_END:
            in_link = False
        elif not ch.isspace() and ch not in "|｜·•/-":
            total += 1
            inside += in_link
    return inside / total if total else 1.0


def content_lines(body: str) -> list[str]:
    """The body's lines that are content: link lists, nav bars, rules and credits removed."""
    lines: list[str] = []
    for raw in html_body_lines(body):
        if _MD_RULE.match(raw) or not raw.strip():
            continue
        marked = _markdown_to_marked(raw)
        if _link_density(marked) > 0.5:
            continue
        text = _clean_inline(marked.replace(_LINK_START, "").replace(_LINK_END, ""))
        if not text or not re.search(rf"[\w{_CJK}]", text):
            continue
        if _BOILERPLATE.match(text) or (_CREDIT_LINE.search(text) and len(text) < 80):
            continue
        if _URL.fullmatch(text):  # a bare link: share or QR-code targets
            continue
        lines.append(text)
    return lines


# ---------------------------------------------------------------------------------------------
# metadata


def _first_heading(body: str) -> str | None:
    """The page's headline: an HTML h1 / centred h2, or the first markdown heading that is not a link."""
    soup = BeautifulSoup(_HTML_COMMENT.sub("", body), "lxml")
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
    """A page that opens with `[headline](source url)` (RSS-to-markdown mirrors)."""
    for raw in body.splitlines()[:8]:
        match = re.match(r"^\s*\[([^\]]+)\]\((https?://[^)\s]+)\)\s*$", raw)
        if match:
            return match.group(1).strip(), match.group(2)
    return None


def find_source_url(front_matter: dict, body: str) -> str | None:
    """The outlet's own article URL; never a mirror's navigation or share link."""
    value = _front_matter_value(front_matter, _FRONT_MATTER_URL_KEYS)
    if value and _URL.match(value):
        return value
    # "原文地址（需翻墙访问）：https://…" / "浏览原文：<a href=…>" style lines.
    for match in _SOURCE_LABEL.finditer(body):
        window = body[match.end(): match.end() + 400]
        found = _URL.search(window)
        if found and not _MIRROR_HOSTS.search(found.group(0)):
            return found.group(0)
    header = _link_header(body)
    if header:
        return header[1]
    return None


def normalize_date(value: str | None) -> str | None:
    """Any date the pages state (ISO, 2020年8月25日, 二零二零年十二月三日) as YYYY-MM-DD."""
    if not value:
        return None
    for pattern, convert in ((_ISO_DATE, int), (_ZH_DATE, int), (_ZH_NUMERAL_DATE, _zh_numeral)):
        match = pattern.search(value)
        if match:
            try:
                year, month, day = (convert(group) for group in match.groups())
                return dt.date(year, month, day).isoformat()
            except ValueError:
                continue
    return None


def _zh_numeral(text: str) -> int:
    digits = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    if len(text) == 4:  # a year, digit by digit
        return int("".join(str(digits[ch]) for ch in text))
    if text == "十":
        return 10
    if text.startswith("十"):
        return 10 + digits[text[1]]
    if text.endswith("十"):
        return digits[text[0]] * 10
    if "十" in text:
        tens, ones = text.split("十")
        return digits[tens] * 10 + digits[ones]
    return digits[text]


def find_date(front_matter: dict, lines: list[str]) -> str | None:
    """Front matter first; else a dateline (【大纪元2020年08月25日讯】, 明慧网二零二零年十二月三日) near the top.

    A bare date in the text (an image caption's "2025年7月11日") is not the article's date.
    """
    value = _front_matter_value(front_matter, _FRONT_MATTER_DATE_KEYS)
    date = normalize_date(value)
    if date:
        return date
    for line in lines[:5]:
        match = _DATELINE.search(line[:_DATELINE_ZONE])
        if match:
            date = normalize_date(match.group(0))
            if date:
                return date
    return None


# ---------------------------------------------------------------------------------------------
# the whole page


def sniff_format(front_matter: dict, body: str) -> str:
    if front_matter:
        return "front-matter"
    if _link_header(body):
        return "link-header"
    if re.search(r"<table[^>]*>.*<h2 align=center>", body[:20000], re.S | re.I):
        return "html-table-mirror"
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
    title = (_front_matter_value(front_matter, ("title",))
             or (header[0] if header else None)
             or _first_heading(body))
    url = find_source_url(front_matter, body)
    lines = content_lines(body)
    if title:
        title = " ".join(title.split("\n")).strip()  # shown as the page gives it, spacing included
        lines = [line for line in lines if line != _clean_inline(title)]
    if not lines:
        raise ArticleReadError("no article text found (only navigation, links or markup)")
    date = find_date(front_matter, lines)
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


def find_article_files(directory: Path) -> list[Path]:
    """Article page files under a directory, in a stable order; index files and manifests skipped."""
    files = []
    for path in sorted(directory.rglob("*")):
        if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES and not path.name.startswith("."):
            if path.name.upper() in ("README.MD", "MANIFEST.TSV"):
                continue
            files.append(path)
    return files
