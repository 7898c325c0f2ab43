"""The on-disk index: versions made of immutable segments, built beside the live one, swapped atomically.

Layout of an index directory:

    CURRENT                        name of the live version (replaced atomically by os.replace)
    versions/<version>/
        manifest.json              format, model name and dimension, live counts, the segment list
        segments/<segment>/        one immutable segment each (retrieval/segments.py); a new version
                                   hard-links the segments it keeps from the previous one
        tombstones/<segment>.rows.npy       rows of that segment no longer live in this version
        tombstones/<segment>.articles.json  article records of that segment replaced or removed
    .rebuild.lock                  held while a rebuild runs

A full rebuild writes one *base* segment. An incremental rebuild writes one small *delta* segment
with the rows it adds and tombstones for the rows it replaces or removes, and links every other
segment unchanged, so its cost follows the size of the change, not of the corpus. When the deltas
and tombstones outgrow a share of the base (`CompactionPolicy`), the rebuild writes a fresh base
instead (reusing every embedding and the base's trained IVF lists).

Every rebuild writes its version in a temporary directory and only then points CURRENT at it,
so a failed or killed rebuild leaves the previous version serving, unchanged; because segments
are shared by hard links, removing an old version never takes a segment from a live one.
Indexes written before segments (format 1: one version directory with meta.sqlite etc.) still
load, as a version with one segment; the next rebuild rewrites them as a base segment.
Nothing here is pickled.
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
from dataclasses import dataclass, field, replace
from pathlib import Path

import faiss
import numpy as np
from tqdm import tqdm

from retrieval.articles import read_article_file
from retrieval.changes import FileScan, FileState, StoredFile, scan_files
from retrieval.chunking import chunk_article
from retrieval.embedding import Embedder
from retrieval.lexical import LexicalIndex, SegmentedLexical, SegmentTerms
from retrieval.names import NameEvidence
from retrieval.phrases import BigramPostings, PhraseIndex
from retrieval.records import Article, Passage
from retrieval.segments import (
    LEANING_FILE,
    LEXICAL_DIR,
    ArticleRow,
    CorpusEvidence,
    PassageRow,
    RowMap,
    SegmentContent,
    fsync_tree,
    link_segment,
    load_corpus_evidence,
    load_embeddings,
    load_leaning,
    open_db,
    read_segment_info,
    select_in,
    write_segment,
)
from retrieval.text import tokenize, tokenize_normalized
from retrieval.vectors import (
    VECTORS_FILE,
    SegmentedVectors,
    VectorIndexError,
    VectorIndexSpec,
    choose_spec,
    load_vectors,
    spec_from_manifest,
)

FORMAT_VERSION = 2
LEGACY_FORMAT = 1  # one whole version directory, bm25s scores: still read, rewritten by the next rebuild
# Parsed articles and tokens depend on the reading, chunking and text code, and what each segment
# stores beside them on the names and context code (names.json, leaning.npy): when that code
# changes, an incremental rebuild re-reads every file (embeddings are still reused by passage text).
_PIPELINE_MODULES = ("articles.py", "chunking.py", "text.py", "names.py", "context.py")


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


@dataclass(frozen=True)
class CompactionPolicy:
    """When an incremental rebuild writes a fresh base instead of one more delta.

    Deltas are searched exactly and every tombstoned row still costs disk and a bit in each
    search, so both are bounded: compact once delta rows plus tombstoned base rows exceed
    `max_delta_share` of the base's rows, or once there would be more than `max_deltas` deltas.
    At 1M passages 5% keeps the exact delta search under ~15 ms (50k rows, retrieval/vectors.py).
    """

    max_delta_share: float = 0.05
    max_deltas: int = 8


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
    vector_index: str = ""  # the FAISS index kind of the base segment (see retrieval/vectors.py)
    written: str = ""  # what this rebuild wrote: "base", "delta", "compaction" or "" (nothing changed)
    segments: int = 0  # segments in the version now live
    files_hashed: int = 0  # files whose size or mtime changed, so their bytes were hashed
    seconds: float = 0.0
    # where the time went: change detection + reading + chunking + reuse lookups, embedding,
    # writing the version (segment files, links, tombstones, manifest)
    parse_seconds: float = 0.0
    embed_seconds: float = 0.0
    index_seconds: float = 0.0

    def summary(self) -> str:
        reasons = {}
        for _, reason in self.skipped:
            key = reason.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
        wrote = {"": "nothing changed", "base": "wrote a base segment", "delta": "wrote a delta segment",
                 "compaction": "compacted into a new base"}[self.written]
        return (f"articles: {self.articles_read} read, {self.articles_reused} unchanged, "
                f"{self.articles_removed} removed, {len(self.skipped)} skipped"
                f"{f' ({skipped})' if skipped else ''}; passages: {self.passages_total} total, "
                f"+{self.passages_added} added, -{self.passages_removed} removed, "
                f"{self.passages_embedded} embedded; {wrote} ({self.segments} segments); {self.seconds:.1f} s")


@dataclass(frozen=True)
class ArticleEntry:
    """One article file as it goes into a version: its metadata and its passages in order."""

    article: Article
    file_hash: str
    passages: tuple[Passage, ...]
    size: int = 0  # the file's size and mtime when read: an unchanged stat skips it next time
    mtime_ns: int = 0

    def record(self) -> ArticleRow:
        a = self.article
        return ArticleRow(a.id, a.source_path, self.file_hash, self.size, self.mtime_ns, a.title, a.date, a.url,
                          a.page_format)


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
    compaction: CompactionPolicy | None = None,
) -> BuildReport:
    """Index every article file under `article_dirs` into a new version of `index_dir`.

    Incremental unless `full`: files whose size and mtime (or else bytes) are unchanged since the
    live version are not re-read, passages whose text the live version already embedded are not
    re-embedded, and the change is written as one delta segment (or, past the compaction policy,
    as a fresh base). `full` re-reads and re-embeds everything into one base segment. The base's
    vector index kind is chosen by the number of passages unless `vector_spec` is given.
    """
    started = time.perf_counter()
    report = BuildReport()
    warn = on_warning or (lambda message: None)
    with _rebuild_lock(index_dir):
        _remove_stale_temporaries(index_dir)
        live = None if full else _open_live_for_reuse(index_dir, embedder, warn)
        try:
            stored = live.stored_files() if live is not None and live.same_pipeline else {}
            scan = scan_files(article_dirs, stored)
            report.files_hashed = scan.hashed
            for path, reason in scan.skipped:
                report.skipped.append((path, reason))
                warn(f"skipped {path}: {reason}")
            entries, failed = _read_files(scan, report, warn, max_article_bytes, show_progress)
            report.articles_reused = len(scan.unchanged) + len(scan.touched)
            report.articles_removed = len(scan.removed) + len(failed)
            if live is not None and live.takes_deltas:
                build = _DeltaBuild(live, entries, scan, report, started)
                if build.nothing_left():
                    raise NothingIndexed(_nothing_message(article_dirs, live))
                if build.unchanged():
                    report.version, report.segments = live.version, len(live.segments)
                    report.passages_total = live.num_passages
                    report.parse_seconds = report.seconds = time.perf_counter() - started
                    return report
                if not build.needs_compaction(compaction or CompactionPolicy()):
                    return _finish(build.write_delta(index_dir, embedder, batch_size, show_progress),
                                   report, started, index_dir)
                content = build.compacted(embedder, batch_size, show_progress, vector_spec)
                report.written = "compaction"
                trained = live.trained_base(content.spec)
            else:
                if not entries and not (scan.unchanged or scan.touched):
                    raise NothingIndexed(_nothing_message(article_dirs, live))
                content = _full_content(live, entries, scan, report, embedder, batch_size, show_progress,
                                        vector_spec, started)
                report.written = "base"
                trained = None
            index_started = time.perf_counter()
            version = _new_version_name()
            _write_version(index_dir, version, embedder, kept=[], new=(f"base-{version}", content),
                           tombstones={}, trained=trained, counts=(len(content.articles), len(content.rows)))
            report.vector_index = content.spec.factory
            report.index_seconds = time.perf_counter() - index_started
            return _finish(version, report, started, index_dir)
        finally:
            if live is not None:
                live.close()


def _nothing_message(article_dirs: list[Path], live: _LiveVersion | None) -> str:
    return ("nothing could be indexed: no readable article in " + ", ".join(str(d) for d in article_dirs)
            + (" (the previous index is still serving)" if live else ""))


def _finish(version: str, report: BuildReport, started: float, index_dir: Path) -> BuildReport:
    _remove_old_versions(index_dir, keep=version)
    report.version = version
    manifest = read_manifest(index_dir / "versions" / version)
    report.segments = len(manifest["segments"])
    report.passages_total = int(manifest["passages"])
    report.vector_index = report.vector_index or manifest["faiss_index"]
    report.seconds = time.perf_counter() - started
    return report


def _new_version_name() -> str:
    # Microseconds: a delta rebuild takes well under a second, and old versions are removed in name
    # order, so names must sort in build order even for several rebuilds within one second.
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]


def _read_files(scan: FileScan, report: BuildReport, warn: Callable[[str], None], max_bytes: int,
                show_progress: bool) -> tuple[list[ArticleEntry], list[StoredFile]]:
    """Read and chunk the new and changed files; (entries, indexed files that are now unreadable)."""
    entries: list[ArticleEntry] = []
    failed: list[StoredFile] = []
    for state, digest, before in tqdm(scan.to_read, desc="reading articles", unit="file", disable=not show_progress):
        entry, reason = _read_one(state, digest, max_bytes, report, warn)
        if entry is None:
            report.skipped.append((state.source_path, reason))
            warn(f"skipped {state.source_path}: {reason}")
            if before is not None:
                failed.append(before)
            continue
        entries.append(entry)
        report.articles_read += 1
    return entries, failed


def _read_one(state: FileState, digest: str, max_bytes: int, report: BuildReport,
              warn: Callable[[str], None]) -> tuple[ArticleEntry | None, str]:
    outcome = read_article_file(state.path, state.source_path, max_bytes=max_bytes)
    for message in outcome.warnings:
        report.warnings.append(message)
        warn(f"warning: {message}")
    if outcome.article is None:
        return None, outcome.skipped_reason or "unreadable"
    passages = tuple(chunk_article(outcome.article))
    if not passages:
        return None, "no passages after chunking"
    return ArticleEntry(outcome.article, digest, passages, state.size, state.mtime_ns), ""


def _tokens_of(passage: Passage) -> list[str]:
    # chunk_article already normalised the text for the passage id: tokenise that, not again
    return tokenize_normalized(passage.normalized) if passage.normalized else tokenize(passage.text)


def _embed_texts(embedder: Embedder, texts: list[str], batch_size: int, show_progress: bool) -> np.ndarray:
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    # Sorting by length keeps padding (and so wasted work) small within each batch.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    with tqdm(total=len(order), desc="embedding passages", unit="passage", disable=not show_progress) as bar:
        for start in range(0, len(order), batch_size * 4):
            chunk = order[start:start + batch_size * 4]
            out[chunk] = embedder.encode([texts[i] for i in chunk], batch_size=batch_size)
            bar.update(len(chunk))
    return out


# ---------------------------------------------------------------------------------------------
# full build: one base segment


def _full_content(live: _LiveVersion | None, read: list[ArticleEntry], scan: FileScan, report: BuildReport,
                  embedder: Embedder, batch_size: int, show_progress: bool,
                  vector_spec: VectorIndexSpec | None, started: float) -> SegmentContent:
    """Every article (read now, or reused from the live version) as one base segment."""
    entries = list(read)
    if live is not None:
        for record in scan.unchanged:
            entries.append(live.entry(record))
        for record, state in scan.touched:
            entries.append(replace(live.entry(record), size=state.size, mtime_ns=state.mtime_ns))
    # One row per distinct passage text; the first article (in path order) holding it owns it.
    entries.sort(key=lambda entry: entry.article.source_path)
    rows: list[Passage] = []
    seen: set[str] = set()
    for entry in entries:
        for passage in entry.passages:
            if passage.id in seen:
                report.duplicate_passages += 1
                continue
            seen.add(passage.id)
            rows.append(passage)
    reuse = live.reusable([p.id for p in rows]) if live is not None else {}
    live_before = live.num_passages if live is not None else 0
    kept = sum(1 for p in rows if p.id in reuse and reuse[p.id].alive)
    report.passages_added = len(rows) - kept
    report.passages_removed = live_before - kept
    embeddings = np.zeros((len(rows), embedder.dim), dtype=np.float32)
    tokens: list[str] = []
    to_embed: list[int] = []
    for row, passage in enumerate(rows):
        found = reuse.get(passage.id)
        if found is None:
            to_embed.append(row)
            tokens.append("\t".join(_tokens_of(passage)))
        else:
            embeddings[row] = found.vector
            tokens.append(found.tokens if live is not None and live.same_pipeline
                          else "\t".join(_tokens_of(passage)))
    report.parse_seconds = time.perf_counter() - started
    embed_started = time.perf_counter()
    if to_embed:
        embeddings[to_embed] = _embed_texts(embedder, [rows[i].text for i in to_embed], batch_size, show_progress)
    report.passages_embedded = len(to_embed)
    report.embed_seconds = time.perf_counter() - embed_started
    return SegmentContent(
        kind="base",
        articles=[entry.record() for entry in entries],
        article_passages=[(e.article.id, p.position, p.id) for e in entries for p in e.passages],
        rows=[PassageRow(p.id, p.article_id, p.position, p.text, tokens[i], p.normalized) for i, p in enumerate(rows)],
        embeddings=embeddings,
        spec=vector_spec or choose_spec(len(rows)),
    )


def write_version(directory: Path, entries: list[ArticleEntry], rows: list[Passage], embeddings: np.ndarray,
                  tokens: list[list[str] | None], model_name: str, version: str, spec: VectorIndexSpec) -> None:
    """Write one complete single-segment version into `directory` (which nobody serves from yet).

    For callers that already hold every row (the benchmark's synthetic corpora)."""
    content = SegmentContent(
        kind="base",
        articles=[entry.record() for entry in entries],
        article_passages=[(e.article.id, p.position, p.id) for e in entries for p in e.passages],
        rows=[PassageRow(p.id, p.article_id, p.position, p.text, "\t".join(tokens[i] or []), p.normalized)
              for i, p in enumerate(rows)],
        embeddings=embeddings, spec=spec)
    name = f"base-{version}"
    write_segment(directory / "segments" / name, content)
    _write_manifest(directory, version, model_name, int(embeddings.shape[1]),
                    [{"name": name, "kind": "base", "rows": len(rows), "dead_rows": 0, "dead_articles": 0}],
                    spec, len(entries), len(rows))
    fsync_tree(directory)


# ---------------------------------------------------------------------------------------------
# incremental build: one delta segment plus tombstones


@dataclass(frozen=True)
class _NewRow:
    passage_id: str
    article_id: str  # its owner: the first article, by path, holding it after this rebuild
    position: int
    text: str
    tokens: str | None  # None: tokenise (a text no segment holds yet)
    source: tuple[str, int] | None  # (segment, local row) holding its vector already, if any
    passage: Passage | None = None


class _DeltaBuild:
    """What one incremental rebuild changes, worked out from the few articles it touches.

    Only the changed articles' passages are looked at: for each such passage, which live
    articles hold it now (SQLite, by passage id), which of them owns it (first by path, as a
    full build decides), and whether its live row can stay. A row stays when its owner is
    unchanged; otherwise it is tombstoned and, if some article still holds the text, written
    again in the delta under its new owner with its stored vector. So the same text is always
    one live row, whichever segments it passed through.
    """

    def __init__(self, live: _LiveVersion, entries: list[ArticleEntry], scan: FileScan, report: BuildReport,
                 started: float):
        self.live, self.entries, self.report, self.started = live, entries, report, started
        self.touched = scan.touched
        # the old records of removed files and of changed ones (read again now, or unreadable now)
        self.gone = [*scan.removed, *(before for _, _, before in scan.to_read if before is not None)]
        self.dead_rows: dict[str, set[int]] = {}
        self.dead_articles: dict[str, set[str]] = {}
        for record in self.gone:
            self.dead_articles.setdefault(record.segment, set()).add(record.article_id)
        for record, _ in self.touched:
            self.dead_articles.setdefault(record.segment, set()).add(record.article_id)
        self.new_rows: list[_NewRow] = []
        self._plan()
        self.live_articles = live.num_articles - len(self.gone) + len(entries)
        self.live_passages = (live.num_passages - sum(len(r) for r in self.dead_rows.values())
                              + len(self.new_rows))
        report.parse_seconds = time.perf_counter() - started

    def _plan(self) -> None:
        live, report = self.live, self.report
        changed = {record.article_id for record in self.gone} | {e.article.id for e in self.entries}
        affected: dict[str, None] = {}
        for record in self.gone:
            for (pid,) in live.db(record.segment).execute(
                    "SELECT passage_id FROM article_passages WHERE article_id = ?", (record.article_id,)):
                affected[pid] = None
        new_passages: dict[str, Passage] = {}
        holders: dict[str, list[tuple[str, str, int]]] = {}  # pid → [(source_path, article_id, position)]
        for entry in self.entries:
            for passage in entry.passages:
                affected[passage.id] = None
                new_passages.setdefault(passage.id, passage)
                holders.setdefault(passage.id, []).append((entry.article.source_path, entry.article.id,
                                                           passage.position))
        pids = list(affected)
        physical: dict[str, list[tuple[str, int, str, bool]]] = {}  # pid → [(segment, row, owner, alive)]
        for name in live.segments:
            dead_before = live.dead_articles[name]
            for pid, path, article_id, position in select_in(
                    live.db(name), "SELECT ap.passage_id, a.source_path, ap.article_id, ap.position "
                    "FROM article_passages ap JOIN articles a ON a.article_id = ap.article_id "
                    "WHERE ap.passage_id IN ({marks})", pids):
                # unchanged live articles that hold it (a touched one still does: same bytes)
                if article_id not in changed and article_id not in dead_before:
                    holders.setdefault(pid, []).append((path, article_id, position))
            dead_rows = live.dead_rows[name]
            for pid, row, owner in select_in(live.db(name), "SELECT passage_id, row, article_id FROM passages "
                                             "WHERE passage_id IN ({marks})", pids):
                physical.setdefault(pid, []).append((name, row, owner, row not in dead_rows))
        for pid in pids:
            copies = physical.get(pid, [])
            current = next((c for c in copies if c[3]), None)
            held = holders.get(pid)
            if len(held or ()) > 1:
                report.duplicate_passages += 1
            if not held:
                if current is not None:
                    self.dead_rows.setdefault(current[0], set()).add(current[1])
                    report.passages_removed += 1
                continue
            path, owner, position = min(held)
            if current is not None and current[2] == owner and owner not in changed:
                continue  # its owner is unchanged: the row stays where it is
            if current is not None:
                self.dead_rows.setdefault(current[0], set()).add(current[1])
            else:
                report.passages_added += 1
            source = current or (copies[0] if copies else None)
            self.new_rows.append(_NewRow(pid, owner, position, "", None,
                                         (source[0], source[1]) if source else None, new_passages.get(pid)))

    def nothing_left(self) -> bool:
        return self.live_articles <= 0 or self.live_passages <= 0

    def unchanged(self) -> bool:
        return not (self.gone or self.touched or self.entries)

    def needs_compaction(self, policy: CompactionPolicy) -> bool:
        live = self.live
        base = live.segments[0]
        delta_rows = sum(live.segment_rows[name] for name in live.segments[1:]) + len(self.new_rows)
        dead_base = len(live.dead_rows[base] | self.dead_rows.get(base, set()))
        deltas = len(live.segments) - 1 + 1
        return (delta_rows + dead_base > policy.max_delta_share * live.segment_rows[base]
                or deltas > policy.max_deltas)

    def _rows_with_vectors(self, embedder: Embedder, batch_size: int,
                           show_progress: bool) -> tuple[list[PassageRow], np.ndarray]:
        """The new rows' text, tokens and vectors: stored ones reused, the rest embedded."""
        live = self.live
        by_segment: dict[str, list[int]] = {}
        for i, new in enumerate(self.new_rows):
            if new.source is not None:
                by_segment.setdefault(new.source[0], []).append(i)
        texts: list[str] = [""] * len(self.new_rows)
        tokens: list[str | None] = [None] * len(self.new_rows)
        vectors = np.zeros((len(self.new_rows), live.dim), dtype=np.float32)
        for name, indexes in by_segment.items():
            rows = [self.new_rows[i].source[1] for i in indexes]
            stored = {row: (text, token_text) for row, text, token_text in select_in(
                live.db(name), "SELECT row, text, tokens FROM passages WHERE row IN ({marks})", rows)}
            vectors[indexes] = live.embeddings(name)[np.asarray(rows, dtype=np.int64)]
            for i, row in zip(indexes, rows, strict=True):
                texts[i], tokens[i] = stored[row]
        to_embed = [i for i, new in enumerate(self.new_rows) if new.source is None]
        for i in to_embed:
            passage = self.new_rows[i].passage
            texts[i], tokens[i] = passage.text, "\t".join(_tokens_of(passage))
        # change detection, reading, planning and reading stored vectors: all of it before embedding
        self.report.parse_seconds = time.perf_counter() - self.started
        embed_started = time.perf_counter()
        if to_embed:
            vectors[to_embed] = _embed_texts(embedder, [texts[i] for i in to_embed], batch_size, show_progress)
        self.report.passages_embedded = len(to_embed)
        self.report.embed_seconds = time.perf_counter() - embed_started
        rows = [PassageRow(new.passage_id, new.article_id, new.position, texts[i], tokens[i] or "",
                           new.passage.normalized if new.passage is not None and new.source is None else "")
                for i, new in enumerate(self.new_rows)]
        return rows, vectors

    def _delta_articles(self) -> tuple[list[ArticleRow], list[tuple[str, int, str]]]:
        articles = [entry.record() for entry in self.entries]
        holdings = [(e.article.id, p.position, p.id) for e in self.entries for p in e.passages]
        for record, state in self.touched:  # same bytes, new stat: the record moves, its passages stay
            old = self.live.article_row(record)
            articles.append(replace(old, size=state.size, mtime_ns=state.mtime_ns))
            held = self.live.db(record.segment).execute(
                "SELECT position, passage_id FROM article_passages WHERE article_id = ?", (record.article_id,))
            holdings.extend((record.article_id, position, pid) for position, pid in held)
        return articles, holdings

    def write_delta(self, index_dir: Path, embedder: Embedder, batch_size: int, show_progress: bool) -> str:
        rows, vectors = self._rows_with_vectors(embedder, batch_size, show_progress)
        index_started = time.perf_counter()
        articles, holdings = self._delta_articles()
        live = self.live
        version = _new_version_name()
        content = SegmentContent("delta", articles, holdings, rows, vectors, VectorIndexSpec("flat"))
        tombstones = {name: (live.dead_rows[name] | self.dead_rows.get(name, set()),
                             live.dead_articles[name] | self.dead_articles.get(name, set()))
                      for name in live.segments}
        _write_version(index_dir, version, embedder, kept=[(name, live.segment_dir(name)) for name in live.segments],
                       new=(f"delta-{version}", content), tombstones=tombstones, trained=None,
                       counts=(self.live_articles, self.live_passages), base_spec=live.base_spec)
        self.report.written = "delta"
        self.report.index_seconds = time.perf_counter() - index_started
        return version

    def compacted(self, embedder: Embedder, batch_size: int, show_progress: bool,
                  vector_spec: VectorIndexSpec | None) -> SegmentContent:
        """Every live row after this change, as one base segment (vectors reused, nothing re-read)."""
        live = self.live
        new_rows, new_vectors = self._rows_with_vectors(embedder, batch_size, show_progress)
        delta_articles, delta_holdings = self._delta_articles()
        articles: list[ArticleRow] = []
        holdings: list[tuple[str, int, str]] = []
        rows: list[PassageRow] = []
        vector_parts: list[np.ndarray] = []
        evidence_parts: list[tuple[CorpusEvidence, np.ndarray]] = []
        for name in live.segments:
            db = live.db(name)
            dead_articles = live.dead_articles[name] | self.dead_articles.get(name, set())
            for values in db.execute("SELECT article_id, source_path, file_hash, size, mtime_ns, title, date, url, "
                                     "page_format FROM articles"):
                if values[0] not in dead_articles:
                    articles.append(ArticleRow(*values))
            holdings.extend(h for h in db.execute("SELECT article_id, position, passage_id FROM article_passages")
                            if h[0] not in dead_articles)
            alive = np.ones(live.segment_rows[name], dtype=bool)
            dead = live.dead_rows[name] | self.dead_rows.get(name, set())
            if dead:
                alive[np.fromiter(dead, dtype=np.int64)] = False
            for row, *values in db.execute("SELECT row, passage_id, article_id, position, text, tokens FROM passages "
                                           "ORDER BY row"):
                if alive[row]:
                    rows.append(PassageRow(*values))
            vector_parts.append(np.asarray(live.embeddings(name)[alive], dtype=np.float32))
            evidence_parts.append((load_corpus_evidence(live.segment_dir(name), db), alive))
        articles += delta_articles
        holdings += delta_holdings
        rows += new_rows
        embeddings = np.vstack([*vector_parts, new_vectors])
        # the kept rows' postings and names are carried over, not worked out again from their text
        new_terms = SegmentTerms.build([row.tokens.split("\t") if row.tokens else [] for row in new_rows])
        evidence_parts.append((CorpusEvidence.of_rows(new_rows, new_terms.vocab, new_terms.lengths),
                               np.ones(len(new_rows), dtype=bool)))
        evidence = CorpusEvidence(
            BigramPostings.concatenate([(e.bigrams, alive) for e, alive in evidence_parts]),
            NameEvidence.concatenate([(e.names, alive) for e, alive in evidence_parts]))
        return SegmentContent("base", articles, holdings, rows, embeddings, vector_spec or choose_spec(len(rows)),
                              evidence)


# ---------------------------------------------------------------------------------------------
# versions on disk


def fingerprints_agree(recorded: str | None, current: str | None) -> bool:
    """An index from before fingerprints were recorded, or a model with none (a hub name), passes."""
    return recorded is None or current is None or recorded == current


def _fingerprint_of(embedder: Embedder) -> str | None:
    return getattr(embedder, "fingerprint", None)


def _write_manifest(directory: Path, version: str, model_name: str, dim: int, segments: list[dict],
                    base_spec: VectorIndexSpec, articles: int, passages: int,
                    model_fingerprint: str | None = None) -> None:
    manifest = {
        "format_version": FORMAT_VERSION,
        "version": version,
        "model": model_name,
        "dim": dim,
        # what the model's files held (retrieval.embedding.model_fingerprint): a model rebuilt under
        # the same name gives other vectors, and is caught here rather than served as garbage
        "model_fingerprint": model_fingerprint,
        # the base segment's vector index: what most rows are searched with (deltas are exact)
        "faiss_index": base_spec.factory,
        "vector_index": base_spec.to_json(),
        "pipeline": pipeline_fingerprint(),
        "articles": articles,
        "passages": passages,
        "segments": segments,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _write_version(index_dir: Path, version: str, embedder: Embedder, *, kept: list[tuple[str, Path]],
                   new: tuple[str, SegmentContent], tombstones: dict[str, tuple[set[int], set[str]]],
                   trained: faiss.Index | None, counts: tuple[int, int],
                   base_spec: VectorIndexSpec | None = None) -> None:
    """Write a version (linked segments + one new segment + tombstones) and make it the live one."""
    temporary = index_dir / "versions" / f".tmp-{version}"
    (temporary / "segments").mkdir(parents=True)
    try:
        for name, source in kept:
            link_segment(source, temporary / "segments" / name)
        new_name, content = new
        write_segment(temporary / "segments" / new_name, content, trained=trained)
        segments = []
        (temporary / "tombstones").mkdir()
        for name, _ in [*kept, new]:
            rows, articles = tombstones.get(name, (set(), set()))
            if rows:
                np.save(temporary / "tombstones" / f"{name}.rows.npy", np.sort(np.fromiter(rows, dtype=np.int64)),
                        allow_pickle=False)
            if articles:
                (temporary / "tombstones" / f"{name}.articles.json").write_text(json.dumps(sorted(articles)),
                                                                             encoding="utf-8")
            info = read_segment_info(temporary / "segments" / name)
            segments.append({"name": name, "kind": info["kind"], "rows": int(info["rows"]),
                             "dead_rows": len(rows), "dead_articles": len(articles)})
        _write_manifest(temporary, version, embedder.name, embedder.dim, segments, base_spec or content.spec,
                        counts[0], counts[1], _fingerprint_of(embedder))
        for path in (temporary / "manifest.json", *(temporary / "tombstones").iterdir()):
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())
        for directory in (temporary / "tombstones", temporary / "segments", temporary):
            descriptor = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(descriptor)
            finally:
                os.close(descriptor)
        os.replace(temporary, index_dir / "versions" / version)
        point_current_at(index_dir, version)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


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
    # Segments shared with the kept versions are hard links: removing a version drops only its names.
    versions = sorted((p for p in (index_dir / "versions").iterdir() if not p.name.startswith(".")),
                      key=lambda p: p.name)
    old = [p for p in versions if p.name != keep]
    for path in old[: max(0, len(old) - KEEP_OLD_VERSIONS)]:
        shutil.rmtree(path, ignore_errors=True)


class VersionFiles:
    """One version directory as written: its manifest, its segments and their tombstones."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.manifest = read_manifest(directory)
        self.format = self.manifest.get("format_version")
        if self.format == LEGACY_FORMAT:
            # A format-1 version is one whole segment: the version directory itself, no tombstones.
            self.segments = ["legacy"]
            self.segment_rows = {"legacy": int(self.manifest["passages"])}
            self.dead_rows: dict[str, set[int]] = {"legacy": set()}
            self.dead_articles: dict[str, set[str]] = {"legacy": set()}
            return
        if self.format != FORMAT_VERSION:
            raise IndexError_(f"index {directory} has format {self.format}, this version of NewsQA reads "
                              f"{FORMAT_VERSION} (and {LEGACY_FORMAT}): rebuild it with "
                              "scripts/rebuild_index.py --full")
        try:
            listed = self.manifest["segments"]
            self.segments = [str(s["name"]) for s in listed]
            self.segment_rows = {str(s["name"]): int(s["rows"]) for s in listed}
        except (KeyError, TypeError, ValueError) as error:
            raise IndexError_(f"{directory / 'manifest.json'}: malformed segment list ({error!r}): rebuild it "
                              "with scripts/rebuild_index.py --full") from None
        self.dead_rows, self.dead_articles = {}, {}
        for name in self.segments:
            rows_file = directory / "tombstones" / f"{name}.rows.npy"
            articles_file = directory / "tombstones" / f"{name}.articles.json"
            self.dead_rows[name] = (set(np.load(rows_file, allow_pickle=False).tolist())
                                    if rows_file.exists() else set())
            self.dead_articles[name] = (set(json.loads(articles_file.read_text(encoding="utf-8")))
                                        if articles_file.exists() else set())

    @property
    def legacy(self) -> bool:
        return self.format == LEGACY_FORMAT

    def segment_dir(self, name: str) -> Path:
        return self.directory if self.legacy else self.directory / "segments" / name

    def segment_spec(self, name: str) -> VectorIndexSpec:
        where = self.segment_dir(name)
        if self.legacy:
            return spec_from_manifest(self.manifest, str(where / "manifest.json"))
        return VectorIndexSpec.from_json(read_segment_info(where).get("vector_index"), str(where / "segment.json"))

    def row_maps(self) -> list[RowMap]:
        maps, offset = [], 0
        for name in self.segments:
            row_map = RowMap(self.segment_rows[name], offset,
                             np.fromiter(self.dead_rows[name], dtype=np.int64, count=len(self.dead_rows[name])))
            maps.append(row_map)
            offset = row_map.end
        return maps


@dataclass(frozen=True)
class _Reusable:
    vector: np.ndarray
    tokens: str
    alive: bool


class _LiveVersion(VersionFiles):
    """The live version as a rebuild reads it: SQLite queries and memory-mapped vectors, no row objects."""

    def __init__(self, directory: Path, same_pipeline: bool):
        super().__init__(directory)
        self.same_pipeline = same_pipeline
        self.version = str(self.manifest["version"])
        self.dim = int(self.manifest["dim"])
        self.num_passages = int(self.manifest["passages"])
        self.num_articles = int(self.manifest["articles"])
        self.base_spec = self.segment_spec(self.segments[0])
        self._dbs: dict[str, sqlite3.Connection] = {}
        self._embeddings: dict[str, np.ndarray] = {}

    @property
    def takes_deltas(self) -> bool:
        return not self.legacy and self.same_pipeline

    def db(self, name: str) -> sqlite3.Connection:
        if name not in self._dbs:
            self._dbs[name] = open_db(self.segment_dir(name))
        return self._dbs[name]

    def embeddings(self, name: str) -> np.ndarray:
        if name not in self._embeddings:
            self._embeddings[name] = load_embeddings(self.segment_dir(name))
        return self._embeddings[name]

    def stored_files(self) -> dict[str, StoredFile]:
        """Every live article file the version records: ~50k small tuples at 1M passages."""
        files: dict[str, StoredFile] = {}
        for name in self.segments:
            columns = ("size, mtime_ns" if not self.legacy else "NULL, NULL")
            dead = self.dead_articles[name]
            for article_id, path, digest, size, mtime_ns in self.db(name).execute(
                    f"SELECT article_id, source_path, file_hash, {columns} FROM articles"):
                if article_id not in dead:
                    files[path] = StoredFile(name, article_id, path, digest, size, mtime_ns)
        return files

    def article_row(self, record: StoredFile) -> ArticleRow:
        title, date, url, page_format = self.db(record.segment).execute(
            "SELECT title, date, url, page_format FROM articles WHERE article_id = ?", (record.article_id,)).fetchone()
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
        holdings = self.db(record.segment).execute(
            "SELECT position, passage_id FROM article_passages WHERE article_id = ? ORDER BY position",
            (record.article_id,)).fetchall()
        texts: dict[str, str] = {}
        for name in self.segments:
            missing = [pid for _, pid in holdings if pid not in texts]
            if not missing:
                break
            texts.update(select_in(self.db(name), "SELECT passage_id, text FROM passages WHERE passage_id IN ({marks})",
                                   missing))
        return [(position, pid, texts[pid]) for position, pid in holdings if pid in texts]

    def reusable(self, pids: list[str]) -> dict[str, _Reusable]:
        """Stored vector and tokens by passage id, from any segment (a live row preferred)."""
        found: dict[str, _Reusable] = {}
        for name in self.segments:
            db, vectors, dead = self.db(name), self.embeddings(name), self.dead_rows[name]
            for pid, row, token_text in select_in(db, "SELECT passage_id, row, tokens FROM passages "
                                                  "WHERE passage_id IN ({marks})", pids):
                alive = row not in dead
                if pid not in found or (alive and not found[pid].alive):
                    found[pid] = _Reusable(np.asarray(vectors[row]), token_text or "", alive)
        return found

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


def _open_live_for_reuse(index_dir: Path, embedder: Embedder, warn: Callable[[str], None]) -> _LiveVersion | None:
    directory = live_version_dir(index_dir)
    if directory is None:
        return None
    try:
        manifest = read_manifest(directory)
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
    if not fingerprints_agree(manifest.get("model_fingerprint"), _fingerprint_of(embedder)):
        warn(f"the files of model {embedder.name!r} changed since the last build; re-embedding everything")
        return None
    same_pipeline = manifest.get("pipeline") == pipeline_fingerprint()
    if not same_pipeline:
        warn("the article reader or tokenizer changed since the last build: re-reading every article "
             "(embeddings of unchanged passages are reused)")
    if manifest.get("format_version") == LEGACY_FORMAT:
        warn("the previous index has the format before segments: writing it anew as one base segment "
             "(embeddings reused)")
    try:
        return _LiveVersion(directory, same_pipeline)
    except IndexError_ as error:
        warn(f"previous index not reusable ({error}); rebuilding everything")
        return None


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
    """A read-only, loaded index version: vectors, lexical index and metadata.

    However many segments the version has, it is presented as one row space 0..num_passages-1
    of live passages (retrieval/segments.py RowMap): the Searcher never sees segments.
    """

    def __init__(self, directory: Path):
        self.directory = directory
        files = VersionFiles(directory)
        self.files = files
        self.manifest = files.manifest
        self.version = self.manifest["version"]
        self.model_name = self.manifest["model"]
        self.model_fingerprint = self.manifest.get("model_fingerprint")
        self.dim = int(self.manifest["dim"])
        self.num_articles = int(self.manifest["articles"])
        self.segments = files.segments
        self.row_maps = files.row_maps()
        self.num_passages = self.row_maps[-1].end if self.row_maps else 0
        try:
            parts = [(load_vectors(files.segment_dir(name), files.segment_spec(name)), row_map)
                     for name, row_map in zip(self.segments, self.row_maps, strict=True)]
        except VectorIndexError as error:
            raise IndexError_(str(error)) from None
        self.vectors = SegmentedVectors(parts)
        if files.legacy:  # one segment, no tombstones: bm25s' own scores are exact
            self.lexical = LexicalIndex.load(directory / "lexical", self.num_passages)
        else:
            self.lexical = SegmentedLexical([(SegmentTerms.load(files.segment_dir(name) / LEXICAL_DIR), row_map)
                                             for name, row_map in zip(self.segments, self.row_maps, strict=True)])
        self._dbs = [open_db(files.segment_dir(name)) for name in self.segments]
        self._db_lock = threading.Lock()
        self._evidence: list[CorpusEvidence] | None = None
        self._phrases: PhraseIndex | None = None
        self._predecessors: np.ndarray | None = None

    def _corpus_evidence(self) -> list[CorpusEvidence]:
        """Each segment's bigram postings and name evidence (read at the first query that needs them)."""
        if self._evidence is None:
            try:
                self._evidence = [load_corpus_evidence(self.files.segment_dir(name), db)
                                  for name, db in zip(self.segments, self._dbs, strict=True)]
            except ValueError as error:
                raise IndexError_(f"{error}: rebuild the index with scripts/rebuild_index.py --full") from None
        return self._evidence

    @property
    def phrases(self) -> PhraseIndex:
        """Substring search over the live passages."""
        with self._db_lock:
            if self._phrases is None:
                self._phrases = PhraseIndex([(evidence.bigrams, row_map) for evidence, row_map
                                             in zip(self._corpus_evidence(), self.row_maps, strict=True)])
            return self._phrases

    def name_evidence(self) -> list[NameEvidence]:
        """Each segment's glossed names (of live rows), transliteration runs and pinyin readings.

        A tombstoned passage's runs and readings stay until the next compaction: they only
        propose terms, which are then looked up among the live passages.
        """
        with self._db_lock:
            evidence = self._corpus_evidence()
        return [replace(e.names, glosses=[g for g in e.names.glosses if row_map.alive is None or row_map.alive[g[0]]])
                for e, row_map in zip(evidence, self.row_maps, strict=True)]

    def check_model(self, model_name: str, dim: int | None = None, fingerprint: str | None = None) -> None:
        if model_name != self.model_name or (dim is not None and dim != self.dim):
            raise ModelMismatch(
                f"the index in {self.directory.parent.parent} was built with model {self.model_name!r} "
                f"(dimension {self.dim}), but the configured model is {model_name!r}"
                f"{f' (dimension {dim})' if dim is not None else ''}: rebuild the index with "
                "`python scripts/rebuild_index.py --full`, or set NEWSQA_MODEL to the index's model")
        if not fingerprints_agree(self.model_fingerprint, fingerprint):
            raise ModelMismatch(
                f"the files of model {model_name!r} changed since the index in {self.directory.parent.parent} "
                f"was built (fingerprint {self.model_fingerprint}, now {fingerprint}): its vectors no longer "
                "match; rebuild the index with `python scripts/rebuild_index.py`")

    def passages(self, rows: list[int]) -> list[StoredPassage]:
        if not rows:
            return []
        wanted = np.asarray([int(row) for row in rows], dtype=np.int64)
        inside = (wanted >= 0) & (wanted < self.num_passages)
        segments, local = self.vectors.locate(wanted[inside])
        found: dict[int, tuple] = {}
        with self._db_lock:
            for number in np.unique(segments).tolist():
                mask = segments == number
                global_of = dict(zip(local[mask].tolist(), wanted[inside][mask].tolist(), strict=True))
                db = self._dbs[number]
                if len(global_of) > 5000:  # most of a segment (the corpus view): one scan beats IN lists
                    stored = db.execute("SELECT row, passage_id, article_id, text, tokens FROM passages")
                else:
                    stored = select_in(db, "SELECT row, passage_id, article_id, text, tokens FROM passages "
                                       "WHERE row IN ({marks})", list(global_of))
                for local_row, *values in stored:
                    if local_row in global_of:
                        found[global_of[local_row]] = tuple(values)
            articles = self._articles({values[1] for values in found.values()})
        out = []
        for row in wanted.tolist():
            if row not in found:
                continue
            pid, article_id, text, token_text = found[row]
            title, date, url = articles.get(article_id, ("", None, None))
            out.append(StoredPassage(row, pid, article_id, text, tuple(token_text.split("\t")) if token_text else (),
                                     title, date, url))
        return out

    @property
    def predecessors(self) -> np.ndarray:
        """Per live row, the row of the paragraph just before it in its article when this one opens
        with a word pointing back to it (retrieval.context); -1 elsewhere. Worked out at the first
        query that asks, from each segment's leaning flags and the articles' paragraph order.

        The previous paragraph may sit in any segment (an incremental rebuild writes only a changed
        article's new paragraphs), and a changed article's order is read from its live record.
        """
        with self._db_lock:
            if self._predecessors is None:
                self._predecessors = self._find_predecessors()
            return self._predecessors

    def _find_predecessors(self) -> np.ndarray:
        predecessor_row: dict[int, int] = {}  # global row → the global row before it
        previous_pid: dict[int, str] = {}  # ... or the passage id before it, held by another segment
        for name, db, row_map in zip(self.segments, self._dbs, self.row_maps, strict=True):
            try:
                leaning = load_leaning(self.files.segment_dir(name), db)
            except ValueError as error:
                raise IndexError_(f"{error}: rebuild the index with scripts/rebuild_index.py --full") from None
            if len(leaning) != row_map.size:
                raise IndexError_(f"{self.files.segment_dir(name) / LEANING_FILE} has {len(leaning)} rows, the "
                                  f"segment {row_map.size}: rebuild the index with scripts/rebuild_index.py --full")
            local = np.flatnonzero(leaning if row_map.alive is None else leaning & row_map.alive)
            if not len(local):
                continue
            dead = self.files.dead_articles[name]
            # the previous paragraph's row when this segment holds it (the usual case), else its id
            found = select_in(db, "SELECT p.row, p.article_id, p.passage_id, before.passage_id, held.row "
                              "FROM passages AS p JOIN article_passages AS this ON this.article_id = p.article_id "
                              "AND this.passage_id = p.passage_id LEFT JOIN article_passages AS before "
                              "ON before.article_id = this.article_id AND before.position = this.position - 1 "
                              "LEFT JOIN passages AS held ON held.passage_id = before.passage_id "
                              "WHERE p.row IN ({marks})", local.tolist())
            rows = row_map.to_global(np.asarray([values[0] for values in found], dtype=np.int64))
            held = row_map.to_global(np.asarray([-1 if v[4] is None else v[4] for v in found], dtype=np.int64))
            for row, held_row, (_, article_id, pid, before, _) in zip(rows.tolist(), held.tolist(), found,
                                                                     strict=True):
                if article_id in dead:  # the article changed since: its live record says what comes before
                    before, held_row = self._previous_in_live_article(article_id, pid), -1
                if held_row >= 0:
                    predecessor_row[row] = held_row
                elif before is not None:
                    previous_pid[row] = before
        predecessor = np.full(self.num_passages, -1, dtype=np.int32)
        for row, before_row in predecessor_row.items():
            predecessor[row] = before_row
        row_of = self._live_rows(set(previous_pid.values()))
        for row, pid in previous_pid.items():
            if pid in row_of:
                predecessor[row] = row_of[pid]
        return predecessor

    def _previous_in_live_article(self, article_id: str, passage_id: str) -> str | None:
        number = self._live_article_segment(article_id)
        if number is None:
            return None
        found = self._dbs[number].execute(
            "SELECT before.passage_id FROM article_passages AS this JOIN article_passages AS before "
            "ON before.article_id = this.article_id AND before.position = this.position - 1 "
            "WHERE this.article_id = ? AND this.passage_id = ?", (article_id, passage_id)).fetchone()
        return found[0] if found is not None else None

    def _live_article_segment(self, article_id: str) -> int | None:
        """The segment holding an article's live record: the newest one that has it, not tombstoned."""
        for number in reversed(range(len(self.segments))):
            if article_id in self.files.dead_articles[self.segments[number]]:
                continue
            if self._dbs[number].execute("SELECT 1 FROM articles WHERE article_id = ?", (article_id,)).fetchone():
                return number
        return None

    def _live_rows(self, passage_ids: set[str]) -> dict[str, int]:
        """The live global row of each passage id (a text has one live row in the whole index)."""
        found: dict[str, int] = {}
        for db, row_map in zip(self._dbs, self.row_maps, strict=True):
            missing = [pid for pid in passage_ids if pid not in found]
            if not missing:
                break
            stored = select_in(db, "SELECT passage_id, row FROM passages WHERE passage_id IN ({marks})", missing)
            if stored:
                rows = row_map.to_global(np.asarray([row for _, row in stored], dtype=np.int64))
                found.update((pid, int(row)) for (pid, _), row in zip(stored, rows.tolist(), strict=True) if row >= 0)
        return found

    def _articles(self, article_ids: set[str]) -> dict[str, tuple[str, str | None, str | None]]:
        """(title, date, url) of each article's live record: the newest segment holding it, not tombstoned."""
        found: dict[str, tuple[str, str | None, str | None]] = {}
        for number in reversed(range(len(self.segments))):
            missing = [a for a in article_ids if a not in found]
            if not missing:
                break
            dead = self.files.dead_articles[self.segments[number]]
            for article_id, title, date, url in select_in(
                    self._dbs[number], "SELECT article_id, title, date, url FROM articles "
                    "WHERE article_id IN ({marks})", missing):
                if article_id not in dead:
                    found[article_id] = (title, date, url)
        return found

    def close(self) -> None:
        with self._db_lock:
            for db in self._dbs:
                db.close()
        self.vectors.close()


def load_index(index_dir: Path) -> LoadedIndex:
    directory = live_version_dir(index_dir)
    if directory is None:
        raise IndexNotFound(f"no index in {index_dir}: build one with `python scripts/rebuild_index.py`")
    return LoadedIndex(directory)
