"""What a rebuild writes into Milvus: passage rows, article records and their evidence, made from
the backend-neutral rebuild steps' ArticleEntry records (retrieval.store.rebuild)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from retrieval.crosslingual.names import NameEvidence, load_transliteration_characters
from retrieval.errors import IndexError_
from retrieval.ingest.leaning import leans_on_previous
from retrieval.records import Passage
from retrieval.store.article_vectors import ArticleVectors
from retrieval.store.milvus.engine import MAX_VARCHAR, pack_vector, unpack_vector
from retrieval.store.milvus.features import passage_vector
from retrieval.store.rebuild import tokens_of
from retrieval.store.records import ArticleEntry
from retrieval.text import compact_normal_form

_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class NewRow:
    """One passage as it will be stored, owned by the first article (by path) that holds it."""

    passage: Passage
    entry: ArticleEntry
    tokens: tuple[str, ...]
    compact: str
    previous_id: str  # the paragraph before it in its article when it leans on that one, else ""


def compact_of(passage: Passage) -> str:
    return _WHITESPACE.sub("", passage.normalized) if passage.normalized else compact_normal_form(passage.text)


def new_rows(entries: list[ArticleEntry], taken: set[str]) -> tuple[list[NewRow], int]:
    """The rows these articles add (in path order; a text another article already holds, or one in
    `taken`, is stored once), and how many duplicates were left out."""
    rows: list[NewRow] = []
    seen = set(taken)
    duplicates = 0
    for entry in sorted(entries, key=lambda e: e.article.source_path):
        passages = sorted(entry.passages, key=lambda p: p.position)
        for i, passage in enumerate(passages):
            if passage.id in seen:
                duplicates += 1
                continue
            seen.add(passage.id)
            previous = passages[i - 1].id if i > 0 and leans_on_previous(passage.text) else ""
            rows.append(NewRow(passage, entry, tuple(tokens_of(passage)), compact_of(passage), previous))
    return rows, duplicates


def _checked(text: str, what: str) -> str:
    if len(text.encode("utf-8")) > MAX_VARCHAR:
        raise IndexError_(f"{what} is longer than Milvus' VARCHAR limit ({MAX_VARCHAR} bytes)")
    return text


def passage_records(row: NewRow, vector: np.ndarray, average_length: float) -> tuple[dict, dict, dict]:
    """The row's records for the passages, lexical and dense collections."""
    article = row.entry.article
    where = f"passage {row.passage.id} of {article.source_path}"
    tokens = _checked("\t".join(row.tokens), where + " (tokens)")
    stored = {
        "passage_id": row.passage.id, "article_id": article.id, "position": int(row.passage.position),
        "text": _checked(row.passage.text, where), "tokens": tokens,
        "length": max(len(row.tokens), 1), "compact": _checked(row.compact, where),
        "title": article.title[:1000], "date": article.date or "", "url": (article.url or "")[:4000],
        "previous_id": row.previous_id, "unused": [0.0, 0.0],
    }
    lexical = {"passage_id": row.passage.id, "article_id": article.id, "tokens": tokens,
               "vector": pack_vector(vector), "lexical": passage_vector(row.tokens, average_length)}
    dense = {"passage_id": row.passage.id, "article_id": article.id,
             "dense": np.asarray(vector, dtype=np.float32).tolist()}
    return stored, lexical, dense


def article_record(entry: ArticleEntry, owned: list[NewRow], vector: tuple[str, str] = ("", "")) -> dict:
    """An article's record: its file's stat and hash, its passage ids in order, and the names its
    passages gloss and their transliteration runs (the local store keeps the same per segment), and
    its article vector (packed) with its text key."""
    article = entry.article
    # The pinyin readings of the article's words are left out: the reader works them out from the
    # vocabulary it holds anyway (a long article's readings overflowed a VARCHAR: src_0038.md of large/).
    names = NameEvidence.from_passages([r.passage.text for r in owned], [r.compact for r in owned],
                                       (), load_transliteration_characters())
    passages = [p.id for p in sorted(entry.passages, key=lambda p: p.position)]
    where = f"article {article.source_path}"
    return {
        "article_id": article.id, "source_path": article.source_path, "file_hash": entry.file_hash,
        "size": int(entry.size), "mtime_ns": int(entry.mtime_ns), "title": article.title[:1000],
        "date": article.date or "", "url": (article.url or "")[:4000], "page_format": article.page_format or "",
        "passages": _checked(json.dumps(passages), where + " (passage list)"),
        "names": _checked(json.dumps(names.to_json(), ensure_ascii=False), where + " (names evidence)"),
        "article_vector": vector[0], "article_key": vector[1],
        "unused": [0.0, 0.0],
    }


ARTICLE_VECTOR_FIELDS = ["article_id", "article_key", "article_vector"]


def article_vectors_of(records: list[dict], model: str) -> ArticleVectors | None:
    """The article vectors held by these article records (None when none holds one)."""
    records = [r for r in records if r.get("article_vector")]
    if not records:
        return None
    return ArticleVectors(model, tuple(r["article_id"] for r in records), tuple(r["article_key"] for r in records),
                          np.stack([unpack_vector(r["article_vector"]) for r in records]))
