"""English proper names → the Chinese forms the corpus uses for them.

Two sources, both read from the corpus itself at load time:

* glosses the articles state: 克鲁兹(Ted Cruz), 格里尔（Jamieson Greer）, 萨克帕斯（Thacker Pass).
  The Chinese side is the end of the run of Chinese characters before the parenthesis; where the
  name is transliterated, the suffix that sounds most like the English is taken, otherwise the last
  word (蓝线集团(Blue Line) keeps 蓝线集团 because 集团 alone is too generic to stand for the name).
* sound alike, for names the corpus never glosses: Bessent ~ 贝森特 (bei-sen-te). Both sides are
  reduced to coarse sound classes and compared; candidates are runs of characters that Chinese
  uses to transliterate foreign names (learnt from CC-CEDICT's foreign-name entries).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.crosslingual.cantonese import key_of_chinese as cantonese_key
from retrieval.text import STOPWORDS_EN, fold_width, segment, to_simplified
from retrieval.text.patterns import HAN

# 中文(English), also with a note after a colon: 帕特·基辛格（Pat Gelsinger: 英特尔CEO）, as ~3,700
# bold terms of the large corpus are glossed
_GLOSS = re.compile(r"([\u3400-\u9fff·・]{2,16})\s*[（(]\s*([A-Za-z][A-Za-z0-9 .,'’&\-]{1,60}?)\s*"
                    r"(?:[:：][^()（）]{0,80})?[)）]")
_ACRONYM = re.compile(r"[A-Z][A-Z0-9&]{1,7}")
# Words after which the last jieba word is a category, not a name: keep the word before it too.
_GENERIC_TAILS = frozenset(
    "公司 集团 项目 矿山 矿 银行 大学 研究所 协会 组织 法案 计划 基金 工厂 委员会 部 局 党 国 省 州 市 县 "
    "法院 法庭 政府 议会 国会 论坛 中心 学院 医院 机构 联盟 电视台 报 杂志".split())

MIN_SOUND_SIMILARITY = 0.75
# Matching an unglossed name by sound alone is riskier: demand more.
MIN_SOUND_ALIKE_SIMILARITY = 0.8
# Of the runs that sound alike, this many of the closest are compared letter by letter.
_SOUND_SHORTLIST = 50


# -- sound classes --------------------------------------------------------------------------------

_PINYIN_INITIALS = [("zh", "j"), ("ch", "q"), ("sh", "s"), ("ng", "n")]
_SOUND_CLASS = {**dict.fromkeys("bpfv", "1"), **dict.fromkeys("cgjkqsxz", "2"), **dict.fromkeys("dt", "3"),
                **dict.fromkeys("lr", "4"), **dict.fromkeys("mn", "5"), **dict.fromkeys("aeiouy", "a")}


def sound_key(romanised: str) -> str:
    """Coarse sound classes of a romanisation, repeats collapsed: "bessent" and "beisente" → 1a2a53(a)."""
    text = romanised.lower()
    for pair, single in _PINYIN_INITIALS:
        text = text.replace(pair, single)
    classes = [_SOUND_CLASS[ch] for ch in text if ch in _SOUND_CLASS]
    collapsed = [c for i, c in enumerate(classes) if i == 0 or c != classes[i - 1]]
    return "".join(collapsed)


def spelling_similarity(english: str, chinese: str) -> float:
    """How alike an English name's letters and a Chinese run's pinyin are, vowels and consonants as
    written (finer than sound_key: greer ~ ge-li-er more than ka-er-ai-li)."""
    return SequenceMatcher(None, english.lower(), pinyin_of(chinese), autojunk=False).ratio()


def pinyin_of(chinese: str) -> str:
    from pypinyin import Style, lazy_pinyin  # 0.2–0.7 s to import: building an index, and a query's first sound-alike

    return "".join(lazy_pinyin(chinese, style=Style.NORMAL, errors="ignore"))


def sound_similarity(english: str, chinese: str) -> float:
    """How alike an English name and a Chinese transliteration sound, 0..1 (first sound must agree)."""
    english_key, chinese_key = sound_key(english), sound_key(pinyin_of(chinese))
    if not english_key or not chinese_key or english_key[0] != chinese_key[0]:
        return 0.0
    # Chinese adds vowels after final consonants (Bessent → bei-sen-te): ignore a trailing vowel.
    chinese_key = chinese_key.rstrip("a") or chinese_key
    english_key = english_key.rstrip("a") or english_key
    return SequenceMatcher(None, english_key, chinese_key, autojunk=False).ratio()


# -- glossed pairs ---------------------------------------------------------------------------------


def _english_key(name: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold_width(name).lower().replace("’", "'").replace("'s", "")))


@lru_cache(maxsize=65536)  # the same gloss recurs across articles (and recombined benchmark rows)
def chinese_side(han_run: str, english: str) -> str | None:
    """Which end of the Chinese run before "(English)" names the same thing."""
    run = to_simplified(han_run.replace("・", "·"))
    surname = english.split()[-1]
    best, best_score = None, 0.0
    for length in range(2, min(len(run), 8) + 1):
        suffix = run[-length:]
        score = max(sound_similarity(english.replace(" ", ""), suffix), sound_similarity(surname, suffix))
        if score > best_score + 0.02:
            best, best_score = suffix, score
    if best is not None and best_score >= MIN_SOUND_SIMILARITY:
        return best.lstrip("·")
    translated = translated_suffix(run, english)
    if translated is not None:
        return translated
    words = [w for w in segment(run) if HAN.search(w)]
    # cut_for_search also yields parts of long words; rebuild the tail from the longest pieces.
    tail = run
    for word in sorted(set(words), key=len, reverse=True):
        if run.endswith(word):
            tail = word
            break
    if tail in _GENERIC_TAILS or len(tail) < 2:
        before = run[: len(run) - len(tail)]
        for word in sorted(set(words), key=len, reverse=True):
            if before.endswith(word) and word not in _GENERIC_TAILS:
                return word + tail
        return None
    return tail


def translated_suffix(run: str, english: str) -> str | None:
    """The shortest end of the run that holds dictionary translations of as many of the gloss's
    words as any end does: 实体清单(Entity List), 出口管制(Export Controls), 世界贸易监测(World Trade
    Monitor), where the last word alone (清单, 管制, 监测) names any list, control or monitor."""
    from retrieval.crosslingual.bridge import BridgeError, english_words, load_bridge

    parsed = english_words(english)
    words = [w for i, w in enumerate(parsed.words) if i in parsed.acronyms or w.lower() not in STOPWORDS_EN]
    if len(words) < 2:
        return None
    try:
        bridge = load_bridge()
    except BridgeError:
        return None
    # a one-character sense (番 for foreign) is found inside too many runs by chance
    translations = [[chinese for chinese in (*bridge.lookup([word]), *bridge.lookup([word], loose=True))
                     if len(chinese) >= 2] for word in words]
    import jieba

    from retrieval.text import init_jieba

    init_jieba()
    # ends that start where a word does (关税税则委员会 never gives 税税则委员会), without a 的
    # between two phrases (位于亚利桑那州的台积电 for "TSMC Arizona")
    starts = np.cumsum([0, *(len(word) for word in jieba.cut(run))])[:-1]
    best, best_cover = None, 0
    for start in sorted(starts.tolist(), reverse=True):
        suffix = run[start:]
        if len(suffix) < 2 or "的" in suffix:
            continue
        cover = sum(any(chinese in suffix for chinese in found) for found in translations)
        if cover > best_cover:
            best, best_cover = suffix, cover
    return None if best in _GENERIC_TAILS else best  # 集团 of 采埃孚集团(ZF Group) names no one


def glosses_in(text: str) -> list[tuple[str, str]]:
    """(English as written, the Chinese it glosses) of every "中文(English)" in one text."""
    found = []
    for han_run, english in _GLOSS.findall(fold_width(text).replace("（", "(").replace("）", ")")):
        english = english.strip(" .,-")
        key = _english_key(english)
        if not key or key in STOPWORDS_EN:
            continue
        chinese = chinese_side(han_run, english)
        if chinese:
            found.append((english, chinese))
    return found


def gloss_pairs(texts: Iterable[str]) -> Counter[tuple[str, str]]:
    """Every gloss pair in the texts, counted."""
    return Counter(pair for text in texts for pair in glosses_in(text))


def names_from_glosses(pairs: Iterable[tuple[str, str, int]], is_common_word: Callable[[str], bool] | None = None,
                       is_ordinary_word: Callable[[str], bool] | None = None) -> dict[str, tuple[str, ...]]:
    """English name (lower-case words) → its commonest Chinese forms, from counted gloss pairs.

    Also the surname alone for person-like names ("greer" from "Jamieson Greer"), unless that last
    word is an ordinary English word (`is_common_word`: "Group", "Materials"). A one-word gloss that
    is an ordinary word (`is_ordinary_word`: the dictionary has it, and not only as a name) is left
    to the dictionary.
    """
    found: dict[str, Counter] = {}
    for english, chinese, count in pairs:
        if is_ordinary_word and " " not in english and not _ACRONYM.fullmatch(english) and is_ordinary_word(english):
            continue  # 独立屋(House) is one writer's word for a house, not the name "House" of the US House
        # 入学考试(ACT) is found for the acronym ACT only, not for "Act" of the CHIPS Act
        as_acronym = _ACRONYM.fullmatch(english) and is_common_word and is_common_word(english.lower())
        keys = [english if as_acronym else _english_key(english)]
        if _is_person_like(english, is_common_word):
            keys.append(_english_key(english.split()[-1]))  # Greer of Jamieson Greer; not Group of ZF Group
        for name in keys:
            found.setdefault(name, Counter())[chinese] += count
    return {key: tuple(word for word, _ in counts.most_common(3)) for key, counts in found.items()}


def _is_person_like(english: str, is_common_word: Callable[[str], bool] | None) -> bool:
    parts = english.split()
    return (2 <= len(parts) <= 3 and all(p[:1].isupper() for p in parts)
            and not (is_common_word and is_common_word(parts[-1])))


def given_names_by_surname(pairs: Iterable[tuple[str, str, int]],
                           is_common_word: Callable[[str], bool] | None = None) -> dict[str, frozenset[str]]:
    """Surname key → the given names of the glossed people it stands for alone ("tai" →
    {"katherine"}), for keys that are no glossed name of their own: "Benny Tai" is someone else."""
    pairs = list(pairs)
    whole = {_english_key(english) for english, _, _ in pairs}
    found: dict[str, set[str]] = {}
    for english, _, _ in pairs:
        if _is_person_like(english, is_common_word):
            surname = _english_key(english.split()[-1])
            if surname not in whole:
                found.setdefault(surname, set()).add(_english_key(english.split()[0]))
    return {key: frozenset(names) for key, names in found.items()}


def read_given_names(pairs: Iterable[tuple[str, str, int]], transliteration_chars: frozenset[str],
                     is_common_word: Callable[[str], bool] | None = None) -> frozenset[str]:
    """English given names: the first word of a person-like gloss whose Chinese is a transliteration
    (格雷夫斯 for Don Graves, 保罗·罗默 for Paul Romer; not 香港 for Hong Kong). A first word the
    dictionary has (Don, Mark; Tesla, France) must begin two different people's glossed names."""
    people: dict[str, set[str]] = {}
    for english, chinese, _ in pairs:
        han = [ch for ch in chinese if HAN.match(ch)]
        if (len(han) >= 2 and all(ch in transliteration_chars for ch in han)
                and _is_person_like(english, is_common_word) and not _ACRONYM.fullmatch(english.split()[0])):
            key = _english_key(english)
            first = key.split()[0] if key else ""  # letters outside a–z (Ö Ä) leave no key
            if len(first) >= 2 and first.isalpha() and first not in STOPWORDS_EN:
                people.setdefault(first, set()).add(key)
    return frozenset(first for first, whole in people.items()
                     if len(whole) >= 2 or not (is_common_word and is_common_word(first)))


