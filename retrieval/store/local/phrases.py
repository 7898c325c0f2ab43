"""Substring matching of terms over all passages, by character-bigram postings, scored like BM25.

jieba cuts a rare name or a number-with-unit differently from one sentence to the next (贝森特 may
come out as 贝 + 森特, 4亿美元 as 4 + 亿美元), so terms that come from outside the passage's own
segmentation (dictionary translations, transliterated names, numbers) are matched as substrings of
the passage's normalised, whitespace-free text instead of as index tokens.

Scanning every passage's text per term does not scale (at 1M passages: ~200M characters per scan
and gigabytes of text in memory), so each segment stores, for every character bigram but those of
two Latin letters (English words are index tokens, never substring terms), the rows containing it
and how often (`BigramPostings`, numpy files; rows and counts read by slices). A term's rows are the
intersection of its bigrams' rows, its count in a row the least of its bigrams' counts.
For a two-character term that is exact; for a longer one a row may hold all
its bigrams apart (财政 … 政部 … 部长 without 财政部长): such a row only becomes a candidate, since
whether a passage really says the term is checked on its text (`contains`) wherever it decides
anything (coverage, reranking, the matched terms shown).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from retrieval.store import bm25
from retrieval.store.local.diskarrays import DiskArray
from retrieval.text import compact_normal_form

if TYPE_CHECKING:
    from retrieval.store.local.rows import RowMap

BIGRAMS_DIR = "bigrams"
_MAX_COUNT = np.iinfo(np.uint16).max
_BATCH = 50_000  # passages turned into bigrams at once: bounds the build's temporary arrays


def _indexed(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Which bigrams are kept: all but two Latin letters (and none spanning two rows' NUL separator)."""
    def latin(codes: np.ndarray) -> np.ndarray:
        return ((codes >= 0x61) & (codes <= 0x7A)) | ((codes >= 0x41) & (codes <= 0x5A))
    return (first != 0) & (second != 0) & ~(latin(first) & latin(second))


def _codes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)


def bigram_keys(compact: str) -> np.ndarray:
    """The keys of a compact text's indexed bigrams, in order (repeats kept)."""
    codes = _codes(compact)
    if len(codes) < 2:
        return np.zeros(0, dtype=np.int64)
    first, second = codes[:-1], codes[1:]
    keep = _indexed(first, second)
    return (first[keep] << 21) | second[keep]  # a code point fits in 21 bits


@dataclass(frozen=True)
class PhraseMatches:
    term: str
    rows: np.ndarray  # passage rows that (may) contain the term
    scores: np.ndarray  # BM25-style contribution per row
    idf: float


