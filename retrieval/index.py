"""The on-disk index: build (full or incremental) beside the live one, swap atomically, load.

Layout of an index directory:

    CURRENT                  name of the live version (replaced atomically by os.replace)
    versions/<version>/
        manifest.json        format, model name and dimension, counts, build time
        meta.sqlite          articles, passages (text, tokens) and which article holds which passage
        embeddings.npy       float32 [passages × dim], row i = passage row i (incremental reuse, exact rescoring)
        vectors.faiss        the FAISS index over those rows; its kind is chosen by scale (retrieval/vectors.py)
        lexical/             bm25s sparse matrices (numpy) and vocabulary (JSON)
    .rebuild.lock            held while a rebuild runs

A rebuild writes a new version in a temporary directory and only then points CURRENT at it, so a
failed or killed rebuild leaves the previous version serving, unchanged. Nothing here is pickled.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import shutil
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from tqdm import tqdm

from retrieval.articles import find_article_files, read_article_file
from retrieval.chunking import chunk_article
from retrieval.embedding import Embedder
from retrieval.lexical import LexicalIndex
from retrieval.records import Article, Passage
from retrieval.text import tokenize
from retrieval.vectors import (
    VectorIndex,
    VectorIndexError,
    VectorIndexSpec,
    choose_spec,
    load_vectors,
    spec_from_manifest,
    write_vectors,
)

FORMAT_VERSION = 1
# Parsed articles and tokens depend on the reading, chunking and text code: when that code changes,
# an incremental rebuild re-reads every file (embeddings are still reused by passage text).
_PIPELINE_MODULES = ("articles.py", "chunking.py", "text.py")


def pipeline_fingerprint() -> str:
    digest = hashlib.sha1()
    for name in _PIPELINE_MODULES:
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]

KEEP_OLD_VERSIONS = 1  # a serving process may still be reading the previous version


class IndexError_(RuntimeError):
    """Base for index problems that a user can act on; the message says what to do."""


class IndexNotFound(IndexError_):
    pass


class ModelMismatch(IndexError_):
    pass


class NothingIndexed(IndexError_):
    pass


class RebuildInProgress(IndexError_):
    pass


# ---------------------------------------------------------------------------------------------
# build


@dataclass
class BuildReport:
    version: str = ""
    articles_read: int = 0  # parsed from their files in this run
    articles_reused: int = 0  # unchanged since the previous version: nothing re-read
    articles_removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    warnings: list[str] = field(default_factory=list)
    passages_total: int = 0
    passages_added: int = 0
    passages_removed: int = 0
    passages_embedded: int = 0
    duplicate_passages: int = 0  # identical passages found in more than one article, stored once
    vector_index: str = ""  # the FAISS index kind written (see retrieval/vectors.py)
    seconds: float = 0.0
    # where the time went: reading + chunking files, embedding, writing the version (SQLite, FAISS, BM25)
    parse_seconds: float = 0.0
    embed_seconds: float = 0.0
    index_seconds: float = 0.0

    def summary(self) -> str:
        reasons = {}
        for _, reason in self.skipped:
            key = reason.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
        return (f"articles: {self.articles_read} read, {self.articles_reused} unchanged, "
                f"{self.articles_removed} removed, {len(self.skipped)} skipped"
                f"{f' ({skipped})' if skipped else ''}; passages: {self.passages_total} total, "
                f"+{self.passages_added} added, -{self.passages_removed} removed, "
                f"{self.passages_embedded} embedded; {self.seconds:.1f} s")


@dataclass(frozen=True)
class ArticleEntry:
    """One article file as it goes into a version: its metadata and its passages in order."""

    article: Article
    file_hash: str
    passages: tuple[Passage, ...]


def _file_hash(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextlib.contextmanager
def _rebuild_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".rebuild.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RebuildInProgress(f"another rebuild of {index_dir} is running") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def build_index(
    article_dirs: list[Path],
    index_dir: Path,
    embedder: Embedder,
    *,
    full: bool = False,
    show_progress: bool = True,
    batch_size: int = 64,
    max_article_bytes: int = 5 * 1024 * 1024,
    on_warning: Callable[[str], None] | None = None,
    vector_spec: VectorIndexSpec | None = None,
) -> BuildReport:
    """Index every article file under `article_dirs` into a new version of `index_dir`.

    Incremental unless `full`: files whose bytes are unchanged since the live version are not
    re-read, and passages whose text the live version already embedded are not re-embedded.
    The vector index kind is chosen by the number of passages unless `vector_spec` is given.
    """
    started = time.perf_counter()
    report = BuildReport()
    warn = on_warning or (lambda message: None)
    with _rebuild_lock(index_dir):
        _remove_stale_temporaries(index_dir)
        previous = None if full else _load_previous_for_reuse(index_dir, embedder, warn)

        files: list[Path] = []
        for directory in article_dirs:
            if not directory.is_dir():
                report.skipped.append((str(directory), "not a directory"))
                warn(f"skipped {directory}: not a directory")
                continue
            files.extend(find_article_files(directory))

        entries: list[ArticleEntry] = []
        seen_paths: set[str] = set()
        for path in tqdm(files, desc="reading articles", unit="file", disable=not show_progress):
            source_path = path.resolve().as_posix()
            if source_path in seen_paths:  # two --articles dirs that overlap
                continue
            seen_paths.add(source_path)
            try:
                file_hash = _file_hash(path)
            except OSError as error:
                report.skipped.append((source_path, f"cannot read file: {error.strerror or error}"))
                warn(f"skipped {source_path}: cannot read file: {error.strerror or error}")
                continue
            reused = previous.entry_for(source_path, file_hash) if previous and previous.same_pipeline else None
            if reused is not None:
                entries.append(reused)
                report.articles_reused += 1
                continue
            outcome = read_article_file(path, source_path, max_bytes=max_article_bytes)
            for message in outcome.warnings:
                report.warnings.append(message)
                warn(f"warning: {message}")
            if outcome.article is None:
                report.skipped.append((source_path, outcome.skipped_reason or "unreadable"))
                warn(f"skipped {source_path}: {outcome.skipped_reason}")
                continue
            passages = tuple(chunk_article(outcome.article))
            if not passages:
                report.skipped.append((source_path, "no passages after chunking"))
                warn(f"skipped {source_path}: no passages after chunking")
                continue
            entries.append(ArticleEntry(outcome.article, file_hash, passages))
            report.articles_read += 1

        if not entries:
            raise NothingIndexed("nothing could be indexed: no readable article in "
                                 + ", ".join(str(d) for d in article_dirs)
                                 + (" (the previous index is still serving)" if previous else ""))

        # One row per distinct passage text; the first article (in path order) holding it owns it.
        entries.sort(key=lambda entry: entry.article.source_path)
        rows: list[Passage] = []
        row_of: dict[str, int] = {}
        for entry in entries:
            for passage in entry.passages:
                if passage.id in row_of:
                    report.duplicate_passages += 1
                    continue
                row_of[passage.id] = len(rows)
                rows.append(passage)

        old_ids = previous.passage_ids if previous else set()
        report.passages_total = len(rows)
        report.passages_added = sum(1 for passage in rows if passage.id not in old_ids)
        report.passages_removed = len(old_ids - row_of.keys())
        report.articles_removed = len(previous.paths - seen_paths) if previous else 0

        embeddings = np.zeros((len(rows), embedder.dim), dtype=np.float32)
        tokens: list[list[str] | None] = [None] * len(rows)
        to_embed: list[int] = []
        for row, passage in enumerate(rows):
            old = previous.lookup(passage.id) if previous else None
            if old is None:
                to_embed.append(row)
            else:
                embeddings[row] = old[0]
                tokens[row] = old[1] if previous.same_pipeline else None
        report.passages_embedded = len(to_embed)
        for row, passage in enumerate(rows):
            if tokens[row] is None:
                tokens[row] = tokenize(passage.text)
        report.parse_seconds = time.perf_counter() - started
        embed_started = time.perf_counter()
        _embed_rows(embedder, rows, to_embed, embeddings, batch_size, show_progress)
        report.embed_seconds = time.perf_counter() - embed_started
        index_started = time.perf_counter()
        spec = vector_spec or choose_spec(len(rows))
        report.vector_index = spec.factory

        version = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        temporary = index_dir / "versions" / f".tmp-{version}"
        temporary.mkdir(parents=True)
        try:
            write_version(temporary, entries, rows, embeddings, tokens, embedder.name, version, spec)
            final = index_dir / "versions" / version
            os.replace(temporary, final)
            point_current_at(index_dir, version)
        except BaseException:
            shutil.rmtree(temporary, ignore_errors=True)
            raise
        if previous:
            previous.close()
        _remove_old_versions(index_dir, keep=version)
        report.version = version
        report.index_seconds = time.perf_counter() - index_started
        report.seconds = time.perf_counter() - started
        return report


def _embed_rows(embedder: Embedder, rows: list[Passage], to_embed: list[int], out: np.ndarray,
                batch_size: int, show_progress: bool) -> None:
    # Sorting by length keeps padding (and so wasted work) small within each batch.
    order = sorted(to_embed, key=lambda row: len(rows[row].text))
    with tqdm(total=len(order), desc="embedding passages", unit="passage", disable=not show_progress) as bar:
        for start in range(0, len(order), batch_size * 4):
            chunk = order[start:start + batch_size * 4]
            out[chunk] = embedder.encode([rows[row].text for row in chunk], batch_size=batch_size)
            bar.update(len(chunk))


def write_version(directory: Path, entries: list[ArticleEntry], rows: list[Passage],
                  embeddings: np.ndarray, tokens: list[list[str] | None], model_name: str,
                  version: str, spec: VectorIndexSpec) -> None:
    """Write one complete index version into `directory` (which nobody serves from yet)."""
    with contextlib.closing(sqlite3.connect(directory / "meta.sqlite")) as db:
        db.executescript(
            """
            CREATE TABLE articles (article_id TEXT PRIMARY KEY, source_path TEXT UNIQUE, file_hash TEXT,
                                   title TEXT, date TEXT, url TEXT, page_format TEXT);
            CREATE TABLE passages (row INTEGER PRIMARY KEY, passage_id TEXT UNIQUE, article_id TEXT,
                                   position INTEGER, text TEXT, tokens TEXT);
            CREATE TABLE article_passages (article_id TEXT, position INTEGER, passage_id TEXT,
                                           PRIMARY KEY (article_id, position));
            """
        )
        db.executemany(
            "INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(e.article.id, e.article.source_path, e.file_hash, e.article.title, e.article.date,
              e.article.url, e.article.page_format) for e in entries],
        )
        db.executemany(
            "INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?)",
            [(row, p.id, p.article_id, p.position, p.text, "\t".join(tokens[row] or []))
             for row, p in enumerate(rows)],
        )
        db.executemany(
            "INSERT INTO article_passages VALUES (?, ?, ?)",
            [(e.article.id, p.position, p.id) for e in entries for p in e.passages],
        )
        db.commit()
    write_vectors(directory, embeddings, spec)
    LexicalIndex.build([list(t or []) for t in tokens]).save(directory / "lexical")
    manifest = {
        "format_version": FORMAT_VERSION,
        "version": version,
        "model": model_name,
        "dim": int(embeddings.shape[1]),
        "faiss_index": spec.factory,
        "vector_index": spec.to_json(),
        "pipeline": pipeline_fingerprint(),
        "articles": len(entries),
        "passages": len(rows),
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    for path in directory.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def point_current_at(index_dir: Path, version: str) -> None:
    pointer = index_dir / f".CURRENT.{uuid.uuid4().hex[:6]}"
    pointer.write_text(version + "\n", encoding="utf-8")
    with open(pointer, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(pointer, index_dir / "CURRENT")


def _remove_stale_temporaries(index_dir: Path) -> None:
    """Leftovers of a rebuild that was killed: never pointed at, safe to delete under the lock."""
    versions = index_dir / "versions"
    if versions.is_dir():
        for path in versions.glob(".tmp-*"):
            shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(".CURRENT.*"):
        path.unlink(missing_ok=True)


def _remove_old_versions(index_dir: Path, keep: str) -> None:
    versions = sorted((p for p in (index_dir / "versions").iterdir() if not p.name.startswith(".")),
                      key=lambda p: p.name)
    old = [p for p in versions if p.name != keep]
    for path in old[: max(0, len(old) - KEEP_OLD_VERSIONS)]:
        shutil.rmtree(path, ignore_errors=True)


class _PreviousVersion:
    """What an incremental rebuild may reuse from the live version."""

    def __init__(self, directory: Path, same_pipeline: bool):
        self.same_pipeline = same_pipeline
        self._db = sqlite3.connect(f"file:{directory / 'meta.sqlite'}?mode=ro", uri=True)
        self._embeddings = np.load(directory / "embeddings.npy", mmap_mode="r", allow_pickle=False)
        self._by_path = {
            path: (article_id, file_hash)
            for article_id, path, file_hash in self._db.execute(
                "SELECT article_id, source_path, file_hash FROM articles")
        }
        self.paths = set(self._by_path)
        self._rows = {pid: row for row, pid in self._db.execute("SELECT row, passage_id FROM passages")}
        self.passage_ids = set(self._rows)

    def entry_for(self, source_path: str, file_hash: str) -> ArticleEntry | None:
        found = self._by_path.get(source_path)
        if found is None or found[1] != file_hash:
            return None
        article_id = found[0]
        title, date, url, page_format = self._db.execute(
            "SELECT title, date, url, page_format FROM articles WHERE article_id = ?", (article_id,)).fetchone()
        passages = tuple(
            Passage(id=pid, article_id=article_id, text=text, position=position)
            for position, pid, text in self._db.execute(
                "SELECT ap.position, ap.passage_id, p.text FROM article_passages ap "
                "JOIN passages p ON p.passage_id = ap.passage_id WHERE ap.article_id = ? ORDER BY ap.position",
                (article_id,))
        )
        article = Article(id=article_id, title=title, date=date, url=url, paragraphs=(),
                          source_path=source_path, page_format=page_format)
        return ArticleEntry(article, file_hash, passages)

    def lookup(self, passage_id: str) -> tuple[np.ndarray, list[str]] | None:
        row = self._rows.get(passage_id)
        if row is None:
            return None
        (token_text,) = self._db.execute("SELECT tokens FROM passages WHERE row = ?", (row,)).fetchone()
        return np.asarray(self._embeddings[row]), (token_text.split("\t") if token_text else [])

    def close(self) -> None:
        self._db.close()


def _load_previous_for_reuse(index_dir: Path, embedder: Embedder,
                             warn: Callable[[str], None]) -> _PreviousVersion | None:
    directory = live_version_dir(index_dir)
    if directory is None:
        return None
    try:
        manifest = read_manifest(directory)
    except IndexError_ as error:
        warn(f"previous index not reusable ({error}); rebuilding everything")
        return None
    if manifest.get("format_version") != FORMAT_VERSION:
        warn("previous index has an older format; rebuilding everything")
        return None
    if manifest.get("model") != embedder.name or manifest.get("dim") != embedder.dim:
        warn(f"previous index was built with model {manifest.get('model')!r}; "
             f"re-embedding everything with {embedder.name!r}")
        return None
    same_pipeline = manifest.get("pipeline") == pipeline_fingerprint()
    if not same_pipeline:
        warn("the article reader or tokenizer changed since the last build: re-reading every article "
             "(embeddings of unchanged passages are reused)")
    return _PreviousVersion(directory, same_pipeline)


# ---------------------------------------------------------------------------------------------
# load


def live_version_dir(index_dir: Path) -> Path | None:
    pointer = index_dir / "CURRENT"
    if not pointer.is_file():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    directory = index_dir / "versions" / version
    return directory if version and directory.is_dir() else None


def live_version(index_dir: Path) -> str | None:
    """The name of the version a fresh load would serve (cheap: one small file read)."""
    directory = live_version_dir(index_dir)
    return directory.name if directory else None


def read_manifest(directory: Path) -> dict:
    try:
        return json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise IndexError_(f"index version {directory} is unreadable: {error}") from None


@dataclass(frozen=True)
class StoredPassage:
    row: int
    passage_id: str
    article_id: str
    text: str
    tokens: tuple[str, ...]
    title: str
    date: str | None
    url: str | None


class LoadedIndex:
    """A read-only, loaded index version: vectors, lexical index and metadata."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.manifest = read_manifest(directory)
        if self.manifest.get("format_version") != FORMAT_VERSION:
            raise IndexError_(f"index {directory} has format {self.manifest.get('format_version')}, "
                              f"this version of NewsQA reads {FORMAT_VERSION}: rebuild it with "
                              "scripts/rebuild_index.py --full")
        self.version = self.manifest["version"]
        self.model_name = self.manifest["model"]
        self.dim = int(self.manifest["dim"])
        self.num_passages = int(self.manifest["passages"])
        self.num_articles = int(self.manifest["articles"])
        try:
            self.vectors: VectorIndex = load_vectors(
                directory, spec_from_manifest(self.manifest, str(directory / "manifest.json")))
        except VectorIndexError as error:
            raise IndexError_(str(error)) from None
        self.lexical = LexicalIndex.load(directory / "lexical", self.num_passages)
        self._db = sqlite3.connect(f"file:{directory / 'meta.sqlite'}?mode=ro", uri=True,
                                   check_same_thread=False)
        self._db_lock = threading.Lock()

    def check_model(self, model_name: str, dim: int | None = None) -> None:
        if model_name != self.model_name or (dim is not None and dim != self.dim):
            raise ModelMismatch(
                f"the index in {self.directory.parent.parent} was built with model {self.model_name!r} "
                f"(dimension {self.dim}), but the configured model is {model_name!r}"
                f"{f' (dimension {dim})' if dim is not None else ''}: rebuild the index with "
                "`python scripts/rebuild_index.py --full`, or set NEWSQA_MODEL to the index's model")

    def passages(self, rows: list[int]) -> list[StoredPassage]:
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        with self._db_lock:
            found = self._db.execute(
                "SELECT p.row, p.passage_id, p.article_id, p.text, p.tokens, a.title, a.date, a.url "
                f"FROM passages p JOIN articles a ON a.article_id = p.article_id WHERE p.row IN ({marks})",
                [int(row) for row in rows]).fetchall()
        by_row = {r[0]: StoredPassage(r[0], r[1], r[2], r[3], tuple(r[4].split("\t")) if r[4] else (),
                                      r[5], r[6], r[7]) for r in found}
        return [by_row[int(row)] for row in rows if int(row) in by_row]

    def close(self) -> None:
        with self._db_lock:
            self._db.close()
        self.vectors.close()


def load_index(index_dir: Path) -> LoadedIndex:
    directory = live_version_dir(index_dir)
    if directory is None:
        raise IndexNotFound(f"no index in {index_dir}: build one with `python scripts/rebuild_index.py`")
    return LoadedIndex(directory)
