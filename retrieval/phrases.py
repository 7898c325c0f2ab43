"""Exact-substring matching of terms over all passages' normalised text, scored like BM25.

jieba cuts a rare name or a number-with-unit differently from one sentence to the next (贝森特 may
come out as 贝 + 森特, 4亿美元 as 4 + 亿美元), so terms that come from outside the passage's own
segmentation (dictionary translations, transliterated names, numbers) are matched as substrings of
the passage text instead of as index tokens. All texts are joined into one string, so a term costs
one fast `str.find` scan however many passages there are.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from retrieval.text import normalize

_WHITESPACE = re.compile(r"\s+")
_SEPARATOR = "\x00"
BM25_K1 = 1.5
BM25_B = 0.75


def compact_normal_form(text: str) -> str:
    """normalize() without any whitespace: what terms are searched in."""
    return _WHITESPACE.sub("", normalize(text))


@dataclass(frozen=True)
class PhraseMatches:
    term: str
    rows: np.ndarray  # passage rows that contain the term
    scores: np.ndarray  # BM25-style contribution per row
    idf: float


class PassageTexts:
    """The normalised, whitespace-free text of every passage row, searchable by substring."""

    def __init__(self, texts: list[str], lengths: list[int] | None = None):
        self.texts = [compact_normal_form(text) for text in texts]
        self._joined = _SEPARATOR.join(self.texts)
        starts, position = [], 0
        for text in self.texts:
            starts.append(position)
            position += len(text) + 1
        self._starts = np.asarray(starts, dtype=np.int64)
        # Length in tokens is what BM25 normalises by; characters / 2 approximates it for Chinese.
        self._lengths = np.asarray(lengths if lengths is not None else [max(1, len(t) // 2) for t in self.texts],
                                   dtype=np.float32)
        self._average_length = float(self._lengths.mean()) if len(self._lengths) else 1.0
        self.find = lru_cache(maxsize=8192)(self._find)

    def __len__(self) -> int:
        return len(self.texts)

    def idf(self, document_frequency: int) -> float:
        return math.log(1 + (len(self.texts) - document_frequency + 0.5) / (document_frequency + 0.5))

    def _find(self, term: str) -> PhraseMatches:
        term = compact_normal_form(term)
        if not term:
            return PhraseMatches(term, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), 0.0)
        positions = []
        at = self._joined.find(term)
        while at != -1:
            positions.append(at)
            at = self._joined.find(term, at + len(term))
        rows = np.searchsorted(self._starts, np.asarray(positions, dtype=np.int64), side="right") - 1
        unique_rows, counts = np.unique(rows, return_counts=True)
        idf = self.idf(len(unique_rows))
        lengths = self._lengths[unique_rows] if len(unique_rows) else np.zeros(0, dtype=np.float32)
        norm = BM25_K1 * (1 - BM25_B + BM25_B * lengths / self._average_length)
        scores = (idf * counts * (BM25_K1 + 1) / (counts + norm)).astype(np.float32)
        return PhraseMatches(term, unique_rows.astype(np.int64), scores, idf)

    def contains(self, row: int, term: str) -> bool:
        return compact_normal_form(term) in self.texts[row]
