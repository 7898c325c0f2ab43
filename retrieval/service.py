"""Wiring for the edges (CLI, bot, benchmarks): settings → a ready Searcher, building if asked."""

from __future__ import annotations

from collections.abc import Callable

from retrieval.config import Settings
from retrieval.embedding import load_embedder
from retrieval.index import BuildReport, CompactionPolicy, build_index, live_version, load_index
from retrieval.search import RankingOptions, Searcher


def rebuild(settings: Settings, *, full: bool = False, show_progress: bool = True,
            on_warning: Callable[[str], None] | None = None) -> BuildReport:
    return build_index(
        list(settings.articles_dirs), settings.index_dir, load_embedder(settings.model),
        full=full, show_progress=show_progress, batch_size=settings.embed_batch_size,
        max_article_bytes=settings.max_article_bytes, on_warning=on_warning,
        compaction=CompactionPolicy(settings.compaction_share, settings.max_deltas),
    )


def ensure_index(settings: Settings, say: Callable[[str], None], show_progress: bool = True) -> None:
    """Build the index from the configured article directories if there is none yet."""
    if live_version(settings.index_dir) is not None:
        return
    dirs = ", ".join(str(d) for d in settings.articles_dirs)
    say(f"No index in {settings.index_dir} yet: building one from {dirs} (once) ...")
    report = rebuild(settings, show_progress=show_progress, on_warning=say)
    say(f"Index built: {report.summary()}")


def open_searcher(settings: Settings) -> Searcher:
    """Load the live index and the configured model; ModelMismatch if they do not belong together."""
    index = load_index(settings.index_dir)
    embedder = load_embedder(settings.model)
    return Searcher(index, embedder, RankingOptions.from_settings(settings))
