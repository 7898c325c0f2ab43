"""The on-disk index: versions made of immutable segments, built beside the live one, swapped atomically.

Layout of an index directory:

    CURRENT                        name of the live version (replaced atomically by os.replace)
    versions/<version>/
        manifest.json              format, model name and dimension, live counts, the segment list
        segments/<segment>/        one immutable segment each (retrieval/store/local/segment.py); a new version
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
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import faiss
import numpy as np

from retrieval.errors import IndexError_, RebuildInProgress
from retrieval.ingest.boilerplate import NO_FURNITURE, Furniture
from retrieval.models.embedding import Embedder
from retrieval.store.local import fingerprint
from retrieval.store.local.durability import fsync_path
from retrieval.store.local.rows import RowMap
from retrieval.store.local.segment import SegmentContent, link_segment, read_segment_info, write_segment
from retrieval.store.local.vectors import VectorIndexSpec, spec_from_manifest

FORMAT_VERSION = 2
LEGACY_FORMAT = 1  # one whole version directory, bm25s scores: still read, rewritten by the next rebuild
KEEP_OLD_VERSIONS = 1  # a serving process may still be reading the previous version


@contextlib.contextmanager
def rebuild_lock(index_dir: Path) -> Iterator[None]:
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


def new_version_name() -> str:
    # Microseconds: a delta rebuild takes well under a second, and old versions are removed in name
    # order, so names must sort in build order even for several rebuilds within one second.
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f") + "-" + uuid.uuid4().hex[:6]


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


def fingerprint_of(embedder: Embedder) -> str | None:
    return getattr(embedder, "fingerprint", None)


def write_manifest(directory: Path, version: str, model_name: str, dim: int, segments: list[dict],
                    base_spec: VectorIndexSpec, articles: int, passages: int,
                    model_fingerprint: str | None = None, furniture: Furniture = NO_FURNITURE) -> None:
    manifest = {
        "format_version": FORMAT_VERSION,
        "version": version,
        "model": model_name,
        "dim": dim,
        # what the model's files held (retrieval.models.embedding.model_fingerprint): a model rebuilt under
        # the same name gives other vectors, and is caught here rather than served as garbage
        "model_fingerprint": model_fingerprint,
        # the base segment's vector index: what most rows are searched with (deltas are exact)
        "faiss_index": base_spec.factory,
        "vector_index": base_spec.to_json(),
        "pipeline": fingerprint.pipeline_fingerprint(),
        "articles": articles,
        "passages": passages,
        "segments": segments,
        "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        # paragraphs known as boilerplate (retrieval.ingest.boilerplate), so that an article added
        # later that repeats one is cleaned too
        "furniture": furniture.to_json(),
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def commit_version(index_dir: Path, version: str, embedder: Embedder, *, kept: list[tuple[str, Path]],
                   new: tuple[str, SegmentContent], tombstones: dict[str, tuple[set[int], set[str]]],
                   trained: faiss.Index | None, counts: tuple[int, int],
                   base_spec: VectorIndexSpec | None = None, furniture: Furniture = NO_FURNITURE) -> None:
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
        write_manifest(temporary, version, embedder.name, embedder.dim, segments, base_spec or content.spec,
                        counts[0], counts[1], fingerprint_of(embedder), furniture)
        for path in (temporary / "manifest.json", *(temporary / "tombstones").iterdir(),
                     temporary / "tombstones", temporary / "segments", temporary):
            fsync_path(path)
        os.replace(temporary, index_dir / "versions" / version)
        point_current_at(index_dir, version)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def point_current_at(index_dir: Path, version: str) -> None:
    pointer = index_dir / f".CURRENT.{uuid.uuid4().hex[:6]}"
    pointer.write_text(version + "\n", encoding="utf-8")
    fsync_path(pointer)
    os.replace(pointer, index_dir / "CURRENT")


def remove_stale_temporaries(index_dir: Path) -> None:
    """Leftovers of a rebuild that was killed: never pointed at, safe to delete under the lock."""
    versions = index_dir / "versions"
    if versions.is_dir():
        for path in versions.glob(".tmp-*"):
            shutil.rmtree(path, ignore_errors=True)
    for path in index_dir.glob(".CURRENT.*"):
        path.unlink(missing_ok=True)


def remove_old_versions(index_dir: Path, keep: str) -> None:
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
