"""Measurements behind `scripts/bench.py`: query latency by stage, vector recall, a plain baseline,
and synthetic corpora for scales the real model cannot embed here.

Synthetic corpora (seeded, reproducible): every synthetic passage joins the leading sentences of
one real passage to the trailing sentences of another (both drawn from an index built with the
real model), so texts, token statistics and lengths are those of real news. Its vector is the
length-weighted mix of the two real vectors plus Gaussian noise, renormalised: the clustered
geometry of real embeddings, which is what an approximate index's recall depends on (uniform
noise would understate it). Such vectors measure index behaviour only; the dense *quality* of the
synthetic corpus means nothing. Real-model embedding cost at those scales is measured on a sample.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retrieval.ingest.chunking import split_sentences
from retrieval.records import Article, Passage
from retrieval.search import Searcher
from retrieval.search.fusion import fuse
from retrieval.search.scoring import CANDIDATES_PER_SIDE
from retrieval.store.local.durability import fsync_tree
from retrieval.store.local.reader import LoadedIndex
from retrieval.store.local.schema import SegmentDb
from retrieval.store.local.segment import SegmentContent, write_segment
from retrieval.store.local.vectors import VectorIndexSpec
from retrieval.store.local.versions import VersionFiles, segment_entry, write_manifest
from retrieval.store.records import ArticleEntry, PassageRow
from retrieval.text import content_id, normalize, tokenize

PASSAGES_PER_SYNTHETIC_ARTICLE = 20
# Inside the chunker's 30–360 characters, so each synthetic paragraph stays exactly one passage.
MIN_SYNTHETIC_CHARS = 40
MAX_SYNTHETIC_CHARS = 340


@dataclass(frozen=True)
class Latency:
    """Percentiles of one measured stage, in milliseconds."""

    name: str
    count: int
    p50: float
    p95: float
    p99: float

    @classmethod
    def of(cls, name: str, seconds: list[float]) -> Latency:
        if not seconds:
            raise ValueError(f"no timings for {name!r}")
        p50, p95, p99 = np.percentile(np.asarray(seconds) * 1000.0, [50, 95, 99])
        return cls(name, len(seconds), float(p50), float(p95), float(p99))

    def line(self) -> str:
        return (f"{self.name:<12} p50 {self.p50:8.2f} ms   p95 {self.p95:8.2f} ms   p99 {self.p99:8.2f} ms   "
                f"(n={self.count})")


def peak_rss_mb() -> float:
    """This process's peak resident set so far.

    VmHWM (this address space only) where Linux has it: ru_maxrss survives exec, so a child
    started by a parent that held 6 GB reported 6 GB however little it used itself."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def sample_queries(texts: list[str], fixed: list[str], count: int, seed: int = 0) -> list[str]:
    """`fixed` questions first, then windows of 4–16 characters cut from random passages."""
    rng = np.random.default_rng(seed)
    queries = list(fixed[:count])
    candidates = [text for text in texts if len(text) >= 8]
    while len(queries) < count and candidates:
        text = candidates[int(rng.integers(len(candidates)))]
        width = int(rng.integers(4, min(16, len(text)) + 1))
        start = int(rng.integers(0, len(text) - width + 1))
        queries.append(text[start:start + width])
    return queries


# ---------------------------------------------------------------------------------------------
# query latency by stage


@dataclass(frozen=True)
class QueryTimings:
    stages: dict[str, list[float]]  # stage name → seconds per query
    query_vectors: np.ndarray  # the real model's vectors of the queries, for recall


def time_query_stages(searcher: Searcher, queries: list[str], top_k: int = 5) -> QueryTimings:
    """Each stage timed on its own, then the whole search; every query once (after a warm-up)."""
    searcher.search(queries[0], top_k=top_k)  # first call pays lazy initialisation; not a warm query
    stages: dict[str, list[float]] = {name: [] for name in ("embed", "ann", "dense", "lexical", "fuse", "end_to_end")}
    vectors = []
    clock = time.perf_counter
    for query in queries:
        t0 = clock()
        vector = searcher.embedder.encode([query])
        t1 = clock()
        searcher.index.dense_search(vector, min(CANDIDATES_PER_SIDE, searcher.index.info.passages))
        t2 = clock()
        query_vector, dense = searcher.scorer.dense_scores(query, CANDIDATES_PER_SIDE)
        t3 = clock()
        # the product's own analysis (cross-lingual terms included), then BM25 over its groups
        lexical = searcher.scorer.lexical_scores(searcher.analyse(query))
        t4 = clock()
        fuse(lexical, dense, query_vector, searcher.options, searcher.index.vectors_for)
        t5 = clock()
        searcher.search(query, top_k=top_k)
        t6 = clock()
        for name, seconds in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4, t6 - t5), strict=True):
            stages[name].append(seconds)
        vectors.append(vector[0])
    return QueryTimings(stages, np.vstack(vectors))


