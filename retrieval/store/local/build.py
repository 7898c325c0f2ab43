"""Rebuilding the local index: which files changed, then a full base segment or a delta.

A full rebuild writes one *base* segment. An incremental rebuild writes one small *delta* segment
with the rows it adds and tombstones for the rows it replaces or removes (retrieval.store.local.delta),
and links every other segment unchanged, so its cost follows the size of the change, not of the
corpus. When the deltas and tombstones outgrow a share of the base (`CompactionPolicy`), the rebuild
writes a fresh base instead (reusing every embedding and the base's trained IVF lists). Every
rebuild writes its version beside the live one and swaps it in atomically (retrieval.store.local.versions).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from retrieval.errors import NothingIndexed
from retrieval.ingest.boilerplate import NO_FURNITURE, Furniture, find_furniture
from retrieval.ingest.changes import FileScan, scan_files
from retrieval.models.article_encoder import ArticleEncoder
from retrieval.models.embedding import Embedder
from retrieval.records import Passage
from retrieval.store.article_vectors import ArticleVectors, vectors_for_articles
from retrieval.store.local.delta import CompactionPolicy, DeltaBuild
from retrieval.store.local.fingerprint import pipeline_fingerprint
from retrieval.store.local.live import LiveVersion, open_live_for_reuse
from retrieval.store.local.segment import SegmentContent
from retrieval.store.local.vectors import VectorIndexSpec, choose_spec
from retrieval.store.local.versions import (
    commit_version,
    new_version_name,
    read_manifest,
    rebuild_lock,
    recover_current,
    remove_old_versions,
    remove_stale_temporaries,
)
from retrieval.store.rebuild import embed_texts, read_files, tokens_of, without_furniture
from retrieval.store.records import ArticleEntry, BuildReport, PassageRow


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
    article_encoder: ArticleEncoder | None = None,
) -> BuildReport:
    """Index every article file under `article_dirs` into a new version of `index_dir`.

    Incremental unless `full`: files whose size and mtime (or else bytes) are unchanged since the
    live version are not re-read, passages whose text the live version already embedded are not
    re-embedded, and the change is written as one delta segment (or, past the compaction policy,
    as a fresh base). `full` re-reads and re-embeds everything into one base segment. The base's
    vector index kind is chosen by the number of passages unless `vector_spec` is given. With an
    `article_encoder` the version also holds one vector per article (retrieval.store.article_vectors),
    made only for articles whose title and lead have none yet.
    """
    started = time.perf_counter()
    # Hash the pipeline's code now: read when the manifest is written, it would record code edited
    # during a minutes-long build, and the next incremental rebuild would trust the stale segments.
    pipeline_fingerprint()
    report = BuildReport()
    warn = on_warning or (lambda message: None)
    with rebuild_lock(index_dir):
        remove_stale_temporaries(index_dir)
        previous = recover_current(index_dir, warn)  # the version live before this rebuild: kept
        live = None if full else open_live_for_reuse(index_dir, embedder, warn)
        try:
            stored = live.stored_files() if live is not None and live.same_pipeline else {}
            scan = scan_files(article_dirs, stored)
            report.files_hashed = scan.hashed
            report.ignored = scan.ignored
            for path, reason in scan.skipped:
                report.skipped.append((path, reason))
                warn(f"skipped {path}: {reason}")
            entries, failed, furniture = read_files(
                scan, report, warn, max_article_bytes, show_progress,
                find_furniture if live is None else lambda read: live.furniture_after(scan, read))
            report.articles_reused = len(scan.unchanged) + len(scan.touched)
            report.articles_removed = len(scan.removed) + len(failed)
            if live is not None and live.takes_deltas:
                build = DeltaBuild(live, entries, scan, report, started, furniture)
                if build.nothing_left():
                    raise NothingIndexed(_nothing_message(article_dirs, live))
                # a version without this model's article vectors is rewritten even when nothing changed
                lacks_vectors = article_encoder is not None and not live.has_article_vectors(article_encoder.name)
                if build.unchanged() and not lacks_vectors:
                    report.version, report.segments = live.version, len(live.segments)
                    report.passages_total = live.num_passages
                    report.parse_seconds = report.seconds = time.perf_counter() - started
                    return report
                kept = [(record.article_id, partial(live.entry, record))
                        for record in [*scan.unchanged, *(record for record, _ in scan.touched)]]
                articles = _article_vectors(article_encoder, live, entries, kept, report, show_progress, warn)
                if not (build.unchanged() or build.needs_compaction(compaction or CompactionPolicy())):
                    return _finish(build.write_delta(index_dir, embedder, batch_size, show_progress, articles),
                                   previous, report, started, index_dir)
                content = build.compacted(embedder, batch_size, show_progress, vector_spec)
                report.written = "compaction"
                trained = live.trained_base(content.spec)
            else:
                if not entries and not (scan.unchanged or scan.touched):
                    raise NothingIndexed(_nothing_message(article_dirs, live))
                content, every_entry = _full_content(live, entries, scan, report, embedder, batch_size,
                                                     show_progress, vector_spec, started, furniture)
                articles = _article_vectors(article_encoder, live, every_entry, [], report, show_progress, warn)
                report.written = "base"
                trained = None
            index_started = time.perf_counter()
            version = new_version_name()
            commit_version(index_dir, version, embedder, kept=[], new=(f"base-{version}", content),
                           tombstones={}, trained=trained, counts=(len(content.articles), len(content.rows)),
                           furniture=furniture, article_vectors=articles)
            report.vector_index = content.spec.factory
            report.index_seconds = time.perf_counter() - index_started
            return _finish(version, previous, report, started, index_dir)
        finally:
            if live is not None:
                live.close()


def _nothing_message(article_dirs: list[Path], live: LiveVersion | None) -> str:
    return ("nothing could be indexed: no readable article in " + ", ".join(str(d) for d in article_dirs)
            + (" (the previous index is still serving)" if live else ""))


def _article_vectors(encoder: ArticleEncoder | None, live: LiveVersion | None, entries: list[ArticleEntry],
                     kept: list[tuple[str, Callable[[], ArticleEntry]]], report: BuildReport,
                     show_progress: bool, warn: Callable[[str], None]) -> ArticleVectors | None:
    if encoder is None:
        return None
    started = time.perf_counter()
    previous = live.article_vectors(warn) if live is not None else None
    vectors, report.articles_embedded = vectors_for_articles(encoder, previous, entries, kept, show_progress)
    report.embed_seconds += time.perf_counter() - started
    return vectors


def _finish(version: str, previous: str | None, report: BuildReport, started: float,
            index_dir: Path) -> BuildReport:
    remove_old_versions(index_dir, keep={version, previous or version})
    report.version = version
    manifest = read_manifest(index_dir / "versions" / version)
    report.segments = len(manifest["segments"])
    report.passages_total = int(manifest["passages"])
    report.vector_index = report.vector_index or manifest["faiss_index"]
    report.seconds = time.perf_counter() - started
    return report


def _full_content(live: LiveVersion | None, read: list[ArticleEntry], scan: FileScan, report: BuildReport,
                  embedder: Embedder, batch_size: int, show_progress: bool,
                  vector_spec: VectorIndexSpec | None, started: float,
                  furniture: Furniture = NO_FURNITURE) -> tuple[SegmentContent, list[ArticleEntry]]:
    """Every article (read now, or reused from the live version) as one base segment, and those articles."""
    entries = list(read)
    if live is not None:
        reused = [live.entry(record) for record in scan.unchanged]
        reused += [replace(live.entry(record), size=state.size, mtime_ns=state.mtime_ns)
                   for record, state in scan.touched]
        entries += [without_furniture(entry, furniture) for entry in reused]
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
            tokens.append("\t".join(tokens_of(passage)))
        else:
            embeddings[row] = found.vector
            tokens.append(found.tokens if live is not None and live.same_pipeline
                          else "\t".join(tokens_of(passage)))
    report.parse_seconds = time.perf_counter() - started
    embed_started = time.perf_counter()
    if to_embed:
        embeddings[to_embed] = embed_texts(embedder, [rows[i].text for i in to_embed], batch_size, show_progress)
    report.passages_embedded = len(to_embed)
    report.embed_seconds = time.perf_counter() - embed_started
    return SegmentContent(
        kind="base",
        articles=[entry.record() for entry in entries],
        article_passages=[(e.article.id, p.position, p.id) for e in entries for p in e.passages],
        rows=[PassageRow(p.id, p.article_id, p.position, p.text, tokens[i], p.normalized) for i, p in enumerate(rows)],
        embeddings=embeddings,
        spec=vector_spec or choose_spec(len(rows)),
    ), entries
