"""The form text is matched in, shared by indexing and querying so both sides match.

Matching happens on a *normalised* form: Unicode width folded (NFKC turns full-width digits,
letters and punctuation into their ASCII forms), Traditional characters mapped to Simplified
(OpenCC), Latin letters lower-cased. Passages are always *shown* in their original form.
"""

from __future__ import annotations

import hashlib
import unicodedata
from functools import lru_cache

from opencc import OpenCC

from retrieval.text.patterns import WHITESPACE

_T2S = OpenCC("t2s")


def fold_width(text: str) -> str:
    """Full-width digits, letters and punctuation to ASCII; other compatibility forms unified."""
    return unicodedata.normalize("NFKC", text)


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    return _T2S.convert(text)


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
