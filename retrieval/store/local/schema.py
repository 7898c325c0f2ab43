"""A segment's SQLite file (meta.sqlite): its schema and every statement that reads or writes it.

Three tables, written once when the segment is and never changed after:

    articles          one row per article file: metadata, and the file's hash, size and mtime
                      (change detection, retrieval.ingest.changes)
    passages          one row per distinct passage text: its local row number, id, owner article,
                      text and tab-joined tokens
    article_passages  which article holds which passage at which position (a text shared by
                      several articles has one passage row and several holdings)

All SQL of the local store is here, behind the named methods of `SegmentDb`, so the schema and the
statements that depend on it change together.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path

META_FILE = "meta.sqlite"

SCHEMA = """
CREATE TABLE articles (article_id TEXT PRIMARY KEY, source_path TEXT UNIQUE, file_hash TEXT,
                       size INTEGER, mtime_ns INTEGER,
                       title TEXT, date TEXT, url TEXT, page_format TEXT);
CREATE TABLE passages (row INTEGER PRIMARY KEY, passage_id TEXT UNIQUE, article_id TEXT,
                       position INTEGER, text TEXT, tokens TEXT);
CREATE TABLE article_passages (article_id TEXT, position INTEGER, passage_id TEXT,
                               PRIMARY KEY (article_id, position));
-- an incremental rebuild asks "which articles hold this passage?" for the few passages it touches
CREATE INDEX article_passages_by_passage ON article_passages (passage_id);
"""
ARTICLE_COLUMNS = "article_id, source_path, file_hash, size, mtime_ns, title, date, url, page_format"


def write_tables(path: Path, articles: Iterable[tuple], passages: Iterable[tuple],
                 holdings: Iterable[tuple[str, int, str]]) -> None:
    """Create a segment's SQLite file: articles as ARTICLE_COLUMNS tuples, passages as (row,
    passage_id, article_id, position, text, tokens), holdings as (article_id, position, passage_id)."""
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO articles VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", articles)
        db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?)", passages)
        db.executemany("INSERT INTO article_passages VALUES (?, ?, ?)", holdings)
        db.commit()


def _chunks(items: list, size: int = 900) -> Iterator[list]:
    """SQLite caps the number of `?` in one statement; ask in pieces."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