def exact_top_k(embeddings: np.ndarray, queries: np.ndarray, k: int, block: int = 131072) -> np.ndarray:
    """Exact inner-product top-k rows, scanning the (possibly memory-mapped) rows block by block."""
    blocks = ((start, np.asarray(embeddings[start:start + block], dtype=np.float32))
              for start in range(0, len(embeddings), block))
    return _top_k_over_blocks(blocks, queries, k)


def _top_k_over_blocks(blocks, queries: np.ndarray, k: int) -> np.ndarray:
    """Top-k rows by inner product over (first row, vectors) blocks, keeping only k per query at a time."""
    best_scores = np.full((len(queries), k), -np.inf, dtype=np.float32)
    best_rows = np.full((len(queries), k), -1, dtype=np.int64)
    for first, vectors in blocks:
        scores = queries @ vectors.T
        rows = np.arange(first, first + scores.shape[1])
        merged_scores = np.hstack([best_scores, scores])
        merged_rows = np.hstack([best_rows, np.broadcast_to(rows, scores.shape)])
        keep = np.argpartition(-merged_scores, k - 1, axis=1)[:, :k]
        best_scores = np.take_along_axis(merged_scores, keep, axis=1)
        best_rows = np.take_along_axis(merged_rows, keep, axis=1)
    return best_rows


def recall_at_k(found: np.ndarray, exact: np.ndarray) -> float:
    """Mean share of the exact top-k rows that the approximate search also returned."""
    k = exact.shape[1]
    shares = [len(set(f[f >= 0].tolist()) & set(e.tolist())) / k for f, e in zip(found, exact, strict=True)]
    return float(np.mean(shares))


# ---------------------------------------------------------------------------------------------
# baseline: rank_bm25 + exact IndexFlatIP, the same fusion formula


class BaselinePipeline:
    """The plain pipeline the issue compares against: rank_bm25 scoring every passage per query,
    and exact FAISS IndexFlatIP; fused with the same weighted blend as the product."""

    def __init__(self, token_lists: list[list[str]], embeddings: np.ndarray, dense_weight: float = 0.2):
        import faiss
        from rank_bm25 import BM25Okapi

        self.bm25 = BM25Okapi([tokens or [""] for tokens in token_lists])
        self.flat = faiss.IndexFlatIP(embeddings.shape[1])
        self.flat.add(np.ascontiguousarray(embeddings, dtype=np.float32))
        self.dense_weight = dense_weight

    def lexical(self, query: str, limit: int = CANDIDATES_PER_SIDE) -> dict[int, float]:
        scores = self.bm25.get_scores(list(dict.fromkeys(tokenize(query))))
        limit = min(limit, len(scores))
        best = np.argpartition(-scores, limit - 1)[:limit]
        return {int(row): float(scores[row]) for row in best if scores[row] > 0}

    def dense(self, vector: np.ndarray, limit: int = CANDIDATES_PER_SIDE) -> dict[int, float]:
        sims, rows = self.flat.search(vector.reshape(1, -1), min(limit, self.flat.ntotal))
        return {int(r): float(s) for r, s in zip(rows[0], sims[0], strict=True) if r >= 0}

    def search(self, query: str, vector: np.ndarray, top_k: int = 5) -> list[int]:
        lexical, dense = self.lexical(query), self.dense(vector)
        top = max(lexical.values(), default=0.0) or 1.0
        fused = {row: (1 - self.dense_weight) * lexical.get(row, 0.0) / top + self.dense_weight * dense.get(row, 0.0)
                 for row in {**lexical, **dense}}
        return sorted(fused, key=lambda row: (-fused[row], row))[:top_k]


def time_baseline(baseline: BaselinePipeline, queries: list[str], vectors: np.ndarray,
                  embed: Callable[[str], np.ndarray]) -> dict[str, list[float]]:
    stages: dict[str, list[float]] = {"lexical": [], "dense_search": [], "end_to_end": []}
    clock = time.perf_counter
    for query, vector in zip(queries, vectors, strict=True):
        t0 = clock()
        baseline.lexical(query)
        t1 = clock()
        baseline.dense(vector)
        t2 = clock()
        baseline.search(query, embed(query))
        t3 = clock()
        stages["lexical"].append(t1 - t0)
        stages["dense_search"].append(t2 - t1)
        stages["end_to_end"].append(t3 - t2)
    return stages


