"""Rebuilds into Milvus: a full build writes a new version (three collections) and moves the alias;
an incremental one upserts the passages of new and changed articles and deletes, by article, those
of changed and removed ones, in the live collections.

Crash safety. A full build touches nothing live until its last step, the alias switch: killed
before it, the alias still names the previous version, and the next rebuild drops the leftovers.
An incremental rebuild first marks the live manifest "updating" and marks it "complete" last; a
rebuild that finds it still "updating" (one was killed half-way) writes a full new version instead
of trusting the half-changed collections.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import numpy as np

from retrieval.errors import NothingIndexed
from retrieval.ingest.changes import StoredFile, scan_files
from retrieval.models.embedding import Embedder
from retrieval.store.article_vectors import ArticleVectors, vectors_for_articles
from retrieval.store.milvus import engine
from retrieval.store.milvus.engine import (
    ARTICLES_SUFFIX,
    DENSE_SUFFIX,
    LEXICAL_SUFFIX,
    SUFFIXES,
    VOCAB_SUFFIX,
    query_all,
    quoted_list,
)
from retrieval.store.milvus.features import Vocabulary
from retrieval.store.milvus.rows import (
    ARTICLE_VECTOR_FIELDS,
    NewRow,
    article_record,
    article_vectors_of,
    new_rows,
    passage_records,
)
from retrieval.store.milvus.vocabulary import chunks_for, read_vocabulary, write_vocabulary
from retrieval.store.protocol import RebuildOptions
from retrieval.store.rebuild import embed_texts, read_files
from retrieval.store.records import BuildReport, fingerprints_agree

_OLD_FIELDS = ["passage_id", "article_id", "tokens", "compact"]


@lru_cache(maxsize=1)  # hashed once, when a rebuild starts (retrieval.store.local.build)
def pipeline_fingerprint() -> str:
    """The local store's pipeline fingerprint (reading, chunking, text code) plus this package's
    row-writing code: a change to either re-reads every article on the next rebuild."""
    import hashlib

    from retrieval.store.local.fingerprint import pipeline_fingerprint as local_pipeline

    digest = hashlib.sha1(local_pipeline().encode())
    for name in ("rows.py", "features.py"):
        digest.update((Path(__file__).parent / name).read_bytes())
    return digest.hexdigest()[:16]


def rebuild(client, name: str, location: str, article_dirs: list[Path], embedder: Embedder,
            options: RebuildOptions) -> BuildReport:
    started = time.perf_counter()
    pipeline_fingerprint()  # the code this rebuild runs, not code edited while it ran
    report = BuildReport()
    warn = options.on_warning or (lambda message: None)
    live = engine.live_collection(client, name)
    manifest = engine.read_manifest(client, live) if live else None
    _drop_leftovers(client, name, keep={live, manifest.get("previous") if manifest else None})
    if not options.full and live and _takes_updates(manifest, embedder, options):
        return _incremental(client, live, manifest, article_dirs, embedder, options, report, warn, started)
    return _full(client, name, location, live, manifest, article_dirs, embedder, options, report, warn, started)


def _takes_updates(manifest: dict, embedder: Embedder, options: RebuildOptions) -> bool:
    # a change of article model (or turning article vectors on or off) rewrites every article: full
    article_model = options.article_encoder.name if options.article_encoder is not None else None
    return (manifest.get("format") == engine.FORMAT and manifest.get("state") == "complete"
            and manifest.get("article_model") == article_model
            and manifest.get("model") == embedder.name and int(manifest.get("dim", -1)) == embedder.dim
            and fingerprints_agree(manifest.get("model_fingerprint"), getattr(embedder, "fingerprint", None))
            and manifest.get("pipeline") == pipeline_fingerprint())


def _drop_leftovers(client, name: str, keep: set[str | None]) -> None:
    """Collections of versions neither live nor kept for readers of the previous one (a killed
    full build leaves its half-written collections; nothing points at them)."""
    pattern = engine.version_pattern(name)
    kept_versions = {pattern.match(c).group(1) for c in keep if c and pattern.match(c)}
    for collection in client.list_collections():
        found = pattern.match(collection)
        if found and found.group(1) not in kept_versions:
            client.drop_collection(collection)


def _nothing(article_dirs: list[Path], live: str | None) -> NothingIndexed:
    return NothingIndexed("nothing could be indexed: no readable article in " + ", ".join(map(str, article_dirs))
                          + (" (the previous index is still serving)" if live else ""))


def _manifest(version: str, embedder: Embedder, passages: int, articles: int, average_length: float,
              chunks: int, previous: str | None, state: str, article_model: str | None) -> dict:
    return {"format": engine.FORMAT, "version": version, "model": embedder.name, "dim": embedder.dim,
            "article_model": article_model,
            "model_fingerprint": getattr(embedder, "fingerprint", None), "pipeline": pipeline_fingerprint(),
            "passages": passages, "articles": articles, "average_length": average_length,
            "vocab_chunks": chunks, "previous": previous, "state": state,
            "built_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def _vectors(rows: list[NewRow], reuse: dict[str, np.ndarray], embedder: Embedder, options: RebuildOptions,
             report: BuildReport) -> np.ndarray:
    """Each row's vector: the stored one of the same passage text if the model is the same, else embedded."""
    vectors = np.zeros((len(rows), embedder.dim), dtype=np.float32)
    to_embed = [i for i, row in enumerate(rows) if row.passage.id not in reuse]
    for i, row in enumerate(rows):
        if row.passage.id in reuse:
            vectors[i] = reuse[row.passage.id]
    started = time.perf_counter()
    if to_embed:
        vectors[to_embed] = embed_texts(embedder, [rows[i].passage.text for i in to_embed], options.batch_size,
                                        options.show_progress)
    report.passages_embedded = len(to_embed)
    report.embed_seconds = time.perf_counter() - started
    return vectors


