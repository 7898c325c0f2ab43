"""One name, several regions' spellings: 特朗普 and 川普 (Trump), 普京 and 普丁 (Putin), 英特尔 and
英代尔 (Intel), 五角大楼 and 五角大厦 (the Pentagon). A question in one spelling should find articles
in the other: the archive holds mainland, Hong Kong and Taiwan outlets side by side, and OpenCC
converts characters, not names.

CC-CEDICT marks a Taiwan form "(Tw)" and glosses it with the same name as the mainland form; an
informal form points to the usual one ("Donald Trump (informal alternative to 特朗普)"). Read from
the installed dictionary, prepared once into a lookup table (retrieval.derived).
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path

from retrieval.crosslingual import cedict
from retrieval.crosslingual.bridge import cedict_path
from retrieval.crosslingual.cedict import cedict_head, parse_cedict_line
from retrieval.derived import PreparedTable, fingerprint, open_prepared, write_table

_TAIWAN = "(Tw)"
# The name a sense glosses: its words before a qualifier ("Donald Trump (1946–), American …" →
# Donald Trump); a proper noun's, so capitalised ("see 基尼係數" names nothing; "the Pentagon" does)
_NAME = re.compile(r"(?:the )?([A-Z][^(,;]*)")


def regional_variants_from_lines(lines: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """Simplified headword → its other regions' spellings. Proper nouns only (capitalised pinyin) of
    two characters or more, that the dictionary has as no common word (大众 is Volkswagen, and
    first "the masses": no 福斯 for it). Among the headwords glossing one name, a Taiwan form is
    linked with each of the others, and two others only where one names the other: 佐治亚 (the US
    state) and 格鲁吉亚 (the country) share the name Georgia and the Taiwan form 乔治亚, not each other."""
    by_name: dict[str, list[tuple[str, str, bool, str]]] = {}
    common: set[str] = set()
    for line in lines:
        parsed = parse_cedict_line(line)
        if parsed is None:
            continue
        simplified, senses = parsed
        traditional, pinyin = cedict_head(line)
        if not pinyin[:1].isupper():
            common.add(simplified)
        if not pinyin[:1].isupper() or len(simplified) < 2 or not senses:
            continue
        first = senses[0].strip()
        taiwan = first.startswith(_TAIWAN)
        name = _NAME.match(first.removeprefix(_TAIWAN).strip())
        if name is not None:
            by_name.setdefault(name.group(1).strip(), []).append((simplified, traditional, taiwan, "/".join(senses)))
    linked: dict[str, set[str]] = {}
    for named in by_name.values():
        members = [member for member in named if member[0] not in common]
        if not any(taiwan for _, _, taiwan, _ in members):
            continue
        for simplified, traditional, taiwan, senses in members:
            for other, other_traditional, other_taiwan, other_senses in members:
                names_it = (other in senses or other_traditional in senses
                            or simplified in other_senses or traditional in other_senses)
                if other != simplified and (taiwan or other_taiwan or names_it):
                    linked.setdefault(simplified, set()).add(other)
    return {word: tuple(sorted(others)) for word, others in linked.items()}


def _prepare(path: Path):
    def prepare(connection: sqlite3.Connection) -> None:
        with path.open(encoding="utf-8") as lines:
            variants = regional_variants_from_lines(lines)
        write_table(connection, "variants", ((word, "\t".join(others)) for word, others in variants.items()), "TEXT")

    return prepare


@lru_cache(maxsize=1)
def load_regional_variants() -> Mapping[str, tuple[str, ...]]:
    """The installed CC-CEDICT's regional spellings (retrieval.crosslingual.bridge.cedict_path)."""
    path = cedict_path()
    key = fingerprint(data_files=[path], code_files=[Path(__file__), Path(cedict.__file__)])
    return PreparedTable(open_prepared("cedict-regional", key, _prepare(path)), "variants",
                         decode=lambda value: tuple(value.split("\t")))
