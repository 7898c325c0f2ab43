"""A full check of a local index directory: CURRENT, then every byte of every complete version.

Loading checks only what is cheap (retrieval/store/local/integrity.py); this hashes every file, so
it also finds damage that left a file's size and mtime alone. Read-only: repair is a rebuild.
"""

from __future__ import annotations

from pathlib import Path

from retrieval.errors import IndexError_
from retrieval.store.local.versions import CurrentDamaged, VersionFiles, complete_versions, live_version
from retrieval.store.records import VerifyReport


def verify_index(index_dir: Path) -> VerifyReport:
    report = VerifyReport(location=str(index_dir))
    try:
        report.live = live_version(index_dir)
    except CurrentDamaged as error:
        report.problems.append(str(error))
    if report.live is None and not report.problems:
        report.problems.append(f"no index in {index_dir}: build one with `python scripts/rebuild_index.py`")
    for name in complete_versions(index_dir):
        report.versions.append(name)
        directory = index_dir / "versions" / name
        try:
            files = VersionFiles(directory, full_check=True)
        except IndexError_ as error:
            report.problems.append(f"version {name}{' (live)' if name == report.live else ''}: {error}")
            continue
        if not files.sealed:
            report.notes.append(f"version {name} was written before digests were recorded: only a rebuild "
                                "with --full can make it checkable")
            continue
        for segment in files.unchecked:
            report.notes.append(f"segment {segment} of version {name} has no digests (written before they "
                                "were recorded): the next rebuild with --full records them")
        report.files_checked += 1 + len(files.manifest.get("tombstones", {})) + len(
            files.manifest.get("article_vectors", {})) + sum(
            1 + len(files.segment_info(segment).get("files", {})) for segment in files.segments)
    return report