def glossed_names(texts: Iterable[str], is_common_word: Callable[[str], bool] | None = None,
                  ) -> dict[str, tuple[str, ...]]:
    """English name (lower-case words) → Chinese forms, from "中文(English)" glosses in the texts."""
    return names_from_glosses(((e, c, n) for (e, c), n in gloss_pairs(texts).items()), is_common_word)


# -- sound-alike candidates ------------------------------------------------------------------------


def transliteration_characters(cedict_lines: Iterable[str], min_count: int = 3) -> frozenset[str]:
    """Characters CC-CEDICT uses in foreign names (entries with "·", or glossed "X (name)")."""
    counts: Counter = Counter()
    for line in cedict_lines:
        if line.startswith("#"):
            continue
        head, _, rest = line.partition(" [")
        parts = head.split(" ")
        if len(parts) != 2:
            continue
        simplified = parts[1]
        if "·" in simplified or re.search(r"/[A-Z][a-z]+ \(name\)", rest):
            counts.update(ch for ch in simplified if HAN.match(ch))
    return frozenset(ch for ch, n in counts.items() if n >= min_count)


def transliteration_runs(simplified_texts: Iterable[str], transliteration_chars: frozenset[str]) -> set[str]:
    """Runs of 2–5 transliteration characters in the (Simplified) texts: candidates for a name heard in English."""
    runs: set[str] = set()
    if not transliteration_chars:
        return runs
    pattern = re.compile(f"[{''.join(sorted(transliteration_chars))}·]{{2,8}}")
    for text in simplified_texts:
        for run in pattern.findall(text):
            run = run.strip("·")
            # a run may be glued to a neighbouring transliteration character: keep its parts too
            for start in range(len(run)):
                for end in range(start + 2, min(len(run), start + 5) + 1):
                    runs.add(run[start:end])
    return runs


