"""The backend-neutral steps of a rebuild: read and chunk changed article files, tokenise passages,
embed texts. A backend's rebuild (retrieval.store.local.build, or another store) composes these with
change detection (retrieval.ingest.changes) and writes what they produce its own way.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from retrieval.ingest.changes import FileScan, FileState, StoredFile
from retrieval.ingest.chunking import chunk_article
from retrieval.ingest.signals import unlike_news
from retrieval.models.embedding import Embedder
from retrieval.records import Passage
from retrieval.store.records import ArticleEntry, BuildReport
from retrieval.text import tokenize, tokenize_normalized


def read_files(scan: FileScan, report: BuildReport, warn: Callable[[str], None], max_bytes: int,
               show_progress: bool) -> tuple[list[ArticleEntry], list[StoredFile]]:
    """Read and chunk the new and changed files; (entries, indexed files that are now unreadable)."""
    entries: list[ArticleEntry] = []
    failed: list[StoredFile] = []
    from tqdm import tqdm

    for state, digest, before in tqdm(scan.to_read, desc="reading articles", unit="file", disable=not show_progress):
        entry, reason = read_one(state, digest, max_bytes, report, warn)
        if entry is None:
            report.skipped.append((state.source_path, reason))
            warn(f"skipped {state.source_path}: {reason}")
            if before is not None:
                failed.append(before)
            continue
        entries.append(entry)
        report.articles_read += 1
    return entries, failed


def read_one(state: FileState, digest: str, max_bytes: int, report: BuildReport,
             warn: Callable[[str], None]) -> tuple[ArticleEntry | None, str]:
    from retrieval.ingest.articles import read_article_file  # bs4, yaml: only a rebuild reads pages

    outcome = read_article_file(state.path, state.source_path, max_bytes=max_bytes)
    for message in outcome.warnings:
        report.warnings.append(message)
        warn(f"warning: {message}")
    if outcome.article is None:
        return None, outcome.skipped_reason or "unreadable"
    lacking = unlike_news(outcome.article)
    if lacking is not None:
        report.unlike_news.append((state.source_path, lacking))
        warn(f"warning: {state.source_path} does not look like a news article ({lacking}); indexed anyway")
    passages = tuple(chunk_article(outcome.article))
    if not passages:
        return None, "no passages after chunking"
    return ArticleEntry(outcome.article, digest, passages, state.size, state.mtime_ns), ""


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
