"""What kind of answer a question asks for, and whether a passage has one.

"How many tons …?" / "多少吨" is answered by a passage with a number of tons in it (对美出口619吨), not
by one that only shares the question's words; "How long …?" / "多久" by a duration (60天, 12到24个月),
"How much …?" / "多少钱" by an amount (4亿美元). Where a question asks for no number, nothing is
expected. Pure functions over the question and the passage's compact normal form (Simplified,
lower-case, no whitespace: retrieval.text.compact_normal_form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from retrieval.crosslingual.numbers import UNITS, counted_unit, number_phrases
from retrieval.text import fold_width, to_simplified

# Digits (12, 5,577, 7.23) or Chinese numerals (三, 两, 数十, 一百二十, 三百万). Possessive quantifiers and
# a match starting only where a number starts keep the patterns linear: a passage of 2,000 万
# characters took seconds with plain backtracking.
_CN_DIGITS = "零〇一二两三四五六七八九十数几半"
_CN_SCALES = "百千万亿兆"
_DIGITS = r"(?<![\d,.])\d[\d,.]*+"
_CHINESE_NUMERAL = rf"(?<![{_CN_DIGITS}{_CN_SCALES}])(?:[{_CN_DIGITS}]++[{_CN_SCALES}]*+)++"
_SCALE = rf"[多余]?+[{_CN_SCALES}]*+[多余]?+"
# 数十万, 三百, 两千: an amount in words, whatever it counts.
_CHINESE_AMOUNT = (rf"(?<![{_CN_DIGITS}{_CN_SCALES}])[一二两三四五六七八九数几]++[十{_CN_SCALES}]"
                   rf"[{_CN_DIGITS}{_CN_SCALES}]*+")
# Classifiers and units a counted thing takes: a Chinese numeral before one of these is a quantity,
# not the 一 of 一起 or 统一.
_COUNTED = ("(?:%|成|倍|分之|人|名|位|个|家|国|次|架|架次|艘|枚|件|套|条|章|项|种|类|座|所|只|头|辆|台|股|份|岁"
            "|吨|公斤|千克|公里|米|天|日|周|星期|个月|年|小时|分钟|元|美元|欧元|英镑|日元|港元|澳元|卢布)")
_DURATION = "(?:年|个月|周|星期|天|小时|分钟)"  # not 月 or 日 alone: 7月, 20日 are dates
_SHARE = "(?:%|成|分之)"
_CURRENCY = "(?:元|美元|欧元|英镑|日元|港元|港币|澳元|加元|卢布|人民币|台币|新台币)"
_DATE = re.compile(r"(?:1[89]|20)\d\d年|\d{1,2}月\d{0,2}日?|[一二三四五六七八九十]{1,3}月")
# A foreign person as Chinese news writes them in full: 威尔伯·罗斯, 安迪·巴尔 (a Chinese name has no
# mark to tell it from other words, so "who" is answered by these only)
_PERSON = re.compile(r"[\u4e00-\u9fff]{1,5}[·・][\u4e00-\u9fff]{1,6}")
_PEOPLE_NOUNS = ("officials?|ministers?|secretary|secretaries|ambassadors?|senators?|lawmakers?|republicans?|"
                 "democrats?|fellows?|chairman|chairwoman|ceo|executives?|judges?|persons?|people|leaders?|"
                 "governors?|spokes(?:man|woman|person)|economists?|analysts?|professors?|officers?|"
                 "diplomats?|envoys?|negotiators?")


@dataclass(frozen=True)
class ExpectedAnswer:
    kind: str  # quantity | duration | money | percent | date | person
    pattern: re.Pattern[str]
    # "多少个税目", "几多名警员", "几岁": the number *of the thing counted* (5078个税目, 6名警员, 10岁),
    # a stronger sign than any number; None where the question names no counted thing
    counted: re.Pattern[str] | None = None
    # The numbers the question itself states ("从8%降到多少" → 8): a paragraph repeating them states
    # the question, not its answer
    given: frozenset[str] = frozenset()

    def found_in(self, compact_text: str) -> bool:
        return any(self._is_answer(m.group(0)) for m in self.pattern.finditer(compact_text))

    def counted_in(self, compact_text: str) -> bool:
        return self.counted is not None and any(self._is_answer(m.group(0))
                                                for m in self.counted.finditer(compact_text))

    def _is_answer(self, found: str) -> bool:
        digits = _NUMBER.match(found)
        if digits is not None:
            return _plain_number(digits.group(0)) not in self.given
        # 一项, 一份, 一名: "a", not a count (a duration of 一年 still answers "how long")
        return self.kind == "duration" or _INDEFINITE.match(found) is None


_NUMBER = re.compile(r"\d[\d,.]*")
_INDEFINITE = re.compile(rf"一(?![{_CN_DIGITS}{_CN_SCALES}])")


def _plain_number(text: str) -> str:
    """12,000 and 12000 alike; a sentence's full stop after a number is not part of it."""
    return text.replace(",", "").rstrip(".")