@dataclass
class NameEvidence:
    """What one index segment's passages say about names, worked out when the segment is written,
    so a serving process merges a few small tables instead of reading every passage."""

    glosses: list[tuple[int, str, str]]  # (row, English as written, Chinese)
    runs: dict[str, str]  # transliteration run → its sound key
    readings: dict[str, tuple[str, ...]]  # toneless pinyin → the segment's words that read so

    @classmethod
    def from_passages(cls, texts: list[str], simplified_texts: list[str], vocabulary: Iterable[str],
                      transliteration_chars: frozenset[str]) -> NameEvidence:
        """`texts` as written (a gloss's English keeps its capitals), `simplified_texts` the same rows
        in Simplified characters."""
        glosses = [(row, english, chinese) for row, text in enumerate(texts) if "(" in text or "（" in text
                   for english, chinese in glosses_in(text)]
        runs = {run: sound_key(pinyin_of(run)).rstrip("a")
                for run in sorted(transliteration_runs(simplified_texts, transliteration_chars))}
        return cls(glosses, runs, pinyin_index(vocabulary))

    @classmethod
    def concatenate(cls, parts: list[tuple[NameEvidence, np.ndarray]]) -> NameEvidence:
        """Several segments' evidence as one segment whose rows are theirs in order, glosses of rows
        not alive (mask False; one entry per row of the segment) left out. Runs and readings are
        kept whole: they only propose terms, which are looked up among live passages before use."""
        glosses, runs, readings, offset = [], {}, {}, 0
        for evidence, alive in parts:
            renumbered = np.cumsum(alive) - 1 + offset
            glosses += [(int(renumbered[row]), english, chinese) for row, english, chinese in evidence.glosses
                        if alive[row]]
            offset += int(alive.sum())
            runs.update(evidence.runs)
            for key, words in evidence.readings.items():
                readings[key] = tuple(dict.fromkeys((*readings.get(key, ()), *words)))
        return cls(glosses, runs, readings)

    def to_json(self) -> dict:
        return {"glosses": self.glosses, "runs": self.runs, "readings": self.readings}

    @classmethod
    def from_json(cls, data: dict, where: str) -> NameEvidence:
        try:
            return cls([(int(row), str(e), str(c)) for row, e, c in data["glosses"]],
                       {str(run): str(key) for run, key in data["runs"].items()},
                       {str(key): tuple(map(str, words)) for key, words in data["readings"].items()})
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise ValueError(f"{where}: malformed name evidence ({error!r})") from None


