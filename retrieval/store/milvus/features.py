"""Our own BM25 split between engine and client: the engine holds, per passage, a sparse vector of
BM25's term-frequency part (retrieval.store.bm25) over our tokens; the client holds the vocabulary
(document frequencies) and puts the IDF on the query side.

Why not Milvus' built-in BM25 function over a jieba analyzer: milvus-lite 3.2 keeps BM25 statistics
per segment (its own TODO in engine/collection.py `_search_sparse`), so after an incremental upsert
one passage scores differently depending on the segment that holds it; its analyzers (standard,
jieba) would re-segment the text, where search matches our tokens (retrieval.text.tokenize: OpenCC,
width folding, stopwords) and a text query cannot carry per-term weights. With our own vectors the
engine multiplies what we give it: identical scores on milvus-lite and on a cluster.

Feature ids are 32-bit hashes of the token (Milvus' sparse index takes ids below 2**32 - 1); two
tokens sharing an id would only add a candidate, since candidates are rescored from their tokens.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from retrieval.store import bm25


def feature_id(feature: str) -> int:
    """A stable id in [0, 2**32 - 1) for a token (or any string)."""
    return int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=4).digest(), "little") % 0xFFFFFFFF


def _latin(ch: str) -> bool:
    return ("a" <= ch <= "z") or ("A" <= ch <= "Z")


def bigrams(compact: str) -> list[str]:
    """The character bigrams of a compact text but those of two Latin letters, in order, repeats
    kept: what a substring term is matched by (as retrieval.store.local.phrases keys them)."""
    return [compact[i:i + 2] for i in range(len(compact) - 1)
            if not (_latin(compact[i]) and _latin(compact[i + 1]))]


def length_norm(length: int, average_length: float) -> float:
    """k1 · (1 − b + b · length / average length): the length part of BM25's denominator."""
    return bm25.K1 * (1 - bm25.B + bm25.B * max(length, 1) / (average_length or 1.0))


def passage_vector(tokens: list[str] | tuple[str, ...], average_length: float) -> dict[int, float]:
    """The sparse vector stored for one passage: tf / (tf + norm) per distinct token."""
    norm = length_norm(len(tokens), average_length)
    vector: dict[int, float] = {}
    for token, count in Counter(t for t in tokens if t).items():
        key = feature_id(token)
        vector[key] = vector.get(key, 0.0) + count / (count + norm)
    return vector or {0: 0.0}  # Milvus rejects an empty sparse row; id 0 is never asked for


@dataclass
class Vocabulary:
    """Document frequencies of every token and character bigram over the live passages.

    `average_length` is the one fixed at the last full build: the stored passage vectors were
    normalised with it, so client and engine use the same (an incremental rebuild of one article
    moves the true average by well under a per cent; the next full build refreshes it)."""

    passages: int
    average_length: float
    tokens: dict[str, int] = field(default_factory=dict)
    bigrams: dict[str, int] = field(default_factory=dict)

    def idf(self, document_frequency: int) -> float:
        return bm25.idf(self.passages, document_frequency)

    def unseen_idf(self) -> float:
        return bm25.unseen_idf(self.passages)

    def may_contain(self, compact_term: str) -> bool:
        """False when some bigram of the term is in no passage (then no passage contains it)."""
        grams = bigrams(compact_term)
        return bool(grams) and all(self.bigrams.get(b, 0) > 0 for b in grams)

    def add(self, tokens: list[str] | tuple[str, ...], compact: str, sign: int = 1) -> set[str]:
        """Count one passage in (sign 1) or out (sign -1); the terms whose counts changed
        (tokens as they are, bigrams prefixed as vocabulary chunks key them)."""
        changed: set[str] = set()
        for table, features, prefix in ((self.tokens, {t for t in tokens if t}, ""),
                                        (self.bigrams, set(bigrams(compact)), BIGRAM_PREFIX)):
            for feature in features:
                count = table.get(feature, 0) + sign
                if count > 0:
                    table[feature] = count
                else:
                    table.pop(feature, None)
                changed.add(prefix + feature)
        self.passages += sign
        return changed


BIGRAM_PREFIX = "\x01"
