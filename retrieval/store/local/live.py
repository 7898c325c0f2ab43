"""The live version as a rebuild reads it: what files it recorded, which vectors and tokens can be
reused, and each unchanged article's stored rows. SQLite queries and memory-mapped vectors, no row objects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from retrieval.errors import IndexError_
from retrieval.ingest.boilerplate import Furniture, article_keys, find_furniture, source_of
from retrieval.ingest.changes import FileScan, StoredFile
from retrieval.models.embedding import Embedder
from retrieval.records import Article, Passage
from retrieval.store.article_vectors import ArticleVectors
from retrieval.store.local import fingerprint
from retrieval.store.local.article_file import read_article_vectors
from retrieval.store.local.integrity import IndexDamaged
from retrieval.store.local.schema import SegmentDb
from retrieval.store.local.segment import load_embeddings
from retrieval.store.local.vectors import VECTORS_FILE, VectorIndexSpec
from retrieval.store.local.versions import (
    FORMAT_VERSION,
    LEGACY_FORMAT,
    VersionFiles,
    fingerprint_of,
    live_version_dir,
    read_manifest,
)
from retrieval.store.records import ArticleEntry, ArticleRow, fingerprints_agree


@dataclass(frozen=True)
class Reusable:
    vector: np.ndarray
    tokens: str
    alive: bool


class LiveVersion(VersionFiles):
    """The live version as a rebuild reads it: SQLite queries and memory-mapped vectors, no row objects."""

    def __init__(self, directory: Path, same_pipeline: bool):
        super().__init__(directory)
        self.same_pipeline = same_pipeline
        self.version = str(self.manifest["version"])
        self.dim = int(self.manifest["dim"])
        self.num_passages = int(self.manifest["passages"])
        self.num_articles = int(self.manifest["articles"])
        self.base_spec = self.segment_spec(self.segments[0])
        try:
            self.furniture = Furniture.from_json(self.manifest.get("furniture"), str(directory / "manifest.json"))
        except ValueError as error:
            raise IndexError_(str(error)) from None
        self._dbs: dict[str, SegmentDb] = {}
        self._embeddings: dict[str, np.ndarray] = {}

    @property
    def takes_deltas(self) -> bool:
        return not self.legacy and self.same_pipeline

    def db(self, name: str) -> SegmentDb:
        if name not in self._dbs:
            self._dbs[name] = SegmentDb(self.segment_dir(name))
        return self._dbs[name]

    def embeddings(self, name: str) -> np.ndarray:
        if name not in self._embeddings:
            self._embeddings[name] = load_embeddings(self.segment_dir(name))
        return self._embeddings[name]

    def furniture_after(self, scan: FileScan, read: list[Article]) -> Furniture:
        """The boilerplate known once `read` joins the index: what this version knew, plus every
        paragraph that now stands in enough articles of one source, counting the live articles not
        being re-read (by passage id: a paragraph standing as a passage has its key as id)."""
        if not self.same_pipeline:  # every file is read again, and keys may be made otherwise now
            return find_furniture(read)
        keys = list({key for article in read for _, key in article_keys(article)})
        rereading = {before.article_id for _, _, before in scan.to_read if before is not None}
        holders: set[tuple[str, str, str]] = set()
        for name in self.segments:
            dead = self.dead_articles[name]
            for pid, _, article_id, _, url in self.db(name).holders_of(keys):
                if article_id not in dead and article_id not in rereading:
                    holders.add((source_of(url), pid, article_id))
        held = Counter((source, pid) for source, pid, _ in holders)
        return find_furniture(read, known=self.furniture, held_elsewhere=held)

    def stored_files(self) -> dict[str, StoredFile]:
        """Every live article file the version records: ~50k small tuples at 1M passages."""
        files: dict[str, StoredFile] = {}
        for name in self.segments:
            dead = self.dead_articles[name]
            for article_id, path, digest, size, mtime_ns in self.db(name).article_files(with_stat=not self.legacy):
                if article_id not in dead:
                    files[path] = StoredFile(name, article_id, path, digest, size, mtime_ns)
        return files

    def article_row(self, record: StoredFile) -> ArticleRow:
        title, date, url, page_format = self.db(record.segment).article_details(record.article_id)
        return ArticleRow(record.article_id, record.source_path, record.file_hash, record.size or 0,
                          record.mtime_ns or 0, title, date, url, page_format)

    def entry(self, record: StoredFile) -> ArticleEntry:
        """An unchanged article rebuilt from its stored rows (full builds and compaction only)."""
        row = self.article_row(record)
        passages = tuple(
            Passage(id=pid, article_id=record.article_id, text=text, position=position)
            for position, pid, text in self._holdings_with_text(record))
        article = Article(id=row.article_id, title=row.title, date=row.date, url=row.url, paragraphs=(),
                          source_path=row.source_path, page_format=row.page_format)
        return ArticleEntry(article, row.file_hash, passages, row.size, row.mtime_ns)

    def _holdings_with_text(self, record: StoredFile) -> list[tuple[int, str, str]]:
        holdings = self.db(record.segment).holdings_of(record.article_id)
        texts: dict[str, str] = {}
        for name in self.segments:
            missing = [pid for _, pid in holdings if pid not in texts]
            if not missing:
                break
            texts.update(self.db(name).texts_of(missing))
        return [(position, pid, texts[pid]) for position, pid in holdings if pid in texts]

    def reusable(self, pids: list[str]) -> dict[str, Reusable]:
        """Stored vector and tokens by passage id, from any segment (a live row preferred)."""
        found: dict[str, Reusable] = {}
        for name in self.segments:
            db, vectors, dead = self.db(name), self.embeddings(name), self.dead_rows[name]
            for pid, row, token_text in db.stored_tokens(pids):
                alive = row not in dead
                if pid not in found or (alive and not found[pid].alive):
                    found[pid] = Reusable(np.asarray(vectors[row]), token_text or "", alive)
        return found

    def has_article_vectors(self, model: str) -> bool:
        try:
            found = read_article_vectors(self.directory)
        except IndexDamaged:
            return False
        return found is not None and found.model == model

    def article_vectors(self, warn: Callable[[str], None]) -> ArticleVectors | None:
        """The version's article vectors to reuse; None when it has none or they are damaged (then
        they are all made again: a rebuild repairs)."""
        try:
            return read_article_vectors(self.directory)
        except IndexDamaged as error:
            warn(f"{error}: making every article vector again")
            return None

    def trained_base(self, spec: VectorIndexSpec) -> faiss.Index | None:
        """The base segment's trained IVF index, when the compacted base keeps its list count."""
        if self.legacy or spec.kind != "ivf_sq8" or self.base_spec != spec:
            return None
        try:
            return faiss.read_index(str(self.segment_dir(self.segments[0]) / VECTORS_FILE))
        except RuntimeError:
            return None

    def close(self) -> None:
        for db in self._dbs.values():
            db.close()
        self._dbs.clear()
        self._embeddings.clear()