def merged_readings(evidence: Iterable[NameEvidence]) -> dict[str, tuple[str, ...]]:
    merged: dict[str, dict[str, None]] = {}
    for part in evidence:
        for key, words in part.readings.items():
            merged.setdefault(key, {}).update(dict.fromkeys(words))
    return {key: tuple(words) for key, words in merged.items()}


@dataclass
class NameMatcher:
    """English names → corpus Chinese forms, from glosses first and sound-alike runs second."""

    glossed: dict[str, tuple[str, ...]]
    candidates: dict[str, str] = field(default_factory=dict)  # Chinese run → its sound key
    given_names: dict[str, frozenset[str]] = field(default_factory=dict)  # given_names_by_surname()
    # first words of the people the corpus glosses (Paul of 保罗·罗默（Paul Romer）): read_given_names()
    given_name_words: frozenset[str] = frozenset()

    @classmethod
    def from_evidence(cls, evidence: Iterable[NameEvidence],
                      is_common_word: Callable[[str], bool] | None = None,
                      is_ordinary_word: Callable[[str], bool] | None = None,
                      transliteration_chars: frozenset[str] = frozenset()) -> NameMatcher:
        evidence = list(evidence)
        pairs = [(english, chinese, 1) for part in evidence for _, english, chinese in part.glosses]
        glossed = names_from_glosses(pairs, is_common_word, is_ordinary_word)
        return cls(glossed, {run: key for part in evidence for run, key in part.runs.items()},
                   given_names_by_surname(pairs, is_common_word),
                   read_given_names(pairs, transliteration_chars, is_common_word))

    @classmethod
    def from_texts(cls, texts: list[str], transliteration_chars: frozenset[str],
                   is_common_word: Callable[[str], bool] | None = None) -> NameMatcher:
        simplified = [to_simplified(text) for text in texts]
        return cls.from_evidence([NameEvidence.from_passages(texts, simplified, (), transliteration_chars)],
                                 is_common_word, transliteration_chars=transliteration_chars)

    def glossed_forms(self, english: str, given_name: str | None = None) -> tuple[str, ...]:
        """The corpus's Chinese for the name, and the surname of a transliterated full name
        (亨利·基辛格 → 基辛格), which is how later paragraphs refer to the person. A surname the
        corpus glosses only in full names is not found after another `given_name` (Benny Tai is not
        Katherine Tai, 戴琪)."""
        key = _english_key(english)
        if given_name is not None and key in self.given_names and \
                _english_key(given_name) not in self.given_names[key]:
            return ()
        forms = (self.glossed.get(english, ()) if _ACRONYM.fullmatch(english) else ()) or self.glossed.get(key, ())
        surnames = [form.rsplit("·", 1)[-1] for form in forms if "·" in form]
        return tuple(dict.fromkeys([*forms, *(name for name in surnames if len(name) >= 2)]))

    @lru_cache(maxsize=4096)  # noqa: B019 - one matcher per loaded index, kept for the process
    def sounds_like(self, english_word: str, limit: int = 2) -> tuple[str, ...]:
        """Corpus runs that sound like one English name word (at least 4 letters, not a stopword)."""
        if len(english_word) < 4 or english_word.lower() in STOPWORDS_EN:
            return ()
        key = sound_key(english_word).rstrip("a")
        if len(key) < 4:  # "mount" (5a53) sounds like too much
            return ()
        scored = []
        for run, run_key in self.candidates.items():
            # a run across a name's separator (斯·兰克) is parts of two names, not one word's sound
            if not run_key or run_key[0] != key[0] or abs(len(run_key) - len(key)) > 1 or "·" in run:
                continue
            score = SequenceMatcher(None, key, run_key, autojunk=False).ratio()
            if score >= MIN_SOUND_ALIKE_SIMILARITY:
                scored.append((score, run))
        # The coarse classes tie many runs (格里尔, 卡尔爱丽 and 克劳利 all read 2a4a4 like "greer"):
        # the closer spelling breaks the tie, not the longer run.
        best = sorted(scored, key=lambda item: -item[0])[:_SOUND_SHORTLIST]
        best.sort(key=lambda item: (-item[0], -spelling_similarity(english_word, item[1])))
        return tuple(run for _, run in best[:limit])

    def __hash__(self) -> int:  # lru_cache on a method needs the instance hashable
        return id(self)


