"""The on-disk index: versions made of immutable segments, built beside the live one, swapped atomically.

Layout of an index directory:

    CURRENT                        name of the live version (replaced atomically by os.replace)
    versions/<version>/
        manifest.json              format, model name and dimension, live counts, the segment list with
                                   each segment.json's digest, the tombstones' digests, its own checksum
        segments/<segment>/        one immutable segment each (retrieval/store/local/segment.py); a new version
                                   hard-links the segments it keeps from the previous one
        tombstones/<segment>.rows.npy       rows of that segment no longer live in this version
        tombstones/<segment>.articles.json  article records of that segment replaced or removed
        articles/vectors.npy, vectors.json  one multilingual vector per live article, when built
                                            with them (retrieval/store/local/article_file.py)
    .rebuild.lock                  held while a rebuild runs

A full rebuild writes one *base* segment. An incremental rebuild writes one small *delta* segment
with the rows it adds and tombstones for the rows it replaces or removes, and links every other
segment unchanged, so its cost follows the size of the change, not of the corpus. When the deltas
and tombstones outgrow a share of the base (`CompactionPolicy`), the rebuild writes a fresh base
instead (reusing every embedding and the base's trained IVF lists).

Every rebuild writes its version in a temporary directory and only then points CURRENT at it,
so a failed or killed rebuild leaves the previous version serving, unchanged; because segments
are shared by hard links, removing an old version never takes a segment from a live one.
Every file a version is made of has its size and SHA-256 recorded when written; loading checks the
cheap part, a full check (verify) everything (retrieval/store/local/integrity.py). A CURRENT that is
missing or unreadable while versions exist is an error for readers, and a rebuild recovers the
newest complete version that verifies. A rebuild keeps the version that was live before it and any
version a reader holds (VersionLease), and removes the rest.
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
from collections.abc import Callable, Iterator
from pathlib import Path

import faiss
import numpy as np

from retrieval.errors import IndexError_, RebuildInProgress
from retrieval.ingest.boilerplate import NO_FURNITURE, Furniture
from retrieval.models.embedding import Embedder
from retrieval.store.article_vectors import ArticleVectors
from retrieval.store.local import fingerprint
from retrieval.store.local.article_file import write_article_vectors
from retrieval.store.local.durability import fsync_path
from retrieval.store.local.integrity import (
    SEGMENT_RECORD,
    FileRecord,
    IndexDamaged,
    check_file,
    check_files,
    check_seal,
    record_files,
    seal,
)
from retrieval.store.local.rows import RowMap
from retrieval.store.local.segment import (
    SEGMENT_FILE,
    SegmentContent,
    link_segment,
    read_segment_info,
    write_segment,
)
from retrieval.store.local.vectors import VectorIndexSpec, spec_from_manifest

FORMAT_VERSION = 2
LEGACY_FORMAT = 1  # one whole version directory, bm25s scores: still read, rewritten by the next rebuild


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


class CurrentDamaged(IndexError_):
    """CURRENT is missing or unreadable while versions are on disk: never taken for 'no index yet'."""

    def __init__(self, index_dir: Path, problem: str):
        versions = ", ".join(complete_versions(index_dir)[-3:]) or "none complete"
        super().__init__(f"{index_dir / 'CURRENT'} {problem}, but index versions are on disk ({versions}): "
                         "run `python scripts/rebuild_index.py` to recover the newest complete version that "
                         "verifies (or `--full` to rebuild from the articles)")
        self.problem = problem


class VersionGone(IndexError_):
    """The version a reader was about to load is being removed by a rebuild: read CURRENT again."""


def complete_versions(index_dir: Path) -> list[str]:
    """Names of the version directories that hold a manifest, oldest first (names sort by build time)."""
    versions = index_dir / "versions"
    if not versions.is_dir():
        return []
    return sorted(p.name for p in versions.iterdir() if not p.name.startswith(".") and (p / "manifest.json").is_file())


def live_version_dir(index_dir: Path) -> Path | None:
    """The live version's directory; None when there is no index at all (no CURRENT, no versions).

    CurrentDamaged when CURRENT is missing, unreadable or names no version while versions exist:
    taking that for 'no index yet' served answers from the seeds and let the next rebuild delete
    the real versions (issue 19)."""
    pointer = index_dir / "CURRENT"
    try:
        raw = pointer.read_bytes()
    except FileNotFoundError:
        if complete_versions(index_dir):
            raise CurrentDamaged(index_dir, "is missing") from None
        return None
    except OSError as error:
        raise CurrentDamaged(index_dir, f"cannot be read ({error.strerror or error})") from None
    try:
        version = raw.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise CurrentDamaged(index_dir, "is not text") from None
    if not version:
        raise CurrentDamaged(index_dir, "is empty")
    if "/" in version or version.startswith(".") or not version.isprintable():
        raise CurrentDamaged(index_dir, f"holds {version[:80]!r}, not a version name")
    directory = index_dir / "versions" / version
    if not (directory / "manifest.json").is_file():
        raise CurrentDamaged(index_dir, f"names version {version[:80]!r}, which is not on disk")
    return directory


def live_version(index_dir: Path) -> str | None:
    """The name of the version a fresh load would serve (cheap: one small file read)."""
    directory = live_version_dir(index_dir)
    return directory.name if directory else None


def recover_current(index_dir: Path, warn: Callable[[str], None]) -> str | None:
    """The live version's name (for a rebuild, under its lock). When CURRENT is damaged, the newest
    complete version that passes a full check is made live again, and a warning says so; None when
    there is no index, or no version verifies (the rebuild then starts afresh)."""
    try:
        return live_version(index_dir)
    except CurrentDamaged as error:
        problem = error.problem
    for name in reversed(complete_versions(index_dir)):
        try:
            VersionFiles(index_dir / "versions" / name, full_check=True)
        except IndexError_ as damage:
            warn(f"index version {name} does not verify: {damage}")
            continue
        point_current_at(index_dir, name)
        warn(f"{index_dir / 'CURRENT'} {problem}: recovered version {name}, the newest complete version "
             "that verifies")
        return name
    warn(f"{index_dir / 'CURRENT'} {problem} and no index version verifies: rebuilding everything")
    return None


def read_manifest(directory: Path) -> dict:
    path = directory / "manifest.json"
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise IndexDamaged(path, f"cannot read it: {error.strerror or error}") from None
    except ValueError as error:  # not UTF-8, not JSON
        raise IndexDamaged(path, f"not readable JSON: {error}") from None
    if not isinstance(manifest, dict):
        raise IndexDamaged(path, "not a JSON object")
    return manifest


class VersionLease:
    """A shared lock on a version, held while a reader uses it. A rebuild removes an old version only
    when it can lock it exclusively, so no version is removed under a reader (issue 19: loads racing
    back-to-back rebuilds failed). The lock is flock on the version's manifest.json, which every
    version has and a reader may open read-only."""

    def __init__(self, directory: Path):
        path = directory / "manifest.json"
        try:
            self._handle = open(path, "rb")  # noqa: SIM115 – held for the life of the loaded index
        except FileNotFoundError:
            raise VersionGone(f"index version {directory.name} was removed while loading") from None
        try:
            fcntl.flock(self._handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            if not path.exists() or os.stat(path).st_ino != os.fstat(self._handle.fileno()).st_ino:
                raise BlockingIOError  # removed between our open and our lock
        except BlockingIOError:
            self._handle.close()
            raise VersionGone(f"index version {directory.name} is being removed") from None

    def release(self) -> None:
        self._handle.close()  # closing drops the lock


def fingerprint_of(embedder: Embedder) -> str | None:
    return getattr(embedder, "fingerprint", None)


def segment_entry(segment: Path, kind: str, rows: int, dead_rows: int = 0, dead_articles: int = 0) -> dict:
    """A segment as the manifest lists it, with the digest of its segment.json (which holds the others')."""
    return {"name": segment.name, "kind": kind, "rows": rows, "dead_rows": dead_rows, "dead_articles": dead_articles,
            SEGMENT_RECORD: record_files(segment, [segment / SEGMENT_FILE])[SEGMENT_FILE]}


def write_manifest(directory: Path, version: str, model_name: str, dim: int, segments: list[dict],
                   base_spec: VectorIndexSpec, articles: int, passages: int,
                   model_fingerprint: str | None = None, tombstones: dict | None = None,
                   furniture: Furniture = NO_FURNITURE, article_vectors: dict | None = None) -> None:
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
        "tombstones": tombstones or {},  # [size, sha256, mtime_ns] of each tombstone file
        # paragraphs known as boilerplate (retrieval.ingest.boilerplate), so that an article added
        # later that repeats one is cleaned too
        "furniture": furniture.to_json(),
        # [size, sha256, mtime_ns] of the article vectors' files (retrieval.store.local.article_file)
        "article_vectors": article_vectors or {},
    }
    (directory / "manifest.json").write_text(json.dumps(seal(manifest), indent=2), encoding="utf-8")