def _full(client, name: str, location: str, live: str | None, manifest: dict | None, article_dirs: list[Path],
          embedder: Embedder, options: RebuildOptions, report: BuildReport, warn: Callable[[str], None],
          started: float) -> BuildReport:
    scan = scan_files(article_dirs, {})
    report.files_hashed = scan.hashed
    for path, reason in scan.skipped:
        report.skipped.append((path, reason))
        warn(f"skipped {path}: {reason}")
    entries, _, _ = read_files(scan, report, warn, options.max_article_bytes, options.show_progress)
    if not entries:
        raise _nothing(article_dirs, live)
    rows, report.duplicate_passages = new_rows(entries, set())
    reuse: dict[str, np.ndarray] = {}
    if live and manifest and not options.full and manifest.get("model") == embedder.name and fingerprints_agree(
            manifest.get("model_fingerprint"), getattr(embedder, "fingerprint", None)):
        reuse = _stored_vectors(client, live, [row.passage.id for row in rows])
    report.parse_seconds = time.perf_counter() - started
    vectors = _vectors(rows, reuse, embedder, options, report)
    index_started = time.perf_counter()
    average = float(np.mean([max(len(row.tokens), 1) for row in rows]))
    vocab = Vocabulary(0, average)
    for row in rows:
        vocab.add(row.tokens, row.compact)
    version = engine.new_version()
    collection = f"{name}_{version}"
    engine.create_passages(client, collection, embedder.dim)
    engine.create_vocab(client, collection + VOCAB_SUFFIX)
    engine.create_articles(client, collection + ARTICLES_SUFFIX)
    _insert_rows(client, collection, [passage_records(row, vectors[i], average) for i, row in enumerate(rows)])
    chunks = write_vocabulary(client, collection + VOCAB_SUFFIX, vocab, chunks_for(vocab))
    previous = (_stored_article_vectors(client, live, manifest) if live and manifest and not options.full
                else None)
    article_vectors = _article_vectors(options, previous, entries, report)
    engine.insert_batched(client, collection + ARTICLES_SUFFIX, _article_records(entries, rows, article_vectors))
    for suffix in SUFFIXES:
        client.flush(collection + suffix)
        client.load_collection(collection + suffix)
    engine.write_manifest(client, collection, _manifest(version, embedder, len(rows), len(entries), average, chunks,
                                                        live, "complete",
                                                        article_vectors.model if article_vectors else None))
    # The switch: until here the alias (and every reader) saw only the previous version.
    if live:
        client.alter_alias(collection, name)
    else:
        client.create_alias(collection, name)
    _drop_leftovers(client, name, keep={collection, live})
    report.version, report.written, report.segments = version, "base", 1
    report.passages_total, report.passages_added = len(rows), len(rows)
    report.passages_removed = int(manifest["passages"]) if manifest else 0
    report.vector_index = f"Milvus HNSW (M {engine.HNSW_PARAMS['M']}) + sparse inverted index, {location}"
    report.index_seconds = time.perf_counter() - index_started
    report.seconds = time.perf_counter() - started
    return report