class BigramPostings:
    """One segment's bigram postings: for each bigram key (sorted), the local rows and counts."""

    FILES = ("keys", "indptr", "rows", "counts", "lengths")

    def __init__(self, keys: np.ndarray, indptr: np.ndarray, rows: np.ndarray, counts: np.ndarray,
                 lengths: np.ndarray):
        self.keys = keys
        self.indptr = indptr
        self.rows = rows
        self.counts = counts
        self.lengths = lengths  # tokens per row (at least 1): what BM25 normalises by

    @classmethod
    def build(cls, compact_texts: list[str], lengths: list[int] | np.ndarray) -> BigramPostings:
        """Postings of texts already in their compact normal form (row i = compact_texts[i])."""
        key_parts, row_parts, count_parts = [], [], []
        for start in range(0, len(compact_texts), _BATCH):
            batch = compact_texts[start:start + _BATCH]
            codes = _codes("\x00".join(batch))
            sizes = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch))
            row_of = np.repeat(np.arange(start, start + len(batch), dtype=np.int64), sizes + 1)[:len(codes)]
            first, second = codes[:-1], codes[1:]
            keep = _indexed(first, second)  # NUL never occurs in normalised text: no bigram spans two rows
            keys, rows = (first[keep] << 21) | second[keep], row_of[:-1][keep]
            order = np.lexsort((rows, keys))
            keys, rows = keys[order], rows[order]
            new = np.ones(len(keys), dtype=bool)
            new[1:] = (keys[1:] != keys[:-1]) | (rows[1:] != rows[:-1])
            starts = np.flatnonzero(new)
            key_parts.append(keys[starts])
            row_parts.append(rows[starts].astype(np.int32))
            count_parts.append(np.minimum(np.diff(np.append(starts, len(keys))), _MAX_COUNT).astype(np.uint16))
        return cls._from_entries(key_parts, row_parts, count_parts, np.asarray(lengths, dtype=np.float32))

    @classmethod
    def concatenate(cls, parts: list[tuple[BigramPostings, np.ndarray | None]]) -> BigramPostings:
        """Several segments' postings as one segment whose rows are theirs in order, the rows not
        alive (mask False) left out: how a compaction keeps postings without reading any text."""
        key_parts, row_parts, count_parts, length_parts, offset = [], [], [], [], 0
        for postings, alive in parts:
            alive = np.ones(len(postings.lengths), dtype=bool) if alive is None else alive
            renumbered = np.cumsum(alive) - 1 + offset
            keys = np.repeat(postings.keys, np.diff(postings.indptr))
            rows = np.asarray(postings.rows, dtype=np.int64)
            keep = alive[rows]
            key_parts.append(keys[keep])
            row_parts.append(renumbered[rows[keep]].astype(np.int32))
            count_parts.append(np.asarray(postings.counts)[keep])
            length_parts.append(postings.lengths[alive])
            offset += int(alive.sum())
        lengths = np.concatenate(length_parts) if length_parts else np.zeros(0, dtype=np.float32)
        return cls._from_entries(key_parts, row_parts, count_parts, lengths)

    @classmethod
    def _from_entries(cls, key_parts: list[np.ndarray], row_parts: list[np.ndarray], count_parts: list[np.ndarray],
                      lengths: np.ndarray) -> BigramPostings:
        """Postings from (key, row, count) entries given in parts that follow one another in row
        order, each sorted by key then row."""
        if key_parts:
            keys = np.concatenate(key_parts)
            order = np.argsort(keys, kind="stable")  # stable: each key's rows stay ascending
            keys, rows, counts = keys[order], np.concatenate(row_parts)[order], np.concatenate(count_parts)[order]
        else:
            keys, rows, counts = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32),
                                  np.zeros(0, dtype=np.uint16))
        unique_keys, first_of = np.unique(keys, return_index=True)
        indptr = np.append(first_of, len(keys)).astype(np.int64)
        return cls(unique_keys, indptr, rows, counts, np.maximum(lengths, 1).astype(np.float32))

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        for name in self.FILES:
            np.save(directory / f"{name}.npy", getattr(self, name), allow_pickle=False)

    @classmethod
    def load(cls, directory: Path) -> BigramPostings:
        # rows and counts stay on disk: a query reads only its bigrams' postings (with pread)
        arrays = {name: DiskArray(directory / f"{name}.npy") if name in ("rows", "counts")
                  else np.load(directory / f"{name}.npy", allow_pickle=False) for name in cls.FILES}
        return cls(**arrays)

    def lookup(self, key: int) -> tuple[np.ndarray, np.ndarray] | None:
        at = int(np.searchsorted(self.keys, key))
        if at == len(self.keys) or int(self.keys[at]) != key:
            return None
        start, end = int(self.indptr[at]), int(self.indptr[at + 1])
        return np.asarray(self.rows[start:end], dtype=np.int64), np.asarray(self.counts[start:end])

    def term_rows(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Local rows holding every one of the bigram `keys`, with the least count of any of them."""
        found = []
        for key in np.unique(keys).tolist():
            hit = self.lookup(key)
            if hit is None:
                return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
            found.append(hit)
        found.sort(key=lambda hit: len(hit[0]))  # intersect from the rarest bigram
        rows, counts = found[0][0], found[0][1].astype(np.float32)
        for other_rows, other_counts in found[1:]:
            # both ascending: look the (shorter) survivors up in the other list, no sort needed
            at = np.minimum(np.searchsorted(other_rows, rows), len(other_rows) - 1)
            both = other_rows[at] == rows
            rows, counts = rows[both], np.minimum(counts[both], other_counts[at[both]].astype(np.float32))
            if not len(rows):
                break
        return rows, counts


class PhraseIndex:
    """Substring search over the live rows of all segments, scored as one corpus (like SegmentedLexical)."""

    def __init__(self, parts: list[tuple[BigramPostings, RowMap]]):
        self._parts = parts
        self.num_docs, self._norms = bm25.length_norms([(p.lengths, row_map) for p, row_map in parts])
        self.find = lru_cache(maxsize=8192)(self._find)

    def __len__(self) -> int:
        return self.num_docs

    def _find(self, term: str) -> PhraseMatches:
        term = compact_normal_form(term)
        keys = bigram_keys(term)
        if not len(keys):
            return PhraseMatches(term, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32), 0.0)
        row_parts, count_parts, norm_parts = [], [], []
        for (postings, row_map), norms in zip(self._parts, self._norms, strict=True):
            local, counts = postings.term_rows(keys)
            if not len(local):
                continue
            rows = row_map.to_global(local)
            live = rows >= 0
            row_parts.append(rows[live])
            count_parts.append(counts[live])
            norm_parts.append(norms[local[live]])
        rows = np.concatenate(row_parts) if row_parts else np.zeros(0, dtype=np.int64)
        idf = bm25.idf(self.num_docs, len(rows))
        if not len(rows):
            return PhraseMatches(term, rows, np.zeros(0, dtype=np.float32), idf)
        counts, norms = np.concatenate(count_parts), np.concatenate(norm_parts)
        scores = bm25.tf_scores(idf, counts, norms, bm25.PHRASE_TF_SCALE)
        return PhraseMatches(term, rows, scores, idf)