def commit_version(index_dir: Path, version: str, embedder: Embedder, *, kept: list[tuple[str, Path]],
                   new: tuple[str, SegmentContent], tombstones: dict[str, tuple[set[int], set[str]]],
                   trained: faiss.Index | None, counts: tuple[int, int],
                   base_spec: VectorIndexSpec | None = None, furniture: Furniture = NO_FURNITURE,
                   article_vectors: ArticleVectors | None = None) -> None:
    """Write a version (linked segments + one new segment + tombstones, and the article vectors when
    given) and make it the live one."""
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
            segments.append(segment_entry(temporary / "segments" / name, info["kind"], int(info["rows"]),
                                          len(rows), len(articles)))
        written = write_article_vectors(temporary, article_vectors) if article_vectors is not None else []
        for path in [*(temporary / "tombstones").iterdir(), *written]:
            fsync_path(path)  # before their digests and mtimes are taken
        write_manifest(temporary, version, embedder.name, embedder.dim, segments, base_spec or content.spec,
                       counts[0], counts[1], fingerprint_of(embedder),
                       tombstones=record_files(temporary, (temporary / "tombstones").iterdir()), furniture=furniture,
                       article_vectors=record_files(temporary, written))
        for path in (temporary / "manifest.json", temporary / "tombstones", temporary / "segments",
                     *[path.parent for path in written[:1]], temporary):
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