def _insert_rows(client, collection: str, records: list[tuple[dict, dict, dict]], upsert: bool = False) -> None:
    for i, suffix in enumerate(("", LEXICAL_SUFFIX, DENSE_SUFFIX)):
        engine.insert_batched(client, collection + suffix, [r[i] for r in records], upsert=upsert)


def _article_records(entries, rows: list[NewRow], vectors: ArticleVectors | None) -> list[dict]:
    owned: dict[str, list[NewRow]] = {}
    for row in rows:
        owned.setdefault(row.entry.article.id, []).append(row)
    packed = ({a: (engine.pack_vector(v), k) for a, k, v in zip(vectors.ids, vectors.keys, vectors.vectors,
                                                                strict=True)} if vectors is not None else {})
    return [article_record(entry, owned.get(entry.article.id, []), packed.get(entry.article.id, ("", "")))
            for entry in entries]


def _article_vectors(options: RebuildOptions, previous: ArticleVectors | None, entries: list,
                     report: BuildReport) -> ArticleVectors | None:
    """The vectors of `entries` (new or changed articles), reusing `previous` by text key."""
    if options.article_encoder is None:
        return None
    started = time.perf_counter()
    vectors, report.articles_embedded = vectors_for_articles(options.article_encoder, previous, entries,
                                                             show_progress=options.show_progress)
    report.embed_seconds += time.perf_counter() - started
    return vectors


def _stored_article_vectors(client, collection: str, manifest: dict,
                            records: list[dict] | None = None) -> ArticleVectors | None:
    """The live collection's article vectors (None when it was built without them)."""
    model = manifest.get("article_model")
    if not model or manifest.get("format") != engine.FORMAT:
        return None
    if records is None:
        records = query_all(client, collection + ARTICLES_SUFFIX, ARTICLE_VECTOR_FIELDS, hex_key="article_id")
    return article_vectors_of(records, model)


