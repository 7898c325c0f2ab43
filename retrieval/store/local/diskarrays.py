"""A one-dimensional .npy array on disk, read by slices with pread instead of a memory map.

Postings of common terms and bigrams are long; read through a memory map, every page a query
touches (and the ~16 around it the kernel maps ahead) stays mapped into the serving process and
counts in its resident memory for good. pread copies just the slice; the kernel's page cache
still keeps hot postings fast, shared and reclaimable. (Candidate vectors are read the same way:
retrieval/store/local/vectors.py.)
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import numpy as np


class DiskArray:
    def __init__(self, path: Path):
        mapped = np.load(path, mmap_mode="r", allow_pickle=False)
        if mapped.ndim != 1:
            raise ValueError(f"{path}: expected a 1-d array, got shape {mapped.shape}")
        self.dtype, self._length, self._offset = mapped.dtype, len(mapped), mapped.offset
        del mapped
        self._descriptor = os.open(path, os.O_RDONLY)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, window: slice) -> np.ndarray:
        start, stop, step = window.indices(self._length)
        if step != 1:
            raise IndexError("DiskArray reads contiguous slices only")
        size = self.dtype.itemsize
        count = max(0, stop - start)
        data = os.pread(self._descriptor, count * size, self._offset + start * size) if count else b""
        return np.frombuffer(data, dtype=self.dtype)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:  # the whole array (compaction, tests)
        whole = self[:]
        return whole.astype(dtype) if dtype is not None else whole

    def __del__(self) -> None:  # the descriptor lives as long as the array (the loaded index)
        with contextlib.suppress(OSError, AttributeError):
            os.close(self._descriptor)