def remove_old_versions(index_dir: Path, keep: set[str]) -> None:
    """Remove every version but `keep` (the new one and the one live before this rebuild) that no
    reader holds (VersionLease); one still in use is left for a later rebuild to remove.

    Keeping the version that was live, not the newest other one, matters after a rebuild killed
    between renaming its version into place and pointing CURRENT at it: that version was never
    served, and is the one to drop (issue 19)."""
    # Segments shared with the kept versions are hard links: removing a version drops only its names.
    for path in sorted((index_dir / "versions").iterdir()):
        if path.name.startswith(".") or path.name in keep:
            continue
        try:
            handle = open(path / "manifest.json", "rb")  # noqa: SIM115
        except OSError:  # no manifest: not a complete version, nobody can load it
            shutil.rmtree(path, ignore_errors=True)
            continue
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # a reader holds it
            shutil.rmtree(path, ignore_errors=True)


class VersionFiles:
    """One version directory as written: its manifest, its segments and their tombstones."""

    def __init__(self, directory: Path, *, full_check: bool = False):
        self.directory = directory
        self.manifest = read_manifest(directory)
        # False for a version written before digests were recorded: there is nothing to check it against
        self.sealed = check_seal(self.manifest, directory / "manifest.json")
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
        self.unchecked: list[str] = []  # segments written before digests were recorded
        if self.sealed:
            self.check(full=full_check)
        self.dead_rows, self.dead_articles = {}, {}
        for name in self.segments:
            self.dead_rows[name] = self._dead_rows(name)
            self.dead_articles[name] = self._dead_articles(name)

    def check(self, *, full: bool) -> None:
        """IndexDamaged naming the first file that does not hold what was written: every size, and the
        digest of each file changed since it was written, or of every file when `full`."""
        for entry in self.manifest["segments"]:
            where = self.directory / "segments" / str(entry["name"])
            check_file(where / SEGMENT_FILE, FileRecord.from_json(entry.get(SEGMENT_RECORD), where / SEGMENT_FILE),
                       full=full)
            files = read_segment_info(where).get("files")
            if files is None:
                self.unchecked.append(str(entry["name"]))
                continue
            check_files(where, files, full=full)
        check_files(self.directory, self.manifest.get("tombstones", {}), full=full)
        check_files(self.directory, self.manifest.get("article_vectors", {}), full=full)

    def _dead_rows(self, name: str) -> set[int]:
        path = self.directory / "tombstones" / f"{name}.rows.npy"
        if not path.exists():
            return set()
        try:
            rows = np.load(path, allow_pickle=False)
            if rows.ndim != 1 or rows.dtype.kind not in "iu" or (
                    len(rows) and (rows.min() < 0 or rows.max() >= self.segment_rows[name])):
                raise ValueError("not a list of rows of the segment")
        except (OSError, ValueError) as error:
            raise IndexDamaged(path, str(error)) from None
        return set(rows.tolist())

    def _dead_articles(self, name: str) -> set[str]:
        path = self.directory / "tombstones" / f"{name}.articles.json"
        if not path.exists():
            return set()
        try:
            dead = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(dead, list) or not all(isinstance(article, str) for article in dead):
                raise ValueError("not a list of article ids")
        except (OSError, ValueError) as error:
            raise IndexDamaged(path, str(error)) from None
        return set(dead)

    @property
    def legacy(self) -> bool:
        return self.format == LEGACY_FORMAT

    def segment_dir(self, name: str) -> Path:
        return self.directory if self.legacy else self.directory / "segments" / name

    def segment_info(self, name: str) -> dict:
        return read_segment_info(self.segment_dir(name))

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
