"""Records that cross the store interface (retrieval.store.protocol): what a backend returns to
search and the bot, and what a rebuild reads, writes and reports. Backend-neutral: no file, SQL or
FAISS detail here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from retrieval.errors import ModelMismatch
from retrieval.records import Article, Passage


@dataclass(frozen=True)
class IndexInfo:
    """What a loaded index says about itself: shown by the bot's /about, checked against the model."""

    location: str  # where it lives, for messages (a directory, a Milvus URI and collection)
    version: str  # the version a rebuild made live; changes with every rebuild
    model: str  # the embedding model's name as configured when it was built
    dim: int
    model_fingerprint: str | None  # what the model's files held (None: not recorded / a hub name)
    articles: int
    passages: int
    built_at: str = "unknown"

    def check_model(self, model_name: str, dim: int | None = None, fingerprint: str | None = None) -> None:
        """ModelMismatch unless the configured model is the one this index's vectors came from."""
        if model_name != self.model or (dim is not None and dim != self.dim):
            raise ModelMismatch(
                f"the index in {self.location} was built with model {self.model!r} "
                f"(dimension {self.dim}), but the configured model is {model_name!r}"
                f"{f' (dimension {dim})' if dim is not None else ''}: rebuild the index with "
                "`python scripts/rebuild_index.py --full`, or set NEWSQA_MODEL to the index's model")
        if not fingerprints_agree(self.model_fingerprint, fingerprint):
            raise ModelMismatch(
                f"the files of model {model_name!r} changed since the index in {self.location} "
                f"was built (fingerprint {self.model_fingerprint}, now {fingerprint}): its vectors no longer "
                "match; rebuild the index with `python scripts/rebuild_index.py`")


def fingerprints_agree(recorded: str | None, current: str | None) -> bool:
    """An index from before fingerprints were recorded, or a model with none (a hub name), passes."""
    return recorded is None or current is None or recorded == current


@dataclass(frozen=True)
class TermMatches:
    """The passages (rows) a term matches, each with the term's BM25 contribution (retrieval.store.bm25).

    For an index token the rows are exact; for a substring (phrase) term they are candidates that
    hold all of its character bigrams, checked against the text wherever it decides anything."""

    term: str
    rows: np.ndarray
    scores: np.ndarray
    idf: float


@dataclass(frozen=True)
class RowArticles:
    """Row → article number, and each article's rows (CSR: rows[indptr[a]:indptr[a + 1]]), for
    scoring articles as units (retrieval.search.articles) and reading evidence per article."""

    article_of: np.ndarray  # int32 per row; -1 for a row with no article record
    article_ids: tuple[str, ...]
    indptr: np.ndarray
    rows: np.ndarray

    @classmethod
    def from_article_of(cls, article_of: np.ndarray, article_ids: list[str]) -> RowArticles:
        article_of = np.asarray(article_of, dtype=np.int32)
        known = np.flatnonzero(article_of >= 0)
        order = known[np.argsort(article_of[known], kind="stable")]
        counts = np.bincount(article_of[known], minlength=len(article_ids))
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return cls(article_of, tuple(article_ids), indptr, order.astype(np.int64))

    @property
    def num_articles(self) -> int:
        return len(self.article_ids)

    def rows_of(self, articles: np.ndarray | list[int]) -> np.ndarray:
        """The rows of these articles, article after article, each in row order."""
        parts = [self.rows[self.indptr[a]:self.indptr[a + 1]] for a in np.asarray(articles, dtype=np.int64)]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

    def articles_holding(self, rows: np.ndarray) -> np.ndarray:
        """The distinct articles these rows belong to, ascending (a mask, not a sort: a common
        word's postings are tens of thousands of rows)."""
        found = self.article_of[np.asarray(rows, dtype=np.int64)]
        held = np.zeros(self.num_articles, dtype=bool)
        held[found[found >= 0]] = True
        return np.flatnonzero(held).astype(np.int32)


@dataclass(frozen=True)
class StoredPassage:
    """One live passage as search reads it: its row, text, tokens and its article's card."""

    row: int
    passage_id: str
    article_id: str
    text: str
    tokens: tuple[str, ...]
    title: str
    date: str | None
    url: str | None


@dataclass(frozen=True)
class ArticleRow:
    """An article as stored: metadata, where its file was and what its bytes looked like."""

    article_id: str
    source_path: str
    file_hash: str
    size: int
    mtime_ns: int
    title: str
    date: str | None
    url: str | None
    page_format: str


