"""What search, the bot and a rebuild need from an index: the interface every backend implements.

Search (retrieval.search) and the bot (bot.searching) depend on these Protocols only, never on a
backend's classes; a new backend (Milvus, OpenSearch …) is added by implementing them in
`retrieval/store/<backend>/` and choosing it in `retrieval.service.open_store`. Nothing else changes.

Rows. A loaded index presents its live passages as one row space 0..info.passages-1, however it
stores them (the local backend: many segments with tombstones; retrieval.store.local.rows). Every
method that takes or returns rows uses that space, and a row number is only meaningful within the
`IndexReader` that produced it (a rebuild may renumber; reload to follow it).

Scores. Lexical scores are BM25 (retrieval.store.bm25) over the *live* rows: N, the average length
and every document frequency are those of the live passages, so a backend that keeps deleted rows
must leave them out of the statistics. A token is matched as a whole index token of a passage's
tokens (retrieval.text.tokenize); a phrase as a substring of its compact normal form
(retrieval.text.compact_normal_form), scored with `bm25.PHRASE_TF_SCALE`.

Stored per passage (what a rebuild writes; see retrieval.store.records): its id, owner article,
position, text, tokens and vector; per article its card (title, date, url), file path, hash, size
and mtime; per index the model name, dimension and fingerprint, the pipeline fingerprint
(retrieval.store.local.fingerprint), and the evidence query analysis reads: the names evidence of
the passages (retrieval.crosslingual.names.NameEvidence) and which passages lean on the one before
them (retrieval.ingest.leaning).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from retrieval.crosslingual.names import NameEvidence
from retrieval.models.article_encoder import ArticleEncoder
from retrieval.models.embedding import Embedder
from retrieval.store.article_vectors import ArticleVectors
from retrieval.store.records import BuildReport, IndexInfo, RowArticles, StoredPassage, TermMatches, VerifyReport


@runtime_checkable
class IndexReader(Protocol):
    """One loaded, read-only version of an index: the read surface search and the bot use.

    Safe to call from several threads at once (the bot searches in an executor)."""

    @property
    def info(self) -> IndexInfo:
        """Version, model, counts and build time (cheap; IndexInfo.check_model guards the model)."""

    # -- lexical candidates -----------------------------------------------------------------------

    def term_matches(self, term: str) -> TermMatches | None:
        """The live rows whose tokens include `term` (a normalised index token), with BM25 scores;
        None when no live passage has it. Also how query analysis asks "is this word in the corpus?"."""

    def phrase_matches(self, term: str) -> TermMatches:
        """The live rows whose compact normal form may contain `term` as a substring, with BM25
        scores (rows empty when none). May over-report (the local store intersects character-bigram
        postings): callers check the text (retrieval.text.contains) wherever a match decides anything."""

    def unseen_idf(self) -> float:
        """The IDF of a term no live passage contains (bm25.unseen_idf of the live row count)."""

    # -- dense candidates -------------------------------------------------------------------------

    def dense_search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, rows), each [len(queries) × k], of the nearest live rows by inner product
        of unit vectors; rows are -1 (similarity -inf) where fewer than k exist. May be approximate."""

    def vectors_for(self, rows: list[int]) -> np.ndarray:
        """The exact stored vectors of these rows, float32 [len(rows) × dim], in the order given."""

    # -- rows and their articles ------------------------------------------------------------------

    def passages(self, rows: list[int]) -> list[StoredPassage]:
        """The stored passages of these rows with their articles' cards, in the order given (rows
        outside the row space are left out)."""

    def row_articles(self) -> RowArticles:
        """Which article each live row belongs to (its StoredPassage's article_id, numbered), and each
        article's rows: how search scores articles as units (retrieval.search.articles)."""

    def article_vectors(self) -> ArticleVectors | None:
        """The live articles' multilingual vectors (retrieval.store.article_vectors), in any order;
        None when the index was built without them."""

    def article_sources(self, article_ids: set[str]) -> dict[str, str]:
        """The source file each of these articles was read from (its live record; evaluation by article)."""

    def predecessor_rows(self) -> np.ndarray:
        """Per row, the row of the paragraph just before it in its article when this one opens with
        a word pointing back (retrieval.ingest.leaning); -1 elsewhere. int32 [info.passages]."""

    # -- what query analysis reads about the whole corpus -----------------------------------------

    def name_evidence(self) -> list[NameEvidence]:
        """The names the passages gloss (of live rows), their transliteration runs and pinyin
        readings, in one or more parts (merged by the caller)."""

    def forget_cached_terms(self) -> None:
        """Drop per-term caches, so a benchmark times each question's lookups cold."""

    def close(self) -> None:
        """Release files and connections; no method may be called after."""


@dataclass(frozen=True)
class RebuildOptions:
    """How a rebuild reads and embeds (the backend-neutral part of Settings)."""

    full: bool = False  # re-read and re-embed everything instead of reusing what is unchanged
    show_progress: bool = True
    batch_size: int = 64
    max_article_bytes: int = 5 * 1024 * 1024
    on_warning: Callable[[str], None] | None = None
    # one multilingual vector per article (retrieval.store.article_vectors); None: none written
    article_encoder: ArticleEncoder | None = None


@runtime_checkable
class IndexStore(Protocol):
    """One index location (a directory; a Milvus collection): what the edges open, watch and rebuild.

    The write surface: `rebuild` brings the index in line with the article files, incrementally
    unless told otherwise, and makes the new version live atomically: a reader opened before keeps
    serving the version it opened, `live_version` names the new one, and a failed rebuild leaves the
    previous version live. Backend-neutral steps to compose it from: change detection
    (retrieval.ingest.changes.scan_files, given the files the live version records), reading and
    chunking (retrieval.store.rebuild.read_files), tokens (rebuild.tokens_of) and embedding
    (rebuild.embed_texts), reusing a stored vector for any passage text already embedded by the
    same model (IndexInfo.model_fingerprint)."""

    def live_version(self) -> str | None:
        """The version a fresh `open` would serve, or None when there is no index (cheap: the bot
        asks before every search)."""

    def open(self) -> IndexReader:
        """Load the live version (IndexNotFound when there is none)."""

    def rebuild(self, article_dirs: Sequence[Path], embedder: Embedder, options: RebuildOptions) -> BuildReport:
        """Index every article file under `article_dirs` into a new live version (RebuildInProgress
        if another rebuild of this index runs; NothingIndexed if no article could be read)."""

    def verify(self) -> VerifyReport:
        """Check everything the index is made of (every byte, where the backend can): problems name
        what is damaged and how to repair it. Read-only."""
