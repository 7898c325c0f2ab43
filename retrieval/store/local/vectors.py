"""The dense side on disk: which FAISS index for how many passages, building it, loading it.

Exact search (`IndexFlatIP`) is used while it is fast and small enough; past `FLAT_MAX_VECTORS`
an inverted-file index with 8-bit scalar quantisation (`IVF<nlist>,SQ8`) takes over: a quarter of
the flat index's memory (1M × 384 dims: ~0.4 GB instead of 1.5 GB) and a few hundredths of its
work per query, at a measured recall@10 against exact search (see `scripts/bench.py`,
docs/scaling.md). IVF rather than HNSW because it builds in seconds, trains once on a sample,
and supports adding and removing ids without a rebuild, which the incremental path needs.

The chosen spec is written into the index manifest and read back on load, so a served index is
always searched the way it was built. The float32 rows themselves stay in `embeddings.npy`,
memory-mapped, for exact scores of candidates that only the lexical side found.
"""

from __future__ import annotations

import math
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import faiss
import numpy as np

if TYPE_CHECKING:
    from retrieval.store.local.rows import RowMap

VECTORS_FILE = "vectors.faiss"
EMBEDDINGS_FILE = "embeddings.npy"

# Measured with scripts/bench.py on 2 shared cores: exact search takes 0.6 ms per query over 4.2k
# rows but 34 ms (p50) over 100k × 384, more than the rest of a query together; it grows linearly.
# Below ~50k rows (~15 ms) exact search is cheap enough not to trade any recall for speed.
FLAT_MAX_VECTORS = 50_000
KINDS = ("flat", "ivf_sq8")
# k-means wants ~40 points per centroid; more only slows training without helping the lists.
_TRAIN_POINTS_PER_LIST = 40


class VectorIndexError(RuntimeError):
    """A vector index spec or file that cannot be used; the message names it."""