@dataclass(frozen=True)
class PassageRow:
    """One passage row of a segment; its owner is the first article (by path) that holds it."""

    passage_id: str
    article_id: str
    position: int
    text: str
    tokens: str  # tab-joined, as stored
    normalized: str = field(default="", compare=False, repr=False)  # its matching form, when known (not stored)


@dataclass(frozen=True)
class ArticleEntry:
    """One article file as it goes into a version: its metadata and its passages in order."""

    article: Article
    file_hash: str
    passages: tuple[Passage, ...]
    size: int = 0  # the file's size and mtime when read: an unchanged stat skips it next time
    mtime_ns: int = 0

    def record(self) -> ArticleRow:
        a = self.article
        return ArticleRow(a.id, a.source_path, self.file_hash, self.size, self.mtime_ns, a.title, a.date, a.url,
                          a.page_format)


@dataclass
class BuildReport:
    version: str = ""
    articles_read: int = 0  # parsed from their files in this run
    articles_reused: int = 0  # unchanged since the previous version: nothing re-read
    articles_removed: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)
    # files and folders under the article folders that are no article pages, (path, reason)
    ignored: list[tuple[str, str]] = field(default_factory=list)
    unlike_news: list[tuple[str, str]] = field(default_factory=list)  # (file, what it lacks): read, but warned about
    warnings: list[str] = field(default_factory=list)
    passages_total: int = 0
    passages_added: int = 0
    passages_removed: int = 0
    passages_embedded: int = 0
    articles_embedded: int = 0  # article vectors made in this run (retrieval.store.article_vectors)
    duplicate_passages: int = 0  # identical passages found in more than one article, stored once
    furniture: int = 0  # paragraphs known as some source's boilerplate (retrieval/ingest/boilerplate.py)
    furniture_dropped: int = 0  # boilerplate paragraphs dropped from the articles read in this run
    vector_index: str = ""  # the FAISS index kind of the base segment (see retrieval/store/local/vectors.py)
    written: str = ""  # what this rebuild wrote: "base", "delta", "compaction" or "" (nothing changed)
    segments: int = 0  # segments in the version now live
    files_hashed: int = 0  # files whose size or mtime changed, so their bytes were hashed
    seconds: float = 0.0
    # where the time went: change detection + reading + chunking + reuse lookups, embedding,
    # writing the version (segment files, links, tombstones, manifest)
    parse_seconds: float = 0.0
    embed_seconds: float = 0.0
    index_seconds: float = 0.0

    def ignored_by_reason(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for _, reason in self.ignored:
            counts[reason] = counts.get(reason, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def summary(self) -> str:
        reasons = {}
        for _, reason in self.skipped:
            key = reason.split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
        skipped = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
        wrote = {"": "nothing changed", "base": "wrote a base segment", "delta": "wrote a delta segment",
                 "compaction": "compacted into a new base"}[self.written]
        ignored = ", ".join(f"{count} {reason}" for reason, count in self.ignored_by_reason().items())
        return (f"articles: {self.articles_read} read, {self.articles_reused} unchanged, "
                f"{self.articles_removed} removed, {len(self.skipped)} skipped"
                f"{f' ({skipped})' if skipped else ''}"
                f"{f', {len(self.unlike_news)} unlike news' if self.unlike_news else ''}"
                f"{f'; ignored: {ignored}' if ignored else ''}; passages: {self.passages_total} total, "
                f"+{self.passages_added} added, -{self.passages_removed} removed, "
                f"{self.passages_embedded} embedded"
                f"{f', {self.articles_embedded} article vectors made' if self.articles_embedded else ''}"
                f"; boilerplate: {self.furniture_dropped} paragraphs dropped "
                f"({self.furniture} known); {wrote} ({self.segments} segments); {self.seconds:.1f} s")


@dataclass
class VerifyReport:
    """What a full check of an index found (retrieval.service.verify): every problem names a file or a
    version and says how to repair it; notes are things to know that serve correctly all the same."""

    location: str
    live: str | None = None
    versions: list[str] = field(default_factory=list)  # the versions checked, oldest first
    files_checked: int = 0
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        verdict = "OK" if self.ok else f"{len(self.problems)} problem(s)"
        return (f"{self.location}: {verdict}; live version {self.live or 'none'}; "
                f"{len(self.versions)} version(s), {self.files_checked} files checked")