@lru_cache(maxsize=1)
def load_transliteration_characters() -> frozenset[str]:
    """transliteration_characters() of the installed CC-CEDICT, prepared once (retrieval.derived):
    reading the dictionary for them took 0.7 s of CPU in every process."""
    from retrieval.crosslingual.bridge import BridgeError, cedict_path
    from retrieval.derived import fingerprint, open_prepared, write_table

    path = cedict_path()

    def prepare(connection) -> None:
        with path.open(encoding="utf-8") as handle:
            write_table(connection, "characters", ((ch, 1) for ch in sorted(transliteration_characters(handle))),
                        "INTEGER")

    try:
        tables = open_prepared("cedict-transliteration", fingerprint(data_files=[path], code_files=[Path(__file__)]),
                               prepare)
        return frozenset(key for (key,) in tables.execute("SELECT key FROM characters"))
    except (OSError, UnicodeDecodeError) as error:
        raise BridgeError(f"cannot read the CC-CEDICT dictionary {path}: {error}") from None


def chinese_person_names(simplified_question: str, transliteration_chars: frozenset[str]) -> list[str]:
    """Chinese people's full names in a question (王文涛, 周杰伦), as jieba's part-of-speech tagger
    reads them: three characters or more, not all of them characters used for foreign names (a
    transliteration such as 科茨沃尔德 may stand for a name the corpus writes in Latin letters)."""
    from retrieval.text.tokenize import part_of_speech_tagger

    return [word for word, tag in part_of_speech_tagger().cut(simplified_question)
            if tag in ("nr", "nrfg", "nrt") and len(word) >= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in word)
            and not all(ch in transliteration_chars for ch in word)]


