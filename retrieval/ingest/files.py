"""Which files under an articles directory are article pages: the one walker every stage uses."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

ARTICLE_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
# Folders of a cloned site that hold no articles: VCS and CI metadata (".git", ".github" – hidden),
# static-site templates and assets, installed packages.
NON_ARTICLE_DIRS = frozenset(("_layouts", "_includes", "_sass", "_site", "_data", "node_modules", "assets",
                              "vendor", "__pycache__"))


def walk_article_files(directory: Path,
                       ignored: list[tuple[str, str]] | None = None) -> Iterator[tuple[str, os.DirEntry]]:
    """(resolved POSIX path, directory entry) of each article file under `directory`, sorted by path.

    Index files (README.md), hidden files and folders (.git, .github) and site templates are
    skipped; given `ignored`, each is recorded there as (path, reason), a skipped folder once
    (its contents are never listed). os.scandir and one realpath per directory rather than
    pathlib's rglob + resolve per file: at 50k files those cost ~5 s of the ≤ 5 s an incremental
    rebuild may take (measured with scripts/bench.py at 1M)."""
    skip = ignored.append if ignored is not None else (lambda item: None)
    pending = [os.path.realpath(directory)]
    found: list[tuple[str, os.DirEntry]] = []
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as error:
            skip((folder, f"folder cannot be listed ({error.strerror or error})"))
            continue
        for entry in entries:
            if entry.name.startswith("."):
                skip((entry.path, "hidden folder" if entry.is_dir() else "hidden file"))
                continue
            if entry.is_dir():
                if entry.name not in NON_ARTICLE_DIRS:
                    pending.append(os.path.realpath(entry.path) if entry.is_symlink() else entry.path)
                else:
                    skip((entry.path, "site template or asset folder"))
                continue
            suffix = os.path.splitext(entry.name)[1].lower()
            if suffix not in ARTICLE_SUFFIXES:
                skip((entry.path, f"not a page type NewsQA reads ({suffix or 'no extension'})"))
            elif entry.name.upper() == "README.MD":
                skip((entry.path, "README"))
            elif not entry.is_file():
                skip((entry.path, "not a regular file"))
            else:
                found.append((os.path.realpath(entry.path) if entry.is_symlink() else entry.path, entry))
    found.sort(key=lambda item: item[0])
    if ignored is not None:
        ignored.sort()
    return iter(found)


def find_article_files(directory: Path) -> list[Path]:
    """The article files walk_article_files finds, as paths under `directory` as given (a file
    reached through a symlink that leads outside it: its resolved path)."""
    root = os.path.realpath(directory)
    files = []
    for path, _ in walk_article_files(directory):
        inside = os.path.commonpath([root, path]) == root
        files.append(directory / os.path.relpath(path, root) if inside else Path(path))
    return files
