"""One immutable segment of the index on disk: its articles, passage rows, vectors and term counts.

A version of the index is a list of segments plus tombstones (retrieval/index.py). A full build
or a compaction writes one *base* segment; an incremental rebuild writes one small *delta*
segment holding only the rows it adds. A segment is never changed after it is written, so a new
version shares the segments of the previous one by hard links: removing an old version unlinks
only its own names, and a segment lives on while any version still links it.

Layout of a segment directory:

    segment.json       kind (base | delta), row count, vector index spec
    meta.sqlite        articles (with file size and mtime for change detection), passages (row,
                       text, tokens) and article_passages (which article holds which passage)
    embeddings.npy     float32 [rows × dim]
    vectors.faiss      FAISS index over those rows (base: chosen by scale; delta: exact)
    lexical/           term counts per row (retrieval/lexical.py SegmentTerms)
    bigrams/           character-bigram postings for substring terms (retrieval/phrases.py)
    names.json         glossed names, transliteration runs and pinyin readings (retrieval/names.py)

Nothing here is pickled: JSON, SQLite and numpy (`allow_pickle=False`) only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import faiss
import numpy as np

from retrieval.context import leans_on_previous
from retrieval.lexical import SegmentTerms
from retrieval.names import NameEvidence, load_transliteration_characters
from retrieval.phrases import BIGRAMS_DIR, BigramPostings, compact_normal_form
from retrieval.vectors import (
    EMBEDDINGS_FILE,
    VECTORS_FILE,
    VectorIndexError,
    VectorIndexSpec,
    build_faiss_index,
)

SEGMENT_FILE = "segment.json"
META_FILE = "meta.sqlite"
LEXICAL_DIR = "lexical"
NAMES_FILE = "names.json"
LEANING_FILE = "leaning.npy"  # per row: the paragraph opens with a word pointing back (retrieval.context)
_WHITESPACE = re.compile(r"\s+")

_SCHEMA = """
CREATE TABLE articles (article_id TEXT PRIMARY KEY, source_path TEXT UNIQUE, file_hash TEXT,
                       size INTEGER, mtime_ns INTEGER,
                       title TEXT, date TEXT, url TEXT, page_format TEXT);
CREATE TABLE passages (row INTEGER PRIMARY KEY, passage_id TEXT UNIQUE, article_id TEXT,
                       position INTEGER, text TEXT, tokens TEXT);
CREATE TABLE article_passages (article_id TEXT, position INTEGER, passage_id TEXT,
                               PRIMARY KEY (article_id, position));
