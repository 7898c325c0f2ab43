"""Many segments presented as one row space: where each segment's live rows sit in it."""

from __future__ import annotations

import numpy as np


class RowMap:
    """Where one segment's live rows sit in the index's single row space.

    The Searcher sees rows 0..N-1 of live passages only: segment after segment, each segment's
    live rows in their stored order, tombstoned rows left out. Dense mapping arrays exist only
    for segments that have tombstones; others are a plain offset.
    """

    def __init__(self, size: int, offset: int, dead: np.ndarray):
        self.size = size
        self.offset = offset
        self.dead = np.unique(np.asarray(dead, dtype=np.int64))
        self.live = size - len(self.dead)
        if len(self.dead):
            alive = np.ones(size, dtype=bool)
            alive[self.dead] = False
            self.alive: np.ndarray | None = alive
            self._live_locals = np.flatnonzero(alive).astype(np.int64)
            self._global_of = np.full(size, -1, dtype=np.int64)
            self._global_of[self._live_locals] = offset + np.arange(self.live, dtype=np.int64)
        else:
            self.alive = None
            self._live_locals = None
            self._global_of = None

    @property
    def end(self) -> int:
        return self.offset + self.live

    def to_global(self, local: np.ndarray) -> np.ndarray:
        """Global rows of local rows; -1 for a tombstoned (or negative, 'no result') local row."""
        local = np.asarray(local, dtype=np.int64)
        if self._global_of is None:
            return np.where(local >= 0, local + self.offset, -1)
        return np.where(local >= 0, self._global_of[np.maximum(local, 0)], -1)

    def to_local(self, rows: np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64) - self.offset
        return rows if self._live_locals is None else self._live_locals[rows]

    def live_bitmap(self) -> np.ndarray | None:
        """FAISS IDSelectorBitmap layout (bit i of byte i//8, little-endian) of the live rows."""
        return None if self.alive is None else np.packbits(self.alive, bitorder="little")