def read_index_rows(version_dir: Path) -> tuple[list[str], list[list[str]]]:
    """(texts, token lists) of every live passage row of a built index version, in row order."""
    index = LoadedIndex(version_dir)
    try:
        stored = index.passages(list(range(index.num_passages)))
    finally:
        index.close()
    return [p.text for p in stored], [list(p.tokens) for p in stored]


def read_index_texts(version_dir: Path) -> list[str]:
    """The text of every live passage row, in row order, and nothing else (cheap at 1M)."""
    files = VersionFiles(version_dir)
    texts: list[str] = []
    for name in files.segments:
        dead = files.dead_rows[name]
        with contextlib.closing(SegmentDb(files.segment_dir(name))) as db:
            texts.extend(text for row, text in db.texts_in_row_order() if row not in dead)
    return texts


def read_index_vectors(version_dir: Path) -> np.ndarray:
    """Every live row's stored vector, in row order (float32, in memory)."""
    index = LoadedIndex(version_dir)
    try:
        return np.vstack([block for _, block in index.vectors.live_blocks()])
    finally:
        index.close()


def exact_top_k_segments(vectors, queries: np.ndarray, k: int) -> np.ndarray:
    """exact_top_k over the live rows of a segmented index (retrieval.store.local.vectors.SegmentedVectors)."""
    return _top_k_over_blocks(vectors.live_blocks(), queries, k)


# ---------------------------------------------------------------------------------------------
# synthetic corpora


@dataclass(frozen=True)
class SourcePassage:
    """A real passage split into sentences (with their tokens), its real vector and its article."""

    sentences: tuple[str, ...]
    sentence_tokens: tuple[tuple[str, ...], ...]
    sentence_normals: tuple[str, ...]  # each sentence's matching form, so recombined rows need no normalising
    vector: np.ndarray
    title: str
    date: str | None
    url: str | None


def load_source_pool(version_dir: Path) -> list[SourcePassage]:
    """Every passage of a real index version, ready to be recombined."""
    index = LoadedIndex(version_dir)
    try:
        stored = index.passages(list(range(index.num_passages)))
        embeddings = np.vstack([block for _, block in index.vectors.live_blocks()])
    finally:
        index.close()
    pool = []
    for passage in stored:
        text = passage.text
        sentences = tuple(s for s in split_sentences(" ".join(text.split())) if s) or (text,)
        pool.append(SourcePassage(sentences, tuple(tuple(tokenize(s)) for s in sentences),
                                  tuple(normalize(s) for s in sentences),
                                  embeddings[passage.row], passage.title, passage.date, passage.url))
    return pool


@dataclass(frozen=True)
class SyntheticCorpus:
    entries: list[ArticleEntry]
    rows: list[Passage]
    tokens: list[list[str]]
    vectors: np.ndarray


def _synthetic_page(title: str, date: str | None, url: str | None, paragraphs: list[str]) -> str:
    head = ["---", f"title: \"{title}\""] + ([f"date: {date}"] if date else []) + ([f"url: {url}"] if url else [])
    return "\n".join([*head, "---", "", *(p + "\n" for p in paragraphs)])


