"""Which article files changed since the live index version: stat first, hash only the candidates.

A file whose size and modification time (ns) equal what the index recorded is taken as unchanged
without being opened: at a million passages (~50k files) re-hashing everything was most of an
incremental rebuild. A file whose stat differs is hashed; if its bytes are the same (a `touch`, a
checkout) only its recorded stat is refreshed, nothing is re-read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from retrieval.ingest.files import walk_article_files


@dataclass(frozen=True)
class FileState:
    """An article file as found on disk now."""

    path: Path
    source_path: str  # resolved, POSIX: the key the index records it under
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class StoredFile:
    """An article file as the live index version recorded it."""

    segment: str  # the segment holding its live article record
    article_id: str
    source_path: str
    file_hash: str
    size: int | None  # None in indexes written before stats were recorded (format 1)
    mtime_ns: int | None


@dataclass
class FileScan:
    unchanged: list[StoredFile] = field(default_factory=list)  # same stat: not opened
    touched: list[tuple[StoredFile, FileState]] = field(default_factory=list)  # new stat, same bytes
    to_read: list[tuple[FileState, str, StoredFile | None]] = field(default_factory=list)  # (now, hash, before)
    removed: list[StoredFile] = field(default_factory=list)  # recorded, no longer among the files
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    ignored: list[tuple[str, str]] = field(default_factory=list)  # (file or folder, reason): not article pages
    hashed: int = 0


def file_hash(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan_files(article_dirs: list[Path], stored: dict[str, StoredFile]) -> FileScan:
    """Sort every article file under `article_dirs` into unchanged / touched / to read / removed."""
    scan = FileScan()
    seen: set[str] = set()
    for directory in article_dirs:
        if not directory.is_dir():
            scan.skipped.append((str(directory), "not a directory"))
            continue
        for found in walk_article_files(directory, on_skip=lambda path, reason: scan.skipped.append((path, reason)),
                                        ignored=scan.ignored):
            source_path = found.source_path
            if source_path in seen:  # two --articles dirs that overlap
                continue
            seen.add(source_path)
            before = stored.get(source_path)
            path = Path(found.path)
            try:
                state = FileState(path, source_path, found.status.st_size, found.status.st_mtime_ns)
                if before is not None and (before.size, before.mtime_ns) == (state.size, state.mtime_ns):
                    scan.unchanged.append(before)
                    continue
                digest = file_hash(path)
                scan.hashed += 1
            except OSError as error:
                scan.skipped.append((source_path, f"cannot read file: {error.strerror or error}"))
                if before is not None:
                    scan.removed.append(before)
                continue
            if before is not None and before.file_hash == digest:
                scan.touched.append((before, state))
            else:
                scan.to_read.append((state, digest, before))
    scan.removed.extend(record for path, record in stored.items() if path not in seen)
    return scan
