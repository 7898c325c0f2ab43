"""The lexical side: BM25 (bm25s, sparse matrices) over jieba tokens of normalised passage text.

Stored with bm25s' own numpy/JSON files (`allow_pickle=False` on load), never with pickle.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from pathlib import Path

import bm25s
import numpy as np

logging.getLogger("bm25s").setLevel(logging.WARNING)


@dataclass(frozen=True)
class TermPostings:
    """The passages (row numbers) that contain one term, with that term's BM25 contribution."""

    term: str
    rows: np.ndarray
    scores: np.ndarray
    idf: float


class LexicalIndex:
    def __init__(self, retriever: bm25s.BM25, num_docs: int):
        self._retriever = retriever
        self.num_docs = num_docs

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> LexicalIndex:
        retriever = bm25s.BM25()
        # An empty document still needs one token for bm25s; "" never matches a query token.
        retriever.index([tokens or [""] for tokens in token_lists], show_progress=False)
        return cls(retriever, len(token_lists))

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, num_docs: int) -> LexicalIndex:
        # Memory-mapped: a query touches only its terms' postings, so serving memory stays small at
        # millions of passages (measured by scripts/bench.py) instead of holding every score matrix.
        retriever = bm25s.BM25.load(str(directory), allow_pickle=False, mmap=True, load_corpus=False)
        return cls(retriever, num_docs)

    def unseen_idf(self) -> float:
        """IDF given to a query term no passage contains: rarer than the rarest indexed term."""
        return math.log(1 + (self.num_docs + 0.5) / 0.5)

    def postings(self, term: str) -> TermPostings | None:
        term_id = self._retriever.vocab_dict.get(term)
        if term_id is None or term == "":
            return None
        indptr = self._retriever.scores["indptr"]
        start, end = int(indptr[term_id]), int(indptr[term_id + 1])
        rows = np.asarray(self._retriever.scores["indices"][start:end])
        scores = np.asarray(self._retriever.scores["data"][start:end], dtype=np.float32)
        doc_freq = end - start
        idf = math.log(1 + (self.num_docs - doc_freq + 0.5) / (doc_freq + 0.5))
        return TermPostings(term, rows, scores, idf)