@dataclass(frozen=True)
class VectorIndexSpec:
    """How the passage vectors are indexed: exact (`flat`) or IVF lists of 8-bit codes."""

    kind: str = "flat"
    nlist: int = 0  # IVF only: number of k-means lists
    nprobe: int = 0  # IVF only: lists scanned per query

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise VectorIndexError(f"vector index kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.kind == "ivf_sq8" and not (1 <= self.nprobe <= self.nlist):
            raise VectorIndexError(f"ivf_sq8 needs 1 <= nprobe <= nlist, got nlist={self.nlist} "
                                   f"nprobe={self.nprobe}")

    @property
    def factory(self) -> str:
        """The FAISS index_factory name, as recorded in the manifest for people to read."""
        return "Flat" if self.kind == "flat" else f"IVF{self.nlist},SQ8"

    def to_json(self) -> dict:
        return {**asdict(self), "factory": self.factory, "metric": "inner_product"}

    @classmethod
    def from_json(cls, data: object, where: str) -> VectorIndexSpec:
        if not isinstance(data, dict):
            raise VectorIndexError(f"{where}: field 'vector_index' must be an object, not {data!r}")
        try:
            return cls(kind=str(data["kind"]), nlist=int(data.get("nlist", 0)), nprobe=int(data.get("nprobe", 0)))
        except (KeyError, TypeError, ValueError) as error:
            raise VectorIndexError(f"{where}: field 'vector_index' is malformed ({error!r})") from None


MIN_NPROBE = 64


def ivf_spec(num_vectors: int) -> VectorIndexSpec:
    """IVF-SQ8 sized for `num_vectors`: ~sqrt(n) lists (a power of two), 1/8 of them probed but
    never fewer than 64.

    Measured (scripts/bench.py, recall@10 against exact search): at 1M passages (IVF1024) nprobe
    32 → 0.887, 64 → 0.932, 128 → 0.952 at 11 ms p50 per search; at 100k (IVF256) 32 → 0.908,
    64 → 0.954 at 1.9 ms. Fewer, coarser lists need a larger share probed for the same recall.
    """
    nlist = 2 ** round(math.log2(max(math.sqrt(max(num_vectors, 1)), 16)))
    return VectorIndexSpec("ivf_sq8", nlist=nlist, nprobe=min(nlist, max(MIN_NPROBE, nlist // 8)))


def choose_spec(num_vectors: int, flat_max: int = FLAT_MAX_VECTORS) -> VectorIndexSpec:
    """Exact search while it is cheap enough, IVF-SQ8 beyond."""
    return VectorIndexSpec("flat") if num_vectors <= flat_max else ivf_spec(num_vectors)


def build_faiss_index(embeddings: np.ndarray, spec: VectorIndexSpec, seed: int = 0,
                      trained: faiss.Index | None = None) -> faiss.Index:
    """A FAISS inner-product index over the rows of `embeddings` (row i gets id i).

    `trained`: an IVF index of the same spec whose k-means lists (and 8-bit ranges) are reused,
    so a compaction only adds the rows instead of training again.
    """
    embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
    count, dim = embeddings.shape
    if spec.kind == "flat":
        index = faiss.IndexFlatIP(dim)
    elif (trained is not None and isinstance(trained, faiss.IndexIVF) and trained.nlist == spec.nlist
          and trained.d == dim and trained.is_trained):
        index = faiss.clone_index(trained)
        index.reset()  # keeps the trained lists and quantiser ranges, drops the stored codes
    else:
        if count < spec.nlist:
            raise VectorIndexError(f"cannot build {spec.factory} over {count} vectors: fewer than its "
                                   f"{spec.nlist} lists; use a flat index")
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(quantizer, dim, spec.nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
        sample_size = min(count, spec.nlist * _TRAIN_POINTS_PER_LIST)
        sample = np.random.default_rng(seed).choice(count, size=sample_size, replace=False)
        index.train(embeddings[np.sort(sample)])
    for start in range(0, count, 65536):  # bounded temporary memory while encoding
        index.add(embeddings[start:start + 65536])
    return index


class VectorIndex:
    """A loaded FAISS index searched as its spec says, plus exact access to the stored rows."""

    def __init__(self, index: faiss.Index, spec: VectorIndexSpec, embeddings: np.ndarray):
        if index.ntotal != len(embeddings):
            raise VectorIndexError(f"vector index holds {index.ntotal} vectors but {EMBEDDINGS_FILE} has "
                                   f"{len(embeddings)} rows: rebuild with scripts/rebuild_index.py --full")
        self.faiss_index = index
        self.spec = spec
        self.embeddings = embeddings  # float32 rows, usually memory-mapped (exact checks, reuse)
        self._parameters = faiss.SearchParametersIVF(nprobe=spec.nprobe) if spec.kind == "ivf_sq8" else None
        # Candidate rows are read with pread, not through the memory map: the kernel maps ~16
        # cached neighbours around every page fault, and at 1M passages that put ~1.5 GB of
        # never-used rows into the serving process's RSS (measured with scripts/bench.py).
        self._rows_file = (open(embeddings.filename, "rb", buffering=0)  # noqa: SIM115 (closed in close())
                           if isinstance(embeddings, np.memmap) and embeddings.filename else None)
        self._rows_offset = int(embeddings.offset) if self._rows_file else 0

    @property
    def ntotal(self) -> int:
        return int(self.faiss_index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.faiss_index.d)

    def search(self, queries: np.ndarray, k: int, selector: faiss.IDSelector | None = None,
               nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, rows) of the k nearest rows for each query; rows are -1 where fewer exist.

        `selector`: only rows it selects are considered (a segment's live rows); `nprobe`
        overrides the recorded one (the benchmark's sweep)."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if selector is None and nprobe is None:
            if self._parameters is None:
                return self.faiss_index.search(queries, k)
            return self.faiss_index.search(queries, k, params=self._parameters)
        if self.spec.kind == "ivf_sq8":
            parameters = faiss.SearchParametersIVF(nprobe=nprobe or self.spec.nprobe)
        else:
            parameters = faiss.SearchParameters()
        if selector is not None:
            parameters.sel = selector
        return self.faiss_index.search(queries, k, params=parameters)

    def vectors_for(self, rows: list[int]) -> np.ndarray:
        """The exact stored vectors of `rows` (works for every index kind, unlike reconstruct)."""
        if not rows:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._rows_file is None:
            return np.asarray(self.embeddings[np.asarray(rows, dtype=np.int64)], dtype=np.float32)
        row_bytes = self.dim * 4
        descriptor = self._rows_file.fileno()
        data = b"".join(os.pread(descriptor, row_bytes, self._rows_offset + int(row) * row_bytes) for row in rows)
        if len(data) != row_bytes * len(rows):
            raise VectorIndexError(f"{self.embeddings.filename}: rows {rows} are past its end")
        return np.frombuffer(data, dtype=np.float32).reshape(len(rows), self.dim)

    def close(self) -> None:
        if self._rows_file is not None:
            self._rows_file.close()


def write_vectors(directory: Path, embeddings: np.ndarray, spec: VectorIndexSpec) -> None:
    """embeddings.npy (float32, no pickle) and the FAISS index built from it, into `directory`."""
    np.save(directory / EMBEDDINGS_FILE, np.ascontiguousarray(embeddings, dtype=np.float32), allow_pickle=False)
    faiss.write_index(build_faiss_index(embeddings, spec), str(directory / VECTORS_FILE))


def spec_from_manifest(manifest: dict, where: str) -> VectorIndexSpec:
    # Indexes written before the spec was recorded were always exact IndexFlatIP.
    if "vector_index" not in manifest:
        return VectorIndexSpec("flat")
    return VectorIndexSpec.from_json(manifest["vector_index"], where)


def load_vectors(directory: Path, spec: VectorIndexSpec) -> VectorIndex:
    try:
        index = faiss.read_index(str(directory / VECTORS_FILE))
        embeddings = np.load(directory / EMBEDDINGS_FILE, mmap_mode="r", allow_pickle=False)
    except (OSError, RuntimeError, ValueError) as error:
        raise VectorIndexError(f"cannot read the vector index in {directory}: {error}") from None
    if embeddings.ndim != 2 or embeddings.dtype != np.float32:
        raise VectorIndexError(f"{directory / EMBEDDINGS_FILE}: expected a 2-d float32 array, "
                               f"got {embeddings.dtype} with shape {embeddings.shape}")
    # read_index already returns the concrete class (IndexFlatIP, IndexIVFScalarQuantizer).
    expected = faiss.IndexFlat if spec.kind == "flat" else faiss.IndexIVF
    if not isinstance(index, expected):
        raise VectorIndexError(f"{directory / VECTORS_FILE} is not the {spec.factory} index its manifest records")
    return VectorIndex(index, spec, embeddings)


class SegmentedVectors:
    """The vector indexes of several segments searched as one, over live rows only.

    Each segment is searched with a FAISS `IDSelectorBitmap` of its live rows (tombstoned rows
    are never candidates, so no over-fetch is needed), its local rows are mapped into the
    index's single row space, and the per-segment top-k lists are merged by similarity. A base
    segment is searched as its spec says (IVF or exact); delta segments are small and exact.
    """

    def __init__(self, parts: list[tuple[VectorIndex, RowMap]]):
        self._parts = parts
        # Kept here: the SWIG selector points into these bitmaps, which must outlive it.
        self._bitmaps = [row_map.live_bitmap() for _, row_map in parts]
        self._selectors = [None if bitmap is None else faiss.IDSelectorBitmap(bitmap) for bitmap in self._bitmaps]
        self.ntotal = sum(row_map.live for _, row_map in parts)
        self._ends = np.asarray([row_map.end for _, row_map in parts], dtype=np.int64)

    @property
    def spec(self) -> VectorIndexSpec:
        """The base segment's spec: what the manifest records and what most rows are searched with."""
        return self._parts[0][0].spec

    @property
    def dim(self) -> int:
        return self._parts[0][0].dim

    def search(self, queries: np.ndarray, k: int, nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(similarities, rows) in the index's row space; rows are -1 where fewer exist."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if len(self._parts) == 1 and self._selectors[0] is None:
            sims, rows = self._parts[0][0].search(queries, k, nprobe=nprobe)
            return sims, self._parts[0][1].to_global(rows)
        all_sims, all_rows = [], []
        for (vectors, row_map), selector in zip(self._parts, self._selectors, strict=True):
            if row_map.live == 0:
                continue
            sims, rows = vectors.search(queries, min(k, row_map.size), selector, nprobe)
            rows = row_map.to_global(rows)
            all_sims.append(np.where(rows >= 0, sims, -np.inf).astype(np.float32))
            all_rows.append(rows)
        if not all_sims:
            return (np.full((len(queries), k), -np.inf, dtype=np.float32),
                    np.full((len(queries), k), -1, dtype=np.int64))
        sims, rows = np.hstack(all_sims), np.hstack(all_rows)
        order = np.argsort(-sims, axis=1, kind="stable")[:, :k]
        sims, rows = np.take_along_axis(sims, order, axis=1), np.take_along_axis(rows, order, axis=1)
        if sims.shape[1] < k:
            pad = k - sims.shape[1]
            sims = np.hstack([sims, np.full((len(queries), pad), -np.inf, dtype=np.float32)])
            rows = np.hstack([rows, np.full((len(queries), pad), -1, dtype=np.int64)])
        return sims, rows

    def locate(self, rows: list[int] | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(segment number, local row) of each row of the index's row space."""
        rows = np.asarray(rows, dtype=np.int64)
        if len(rows) and (rows.min() < 0 or rows.max() >= self.ntotal):
            raise VectorIndexError(f"rows {rows.tolist()} are outside the index's {self.ntotal} rows")
        segments = np.searchsorted(self._ends, rows, side="right")
        local = np.empty_like(rows)
        for number in np.unique(segments).tolist():
            mask = segments == number
            local[mask] = self._parts[number][1].to_local(rows[mask])
        return segments, local

    def vectors_for(self, rows: list[int]) -> np.ndarray:
        """The exact stored vectors of `rows`, read from each row's segment."""
        out = np.zeros((len(rows), self.dim), dtype=np.float32)
        if not rows:
            return out
        segments, local = self.locate(rows)
        for number in np.unique(segments).tolist():
            mask = segments == number
            out[mask] = self._parts[number][0].vectors_for(local[mask].tolist())
        return out

    def live_blocks(self, block: int = 131072):
        """(first row, float32 vectors) of all live rows in row order, block by block (exact recall checks)."""
        for vectors, row_map in self._parts:
            live = np.arange(row_map.size) if row_map.alive is None else np.flatnonzero(row_map.alive)
            for start in range(0, len(live), block):
                picked = live[start:start + block]
                yield row_map.offset + start, np.asarray(vectors.embeddings[picked], dtype=np.float32)

    def close(self) -> None:
        for vectors, _ in self._parts:
            vectors.close()
