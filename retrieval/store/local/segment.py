"""One immutable segment of the index on disk: its articles, passage rows, vectors and term counts.

A version of the index is a list of segments plus tombstones (retrieval/store/local/versions.py). A full build
or a compaction writes one *base* segment; an incremental rebuild writes one small *delta*
segment holding only the rows it adds. A segment is never changed after it is written, so a new
version shares the segments of the previous one by hard links: removing an old version unlinks
only its own names, and a segment lives on while any version still links it.

Layout of a segment directory:

    segment.json       kind (base | delta), row count, vector index spec, and the size, SHA-256 and
                       mtime of every other file here (retrieval/store/local/integrity.py)
    meta.sqlite        articles (with file size and mtime for change detection), passages (row,
                       text, tokens) and article_passages (which article holds which passage)
    embeddings.npy     float32 [rows × dim]
    vectors.faiss      FAISS index over those rows (base: chosen by scale; delta: exact)
    lexical/           term counts per row (retrieval/store/local/lexical.py SegmentTerms)
    bigrams/           character-bigram postings for substring terms (retrieval/store/local/phrases.py)
    names.json         glossed names, transliteration runs and pinyin readings (retrieval/crosslingual/names.py)

Nothing here is pickled: JSON, SQLite and numpy (`allow_pickle=False`) only.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from retrieval.crosslingual.names import NameEvidence, load_transliteration_characters
from retrieval.ingest.leaning import leans_on_previous
from retrieval.store.local.durability import fsync_tree
from retrieval.store.local.integrity import record_files
from retrieval.store.local.lexical import SegmentTerms
from retrieval.store.local.phrases import BIGRAMS_DIR, BigramPostings
from retrieval.store.local.schema import META_FILE, SegmentDb, write_tables
from retrieval.store.local.vectors import (
    EMBEDDINGS_FILE,
    VECTORS_FILE,
    VectorIndexError,
    VectorIndexSpec,
    build_faiss_index,
)
from retrieval.store.records import ArticleRow, PassageRow
from retrieval.text import compact_normal_form
from retrieval.text.patterns import WHITESPACE

SEGMENT_FILE = "segment.json"
LEXICAL_DIR = "lexical"
NAMES_FILE = "names.json"
LEANING_FILE = "leaning.npy"  # per row: the paragraph opens with a word pointing back (retrieval.ingest.leaning)


@dataclass(frozen=True)
class CorpusEvidence:
    """What query analysis needs from every passage of a segment: bigram postings for substring
    terms and what the texts say about names. Worked out when the segment is written."""

    bigrams: BigramPostings
    names: NameEvidence

    @classmethod
    def of_rows(cls, rows: list[PassageRow], vocabulary: Iterable[str], lengths: np.ndarray) -> CorpusEvidence:
        compact = [WHITESPACE.sub("", row.normalized) if row.normalized else compact_normal_form.__wrapped__(row.text)
                   for row in rows]
        names = NameEvidence.from_passages([row.text for row in rows], compact, vocabulary,
                                           load_transliteration_characters())
        return cls(BigramPostings.build(compact, lengths), names)


@dataclass(frozen=True)
class SegmentContent:
    """Everything one segment holds, ready to be written."""

    kind: str
    articles: list[ArticleRow]
    article_passages: list[tuple[str, int, str]]  # (article_id, position, passage_id)
    rows: list[PassageRow]
    embeddings: np.ndarray  # float32, row i = rows[i]
    spec: VectorIndexSpec
    evidence: CorpusEvidence | None = None  # None: worked out from the rows when written


def write_segment(directory: Path, content: SegmentContent, trained: faiss.Index | None = None) -> None:
    """Write a complete segment into `directory` (new, not yet referenced by any version), fsynced."""
    if content.kind not in ("base", "delta"):
        raise ValueError(f"segment kind must be base or delta, not {content.kind!r}")
    directory.mkdir(parents=True)
    write_tables(directory / META_FILE,
                 [(a.article_id, a.source_path, a.file_hash, a.size, a.mtime_ns, a.title, a.date, a.url,
                   a.page_format) for a in content.articles],
                 [(row, p.passage_id, p.article_id, p.position, p.text, p.tokens)
                  for row, p in enumerate(content.rows)],
                 content.article_passages)
    embeddings = np.ascontiguousarray(content.embeddings, dtype=np.float32)
    np.save(directory / EMBEDDINGS_FILE, embeddings, allow_pickle=False)
    faiss.write_index(build_faiss_index(embeddings, content.spec, trained=trained), str(directory / VECTORS_FILE))
    terms = SegmentTerms.build([p.tokens.split("\t") if p.tokens else [] for p in content.rows])
    terms.save(directory / LEXICAL_DIR)
    evidence = content.evidence or CorpusEvidence.of_rows(content.rows, terms.vocab, terms.lengths)
    evidence.bigrams.save(directory / BIGRAMS_DIR)
    (directory / NAMES_FILE).write_text(json.dumps(evidence.names.to_json(), ensure_ascii=False), encoding="utf-8")
    np.save(directory / LEANING_FILE, np.asarray([leans_on_previous(p.text) for p in content.rows], dtype=bool),
            allow_pickle=False)
    fsync_tree(directory)
    # every file's size, digest and mtime, taken once it is on disk (retrieval/store/local/integrity.py)
    info = {"kind": content.kind, "rows": len(content.rows), "articles": len(content.articles),
            "vector_index": content.spec.to_json(),
            "files": record_files(directory, (path for path in directory.rglob("*") if path.is_file()))}
    (directory / SEGMENT_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
    fsync_tree(directory)


def _evidence_from_db(db: SegmentDb) -> CorpusEvidence:
    """A segment written before bigrams/ and names.json existed: worked out from its stored rows."""
    rows = [PassageRow("", "", 0, text, tokens or "") for text, tokens in db.texts_and_tokens()]
    token_lists = [row.tokens.split("\t") if row.tokens else [] for row in rows]
    lengths = np.asarray([max(1, len(tokens)) for tokens in token_lists], dtype=np.float32)
    return CorpusEvidence.of_rows(rows, {token for tokens in token_lists for token in tokens}, lengths)


def load_leaning(directory: Path, db: SegmentDb) -> np.ndarray:
    """Which rows of a segment open with a word pointing back; worked out from the stored texts'
    openings for a segment written before leaning.npy existed."""
    path = directory / LEANING_FILE
    if not path.exists():
        return np.asarray([leans_on_previous(opening) for (opening,) in db.openings()], dtype=bool)
    try:
        return np.load(path, allow_pickle=False).astype(bool, copy=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is unreadable: {error}") from None


def load_corpus_evidence(directory: Path, db: SegmentDb) -> CorpusEvidence:
    if not (directory / BIGRAMS_DIR / "keys.npy").exists() or not (directory / NAMES_FILE).exists():
        return _evidence_from_db(db)
    path = directory / NAMES_FILE
    try:
        names = NameEvidence.from_json(json.loads(path.read_text(encoding="utf-8")), str(path))
    except (OSError, json.JSONDecodeError) as error:
        raise ValueError(f"{path} is unreadable: {error}") from None
    try:
        return CorpusEvidence(BigramPostings.load(directory / BIGRAMS_DIR), names)
    except (OSError, ValueError) as error:
        raise ValueError(f"{directory / BIGRAMS_DIR} is unreadable: {error}") from None


def link_segment(source: Path, target: Path) -> None:
    """Share an existing segment with a new version: hard links, never copies of the data.

    Falls back to copying only on a file system without hard links (the index stays correct,
    just larger)."""
    target.mkdir(parents=True)
    for path in source.rglob("*"):
        destination = target / path.relative_to(source)
        if path.is_dir():
            destination.mkdir(parents=True, exist_ok=True)
            continue
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)


def read_segment_info(directory: Path) -> dict:
    try:
        info = json.loads((directory / SEGMENT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:  # ValueError: not UTF-8, not JSON
        raise VectorIndexError(f"segment {directory} is unreadable: {error}") from None
    return info


def load_embeddings(directory: Path) -> np.ndarray:
    embeddings = np.load(directory / EMBEDDINGS_FILE, mmap_mode="r", allow_pickle=False)
    if embeddings.ndim != 2 or embeddings.dtype != np.float32:
        raise VectorIndexError(f"{directory / EMBEDDINGS_FILE}: expected a 2-d float32 array, "
                               f"got {embeddings.dtype} with shape {embeddings.shape}")
    return embeddings
