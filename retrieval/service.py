"""Wiring for the edges (CLI, bot, benchmarks): settings → a store, a ready Searcher, a rebuild."""

from __future__ import annotations

from collections.abc import Callable

from retrieval.config import Settings, milvus_uri
from retrieval.models.embedding import load_embedder
from retrieval.search import RankingOptions, Searcher
from retrieval.store.local.delta import CompactionPolicy
from retrieval.store.local.store import LocalStore
from retrieval.store.protocol import IndexStore, RebuildOptions
from retrieval.store.records import BuildReport


def open_store(settings: Settings) -> IndexStore:
    """The configured index location: a local index directory, or a Milvus collection."""
    if settings.backend == "milvus":
        from retrieval.store.milvus import MilvusStore  # optional dependency: only when chosen

        return MilvusStore(milvus_uri(settings), settings.milvus_collection, settings.milvus_token)
    return LocalStore(settings.index_dir, CompactionPolicy(settings.compaction_share, settings.max_deltas))


def index_location(settings: Settings) -> str:
    """Where the configured index lives, for messages (a Milvus token is never part of it)."""
    if settings.backend == "milvus":
        from retrieval.store.milvus.engine import redact_uri

        return f"Milvus {redact_uri(milvus_uri(settings))} collection {settings.milvus_collection!r}"
    return str(settings.index_dir)


def rebuild(settings: Settings, *, full: bool = False, show_progress: bool = True,
            on_warning: Callable[[str], None] | None = None) -> BuildReport:
    return open_store(settings).rebuild(
        list(settings.articles_dirs), load_embedder(settings.model),
        RebuildOptions(full=full, show_progress=show_progress, batch_size=settings.embed_batch_size,
                       max_article_bytes=settings.max_article_bytes, on_warning=on_warning))


def ensure_index(settings: Settings, say: Callable[[str], None], show_progress: bool = True) -> None:
    """Build the index from the configured article directories if there is none yet."""
    if open_store(settings).live_version() is not None:
        return
    dirs = ", ".join(str(d) for d in settings.articles_dirs)
    say(f"No index in {index_location(settings)} yet: building one from {dirs} (once) ...")
    report = rebuild(settings, show_progress=show_progress, on_warning=say)
    say(f"Index built: {report.summary()}")


def open_searcher(settings: Settings) -> Searcher:
    """Load the live index and the configured model; ModelMismatch if they do not belong together."""
    index = open_store(settings).open()
    embedder = load_embedder(settings.model)
    return Searcher(index, embedder, RankingOptions.from_settings(settings))
