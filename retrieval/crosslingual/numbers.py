"""Numbers, dates and units in an English question → the ways Chinese news writes them.

"12–24 months" → 12到24个月 / 12–24个月 / 12至24个月; "July" → 7月; "400 million dollars" → 4亿美元;
"2020" → 2020年; "60 days" → 60天. Pure functions; the caller matches the forms as substrings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.text import fold_width
from retrieval.text.patterns import MONTHS, YEAR_DIGITS

# "may"/"march" are also ordinary English words: only read as months next to a number or "in".
AMBIGUOUS_MONTHS = frozenset({"may", "march", "jan", "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec"})

UNITS = {
    "month": ("个月", "月"), "months": ("个月", "月"),
    "year": ("年",), "years": ("年",),
    "day": ("天", "日"), "days": ("天", "日"),
    "week": ("周", "星期"), "weeks": ("周", "星期"),
    "ton": ("吨",), "tons": ("吨",), "tonne": ("吨",), "tonnes": ("吨",),
    "percent": ("%",), "per cent": ("%",), "%": ("%",),
    "dollar": ("美元",), "dollars": ("美元",), "usd": ("美元",), "$": ("美元",),
    "yuan": ("元",), "rmb": ("元",), "euro": ("欧元",), "euros": ("欧元",),
    "kilometers": ("公里",), "km": ("公里",),
    "times": ("次",),
}
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_RANGE_JOINERS = ("到", "–", "-", "至", "~")

_NUMBER = r"\d+(?:,\d{3})*(?:\.\d+)?"
# A number glued to a word ("COVID-19", "F-35", "G7") is part of a name, not a quantity.
_QUANTITY = re.compile(
    rf"(?<![A-Za-z])(?<![A-Za-z]-)(?:(?P<dollar>\$)\s*+)?(?<![\d.,])(?P<low>{_NUMBER})"
    rf"(?:\s*+(?:-|–|—|to)\s*+(?P<high>{_NUMBER}))?"
    rf"(?:\s*+(?P<scale>thousand|million|billion|trillion))?"
    rf"(?:\s*+-?\s*+(?P<unit>%|(?:per cent|percent|months?|years?|days?|weeks?|tons?|tonnes?|dollars?|usd|yuan|rmb"
    rf"|euros?|kilometers|km|times)\b))?", re.IGNORECASE)
_MONTH_WORD = re.compile(r"\b(?P<prefix>in |of |since |until |by |from )?(?P<month>[A-Za-z]+)\b(?P<after>\s+\d{1,4})?")


@dataclass(frozen=True)
class NumberPhrase:
    english: str
    chinese: tuple[str, ...]  # alternative written forms, any one of which answers


def _plain(number: str) -> float:
    return float(number.replace(",", ""))


def _format(value: float) -> str:
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return text


def chinese_amounts(value: float) -> list[str]:
    """A number in the ways Chinese writes big amounts: 400000000 → 4亿, 40000 → 4万, 1.5e12 → 1.5兆/1.5万亿."""
    forms = []
    if value >= 1e12:
        forms += [f"{_format(value / 1e12)}兆", f"{_format(value / 1e12)}万亿"]
    if value >= 1e8:
        forms.append(f"{_format(value / 1e8)}亿")
    if 1e4 <= value < 1e8:
        forms.append(f"{_format(value / 1e4)}万")
    if value < 1e6 or not forms:
        forms.append(_format(value))
        if value >= 1e3 and value == int(value):
            forms.append(f"{int(value):,}")  # 5,577吨: news writes thousands separators too
    return forms


_CHINESE_DIGITS = "〇一二三四五六七八九"
# "1930s" names a decade, not the year 1930
_YEAR = re.compile(rf"(?<!\d){YEAR_DIGITS}(?!\d)(?!s\b)")
# Some outlets write years digit by digit in Chinese characters: 二零一七年 / 二〇一七年, and a few
# (Liberty Times pages) with the white circle ○ for the zero: 二○二五年.
_CHINESE_DIGIT_YEAR = re.compile(r"[〇○零一二三四五六七八九]{4}(?=年)")


def is_year(text: str) -> bool:
    """"2017" is a year (1900–2099); "12", "20177" are not."""
    return _YEAR.fullmatch(text) is not None


def chinese_digit_years(year: str) -> tuple[str, ...]:
    """"2017" → ("二〇一七", "二零一七", "二○一七")."""
    spelled = "".join(_CHINESE_DIGITS[int(digit)] for digit in year)
    return tuple(dict.fromkeys((spelled, spelled.replace("〇", "零"), spelled.replace("〇", "○"))))


def years_in(text: str) -> set[str]:
    """The years (1900–2099) a text names, in digits whichever way it writes them."""
    spelled = {"".join(str(_CHINESE_DIGITS.index(ch) if ch not in "零○" else 0) for ch in match)
               for match in _CHINESE_DIGIT_YEAR.findall(text)}
    return set(_YEAR.findall(text)) | {year for year in spelled if is_year(year)}


NUMBER_WORDS = {word: str(number) for number, word in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_NUMBER_WORD = re.compile(r"\b(" + "|".join(NUMBER_WORDS) + r")\b(?=\s+(?:months?|years?|days?|weeks?|tons?|"
                          r"tonnes?|percent|per cent|thousand|million|billion|trillion)\b)", re.IGNORECASE)


def with_digits(question: str) -> str:
    """Spelled-out numbers before a unit as digits ("two years" → "2 years"): they are quantities too.

    `NumberPhrase.english` is a span of this form of the question, not of the question as asked.
    """
    return _NUMBER_WORD.sub(lambda m: NUMBER_WORDS[m.group(1).lower()], fold_width(question))


_COUNTED_UNIT = re.compile(r"\bhow many (?P<unit>[a-z]+)\b", re.IGNORECASE)


def counted_unit(question: str) -> NumberPhrase | None:
    """The unit a question counts in ("How many times…" → 次, "how many tons" → 吨): the answer's
    unit, not the word's everyday senses (times → 时代)."""
    match = _COUNTED_UNIT.search(question)
    if match is None or match.group("unit").lower() not in UNITS:
        return None
    return NumberPhrase(match.group("unit"), UNITS[match.group("unit").lower()])


