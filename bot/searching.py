"""The bot's view of the index: search and corpus facts, following rebuilds without a restart.

A rebuild swaps the index's CURRENT pointer atomically. Before each search the live version name is
read (one small file); when it differs from the loaded one, the new version is loaded and swapped in.
All of this runs in the bot's search executor, never on the event loop. Searches already running
keep the Searcher they started with; the old version is released when they finish.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace
from typing import Protocol

from retrieval.config import Settings
from retrieval.errors import IndexError_
from retrieval.models.embedding import Embedder, load_embedder
from retrieval.records import SearchResult
from retrieval.search import RankingOptions, Searcher
from retrieval.search.probe import probe
from retrieval.service import article_encoder_for, open_store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CorpusFacts:
    articles: int
    passages: int
    built_at: str
    model: str
    version: str


class SearchBackend(Protocol):
    """What the bot needs from retrieval; tests substitute their own (e.g. one that fails)."""

    def search(self, query: str, top_k: int) -> SearchResult: ...

    def facts(self) -> CorpusFacts: ...


def trim_weak_tail(result: SearchResult, min_coverage: float, keep: int) -> SearchResult:
    """Drop hits after the first `keep` that cover less of the question than an answer must.

    The Searcher vouches for its top passages only (it abstains on them); further down, a passage
    sharing one common word ("月") would otherwise surface behind the More button. When the measure
    cannot vouch for even the top hit (say, a cross-lingual match with no shared terms), nothing is
    second-guessed.
    """
    hits = result.hits
    if not result.answered or len(hits) <= keep or hits[0].coverage < min_coverage:
        return result
    return replace(result, hits=hits[:keep] + tuple(hit for hit in hits[keep:] if hit.coverage >= min_coverage))


class LiveSearcher:
    """A Searcher over the live index version that reloads itself when a rebuild swaps in a new one."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None, keep_first: int = 3):
        self._settings = settings
        self._keep_first = keep_first
        self._embedder = embedder or load_embedder(settings.model)
        self._options = RankingOptions.from_settings(settings)
        self._article_encoder = article_encoder_for(settings)
        self._store = open_store(settings)
        self._lock = threading.Lock()
        self._searcher = self._load()
        self._unloadable: str | None = None  # a version that failed to load: not retried on every query

    def _load(self) -> Searcher:
        """The live version, loaded and asked the probe question: a version that fails it is not served."""
        searcher = Searcher(self._store.open(), self._embedder, self._options, self._article_encoder)
        try:
            probe(searcher)
        except BaseException:
            searcher.index.close()
            raise
        return searcher

    @property
    def version(self) -> str:
        return self._searcher.index.info.version

    def current(self) -> Searcher:
        """The Searcher for the live version, loading it first if a rebuild has swapped one in."""
        try:
            live = self._store.live_version()
        except IndexError_ as error:  # CURRENT damaged: keep serving what is loaded, say so once
            if self._unloadable != "CURRENT":
                self._unloadable = "CURRENT"
                log.error("cannot tell the live index version, still serving %s: %s", self.version, error)
            return self._searcher
        if live is None or live in (self.version, self._unloadable):
            return self._searcher
        with self._lock:
            if live not in (self.version, self._unloadable):
                try:
                    fresh = self._load()
                except (IndexError_, OSError) as error:
                    self._unloadable = live
                    # A broken new version must not take the bot down: keep serving the last good one.
                    log.error("could not load index version %s, still serving %s: %s",
                              live, self.version, error)
                else:
                    log.info("index version %s loaded (was %s)", fresh.index.info.version, self.version)
                    self._searcher = fresh
            return self._searcher

    def search(self, query: str, top_k: int) -> SearchResult:
        result = self.current().search(query, top_k=top_k)
        return trim_weak_tail(result, self._settings.min_coverage, self._keep_first)

    def facts(self) -> CorpusFacts:
        info = self.current().index.info
        return CorpusFacts(articles=info.articles, passages=info.passages, built_at=info.built_at, model=info.model,
                           version=info.version)