def given_numbers(question: str) -> frozenset[str]:
    """The numbers a question states, in digits, also as an English question's Chinese forms give them
    ("$100 billion" → 1000亿美元 → 1000)."""
    forms = [question, *(form for phrase in number_phrases(question) for form in phrase.chinese)]
    return frozenset(_plain_number(n) for form in forms for n in _NUMBER.findall(fold_width(form)))


# 多少/几多/几 + classifier + the noun counted. People are counted with 人, 名 or 位 alike.
_COUNT_CUE = re.compile(r"(?:多少|几多|几)(?P<classifier>[个名位家项条种次岁场宗起人件所台辆架艘只头款])?+"
                        r"(?P<noun>[\u4e00-\u9fff]{2})?")
_PEOPLE = "人名位"
# ...or the noun before it: 加征关税的商品共有多少个 counts 商品 (商品共1078个, 1078个商品)
_NOUN_BEFORE_COUNT = re.compile(r"(?P<noun>[\u4e00-\u9fff]{2})(?:一共|总共|共计|共|合计)?有?(?:多少|几多|几)个")
_NUMBER_BEFORE = rf"(?:{_DIGITS}|{_CHINESE_NUMERAL}){_SCALE}"


def counted_thing(simplified_question: str) -> re.Pattern[str] | None:
    """The number of the thing a Chinese question counts, as a pattern over a passage's compact form:
    多少个税目 → 5078个税目; 多少人 → 100多名; 几岁 → 10岁; None when it counts nothing named."""
    match = _COUNT_CUE.search(simplified_question)
    if match is None:
        return None
    classifier, noun = match.group("classifier") or "", match.group("noun") or ""
    if classifier in _PEOPLE and classifier:
        return re.compile(rf"{_NUMBER_BEFORE}[多余]?+[{_PEOPLE}]")
    if noun and classifier != "人":
        unit = f"(?:{re.escape(classifier)})?" if classifier else ""
        return re.compile(rf"{_NUMBER_BEFORE}[多余]?+{unit}[^，。,；;]{{0,3}}?{re.escape(noun)}")
    if classifier and classifier != "个":
        return re.compile(rf"{_NUMBER_BEFORE}[多余]?+{re.escape(classifier)}")
    before = _NOUN_BEFORE_COUNT.search(simplified_question) if classifier == "个" else None
    if before is not None:
        noun = re.escape(before.group("noun"))
        count = rf"{_NUMBER_BEFORE}[多余]?+个"
        return re.compile(rf"{noun}[^，。,；;]{{0,3}}?{count}|{count}[^，。,；;]{{0,3}}?{noun}")
    return None


