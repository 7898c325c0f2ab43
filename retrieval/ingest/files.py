"""Which files under an articles directory are article pages: the one walker every stage uses."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
# Folders of a cloned site that hold no articles: VCS and CI metadata (".git", ".github" – hidden),
# static-site templates and assets, installed packages.
NON_ARTICLE_DIRS = frozenset(("_layouts", "_includes", "_sass", "_site", "_data", "node_modules", "assets",
                              "vendor", "__pycache__"))


@dataclass(frozen=True)
class FoundFile:
    """An article file: where to open it, the key the index records it under, and its stat."""

    path: str  # resolved; holds surrogate escapes when the name is not valid UTF-8
    source_path: str  # `path` as valid text (undecodable bytes as \\xNN): what the index stores and shows
    status: os.stat_result


def _as_text(path: str) -> str:
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:  # a name that is not valid UTF-8: os gives its bytes as surrogate escapes
        return os.fsencode(path).decode("utf-8", "backslashreplace")


def walk_article_files(directory: Path, on_skip: Callable[[str, str], None] | None = None,
                       ignored: list[tuple[str, str]] | None = None) -> Iterator[FoundFile]:
    """Each article file under `directory`, sorted by source path.

    Index files (README.md), hidden files and folders (.git, .github), site templates and files of
    other types are not articles: given `ignored`, each is recorded there as (path, reason), a
    skipped folder once (its contents are never listed), so a rebuild can say what it left out.
    Anything else that cannot be indexed is reported to `on_skip(path, reason)`
    and the walk goes on: a folder it cannot list, a folder already walked (a symlink loop, or a
    second link to it: folders are told apart by device and inode, so a loop cannot make the walk
    run forever), a symlink that is broken or loops, and an article-named path that is not a regular
    file (a FIFO, a link to /dev/zero: reading either would block or never end).
    os.scandir and one realpath per symlinked folder rather than pathlib's rglob + resolve per file:
    at 50k files those cost ~5 s of the ≤ 5 s an incremental rebuild may take (scripts/bench.py at 1M)."""
    skip = on_skip or (lambda path, reason: None)
    ignore = (lambda path, reason: ignored.append((_as_text(path), reason))) if ignored is not None \
        else (lambda path, reason: None)
    root = os.path.realpath(directory)
    pending = [(root, root)]  # (the folder as reached, where it really is)
    walked: set[tuple[int, int]] = set()
    found: dict[str, FoundFile] = {}
    while pending:
        shown, folder = pending.pop()
        try:
            status = os.stat(folder)
            if (status.st_dev, status.st_ino) in walked:
                skip(_as_text(shown), "folder already walked (a symlink loop, or a second link to it)")
                continue
            walked.add((status.st_dev, status.st_ino))
            entries = list(os.scandir(folder))
        except OSError as error:
            skip(_as_text(shown), f"cannot list folder: {error.strerror or error}")
            continue
        for entry in entries:
            if entry.name.startswith("."):
                ignore(entry.path, "hidden folder" if entry.is_dir(follow_symlinks=False) else "hidden file")
                continue
            try:
                is_folder = entry.is_dir()  # follows a symlink; raises on a symlink loop
            except OSError as error:
                skip(_as_text(entry.path), f"cannot follow the link: {error.strerror or error}")
                continue
            if is_folder:
                if entry.name not in NON_ARTICLE_DIRS:
                    pending.append((entry.path, os.path.realpath(entry.path) if entry.is_symlink() else entry.path))
                else:
                    ignore(entry.path, "site template or asset folder")
                continue
            suffix = os.path.splitext(entry.name)[1].lower()
            if suffix not in ARTICLE_SUFFIXES:
                ignore(entry.path, f"not a page type NewsQA reads ({suffix or 'no extension'})")
                continue
            if entry.name.upper() == "README.MD":
                ignore(entry.path, "README")
                continue
            try:
                status = entry.stat()  # follows a symlinked file
            except OSError as error:
                skip(_as_text(entry.path), f"cannot follow the link: {error.strerror or error}")
                continue
            if not stat.S_ISREG(status.st_mode):
                skip(_as_text(entry.path), "not a regular file")
                continue
            path = os.path.realpath(entry.path) if entry.is_symlink() else entry.path
            found.setdefault(path, FoundFile(path, _as_text(path), status))
    if ignored is not None:
        ignored.sort()
    return iter(sorted(found.values(), key=lambda file: file.source_path))


def find_article_files(directory: Path) -> list[Path]:
    """The article files walk_article_files finds, as paths under `directory` as given (a file
    reached through a symlink that leads outside it: its resolved path)."""
    root = os.path.realpath(directory)
    files = []
    for found in walk_article_files(directory):
        path = found.path
        inside = os.path.commonpath([root, path]) == root
        files.append(directory / os.path.relpath(path, root) if inside else Path(path))
    return files
