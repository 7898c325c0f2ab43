"""The lexical side: BM25 over jieba tokens of normalised passage text.

An index segment stores raw term counts per row (`SegmentTerms`: numpy sparse postings + a JSON
vocabulary); `SegmentedLexical` scores them with BM25 over the live rows of all segments at query
time. `LexicalIndex` reads the bm25s matrices of indexes written before segments (format 1),
stored with bm25s' own numpy/JSON files. Nothing is pickled (`allow_pickle=False` on load).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retrieval.store import bm25
from retrieval.store.local.diskarrays import DiskArray

if TYPE_CHECKING:
    import bm25s

    from retrieval.store.local.rows import RowMap

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
        import bm25s  # 0.8 s to import (scipy): only indexes of format 1 use it

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
        import bm25s

        retriever = bm25s.BM25.load(str(directory), allow_pickle=False, mmap=True, load_corpus=False)
        return cls(retriever, num_docs)

    def unseen_idf(self) -> float:
        """IDF given to a query term no passage contains: rarer than the rarest indexed term."""
        return bm25.unseen_idf(self.num_docs)

    def postings(self, term: str) -> TermPostings | None:
        term_id = self._retriever.vocab_dict.get(term)
        if term_id is None or term == "":
            return None
        indptr = self._retriever.scores["indptr"]
        start, end = int(indptr[term_id]), int(indptr[term_id + 1])
        rows = np.asarray(self._retriever.scores["indices"][start:end])
        scores = np.asarray(self._retriever.scores["data"][start:end], dtype=np.float32)
        return TermPostings(term, rows, scores, bm25.idf(self.num_docs, end - start))


# ---------------------------------------------------------------------------------------------
# segments: term counts per segment, BM25 scored with corpus-wide statistics at query time

TERMS_FILE = "terms.json"


class SegmentTerms:
    """One segment's postings as raw counts: for each term, the local rows holding it and how often.

    Counts rather than finished BM25 scores because a score depends on corpus-wide statistics
    (number of passages, document frequency, average length) that change when a delta segment
    or a tombstone is added; counts never do, so every segment's postings stay valid and the
    scores are computed exactly at query time over the live rows of all segments.
    """

    def __init__(self, vocab: dict[str, int], indptr: np.ndarray, rows: np.ndarray, counts: np.ndarray,
                 lengths: np.ndarray):
        self.vocab = vocab
        self.indptr = indptr
        self.rows = rows
        self.counts = counts
        self.lengths = lengths  # tokens per row (at least 1, as bm25s counts an empty passage)

    @classmethod
    def build(cls, token_lists: list[list[str]]) -> SegmentTerms:
        from array import array

        import scipy.sparse

        vocab: dict[str, int] = {}
        term_ids = array("i")  # 4 bytes per token: a Python list of ints costs ~36 at millions of passages
        per_row = np.zeros(len(token_lists), dtype=np.int64)
        for row, tokens in enumerate(token_lists):
            kept = [token for token in tokens if token]
            per_row[row] = len(kept)
            term_ids.extend(vocab.setdefault(token, len(vocab)) for token in kept)
        term_array = np.frombuffer(term_ids, dtype=np.int32) if len(term_ids) else np.zeros(0, dtype=np.int32)
        row_array = np.repeat(np.arange(len(token_lists), dtype=np.int32), per_row)
        # CSC over (row, term): column t lists the rows holding term t; duplicates summed = counts.
        matrix = scipy.sparse.csc_matrix((np.ones(len(term_array), dtype=np.float32), (row_array, term_array)),
                                         shape=(len(token_lists), len(vocab)))
        matrix.sum_duplicates()
        matrix.sort_indices()
        return cls(vocab, matrix.indptr.astype(np.int64), matrix.indices.astype(np.int32),
                   matrix.data.astype(np.float32), np.maximum(per_row, 1).astype(np.float32))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        terms = sorted(self.vocab, key=self.vocab.__getitem__)
        (directory / TERMS_FILE).write_text(json.dumps(terms, ensure_ascii=False), encoding="utf-8")
        for name in ("indptr", "rows", "counts", "lengths"):
            np.save(directory / f"{name}.npy", getattr(self, name), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> SegmentTerms:
        terms = json.loads((directory / TERMS_FILE).read_text(encoding="utf-8"))
        # Left on disk: a query reads only its terms' postings (rows and counts with pread).
        arrays = {"indptr": np.load(directory / "indptr.npy", mmap_mode="r", allow_pickle=False),
                  **{name: DiskArray(directory / f"{name}.npy") for name in ("rows", "counts")}}
        lengths = np.load(directory / "lengths.npy", allow_pickle=False)
        return cls({term: i for i, term in enumerate(terms)}, arrays["indptr"], arrays["rows"], arrays["counts"],
                   lengths)

    def lookup(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        term_id = self.vocab.get(term)
        if term_id is None:
            return None
        start, end = int(self.indptr[term_id]), int(self.indptr[term_id + 1])
        return np.asarray(self.rows[start:end], dtype=np.int64), np.asarray(self.counts[start:end])


class SegmentedLexical:
    """BM25 over the live rows of several segments, scored as one corpus.

    N, the average length and every term's document frequency are those of the live rows
    (tombstoned rows are dropped from the postings before df is counted), so a passage scores
    exactly as it would in a full rebuild over the same passages.
    """

    def __init__(self, parts: list[tuple[SegmentTerms, RowMap]]):
        self._parts = parts
        self.num_docs, self._norms = bm25.length_norms([(terms.lengths, row_map) for terms, row_map in parts])
        # One search asks for the same term many times (existence while analysing, scores, then its
        # IDF for every passage's coverage); scores are computed from counts, so keep the last few.
        self.postings = lru_cache(maxsize=64)(self._postings)

    def unseen_idf(self) -> float:
        """IDF given to a query term no passage contains: rarer than the rarest indexed term."""
        return bm25.unseen_idf(self.num_docs)

    def _postings(self, term: str) -> TermPostings | None:
        if term == "":
            return None
        rows_parts, counts_parts, norm_parts = [], [], []
        for (terms, row_map), norms in zip(self._parts, self._norms, strict=True):
            found = terms.lookup(term)
            if found is None:
                continue
            local, counts = found
            rows = row_map.to_global(local)
            live = rows >= 0
            if not live.all():
                local, counts, rows = local[live], counts[live], rows[live]
            rows_parts.append(rows)
            counts_parts.append(counts)
            norm_parts.append(norms[local])
        doc_freq = sum(len(rows) for rows in rows_parts)
        if doc_freq == 0:
            return None
        idf = bm25.idf(self.num_docs, doc_freq)
        scores = bm25.tf_scores(idf, np.concatenate(counts_parts), np.concatenate(norm_parts))
        return TermPostings(term, np.concatenate(rows_parts), scores, idf)
