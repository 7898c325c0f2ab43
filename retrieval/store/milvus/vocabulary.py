"""The vocabulary (document frequency per token and per bigram) stored in the engine as JSON chunks.

A term lives in chunk feature_id(term) % chunks; an incremental rebuild rewrites only the chunks
whose terms changed. One row per term would cost one engine row read per term at start-up
(~200k terms at heldout); chunks of ~40 kB load in a handful of reads.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from retrieval.store.milvus.engine import VOCAB_CHUNK_BYTES, insert_batched, query_all
from retrieval.store.milvus.features import BIGRAM_PREFIX, Vocabulary, feature_id

if TYPE_CHECKING:
    from pymilvus import MilvusClient


def _chunk_of(kind: str, term: str, chunks: int) -> int:
    return feature_id(BIGRAM_PREFIX + term if kind == "b" else term) % chunks


def _chunk_rows(vocab: Vocabulary, chunks: int, only: set[int] | None = None) -> list[dict] | None:
    """The chunk rows, or None if one would outgrow its size (then use more chunks)."""
    tables: dict[int, dict[str, dict[str, int]]] = {i: {"t": {}, "b": {}} for i in range(chunks)
                                                    if only is None or i in only}
    for kind, source in (("t", vocab.tokens), ("b", vocab.bigrams)):
        for term, count in source.items():
            chunk = _chunk_of(kind, term, chunks)
            if chunk in tables:
                tables[chunk][kind][term] = count
    rows = []
    for chunk, table in tables.items():
        text = json.dumps(table, ensure_ascii=False, separators=(",", ":"))
        if len(text.encode("utf-8")) > 1.5 * VOCAB_CHUNK_BYTES:
            return None
        rows.append({"chunk": chunk, "terms": text, "unused": [0.0, 0.0]})
    return rows


def chunks_for(vocab: Vocabulary) -> int:
    entries = len(vocab.tokens) + len(vocab.bigrams)
    return max(1, entries * 16 // VOCAB_CHUNK_BYTES + 1)  # ~16 bytes per "term":df entry in JSON


def write_vocabulary(client: MilvusClient, collection: str, vocab: Vocabulary, chunks: int,
                     changed: set[str] | None = None) -> int:
    """Write every chunk (or only those holding a `changed` term, as Vocabulary.add names them); returns the
    number of chunks used, which grows when a chunk would be too large."""
    only = None
    if changed is not None:
        only = {feature_id(term) % chunks for term in changed}
    rows = _chunk_rows(vocab, chunks, only)
    while rows is None:
        chunks *= 2
        only = None
        rows = _chunk_rows(vocab, chunks)
    insert_batched(client, collection, rows, upsert=True)
    return chunks


def read_vocabulary(client: MilvusClient, collection: str, passages: int, average_length: float) -> Vocabulary:
    vocab = Vocabulary(passages, average_length)
    for row in query_all(client, collection, ["chunk", "terms"], filter="chunk >= 0"):
        table = json.loads(row["terms"])
        vocab.tokens.update(table["t"])
        vocab.bigrams.update(table["b"])
    return vocab
