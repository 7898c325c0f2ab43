"""The form text is matched in, shared by indexing and querying so both sides match.

Matching happens on a *normalised* form: Unicode width folded (NFKC turns full-width digits,
letters and punctuation into their ASCII forms), Traditional characters mapped to Simplified
(OpenCC), Latin letters lower-cased. Passages are always *shown* in their original form.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache
from pathlib import Path

import opencc

from retrieval.text.patterns import WHITESPACE

# OpenCC's C++ library (the `opencc` wheel) with the dictionaries the pure-Python
# opencc-python-reimplemented 0.1.7 ships: the same output on every one of the 399,841 lines of
# the heldout + large corpora, 85x faster (1.7 s against 143.7 s). The wheel's own t2s
# dictionaries are newer and differ on 69 of those lines (舖/铺, 拚/拼, 沈/沉): an index built with
# one and queried with the other would disagree, so the dictionaries are pinned here.
_T2S_CONFIG = Path(__file__).parent / "t2s_dictionary" / "t2s.json"


def _t2s_converter():
    if hasattr(opencc, "__version__"):  # the C++ binding; the pure-Python package has no version
        return opencc.OpenCC(str(_T2S_CONFIG))
    return opencc.OpenCC("t2s")  # opencc-python-reimplemented: the same dictionaries, built in


_T2S = _t2s_converter()


def fold_width(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII; other compatibility forms unified."""
    # most text already is: the quick check costs a fraction of a normalisation
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    return _T2S.convert(text)


@lru_cache(maxsize=1)
def _taiwan_to_mainland():
    return opencc.OpenCC("tw2sp")  # built into both OpenCC packages: Taiwan phrases too (晶片 → 芯片)


def mainland_word(traditional: str) -> str:
    """A Taiwan word in the mainland's words, Simplified (晶片 芯片, 軟體 软件, 伺服器 服务器): OpenCC's
    Taiwan phrase table. Only for words CC-CEDICT marks as Taiwan usage: the index and the questions
    are matched in to_simplified()'s characters-only form, which must not change."""
    return _taiwan_to_mainland().convert(traditional)


def normalize(text: str) -> str:
    """The form text is matched in: width-folded, Simplified, lower-case, whitespace collapsed."""
    folded = fold_width(text)
    return WHITESPACE.sub(" ", to_simplified(folded)).strip().lower()


@lru_cache(maxsize=8192)
def compact_normal_form(text: str) -> str:
    """normalize() without any whitespace: what substring terms are searched in."""
    return WHITESPACE.sub("", normalize(text))


def contains(text: str, term: str) -> bool:
    """Whether a passage's text says the term (both compared in their compact normal form)."""
    return compact_normal_form(term) in compact_normal_form(text)


def content_id(text: str, length: int = 16) -> str:
    """A stable id derived from content alone: the same passage text always gets the same id."""
    return content_id_of_normalized(normalize(text), length)


def content_id_of_normalized(normalized_text: str, length: int = 16) -> str:
    """content_id() of a text whose normalize() form is already at hand (chunking keeps it for tokenising)."""
    return hashlib.sha1(WHITESPACE.sub("", normalized_text).encode("utf-8")).hexdigest()[:length]
