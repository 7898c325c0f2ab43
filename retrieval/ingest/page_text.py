"""A page file's bytes as text, and its YAML front matter (Jekyll, Hugo) split from its body."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import charset_normalizer
import yaml

FRONT_MATTER_URL_KEYS = ("original_url", "from", "source_url", "source", "canonical_url", "canonical",
                          "link", "url")


FRONT_MATTER_DATE_KEYS = ("date", "published", "pubdate", "publish_date", "created")


_MAX_YAML_CHARS = 64 * 1024  # real front matter is a few hundred bytes; PyYAML is slow on megabytes


# libyaml's safe loader where PyYAML was built with it: the same data for all 2,007 front matters of
# heldout + large, 0.56 s against 4.74 s for the pure-Python one (15% of reading time).
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ArticleReadError(Exception):
    """A page file that cannot be made into an article; the message says why."""


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


def front_matter_value(front_matter: dict, keys: tuple[str, ...]) -> str | None:
    lowered = {str(key).lower(): value for key, value in front_matter.items()}
    for key in keys:
        value = lowered.get(key)
        if isinstance(value, (str, dt.date, dt.datetime)) and str(value).strip():
            return str(value).strip()
    return None