-- an incremental rebuild asks "which articles hold this passage?" for the few passages it touches
CREATE INDEX article_passages_by_passage ON article_passages (passage_id);
"""


@dataclass(frozen=True)
class ArticleRow:
    """An article as stored: metadata, where its file was and what its bytes looked like."""

    article_id: str
    source_path: str
    file_hash: str
    size: int
    mtime_ns: int
    title: str
    date: str | None
    url: str | None
    page_format: str


@dataclass(frozen=True)
class PassageRow:
    """One passage row of a segment; its owner is the first article (by path) that holds it."""

    passage_id: str
    article_id: str
    position: int
    text: str
    tokens: str  # tab-joined, as stored
    normalized: str = field(default="", compare=False, repr=False)  # its matching form, when known (not stored)


@dataclass(frozen=True)
class CorpusEvidence:
    """What query analysis needs from every passage of a segment: bigram postings for substring
    terms and what the texts say about names. Worked out when the segment is written."""

    bigrams: BigramPostings
    names: NameEvidence

    @classmethod
    def of_rows(cls, rows: list[PassageRow], vocabulary: Iterable[str], lengths: np.ndarray) -> CorpusEvidence:
        compact = [_WHITESPACE.sub("", row.normalized) if row.normalized else compact_normal_form.__wrapped__(row.text)
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
    with contextlib.closing(sqlite3.connect(directory / META_FILE)) as db:
        db.executescript(_SCHEMA)
        db.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       [(a.article_id, a.source_path, a.file_hash, a.size, a.mtime_ns, a.title, a.date, a.url,
                         a.page_format) for a in content.articles])
        db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?)",
                       [(row, p.passage_id, p.article_id, p.position, p.text, p.tokens)
                        for row, p in enumerate(content.rows)])
        db.executemany("INSERT INTO article_passages VALUES (?, ?, ?)", content.article_passages)
        db.commit()
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
    info = {"kind": content.kind, "rows": len(content.rows), "articles": len(content.articles),
            "vector_index": content.spec.to_json()}
    (directory / SEGMENT_FILE).write_text(json.dumps(info, indent=2), encoding="utf-8")
    fsync_tree(directory)


def _evidence_from_db(db: sqlite3.Connection) -> CorpusEvidence:
    """A segment written before bigrams/ and names.json existed: worked out from its stored rows."""
    rows = [PassageRow("", "", 0, text, tokens or "") for text, tokens in
            db.execute("SELECT text, tokens FROM passages ORDER BY row")]
    token_lists = [row.tokens.split("\t") if row.tokens else [] for row in rows]
    lengths = np.asarray([max(1, len(tokens)) for tokens in token_lists], dtype=np.float32)
    return CorpusEvidence.of_rows(rows, {token for tokens in token_lists for token in tokens}, lengths)


def load_leaning(directory: Path, db: sqlite3.Connection) -> np.ndarray:
    """Which rows of a segment open with a word pointing back; worked out from the stored texts'
    openings for a segment written before leaning.npy existed."""
    path = directory / LEANING_FILE
    if not path.exists():
        rows = db.execute("SELECT substr(text, 1, 8) FROM passages ORDER BY row")
        return np.asarray([leans_on_previous(opening) for (opening,) in rows], dtype=bool)
    try:
        return np.load(path, allow_pickle=False).astype(bool, copy=False)
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is unreadable: {error}") from None


def load_corpus_evidence(directory: Path, db: sqlite3.Connection) -> CorpusEvidence:
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


def fsync_tree(directory: Path) -> None:
    for path in sorted(directory.rglob("*"), reverse=True):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


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
    except (OSError, json.JSONDecodeError) as error:
        raise VectorIndexError(f"segment {directory} is unreadable: {error}") from None
    return info


def open_db(directory: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{directory / META_FILE}?mode=ro", uri=True, check_same_thread=False)


def load_embeddings(directory: Path) -> np.ndarray:
    embeddings = np.load(directory / EMBEDDINGS_FILE, mmap_mode="r", allow_pickle=False)
    if embeddings.ndim != 2 or embeddings.dtype != np.float32:
        raise VectorIndexError(f"{directory / EMBEDDINGS_FILE}: expected a 2-d float32 array, "
                               f"got {embeddings.dtype} with shape {embeddings.shape}")
    return embeddings


def chunks(items: list, size: int = 900) -> Iterator[list]:
    """SQLite caps the number of `?` in one statement; ask in pieces."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def select_in(db: sqlite3.Connection, sql: str, values: Iterable, *, prefix: tuple = ()) -> list[tuple]:
    """Run `sql` (with one `{marks}` placeholder list) for all `values`, in pieces; rows concatenated."""
    values = list(values)
    found: list[tuple] = []
    for piece in chunks(values):
        found.extend(db.execute(sql.format(marks=",".join("?" * len(piece))), [*prefix, *piece]).fetchall())
    return found


# ---------------------------------------------------------------------------------------------
# rows: many segments presented as one row space


class RowMap:
    """Where one segment's live rows sit in the index's single row space.

    The Searcher sees rows 0..N-1 of live passages only: segment after segment, each segment's
    live rows in their stored order, tombstoned rows left out. Dense mapping arrays exist only
    for segments that have tombstones; others are a plain offset.
    """

    def __init__(self, size: int, offset: int, dead: np.ndarray):
        self.size = size
        self.offset = offset
        self.dead = np.unique(np.asarray(dead, dtype=np.int64))
        self.live = size - len(self.dead)
        if len(self.dead):
            alive = np.ones(size, dtype=bool)
            alive[self.dead] = False
            self.alive: np.ndarray | None = alive
            self._live_locals = np.flatnonzero(alive).astype(np.int64)
            self._global_of = np.full(size, -1, dtype=np.int64)
            self._global_of[self._live_locals] = offset + np.arange(self.live, dtype=np.int64)
        else:
            self.alive = None
            self._live_locals = None
            self._global_of = None

    @property
    def end(self) -> int:
        return self.offset + self.live

    def to_global(self, local: np.ndarray) -> np.ndarray:
        """Global rows of local rows; -1 for a tombstoned (or negative, 'no result') local row."""
        local = np.asarray(local, dtype=np.int64)
        if self._global_of is None:
            return np.where(local >= 0, local + self.offset, -1)
        return np.where(local >= 0, self._global_of[np.maximum(local, 0)], -1)

    def to_local(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64) - self.offset
        return rows if self._live_locals is None else self._live_locals[rows]

    def live_bitmap(self) -> np.ndarray | None:
        """FAISS IDSelectorBitmap layout (bit i of byte i//8, little-endian) of the live rows."""
        return None if self.alive is None else np.packbits(self.alive, bitorder="little")
