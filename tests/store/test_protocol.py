"""The store interface is what search and the bot use: the local backend implements it, and the
Searcher answers the same through an index that offers nothing but the protocol's members."""

from __future__ import annotations

import inspect
from dataclasses import replace

import pytest

from bot.searching import LiveSearcher
from retrieval.models.embedding import load_embedder
from retrieval.search import RankingOptions, Searcher
from retrieval.service import open_store
from retrieval.store.protocol import IndexReader, IndexStore

QUESTIONS = ["中国7月稀土磁铁出口了多少吨？", "What is Bessent's 12–24 month timeline?", "稀土出口管制",
             "火星上有水吗？"]


def protocol_members(protocol: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(protocol) if not name.startswith("_")}


class OnlyTheProtocol:
    """An IndexReader that exposes the protocol's members of a real one and nothing else."""

    def __init__(self, index: IndexReader):
        self._index = index
        self._allowed = protocol_members(IndexReader)

    def __getattr__(self, name: str):
        if name not in self._allowed:
            raise AttributeError(f"{name!r} is not part of the store protocol")
        return getattr(self._index, name)


def test_the_local_backend_implements_the_protocol(seed_index):
    store = open_store(seed_index)
    assert isinstance(store, IndexStore)
    index = store.open()
    try:
        assert isinstance(index, IndexReader)
        assert index.info.version == store.live_version()
        assert index.info.passages == len(index.passages(list(range(index.info.passages))))
    finally:
        index.close()


def test_the_searcher_needs_nothing_but_the_protocol(seed_index):
    index = open_store(seed_index).open()
    embedder = load_embedder(seed_index.model)
    options = replace(RankingOptions.from_settings(seed_index), use_neighbours=True)
    try:
        direct = Searcher(index, embedder, options)
        through = Searcher(OnlyTheProtocol(index), embedder, options)
        for question in QUESTIONS:
            assert through.search(question, top_k=5) == direct.search(question, top_k=5), question
    finally:
        index.close()


class OnlyTheProtocolStore:
    def __init__(self, store: IndexStore):
        self._store = store

    def live_version(self) -> str | None:
        return self._store.live_version()

    def open(self) -> IndexReader:
        return OnlyTheProtocol(self._store.open())

    def rebuild(self, *args, **kwargs):
        raise AssertionError("the bot never rebuilds")


def test_the_bot_needs_nothing_but_the_protocol(seed_index, monkeypatch):
    import bot.searching

    store = open_store(seed_index)
    monkeypatch.setattr(bot.searching, "open_store", lambda settings: OnlyTheProtocolStore(open_store(settings)))
    live = LiveSearcher(seed_index)
    facts = live.facts()
    assert facts.version == store.live_version() and facts.passages > 0 and facts.model == seed_index.model
    assert live.search(QUESTIONS[0], top_k=3).answered


def test_an_index_without_a_member_is_not_an_index_reader():
    class Partial:
        def term_matches(self, term):
            return None

    assert not isinstance(Partial(), IndexReader)
    with pytest.raises(AttributeError, match="not part of the store protocol"):
        OnlyTheProtocol(Partial()).directory  # noqa: B018
