"""Hostile article trees: loops, self-referencing links, FIFOs, devices, unreadable folders, odd names.
The walk never hangs or aborts; each path it cannot index is named in a warning with the reason."""

from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from support.paths import SEEDS

from retrieval.ingest.files import walk_article_files
from retrieval.service import rebuild


@pytest.fixture
def hostile_tree(tmp_path) -> Path:
    tree = tmp_path / "articles"
    shutil.copytree(SEEDS, tree)
    (tree / "sub").mkdir()
    (tree / "sub" / "loop").symlink_to("..")  # a directory loop
    (tree / "self.md").symlink_to("self.md")  # a link to itself
    (tree / "dangling.md").symlink_to("nowhere.md")
    (tree / "zero.md").symlink_to("/dev/zero")
    os.mkfifo(tree / "fifo.md")
    name = os.fsencode(tree) + b"/caf\xe9-\xff.txt"  # Latin-1 bytes: not valid UTF-8
    with open(name, "wb") as handle:
        handle.write((SEEDS / sorted(os.listdir(SEEDS))[0]).read_bytes().replace("稀土".encode(), "稀土元素".encode()))
    return tree


def test_the_walk_finishes_and_names_every_skipped_path(hostile_tree):
    skipped: list[tuple[str, str]] = []
    found = list(walk_article_files(hostile_tree, on_skip=lambda path, reason: skipped.append((path, reason))))
    names = sorted(Path(f.source_path).name for f in found)
    assert len(names) == 6 and r"caf\xe9-\xff.txt" in names
    reasons = {Path(path).name: reason for path, reason in skipped}
    assert "already walked" in reasons["loop"]
    assert "cannot follow the link" in reasons["self.md"] and "cannot follow the link" in reasons["dangling.md"]
    assert reasons["zero.md"] == reasons["fifo.md"] == "not a regular file"


def test_an_unlistable_folder_is_named_and_the_walk_goes_on(tmp_path, monkeypatch):
    tree = tmp_path / "articles"
    shutil.copytree(SEEDS, tree)
    (tree / "private").mkdir()
    real_scandir = os.scandir

    def scandir(path):
        if str(path).endswith("private"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    skipped = []
    found = list(walk_article_files(tree, on_skip=lambda path, reason: skipped.append((path, reason))))
    assert len(found) == 5 and skipped == [(str(tree / "private"), "cannot list folder: Permission denied")]


def test_a_rebuild_over_a_hostile_tree_finishes_with_warnings(hostile_tree, tiny_settings):
    warnings: list[str] = []
    report = rebuild(replace(tiny_settings, articles_dirs=(hostile_tree,)), show_progress=False,
                     on_warning=warnings.append)
    assert report.articles_read == 6
    for name in ("self.md", "dangling.md", "zero.md", "fifo.md", "loop"):
        assert any(name in warning for warning in warnings), (name, warnings)
    assert not any("\x1b" in w or "\udcff" in w for w in warnings)
