"""Hong Kong names as English writes them (Shiu Ka-chun, Tai Po) → the corpus's Chinese (邵家臻, 大埔).

English spells Hong Kong people and places by their Cantonese sound in the Hong Kong government's
romanisation, not in pinyin: 邵家臻 is Shao Jiazhen in pinyin but Shiu Ka-chun in the news. Both
sides are brought to one coarse spelling, syllable by syllable: the corpus word through its Jyutping
reading (PyPI `ToJyutping`, read only while an index is built) and the Hong Kong spelling of that
reading; the English words as written. The key keeps the number of syllables, so a name matches only
a word of as many characters.
"""

from __future__ import annotations

import re

KEY_PREFIX = "yue:"  # Cantonese keys share the pinyin readings table (retrieval.crosslingual.names)

# Jyutping initials → the Hong Kong spelling (unaspirated stops are written voiceless: 大 daai → Tai)
_INITIALS = {"gw": "kw", "b": "p", "d": "t", "g": "k", "z": "ch", "c": "ch", "j": "y"}
# Jyutping finals → the Hong Kong spelling, longest first (臻 zeon → chun, 梁 loeng → leung, 元 jyun → yuen)
_FINALS = (("oeng", "eung"), ("oek", "euk"), ("eon", "un"), ("eot", "ut"), ("eoi", "ui"), ("yun", "uen"),
           ("yut", "uet"), ("aa", "a"), ("ou", "o"), ("oe", "eu"), ("yu", "u"))
# Spellings that vary between writers (Lee/Li, Chow/Chau, Law/Lo, Tsang/Chang) folded to one form.
_CANONICAL = (("tsz", "chi"), ("ts", "ch"), ("sh", "s"), ("ee", "i"), ("ei", "i"), ("ey", "i"), ("oo", "u"),
              ("ue", "u"), ("eu", "u"), ("ow", "au"), ("aw", "o"), ("or", "o"), ("oh", "o"), ("ou", "o"),
              ("kw", "k"), ("ck", "k"))
_SYLLABLE = re.compile(r"^[a-z]+$")
_JYUTPING = re.compile(r"^(gw|kw|ng|[bpmfdtnlgkhwzcsj])?([a-z]*?)[1-6]?$")


def hong_kong_spelling(jyutping: str) -> str:
    """One Jyutping syllable (tone number optional) as the Hong Kong romanisation writes it."""
    match = _JYUTPING.match(jyutping)
    if match is None or not match.group(2):  # 吴 ng, 唔 m: a syllable with no vowel is written as it is
        return jyutping.rstrip("123456")
    initial, syllable = _INITIALS.get(match.group(1) or "", match.group(1) or ""), match.group(2)
    for written, spelt in _FINALS:
        if syllable.startswith(written):
            syllable = spelt + syllable[len(written):]
            break
    if initial == "y" and syllable.startswith("u"):  # 元 jyun: y + uen, not yyuen
        return "y" + syllable
    return initial + syllable


# An unaspirated initial stop is written voiced or voiceless by different writers: 邦 bong is
# "Pong" in the government's spelling and "Bong" in Lau Tat-bong's (and 丁 Ting or Ding).
_VOICED_INITIAL = {"b": "p", "d": "t", "g": "k"}


def canonical(syllable: str) -> str:
    """A romanised syllable in the coarse spelling both sides meet in."""
    syllable = syllable.lower()
    for written, folded in _CANONICAL:
        syllable = syllable.replace(written, folded)
    if syllable[:1] in _VOICED_INITIAL:
        syllable = _VOICED_INITIAL[syllable[0]] + syllable[1:]
    # a final h only lengthens the vowel in Hong Kong spellings: 華 Wah, 嘉 Kah (Jyutping waa, gaa)
    return syllable[:-1] if len(syllable) > 2 and syllable.endswith("h") and syllable[-2] in "aeiou" else syllable


def key_of_english(words: list[str]) -> str | None:
    """The key of a name as English writes it: "Shiu Ka-chun" → yue:siu-ka-chun; None unless it
    has two syllables or more, all letters."""
    syllables = [part for word in words for part in word.lower().split("-") if part]
    if len(syllables) < 2 or not all(_SYLLABLE.match(part) for part in syllables):
        return None
    return KEY_PREFIX + "-".join(canonical(part) for part in syllables)


def key_of_chinese(word: str) -> str | None:
    """The key of a corpus word by its Cantonese reading; None where a character has none."""
    import ToJyutping  # 1.3 s to import: only building an index reads Cantonese

    readings = ToJyutping.get_jyutping_list(word)
    if len(readings) != len(word) or any(not reading for _, reading in readings):
        return None
    return KEY_PREFIX + "-".join(canonical(hong_kong_spelling(reading)) for _, reading in readings)