_DECADE = re.compile(r"\b(?P<century>19|20)(?P<tens>\d)0s\b")
_TENS = "一二三四五六七八九"


def decade_forms(century: str, tens: int) -> tuple[str, ...]:
    """The 1930s as Chinese writes a decade: 1930年代, (上世纪)30年代, 三十年代."""
    forms = [f"{century}{tens}0年代"]
    if century == "19" and tens >= 2:
        forms += [f"{tens}0年代", f"{_TENS[tens - 1]}十年代"]
    return tuple(forms)


def number_phrases(question: str) -> list[NumberPhrase]:
    """The quantities, decades and months of an English question with their Chinese written forms."""
    text = with_digits(question)
    phrases: list[NumberPhrase] = []
    # a decade is no year: "the 1930s" is never the year 1930 (nor does the year rule demand 1930)
    for match in _DECADE.finditer(text):
        phrases.append(NumberPhrase(match.group(0), decade_forms(match.group("century"), int(match.group("tens")))))
    text = _DECADE.sub(" ", text)
    for match in _QUANTITY.finditer(text):
        low, high = match.group("low"), match.group("high")
        scale = SCALES.get((match.group("scale") or "").lower(), 1.0)
        unit_word = (match.group("unit") or "").lower()
        units = UNITS.get(unit_word, ())
        if match.group("dollar"):
            units = units or UNITS["$"]
        if high:
            numbers = [f"{_format(_plain(low) * scale)}{joiner}{_format(_plain(high) * scale)}"
                       for joiner in _RANGE_JOINERS]
        else:
            value = _plain(low) * scale
            numbers = chinese_amounts(value) if scale > 1 or value >= 1e3 else [_format(value)]
            if is_year(low) and not units and scale == 1:
                numbers, units = [low, *chinese_digit_years(low)], ("年",)  # a bare year
        if not high and low == "2" and scale == 1:
            numbers = [*numbers, "两"]  # 两年, 两个月: Chinese counts two things with 两
        forms = [f"{number}{unit}" for number in numbers for unit in units] if units else numbers
        if forms:
            phrases.append(NumberPhrase(match.group(0).strip(), tuple(dict.fromkeys(forms))))
    for match in _MONTH_WORD.finditer(text):
        word = match.group("month").lower()
        if word not in MONTHS:
            continue
        if word in AMBIGUOUS_MONTHS and not (match.group("prefix") or match.group("after")):
            continue
        month = MONTHS[word]
        forms = [f"{month}月"]
        after = (match.group("after") or "").strip()
        if after and len(after) == 4:
            forms.insert(0, f"{after}年{month}月")
        elif after:
            forms.insert(0, f"{month}月{after}日")
        phrases.append(NumberPhrase(match.group(0).strip(), tuple(forms)))
    return phrases
