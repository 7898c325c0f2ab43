"""Reading many page files: in the order given, across worker processes when there are enough.

Parsing a page is pure CPU work in Python (the HTML tree above all), one file independent of the
next, so two processes read about twice as fast on two idle cores. Workers are spawned, never
forked: a rebuild may run inside a process that holds threads (PyTorch's, the bot's).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from itertools import repeat
from pathlib import Path

from retrieval.ingest.articles import MAX_ARTICLE_BYTES, ReadOutcome, read_article_file

READ_WORKERS = 2  # processes that read pages (capped by the machine's cores)
_FILES_PER_WORKER = 200  # below this a worker's start-up (~0.5 s of imports) costs more than it saves
_CHUNK = 16  # files per task sent to a worker


def read_workers(files: int, wanted: int | None = None) -> int:
    """How many processes to read `files` page files with (1: in this process). Unless asked for a
    number, as many as pay: READ_WORKERS, fewer on fewer cores or for fewer files."""
    if wanted is None:
        wanted = min(READ_WORKERS, files // _FILES_PER_WORKER)
    return max(1, min(wanted, os.cpu_count() or 1, files))


def read_files(items: Sequence[tuple[Path, str]], max_bytes: int = MAX_ARTICLE_BYTES,
               workers: int | None = None) -> Iterator[ReadOutcome]:
    """read_article_file(path, source_path) for each item, yielded in the order of `items`."""
    count = read_workers(len(items), workers)
    if count == 1:
        for path, source_path in items:
            yield read_article_file(path, source_path, max_bytes=max_bytes)
        return
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("spawn")) as pool:
        yield from pool.map(_read, items, repeat(max_bytes), chunksize=_CHUNK)


def _read(item: tuple[Path, str], max_bytes: int) -> ReadOutcome:
    path, source_path = item
    return read_article_file(path, source_path, max_bytes=max_bytes)
