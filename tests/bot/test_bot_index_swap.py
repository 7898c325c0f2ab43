"""The bot follows rebuilds but stays on the last good version when a new one fails to load or to
answer its probe question (issue 19)."""

from __future__ import annotations

import logging
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.paths import SEEDS

from bot.searching import LiveSearcher
from retrieval.errors import IndexError_
from retrieval.service import open_searcher, probe, rebuild
from retrieval.store.local import reader

QUESTION = "中国的稀土储量占全球多少？"


@pytest.fixture
def editable(tmp_path, tiny_settings):
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    settings = replace(tiny_settings, articles_dirs=(articles,), compaction_share=1.0)
    rebuild(settings, show_progress=False)
    return settings


def new_version(settings) -> Path:
    path = sorted(settings.articles_dirs[0].iterdir())[0]
    path.write_text(path.read_text(encoding="utf-8") + "\n\n稀土出口的新消息又来了。\n", encoding="utf-8")
    report = rebuild(settings, show_progress=False)
    return settings.index_dir / "versions" / report.version


def test_a_damaged_new_version_is_not_served(editable, caplog):
    bot = LiveSearcher(editable)
    good = bot.version
    before = bot.search(QUESTION, 5)
    names = next(new_version(editable).glob("segments/delta-*/names.json"))
    names.write_bytes(names.read_bytes()[:-10])
    with caplog.at_level(logging.ERROR):
        after = bot.search(QUESTION, 5)
        bot.search(QUESTION, 5)
    assert bot.version == good and after == before
    assert [r for r in caplog.records if "names.json" in r.getMessage()] and len(caplog.records) == 1


def test_a_new_version_that_fails_its_probe_is_not_served(editable, monkeypatch, caplog):
    bot = LiveSearcher(editable)
    good = bot.version
    new_version(editable)

    def blind(self, queries, k):  # loads fine, finds nothing: what a garbled vector index did
        return np.full((len(queries), k), -np.inf, np.float32), np.full((len(queries), k), -1, np.int64)

    monkeypatch.setattr(reader.LoadedIndex, "dense_search", blind)
    with caplog.at_level(logging.ERROR):
        bot.search(QUESTION, 5)
    assert bot.version == good and any("probe" in r.getMessage() for r in caplog.records)


def test_the_probe_passes_on_a_sound_index(seed_index):
    probe(open_searcher(seed_index))


def test_the_probe_fails_on_a_blind_index(seed_index, monkeypatch):
    searcher = open_searcher(seed_index)
    monkeypatch.setattr(type(searcher.index), "term_matches", lambda self, term: None)
    with pytest.raises(IndexError_, match="probe"):
        probe(searcher)
