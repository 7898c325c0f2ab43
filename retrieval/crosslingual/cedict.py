"""Reading CC-CEDICT's lines (`trad simp [pin yin] /sense/sense/`): one reader for every table built
from the dictionary (the bridge, the regional spellings, the static model's glosses)."""

from __future__ import annotations

import re

# A slur or a joke is never what a question's word means: "Taiwanese" was 台巴子 and 台蛙 ("(derog.)
# Taiwanese; person from Taiwan"), "Koreans" 韩棒子. The whole slash field goes, semicolon pieces too.
_SLUR = re.compile(r"\((?:derog\.|derogatory|pejorative|offensive|vulgar|jocular)\)", re.I)


def parse_cedict_line(line: str) -> tuple[str, list[str]] | None:
    """`trad simp [pin yin] /sense/sense/` → (simplified headword, senses); None for comments and junk."""
    line = line.strip()
    if not line or line.startswith("#"):
        return None
    head, _, rest = line.partition(" [")
    parts = head.split(" ")
    if len(parts) != 2 or "] /" not in rest:
        return None
    simplified = parts[1]
    senses = [sense for sense in rest.partition("] /")[2].strip().strip("/").split("/")
              if not _SLUR.search(sense)]
    # Several senses are sometimes packed into one slash field with semicolons.
    return simplified, [piece for sense in senses for piece in sense.split(";")]


def cedict_head(line: str) -> tuple[str, str]:
    """(traditional headword, pinyin) of a line parse_cedict_line reads."""
    return line.partition(" ")[0], line.partition(" [")[2].partition("]")[0]