_PINYIN_SYLLABLES_ONLY = re.compile(r"^[a-z]+$")


def pinyin_index(words: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Toneless pinyin, syllables joined ("mayongmao") → the Chinese words that read so (马永茂);
    and the Cantonese key of each word (retrieval.crosslingual.cantonese: "yue:siu-ka-chun" → 邵家臻).

    For Chinese names and places an English question spells in pinyin (Ma Yongmao, Baotou, Huamei)
    or, for Hong Kong, in its Cantonese romanisation (Shiu Ka-chun, Tai Po).
    """
    from retrieval.text.tokenize import part_of_speech_tagger

    tags = part_of_speech_tagger().dt.word_tag_tab
    index: dict[str, list[str]] = {}
    for word in words:
        if 2 <= len(word) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in word):
            index.setdefault(pinyin_of(word), []).append(word)
            # Cantonese without tones meets many common words (tai-po: 大埔 but also 大部, 逮捕, 底部):
            # only names, as jieba's dictionary tags them, or words it lacks (邵家臻), are keyed
            cantonese = cantonese_key(word) if tags.get(word) in _NAME_TAGS else None
            if cantonese is not None:
                index.setdefault(cantonese, []).append(word)
    return {key: tuple(found) for key, found in index.items()}


_NAME_TAGS = frozenset({None, "nr", "nrfg", "nrt", "ns", "nt"})  # jieba's people, places, organisations


def pinyin_key(english_words: list[str]) -> str | None:
    key = "".join(word.lower() for word in english_words)
    return key if _PINYIN_SYLLABLES_ONLY.match(key) and len(key) >= 4 else None