class SegmentDb:
    """One segment's meta.sqlite, opened read-only; each method is one statement."""

    def __init__(self, directory: Path):
        self.connection = sqlite3.connect(f"file:{directory / META_FILE}?mode=ro", uri=True,
                                          check_same_thread=False)

    def close(self) -> None:
        self.connection.close()

    def _select_in(self, sql: str, values: Iterable) -> list[tuple]:
        """Run `sql` (with one `{marks}` placeholder list) for all `values`, in pieces; rows concatenated."""
        found: list[tuple] = []
        for piece in _chunks(list(values)):
            found.extend(self.connection.execute(sql.format(marks=",".join("?" * len(piece))), piece).fetchall())
        return found

    # -- passages ---------------------------------------------------------------------------------

    def passages_at(self, rows: list[int]) -> Iterable[tuple]:
        """(row, passage_id, article_id, text, tokens) of these local rows (all rows: one scan)."""
        if len(rows) > 5000:  # most of a segment (the corpus view): one scan beats IN lists
            return self.connection.execute("SELECT row, passage_id, article_id, text, tokens FROM passages")
        return self._select_in("SELECT row, passage_id, article_id, text, tokens FROM passages "
                               "WHERE row IN ({marks})", rows)

    def texts_in_row_order(self) -> Iterable[tuple[int, str]]:
        return self.connection.execute("SELECT row, text FROM passages ORDER BY row")

    def texts_and_tokens(self) -> list[tuple[str, str]]:
        """(text, tokens) of every row, in row order."""
        return self.connection.execute("SELECT text, tokens FROM passages ORDER BY row").fetchall()

    def openings(self) -> Iterable[tuple[str]]:
        """The first 8 characters of every row's text, in row order."""
        return self.connection.execute("SELECT substr(text, 1, 8) FROM passages ORDER BY row")

    def all_passage_rows(self) -> Iterable[tuple]:
        """(row, passage_id, article_id, position, text, tokens) of every row, in row order."""
        return self.connection.execute("SELECT row, passage_id, article_id, position, text, tokens FROM passages "
                                       "ORDER BY row")

    def row_owners(self) -> list[tuple[int, str]]:
        """(local row, article_id) of every row."""
        return self.connection.execute("SELECT row, article_id FROM passages").fetchall()

    def rows_of(self, passage_ids: list[str]) -> list[tuple[str, int]]:
        """(passage_id, local row) of those of these passages the segment holds."""
        return self._select_in("SELECT passage_id, row FROM passages WHERE passage_id IN ({marks})", passage_ids)

    def owners_of(self, passage_ids: list[str]) -> list[tuple[str, int, str]]:
        """(passage_id, local row, owner article_id) of those of these passages the segment holds."""
        return self._select_in("SELECT passage_id, row, article_id FROM passages WHERE passage_id IN ({marks})",
                               passage_ids)

    def stored_tokens(self, passage_ids: list[str]) -> list[tuple[str, int, str]]:
        """(passage_id, local row, tokens) of those of these passages the segment holds."""
        return self._select_in("SELECT passage_id, row, tokens FROM passages WHERE passage_id IN ({marks})",
                               passage_ids)

    def texts_of(self, passage_ids: list[str]) -> list[tuple[str, str]]:
        """(passage_id, text) of those of these passages the segment holds."""
        return self._select_in("SELECT passage_id, text FROM passages WHERE passage_id IN ({marks})", passage_ids)

    def texts_and_tokens_at(self, rows: list[int]) -> list[tuple[int, str, str]]:
        """(local row, text, tokens) of these rows."""
        return self._select_in("SELECT row, text, tokens FROM passages WHERE row IN ({marks})", rows)

    def predecessor_links(self, rows: list[int]) -> list[tuple]:
        """For these rows: (row, article_id, passage_id, the passage id before it in its owner
        article or None, that passage's local row here or None)."""
        return self._select_in(
            "SELECT p.row, p.article_id, p.passage_id, before.passage_id, held.row "
            "FROM passages AS p JOIN article_passages AS this ON this.article_id = p.article_id "
            "AND this.passage_id = p.passage_id LEFT JOIN article_passages AS before "
            "ON before.article_id = this.article_id AND before.position = this.position - 1 "
            "LEFT JOIN passages AS held ON held.passage_id = before.passage_id "
            "WHERE p.row IN ({marks})", rows)

    # -- articles ---------------------------------------------------------------------------------

    def has_article(self, article_id: str) -> bool:
        return self.connection.execute("SELECT 1 FROM articles WHERE article_id = ?", (article_id,)).fetchone() \
            is not None

    def article_cards(self, article_ids: list[str]) -> list[tuple[str, str, str | None, str | None]]:
        """(article_id, title, date, url) of those of these articles the segment holds."""
        return self._select_in("SELECT article_id, title, date, url FROM articles WHERE article_id IN ({marks})",
                               article_ids)

    def article_sources(self, article_ids: list[str]) -> list[tuple[str, str]]:
        """(article_id, source_path) of those of these articles the segment holds."""
        return self._select_in("SELECT article_id, source_path FROM articles WHERE article_id IN ({marks})",
                               article_ids)

    def article_details(self, article_id: str) -> tuple[str, str | None, str | None, str]:
        """(title, date, url, page_format) of one article the segment holds."""
        return self.connection.execute("SELECT title, date, url, page_format FROM articles WHERE article_id = ?",
                                       (article_id,)).fetchone()

    def all_articles(self) -> Iterable[tuple]:
        """Every article as an ARTICLE_COLUMNS tuple."""
        return self.connection.execute(f"SELECT {ARTICLE_COLUMNS} FROM articles")

    def article_files(self, with_stat: bool = True) -> Iterable[tuple]:
        """(article_id, source_path, file_hash, size, mtime_ns) of every article (size and mtime None
        for an index written before they were recorded)."""
        columns = "size, mtime_ns" if with_stat else "NULL, NULL"
        return self.connection.execute(f"SELECT article_id, source_path, file_hash, {columns} FROM articles")

    # -- holdings ---------------------------------------------------------------------------------

    def holdings_of(self, article_id: str) -> list[tuple[int, str]]:
        """(position, passage_id) of one article's passages, in order."""
        return self.connection.execute("SELECT position, passage_id FROM article_passages WHERE article_id = ? "
                                       "ORDER BY position", (article_id,)).fetchall()

    def all_holdings(self) -> Iterable[tuple[str, int, str]]:
        """(article_id, position, passage_id) of every holding."""
        return self.connection.execute("SELECT article_id, position, passage_id FROM article_passages")

    def previous_in_article(self, article_id: str, passage_id: str) -> str | None:
        """The passage id just before this one in this article, if any."""
        found = self.connection.execute(
            "SELECT before.passage_id FROM article_passages AS this JOIN article_passages AS before "
            "ON before.article_id = this.article_id AND before.position = this.position - 1 "
            "WHERE this.article_id = ? AND this.passage_id = ?", (article_id, passage_id)).fetchone()
        return found[0] if found is not None else None

    def holders_of(self, passage_ids: list[str]) -> list[tuple[str, str, str, int, str | None]]:
        """(passage_id, source_path, article_id, position, url) of every article here holding one of these."""
        return self._select_in("SELECT ap.passage_id, a.source_path, ap.article_id, ap.position, a.url "
                               "FROM article_passages ap JOIN articles a ON a.article_id = ap.article_id "
                               "WHERE ap.passage_id IN ({marks})", passage_ids)