def _stored_vectors(client, collection: str, pids: list[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    for start in range(0, len(pids), 1000):
        for record in client.get(collection + LEXICAL_SUFFIX, ids=pids[start:start + 1000],
                                 output_fields=["passage_id", "vector"]):
            found[record["passage_id"]] = engine.unpack_vector(record["vector"])
    return found


def _incremental(client, live: str, manifest: dict, article_dirs: list[Path], embedder: Embedder,
                 options: RebuildOptions, report: BuildReport, warn: Callable[[str], None],
                 started: float) -> BuildReport:
    for suffix in SUFFIXES:
        client.load_collection(live + suffix)
    records = query_all(client, live + ARTICLES_SUFFIX, ["article_id", "source_path", "file_hash", "size",
                                                         "mtime_ns", "title", "date", "url", "page_format",
                                                         "passages", "names", "article_vector", "article_key"],
                        hex_key="article_id")
    stored = {r["source_path"]: StoredFile(live, r["article_id"], r["source_path"], r["file_hash"], r["size"],
                                           r["mtime_ns"]) for r in records}
    scan = scan_files(article_dirs, stored)
    report.files_hashed = scan.hashed
    for path, reason in scan.skipped:
        report.skipped.append((path, reason))
        warn(f"skipped {path}: {reason}")
    # boilerplate: found among the articles this update reads (the local store also remembers the
    # furniture of earlier builds in its manifest; the Milvus one does not yet)
    entries, failed, _ = read_files(scan, report, warn, options.max_article_bytes, options.show_progress)
    report.articles_reused = len(scan.unchanged) + len(scan.touched)
    report.articles_removed = len(scan.removed) + len(failed)
    if not entries and not scan.unchanged and not scan.touched:
        raise _nothing(article_dirs, live)
    report.version, report.segments = engine.version_label(manifest), 1
    gone = {f.article_id for f in [*scan.removed, *failed]} | {before.article_id for _, _, before in scan.to_read
                                                                 if before is not None}
    if not entries and not gone and not scan.touched:
        report.passages_total = int(manifest["passages"])
        report.parse_seconds = report.seconds = time.perf_counter() - started
        return report
    engine.write_manifest(client, live, {**manifest, "state": "updating"})
    by_id = {r["article_id"]: r for r in records}
    old = query_all(client, live, _OLD_FIELDS, filter=f"article_id in {quoted_list(sorted(gone))}",
                    hex_key="passage_id") if gone else []
    old_ids = {r["passage_id"] for r in old}
    # A text a changed article owned may still be held by an unchanged article: that one owns it now.
    kept_holders = {pid: a for a, r in by_id.items() if a not in gone for pid in json.loads(r["passages"])}
    candidates = [p.id for e in entries for p in e.passages if p.id not in old_ids]
    present = set(_stored_vectors(client, live, list(dict.fromkeys(candidates))))
    rows, report.duplicate_passages = new_rows(entries, present)
    added_ids = {row.passage.id for row in rows}
    orphans = [r for r in old if r["passage_id"] in kept_holders and r["passage_id"] not in added_ids]
    reuse = _stored_vectors(client, live, [r["passage_id"] for r in old])
    report.parse_seconds = time.perf_counter() - started
    vectors = _vectors(rows, reuse, embedder, options, report)
    index_started = time.perf_counter()
    vocab = read_vocabulary(client, live + VOCAB_SUFFIX, int(manifest["passages"]), float(manifest["average_length"]))
    changed: set[str] = set()
    for record in old:
        if record["passage_id"] not in kept_holders or record["passage_id"] in added_ids:
            changed |= vocab.add(record["tokens"].split("\t") if record["tokens"] else [], record["compact"], -1)
    for row in rows:
        changed |= vocab.add(row.tokens, row.compact)
    average = float(manifest["average_length"])
    # read before the delete below removes them with their old owner's rows
    reowned = [_reowned(client, live, record, by_id[kept_holders[record["passage_id"]]]) for record in orphans]
    if gone:
        for suffix in ("", LEXICAL_SUFFIX, DENSE_SUFFIX, ARTICLES_SUFFIX):
            client.delete(live + suffix, filter=f"article_id in {quoted_list(sorted(gone))}")
    upserts = [passage_records(row, vectors[i], average) for i, row in enumerate(rows)]
    _insert_rows(client, live, upserts + reowned, upsert=True)
    chunks = write_vocabulary(client, live + VOCAB_SUFFIX, vocab, int(manifest["vocab_chunks"]), changed)
    touched = [{**by_id[f.article_id], "size": s.size, "mtime_ns": s.mtime_ns, "unused": [0.0, 0.0]}
               for f, s in scan.touched]
    article_vectors = _article_vectors(options, _stored_article_vectors(client, live, manifest, records), entries,
                                       report)
    engine.insert_batched(client, live + ARTICLES_SUFFIX, _article_records(entries, rows, article_vectors) + touched,
                          upsert=True)
    for suffix in SUFFIXES:
        client.flush(live + suffix)
    articles = int(manifest["articles"]) - len(gone) + len(entries)
    manifest = {**manifest, "passages": vocab.passages, "articles": articles, "vocab_chunks": chunks,
                "state": "complete", "revision": int(manifest.get("revision", 0)) + 1,
                "updated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}
    engine.write_manifest(client, live, manifest)
    report.version, report.written = engine.version_label(manifest), "delta"
    report.passages_total = vocab.passages
    # counted as the local store counts them: texts that are new, texts that are gone
    report.passages_added = len(added_ids - old_ids)
    report.passages_removed = len(old_ids - added_ids) - len(orphans)
    report.index_seconds = time.perf_counter() - index_started
    report.seconds = time.perf_counter() - started
    return report


def _reowned(client, collection: str, record: dict, holder: dict) -> tuple[dict, dict, dict]:
    """A passage's records, its owner article changed, given to an unchanged article holding it too."""
    pid, owner = record["passage_id"], {"article_id": holder["article_id"]}
    stored = client.get(collection, ids=[pid], output_fields=["passage_id", "position", "text", "tokens", "length",
                                                            "compact", "unused"])[0]
    lexical = client.get(collection + LEXICAL_SUFFIX, ids=[pid],
                         output_fields=["passage_id", "tokens", "vector", "lexical"])[0]
    dense = client.get(collection + DENSE_SUFFIX, ids=[pid], output_fields=["passage_id", "dense"])[0]
    return ({**stored, **owner, "title": holder["title"], "date": holder["date"], "url": holder["url"],
             "previous_id": ""}, {**lexical, **owner}, {**dense, **owner})
