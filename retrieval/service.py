"""Wiring for the edges (CLI, bot, benchmarks): settings → a store, a ready Searcher, a rebuild."""

from __future__ import annotations

from collections.abc import Callable

from retrieval import locations
from retrieval.config import Settings, milvus_uri
from retrieval.errors import IndexError_, IndexNotFound
from retrieval.models.article_encoder import ArticleEncoder, load_article_encoder
from retrieval.models.embedding import load_embedder
from retrieval.search import RankingOptions, Searcher
from retrieval.search.probe import probe
from retrieval.store.local.delta import CompactionPolicy
from retrieval.store.local.store import LocalStore
from retrieval.store.protocol import IndexStore, RebuildOptions
from retrieval.store.records import BuildReport, VerifyReport


def open_store(settings: Settings) -> IndexStore:
    """The configured index location: a local index directory, or a Milvus collection."""
    if settings.backend == "milvus":
        from retrieval.store.milvus import MilvusStore  # optional dependency: only when chosen

        return MilvusStore(milvus_uri(settings), settings.milvus_collection, settings.milvus_token)
    return LocalStore(settings.index_dir, CompactionPolicy(settings.compaction_share, settings.max_deltas))


def prepare_lookup_tables() -> None:
    """Prepare the tables a question reads (retrieval.derived: CC-CEDICT bridge, lemmas,
    transliteration characters, regional spellings, jieba's dictionary and tags) now, at setup or rebuild time, so no
    question pays for it; each is a no-op when already prepared for the installed sources."""
    from retrieval.crosslingual.bridge import load_bridge
    from retrieval.crosslingual.lemmas import irregular_lemmas
    from retrieval.crosslingual.names import load_transliteration_characters
    from retrieval.crosslingual.regional import load_regional_variants
    from retrieval.text.tokenize import jieba_tables

    load_bridge()
    irregular_lemmas("children")
    load_transliteration_characters()
    load_regional_variants()
    jieba_tables()


def index_location(settings: Settings) -> str:
    """Where the configured index lives, for messages (a Milvus token is never part of it)."""
    if settings.backend == "milvus":
        from retrieval.store.milvus.engine import redact_uri

        return f"Milvus {redact_uri(milvus_uri(settings))} collection {settings.milvus_collection!r}"
    return str(settings.index_dir)


def rebuild(settings: Settings, *, full: bool = False, show_progress: bool = True,
            on_warning: Callable[[str], None] | None = None) -> BuildReport:
    prepare_lookup_tables()
    return open_store(settings).rebuild(
        list(settings.articles_dirs), load_embedder(settings.model, sentence_transformers=True),
        RebuildOptions(full=full, show_progress=show_progress, batch_size=settings.embed_batch_size,
                       max_article_bytes=settings.max_article_bytes, on_warning=on_warning,
                       article_encoder=load_article_encoder() if settings.article_vectors else None))


def ensure_index(settings: Settings, say: Callable[[str], None], show_progress: bool = True) -> None:
    """Build the index from the configured article directories if there is none yet, at the default
    location only (retrieval.locations): a mistyped --index or NEWSQA_INDEX must not quietly answer
    from a fresh index of the five seed articles, so elsewhere a missing index is an error that
    says how to build one."""
    if open_store(settings).live_version() is not None:
        return
    if settings.backend == "local" and \
            settings.index_dir.expanduser().resolve() != locations.default_index_dir().resolve():
        what = "no folder" if not settings.index_dir.exists() else "a folder without an index"
        raise IndexNotFound(f"no index in {settings.index_dir} ({what}): build one with "
                            f"`newsqa rebuild --index {settings.index_dir} --articles DIR ...` "
                            "(or scripts/rebuild_index.py with the same options), or leave --index and "
                            "NEWSQA_INDEX unset to use the default index")
    dirs = ", ".join(str(d) for d in settings.articles_dirs)
    say(f"No index in {index_location(settings)} yet: building one from {dirs} (once) ...")
    report = rebuild(settings, show_progress=show_progress, on_warning=say)
    say(f"Index built: {report.summary()}")


def open_searcher(settings: Settings) -> Searcher:
    """Load the live index and the configured model; ModelMismatch if they do not belong together."""
    index = open_store(settings).open()
    embedder = load_embedder(settings.model)
    return Searcher(index, embedder, RankingOptions.from_settings(settings), article_encoder_for(settings))


def article_encoder_for(settings: Settings) -> ArticleEncoder | None:
    """The article model a Searcher needs: only where the settings weigh article vectors."""
    return load_article_encoder() if settings.article_vector_weight > 0 else None


def verify(settings: Settings) -> VerifyReport:
    """Check every file of every version, then load the live one and ask it the probe question.

    For `rebuild_index.py --verify` and a future `newsqa verify`; read-only (a rebuild repairs)."""
    report = open_store(settings).verify()
    if report.live is not None and report.ok:
        try:
            searcher = open_searcher(settings)
            try:
                probe(searcher)
            finally:
                searcher.index.close()
        except IndexError_ as error:
            report.problems.append(str(error))
    return report
