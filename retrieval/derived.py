"""Tables derived from installed data files (CC-CEDICT, jieba's dictionary, lemminflect's lemmas),
prepared once into SQLite files and cached under a fingerprint of their sources.

Deriving them in every process cost most of a cold CLI call (2 shared cores: the CC-CEDICT bridge
3.6 s of CPU per English question, jieba's prefix dictionary 0.9 s, its tagger's word tags 0.4 s,
lemminflect's lookup 0.3 s). Opening a prepared file costs about a millisecond and a lookup a few
microseconds, so a question reads only the rows it needs. SQLite is data, never code: no pickle or
marshal is loaded. The fingerprint covers the source files (path, size, modification time), the code
that derives the tables and the library versions involved, so changing any of them prepares the
tables again instead of serving stale ones. They are prepared at setup (`newsqa setup`) and by a
rebuild, else on first use.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

from retrieval import locations

# Row-by-row costs a few microseconds a lookup; past this many (an index build, an evaluation run)
# reading the whole table into a dict once is cheaper (jieba's 0.5M entries: ~0.4 s).
PRELOAD_AFTER = 20_000
STALE_AFTER_SECONDS = 24 * 3600


def fingerprint(*, data_files: Iterable[Path] = (), code_files: Iterable[Path] = (),
                versions: Iterable[str] = ()) -> str:
    """Data files by path, size and modification time (hashing CC-CEDICT's 9 MB on every start
    would cost more than the lookups); code files by content; library versions as given."""
    digest = hashlib.sha1()
    for path in data_files:
        stat = path.stat()
        digest.update(f"data\0{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    for path in (Path(__file__), *code_files):  # this module writes the tables' layout
        digest.update(b"code\0" + hashlib.sha1(path.read_bytes()).digest())
    for version in versions:
        digest.update(f"version\0{version}\n".encode())
    return digest.hexdigest()[:16]


def open_prepared(name: str, key: str, prepare: Callable[[sqlite3.Connection], None],
                  cache_dir: Path | None = None) -> sqlite3.Connection:
    """A read-only connection to the tables `name` prepared for `key` (a fingerprint), preparing
    them first if absent. Written beside the final path and renamed into place, so a reader never
    sees half a file; preparations of the same name unused for a day are removed (checkouts of
    different code may share one cache folder, so a preparation is not removed at once). Where the cache folder
    cannot be written the tables are prepared in memory, for this process only."""
    cache_dir = cache_dir or locations.tables_cache_dir()
    path = cache_dir / f"{name}-{key}.sqlite"
    if not path.is_file():
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            partial = cache_dir / f".{path.name}.{os.getpid()}.{threading.get_ident()}"
            partial.unlink(missing_ok=True)
            connection = sqlite3.connect(partial)
            try:
                with connection:
                    prepare(connection)
            finally:
                connection.close()
            os.replace(partial, path)
            for stale in cache_dir.glob(f"{name}-*.sqlite"):
                if stale != path and time.time() - stale.stat().st_atime > STALE_AFTER_SECONDS:
                    stale.unlink(missing_ok=True)
        except OSError:
            connection = sqlite3.connect(":memory:", check_same_thread=False)
            with connection:
                prepare(connection)
            return connection
    return sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)


def write_table(connection: sqlite3.Connection, table: str, rows: Iterable[tuple[str, Any]], value_type: str) -> None:
    """A key → value table that PreparedTable reads."""
    connection.execute(f"CREATE TABLE {table} (key TEXT PRIMARY KEY, value {value_type}) WITHOUT ROWID")
    connection.executemany(f"INSERT INTO {table} VALUES (?, ?)", rows)


class PreparedTable(MutableMapping[str, Any]):
    """A key → value table of a prepared file, as a dict: rows read on demand until PRELOAD_AFTER
    lookups, then the whole table at once (`on_whole` is given that dict, so a caller such as
    jieba can hold the plain dict from then on). Writes (jieba's add_word) live in memory only."""

    def __init__(self, connection: sqlite3.Connection, table: str, decode: Callable[[Any], Any] = lambda v: v,
                 on_whole: Callable[[dict[str, Any]], None] | None = None, preload_after: int = PRELOAD_AFTER):
        self._connection = connection
        self._table = table
        self._decode = decode
        self._on_whole = on_whole
        self._preload_after = preload_after
        self._added: dict[str, Any] = {}
        self._whole: dict[str, Any] | None = None
        self._lookups = 0
        self._lock = threading.Lock()

    def whole(self) -> dict[str, Any]:
        with self._lock:
            if self._whole is None:
                rows = self._connection.execute(f"SELECT key, value FROM {self._table}")
                self._whole = {key: self._decode(value) for key, value in rows}
                self._whole.update(self._added)
                if self._on_whole is not None:
                    self._on_whole(self._whole)
            return self._whole

    def __getitem__(self, key: str) -> Any:
        if self._whole is not None:
            return self._whole[key]
        if key in self._added:
            return self._added[key]
        self._lookups += 1
        if self._lookups > self._preload_after:
            return self.whole()[key]
        with self._lock:
            row = self._connection.execute(f"SELECT value FROM {self._table} WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise KeyError(key)
        return self._decode(row[0])

    def __contains__(self, key: object) -> bool:
        return self.get(key, _MISSING) is not _MISSING  # type: ignore[arg-type]

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default

    def __setitem__(self, key: str, value: Any) -> None:
        if self._whole is not None:
            self._whole[key] = value
        self._added[key] = value

    def __delitem__(self, key: str) -> None:
        raise TypeError("a prepared table is read-only")

    def __iter__(self) -> Iterator[str]:
        return iter(self.whole())

    def __len__(self) -> int:
        return len(self.whole())

    def __bool__(self) -> bool:  # `table or {}` must not read the whole table to count it
        if self._whole is not None or self._added:
            return bool(self._whole) or bool(self._added)
        with self._lock:
            return self._connection.execute(f"SELECT 1 FROM {self._table} LIMIT 1").fetchone() is not None


_MISSING = object()
