"""Digests of every file a version is made of: recorded when written, checked when loaded or verified.

A segment's `segment.json` lists each of its other files with size, SHA-256 and the mtime it had
when written; the version's `manifest.json` records the digest of each segment's `segment.json`,
of each tombstone file, and a checksum of itself. So one chain of digests covers every byte a
version is made of.

Loading checks what is cheap: every size, and the digest of every file whose mtime differs from
the one recorded (a file written since: garbled in place, or an index copied without keeping
times). A file untouched since it was written is trusted at load; `verify` hashes everything,
which also finds damage that left size and mtime alone (bad sectors, bit flips).
Any mismatch is `IndexDamaged`, naming the file and saying how to repair it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from retrieval.errors import IndexError_

SEGMENT_RECORD = "segment_file"  # in the manifest's segment list: [size, sha256, mtime_ns] of segment.json
CHECKSUM_FIELD = "checksum"  # the manifest's digest of itself (every other field, canonical JSON)
REPAIR = "run `python scripts/rebuild_index.py` to repair it (a rebuild rewrites damaged segments)"


class IndexDamaged(IndexError_):
    """A file of an index version does not hold what was written; the message names it."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"index file {path} is damaged ({problem}): {REPAIR}")
        self.path = path
        self.problem = problem


@dataclass(frozen=True)
class FileRecord:
    size: int
    sha256: str
    mtime_ns: int

    def to_json(self) -> list:
        return [self.size, self.sha256, self.mtime_ns]

    @classmethod
    def from_json(cls, value: object, where: Path) -> FileRecord:
        try:
            size, digest, mtime_ns = value  # type: ignore[misc]
            return cls(int(size), str(digest), int(mtime_ns))
        except (TypeError, ValueError):
            raise IndexDamaged(where, f"malformed file record {value!r}") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_files(root: Path, paths: Iterable[Path]) -> dict[str, list]:
    """{path relative to root: [size, sha256, mtime_ns]} of each file (already written and fsynced)."""
    records = {}
    for path in sorted(paths):
        status = path.stat()
        records[path.relative_to(root).as_posix()] = FileRecord(status.st_size, sha256_of(path),
                                                                status.st_mtime_ns).to_json()
    return records


def check_file(path: Path, record: FileRecord, *, full: bool) -> None:
    """IndexDamaged unless `path` holds what `record` says (hashed when `full` or its mtime moved)."""
    try:
        status = path.stat()
    except OSError as error:
        raise IndexDamaged(path, f"cannot read it: {error.strerror or error}") from None
    if status.st_size != record.size:
        raise IndexDamaged(path, f"{status.st_size:,} bytes, {record.size:,} written")
    if full or status.st_mtime_ns != record.mtime_ns:
        try:
            digest = sha256_of(path)
        except OSError as error:
            raise IndexDamaged(path, f"cannot read it: {error.strerror or error}") from None
        if digest != record.sha256:
            raise IndexDamaged(path, "its bytes changed since it was written")


def check_files(root: Path, records: dict, *, full: bool) -> None:
    if not isinstance(records, dict):
        raise IndexDamaged(root, "malformed file list")
    for name, value in records.items():
        check_file(root / name, FileRecord.from_json(value, root / name), full=full)


def seal(manifest: dict) -> dict:
    """The manifest with its checksum field set."""
    body = {key: value for key, value in manifest.items() if key != CHECKSUM_FIELD}
    return {**body, CHECKSUM_FIELD: _canonical_digest(body)}


def check_seal(manifest: dict, path: Path) -> bool:
    """True when the manifest carries a checksum (and it matches); False for one written before."""
    if CHECKSUM_FIELD not in manifest:
        return False
    body = {key: value for key, value in manifest.items() if key != CHECKSUM_FIELD}
    if manifest[CHECKSUM_FIELD] != _canonical_digest(body):
        raise IndexDamaged(path, "its checksum does not match its content")
    return True


def _canonical_digest(value: dict) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True, ensure_ascii=True).encode("ascii")).hexdigest()