def synthesize_corpus(pool: list[SourcePassage], count: int, articles_dir: Path, seed: int = 0,
                      noise: float = 0.5) -> SyntheticCorpus:
    """`count` recombined passages, written as article files under `articles_dir` (so a real
    incremental rebuild can run over them) and returned with tokens and synthetic vectors."""
    rng = np.random.default_rng(seed)
    dim = pool[0].vector.shape[0]
    pool_vectors = np.vstack([source.vector for source in pool]).astype(np.float32)
    firsts = rng.integers(len(pool), size=count)
    seconds = rng.integers(len(pool), size=count)
    weights = np.empty(count, dtype=np.float32)
    texts: list[str] = []
    normals: list[str] = []
    tokens: list[list[str]] = []
    for i, (a, b) in enumerate(zip(firsts.tolist(), seconds.tolist(), strict=True)):
        first, second = pool[a], pool[b]
        take_a = int(rng.integers(1, len(first.sentences) + 1))
        take_b = int(rng.integers(0, len(second.sentences) + 1))
        cut = len(second.sentences) - take_b
        parts = list(first.sentences[:take_a]) + list(second.sentences[cut:])
        part_tokens = list(first.sentence_tokens[:take_a]) + list(second.sentence_tokens[cut:])
        part_normals = list(first.sentence_normals[:take_a]) + list(second.sentence_normals[cut:])
        while len(parts) > 1 and sum(map(len, parts)) > MAX_SYNTHETIC_CHARS:
            parts.pop()
            part_tokens.pop()
            part_normals.pop()
        while sum(map(len, parts)) < MIN_SYNTHETIC_CHARS:  # a fragment would be merged by the chunker
            extra = pool[int(rng.integers(len(pool)))]
            parts.append(extra.sentences[0])
            part_tokens.append(extra.sentence_tokens[0])
            part_normals.append(extra.sentence_normals[0])
        text = "".join(parts)[:MAX_SYNTHETIC_CHARS]
        from_a = sum(len(s) for s in first.sentences[:take_a])
        weights[i] = min(1.0, from_a / max(len(text), 1))
        # The ordinal keeps every passage distinct, as real ones are; it is left out of the tokens so
        # the vocabulary keeps a realistic size.
        texts.append(f"{text}（{i}）")
        normals.append(f"{''.join(part_normals)[:MAX_SYNTHETIC_CHARS]}({i})")  # NFKC folds the brackets
        tokens.append([token for group in part_tokens for token in group])
    vectors = np.empty((count, dim), dtype=np.float32)
    for start in range(0, count, 65536):
        stop = min(count, start + 65536)
        w = weights[start:stop, None]
        block = w * pool_vectors[firsts[start:stop]] + (1 - w) * pool_vectors[seconds[start:stop]]
        block += rng.standard_normal(block.shape).astype(np.float32) * (noise / math.sqrt(dim))
        vectors[start:stop] = block / np.linalg.norm(block, axis=1, keepdims=True)

    articles_dir.mkdir(parents=True, exist_ok=True)
    entries: list[ArticleEntry] = []
    rows: list[Passage] = []
    for number, start in enumerate(range(0, count, PASSAGES_PER_SYNTHETIC_ARTICLE)):
        source = pool[int(firsts[start])]
        path = (articles_dir / f"{number // 1000:04d}" / f"{number:07d}.md")
        path.parent.mkdir(exist_ok=True)
        paragraphs = texts[start:start + PASSAGES_PER_SYNTHETIC_ARTICLE]
        data = _synthetic_page(source.title, source.date, source.url, paragraphs).encode("utf-8")
        path.write_bytes(data)
        status = path.stat()  # recorded, so the next incremental rebuild does not re-hash the file
        source_path = path.resolve().as_posix()
        article_id = hashlib.sha1(source_path.encode("utf-8")).hexdigest()[:12]
        article = Article(id=article_id, title=source.title, date=source.date, url=source.url, paragraphs=(),
                          source_path=source_path, page_format="front-matter")
        passages = tuple(Passage(id=content_id(text), article_id=article_id, text=text, position=position,
                                 normalized=normals[start + position])
                         for position, text in enumerate(paragraphs))
        entries.append(ArticleEntry(article, hashlib.sha1(data).hexdigest(), passages, status.st_size,
                                    status.st_mtime_ns))
        rows.extend(passages)
    return SyntheticCorpus(entries, rows, tokens, vectors)


def write_synthetic_version(directory: Path, entries: list[ArticleEntry], rows: list[Passage], embeddings: np.ndarray,
                  tokens: list[list[str] | None], model_name: str, version: str, spec: VectorIndexSpec) -> None:
    """Write one complete single-segment version into `directory` (which nobody serves from yet).

    The benchmark's synthetic corpora hold every row already: no reading, chunking or embedding."""
    content = SegmentContent(
        kind="base",
        articles=[entry.record() for entry in entries],
        article_passages=[(e.article.id, p.position, p.id) for e in entries for p in e.passages],
        rows=[PassageRow(p.id, p.article_id, p.position, p.text, "\t".join(tokens[i] or []), p.normalized)
              for i, p in enumerate(rows)],
        embeddings=embeddings, spec=spec)
    name = f"base-{version}"
    write_segment(directory / "segments" / name, content)
    write_manifest(directory, version, model_name, int(embeddings.shape[1]),
                   [segment_entry(directory / "segments" / name, "base", len(rows))], spec, len(entries), len(rows))
    fsync_tree(directory)