def _quantity(unit: str = "") -> re.Pattern[str]:
    """A number (with its scale: 万, 亿) before `unit`; without a unit, any number that is no date."""
    if unit:  # (1983年 is a year, not 1983 years)
        number = rf"(?:(?!(?:1[89]|20)\d\d年){_DIGITS}|{_CHINESE_NUMERAL})"
        return re.compile(rf"{number}{_SCALE}(?:个)?{unit}")
    return re.compile(rf"{_DIGITS}(?![年月日号时点])|{_CHINESE_NUMERAL}{_SCALE}{_COUNTED}|{_CHINESE_AMOUNT}")


# Money with its currency, or a large scaled amount (4亿, 35万, 三十五万) that news gives without one.
_MONEY = re.compile(rf"(?:{_DIGITS}|{_CHINESE_NUMERAL}){_SCALE}(?:{_CURRENCY}|(?<=[万亿兆]))")
_ANY_QUANTITY = _quantity()
_UNIT_QUANTITIES = {word: _quantity("(?:" + "|".join(re.escape(form) for form in forms) + ")")
                    for word, forms in UNITS.items()}

# Cues in the order they are tried; the first that matches decides. A pattern of None: the unit is
# the one counted (how many <tons>: retrieval.crosslingual.numbers.counted_unit; 多少<吨>: the cue's group).
_ENGLISH_CUES = [
    (r"\bhow (?:long|many (?:days|weeks|months|years))\b", "duration", _quantity(_DURATION)),
    (r"\bhow many\b", "quantity", None),
    (r"\bhow much (?:money|cash|funding|did|does|do|will|has|have|was|is)\b", "money", _MONEY),
    (r"\bhow much\b", "quantity", _ANY_QUANTITY),
    (r"\bwhat (?:percentage|percent|share|proportion)\b", "percent", _quantity(_SHARE)),
    (r"^(?:when|in what year|what year)\b|\bwhat (?:date|year)\b", "date", _DATE),
    (rf"^who\b|^which (?:[a-z.'-]+ ){{0,4}}(?:{_PEOPLE_NOUNS})\b", "person", _PERSON),
]
_CHINESE_CUES = [
    (r"多久|多长时间|(?:多少|几)(?:年|个月|天|周|小时)", "duration", _quantity(_DURATION)),
    (r"多少(?:钱|资金|美元|元|亿|万)", "money", _MONEY),
    (r"百分之多少|多少%|占.{0,8}多少|比例|比重", "percent", _quantity(_SHARE)),
    (r"多少(吨|公斤|千克|公里|架次|倍)", "quantity", None),
    (r"多少|几多|几[个名位人家国次架艘枚件套条章项种类座所只头辆台股份岁]", "quantity", _ANY_QUANTITY),
    (r"何时|什么时候|哪一年|哪年|哪天|几月", "date", _DATE),
    (r"谁|哪位|哪些人|哪名|哪个人", "person", _PERSON),
]
_ENGLISH = [(re.compile(cue), kind, pattern) for cue, kind, pattern in _ENGLISH_CUES]
_CHINESE = [(re.compile(cue), kind, pattern) for cue, kind, pattern in _CHINESE_CUES]


def expected_answer(question: str) -> ExpectedAnswer | None:
    """The kind of answer the question asks for, if it asks for a number, amount, duration, date or
    (who, which official, 哪位) a person. Tuning pool at heldout + large with the person kind: en R@3
    0.709 → 0.721, zh-Hant 0.900 → 0.914, nothing else moves."""
    text = fold_width(question).lower()
    for cues, asked in ((_ENGLISH, text), (_CHINESE, to_simplified(text))):
        for cue, kind, pattern in cues:
            match = cue.search(asked)
            if match is None:
                continue
            if pattern is None and cues is _CHINESE:
                pattern = _quantity(re.escape(match.group(1)))
            elif pattern is None:  # the unit counted, if we know it ("tons" → 吨), else any number
                unit = counted_unit(text)
                pattern = _UNIT_QUANTITIES[unit.english.lower()] if unit is not None else _ANY_QUANTITY
            counted = counted_thing(asked) if cues is _CHINESE and kind == "quantity" else None
            return ExpectedAnswer(kind, pattern, counted, given_numbers(question))
    return None
