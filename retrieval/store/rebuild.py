"""The backend-neutral steps of a rebuild: read and chunk changed article files, tokenise passages,
embed texts. A backend's rebuild (retrieval.store.local.build, or another store) composes these with
change detection (retrieval.ingest.changes) and writes what they produce its own way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from retrieval.ingest.boilerplate import Furniture, find_furniture, source_of, strip_furniture
from retrieval.ingest.changes import FileScan, FileState, StoredFile
from retrieval.ingest.chunking import chunk_article
from retrieval.ingest.signals import unlike_news
from retrieval.models.embedding import Embedder
from retrieval.records import Article, Passage
from retrieval.store.records import ArticleEntry, BuildReport
from retrieval.text import tokenize, tokenize_normalized

if TYPE_CHECKING:
    from retrieval.ingest.articles import ReadOutcome


def read_files(scan: FileScan, report: BuildReport, warn: Callable[[str], None], max_bytes: int,
               show_progress: bool, furniture_after: Callable[[list[Article]], Furniture] = find_furniture,
               ) -> tuple[list[ArticleEntry], list[StoredFile], Furniture]:
    """Read the new and changed files, drop boilerplate, chunk; (entries, indexed files that are now
    unreadable, the boilerplate known after this run). `furniture_after` tells the boilerplate
    known once the articles read join the index (a store counts its unchanged articles too)."""
    read: list[tuple[FileState, str, StoredFile | None, Article]] = []
    failed: list[StoredFile] = []
    from tqdm import tqdm

    from retrieval.ingest.walker import read_files as read_files_in_order  # bs4, yaml: only a rebuild reads pages

    outcomes = read_files_in_order([(state.path, state.source_path) for state, _, _ in scan.to_read], max_bytes)
    for (state, digest, before), outcome in tqdm(zip(scan.to_read, outcomes, strict=True), total=len(scan.to_read),
                                                 desc="reading articles", unit="file", disable=not show_progress):
        article, reason = _article_of(outcome, state.source_path, report, warn)
        if article is None:
            _skip(state, before, reason, report, warn, failed)
            continue
        read.append((state, digest, before, article))
    furniture = furniture_after([article for *_, article in read])
    report.furniture = len(furniture)
    entries: list[ArticleEntry] = []
    for state, digest, before, article in read:
        article, dropped = strip_furniture(article, furniture)
        report.furniture_dropped += dropped
        passages = tuple(chunk_article(article))
        if not passages:
            _skip(state, before, "no passages after chunking", report, warn, failed)
            continue
        entries.append(ArticleEntry(article, digest, passages, state.size, state.mtime_ns))
        report.articles_read += 1
    return entries, failed, furniture


def _skip(state: FileState, before: StoredFile | None, reason: str, report: BuildReport,
          warn: Callable[[str], None], failed: list[StoredFile]) -> None:
    report.skipped.append((state.source_path, reason))
    warn(f"skipped {state.source_path}: {reason}")
    if before is not None:
        failed.append(before)


def _article_of(outcome: ReadOutcome, source_path: str, report: BuildReport,
                warn: Callable[[str], None]) -> tuple[Article | None, str]:
    for message in outcome.warnings:
        report.warnings.append(message)
        warn(f"warning: {message}")
    if outcome.article is None:
        return None, outcome.skipped_reason or "unreadable"
    lacking = unlike_news(outcome.article)
    if lacking is not None:
        report.unlike_news.append((source_path, lacking))
        warn(f"warning: {source_path} does not look like a news article ({lacking}); indexed anyway")
    return outcome.article, ""


def without_furniture(entry: ArticleEntry, furniture: Furniture) -> ArticleEntry:
    """A reused article without the passages that became boilerplate since it was read."""
    source = source_of(entry.article.url)
    kept = tuple(p for p in entry.passages if not furniture.holds(source, p.id))
    return entry if len(kept) == len(entry.passages) else replace(entry, passages=kept)


def tokens_of(passage: Passage) -> list[str]:
    # chunk_article already normalised the text for the passage id: tokenise that, not again
    return tokenize_normalized(passage.normalized) if passage.normalized else tokenize(passage.text)


def embed_texts(embedder: Embedder, texts: list[str], batch_size: int, show_progress: bool) -> np.ndarray:
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    # Sorting by length keeps padding (and so wasted work) small within each batch.
    order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
    from tqdm import tqdm

    with tqdm(total=len(order), desc="embedding passages", unit="passage", disable=not show_progress) as bar:
        for start in range(0, len(order), batch_size * 4):
            chunk = order[start:start + batch_size * 4]
            out[chunk] = embedder.encode([texts[i] for i in chunk], batch_size=batch_size)
            bar.update(len(chunk))
    return out