def open_live_for_reuse(index_dir: Path, embedder: Embedder, warn: Callable[[str], None]) -> LiveVersion | None:
    directory = live_version_dir(index_dir)
    if directory is None:
        return None
    try:
        manifest = read_manifest(directory)
    except IndexDamaged as error:
        warn(f"the live index version is damaged ({error.path}: {error.problem}): rebuilding everything "
             "to repair it")
        return None
    except IndexError_ as error:
        warn(f"previous index not reusable ({error}); rebuilding everything")
        return None
    if manifest.get("format_version") not in (FORMAT_VERSION, LEGACY_FORMAT):
        warn("previous index has an unknown format; rebuilding everything")
        return None
    if manifest.get("model") != embedder.name or manifest.get("dim") != embedder.dim:
        warn(f"previous index was built with model {manifest.get('model')!r}; "
             f"re-embedding everything with {embedder.name!r}")
        return None
    if not fingerprints_agree(manifest.get("model_fingerprint"), fingerprint_of(embedder)):
        warn(f"the files of model {embedder.name!r} changed since the last build; re-embedding everything")
        return None
    same_pipeline = manifest.get("pipeline") == fingerprint.pipeline_fingerprint()
    if not same_pipeline:
        warn("the article reader or tokenizer changed since the last build: re-reading every article "
             "(embeddings of unchanged passages are reused)")
    if manifest.get("format_version") == LEGACY_FORMAT:
        warn("the previous index has the format before segments: writing it anew as one base segment "
             "(embeddings reused)")
    try:
        return LiveVersion(directory, same_pipeline)
    except IndexDamaged as error:  # an incremental rebuild must not build on it: rewrite every segment
        warn(f"the live index version is damaged ({error.path}: {error.problem}): rebuilding everything "
             "to repair it")
        return None
    except IndexError_ as error:
        warn(f"previous index not reusable ({error}); rebuilding everything")
        return None
