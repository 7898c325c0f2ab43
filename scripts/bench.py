"""Benchmark NewsQA: build, query latency, memory, disk, vector recall, a plain baseline.

    python scripts/bench.py                              # seeds and the 232-article held-out corpus
    python scripts/bench.py --scales seeds,heldout,100k  # add a synthetic 100k-passage corpus
    python scripts/bench.py --scales 1m --reuse          # 1M passages (reuses the held-out index as source)
    python scripts/bench.py --embed-probe                # embedding throughput by thread setting

Every measurement that needs its own memory figure runs in a child process (this script again,
with a hidden `--child` command), so peak RSS of a build and of a serving process are separate.
Numbers are printed, never asserted. Synthetic corpora: see retrieval/tools/benchmark.py.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import _bootstrap  # noqa: F401

ROOT = Path(__file__).resolve().parents[1]
# the shared corpora sit beside the checkout; a git worktree elsewhere names them with NEWSQA_SHARED
SHARED = Path(os.environ.get("NEWSQA_SHARED") or ROOT.parent / "shared")
REAL_CORPORA = {"seeds": (ROOT / "seeds",), "heldout": (SHARED / "corpus" / "heldout",),
                "heldout+large": (SHARED / "corpus" / "heldout", SHARED / "corpus" / "large")}
SYNTHETIC = {"100k": 100_000, "1m": 1_000_000}
DEV_QA = SHARED / "eval" / "dev_qa.jsonl"


# ---------------------------------------------------------------------------------------------
# children: one measurement each, JSON on the last stdout line


def _article_encoder():
    """The article model, as the default settings build and search with it (retrieval.service)."""
    from retrieval.config import Settings
    from retrieval.models.article_encoder import load_article_encoder

    return load_article_encoder() if Settings().article_vectors else None


def child_build_real(args: dict) -> dict:
    from retrieval.models.embedding import load_embedder
    from retrieval.store.local.build import build_index
    from retrieval.tools.benchmark import peak_rss_mb

    embedder = load_embedder(args["model"])
    report = build_index([Path(args["articles"])], Path(args["index"]), embedder, full=True, show_progress=False,
                         article_encoder=_article_encoder())
    return {**asdict(report), "skipped": len(report.skipped), "warnings": len(report.warnings),
            "peak_rss_mb": peak_rss_mb()}


def child_build_synthetic(args: dict) -> dict:
    import datetime as dt

    from retrieval.store.local.vectors import choose_spec
    from retrieval.store.local.versions import live_version_dir, point_current_at
    from retrieval.text import tokenize
    from retrieval.tools.benchmark import load_source_pool, peak_rss_mb, synthesize_corpus, write_synthetic_version

    started = time.perf_counter()
    pool = load_source_pool(live_version_dir(Path(args["source_index"])))
    corpus = synthesize_corpus(pool, args["count"], Path(args["articles"]), seed=args["seed"])
    generated = time.perf_counter()
    # The real tokenizer's cost at this scale, measured on a sample (generation reuses tokens).
    sample = [passage.text for passage in corpus.rows[: 2000]]
    tokenize_started = time.perf_counter()
    for text in sample:
        tokenize(text)
    tokenize_rate = len(sample) / (time.perf_counter() - tokenize_started)
    index_dir = Path(args["index"])
    version = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-synthetic"
    directory = index_dir / "versions" / version
    directory.mkdir(parents=True)
    spec = choose_spec(len(corpus.rows))
    index_started = time.perf_counter()
    write_synthetic_version(directory, corpus.entries, corpus.rows, corpus.vectors, corpus.tokens, args["model_name"],
                  version, spec)
    point_current_at(index_dir, version)
    return {"passages_total": len(corpus.rows), "articles": len(corpus.entries),
            "generate_seconds": generated - started, "tokenize_passages_per_s": tokenize_rate,
            "index_seconds": time.perf_counter() - index_started, "vector_index": spec.factory,
            "peak_rss_mb": peak_rss_mb()}


def _memory_mb() -> dict[str, float]:
    """Peak RSS, and today's RSS split into private memory and mapped index files (page cache the
    kernel can drop and re-read; it counts in RSS only while resident)."""
    fields = {line.split(":")[0]: line.split()[1] for line in Path("/proc/self/status").read_text().splitlines()
              if line.startswith(("VmHWM", "VmRSS", "RssAnon", "RssFile"))}
    return {name: int(value) / 1024.0 for name, value in fields.items()}


def child_serve(args: dict) -> dict:
    from retrieval.models.embedding import load_embedder
    from retrieval.search import Searcher
    from retrieval.store.local.reader import load_index
    from retrieval.tools.benchmark import Latency, exact_top_k_segments, recall_at_k, time_query_stages

    started = time.perf_counter()
    index = load_index(Path(args["index"]))
    searcher = Searcher(index, load_embedder(args["model"]), article_encoder=_article_encoder())
    load_seconds = time.perf_counter() - started
    queries = json.loads(Path(args["queries"]).read_text(encoding="utf-8"))
    timings = time_query_stages(searcher, queries)
    memory = _memory_mb()  # before the recall check below reads every stored vector
    serving_rss = memory["VmHWM"]
    import numpy as np

    # A query made only of words the static model does not know embeds to the zero vector: every
    # passage ties at 0 and any 10 are "exact", so such queries say nothing about recall.
    scored = np.linalg.norm(timings.query_vectors, axis=1) > 1e-6
    recall_vectors = timings.query_vectors[scored]
    _, found = index.vectors.search(recall_vectors, 10)
    exact = exact_top_k_segments(index.vectors, recall_vectors, 10)
    np_path = Path(args["index"]) / ".bench-query-vectors.npy"
    np.save(np_path, timings.query_vectors, allow_pickle=False)
    sweep = []  # recall and search time of the same IVF lists at other nprobe settings
    if index.vectors.spec.kind == "ivf_sq8":
        for nprobe in (8, 16, 32, 64, 128):
            if nprobe > index.vectors.spec.nlist:
                break
            seconds = []
            for vector in timings.query_vectors:
                started = time.perf_counter()
                index.vectors.search(vector.reshape(1, -1), 100, nprobe=nprobe)
                seconds.append(time.perf_counter() - started)
            _, probed = index.vectors.search(recall_vectors, 10, nprobe=nprobe)
            sweep.append({"nprobe": nprobe, "recall_at_10": recall_at_k(probed, exact),
                          "search_ms": asdict(Latency.of(f"nprobe={nprobe}", seconds))})
    return {"load_seconds": load_seconds, "serving_peak_rss_mb": serving_rss, "nprobe_sweep": sweep,
            "rss_anon_mb": memory["RssAnon"], "rss_file_mb": memory["RssFile"],
            "vector_index": index.vectors.spec.factory, "nprobe": index.vectors.spec.nprobe,
            "segments": len(index.segments), "recall_queries": int(scored.sum()),
            "recall_at_10": recall_at_k(found, exact),
            "latency": {name: asdict(Latency.of(name, seconds)) for name, seconds in timings.stages.items()}}


def child_baseline(args: dict) -> dict:
    import numpy as np

    from retrieval.models.embedding import load_embedder
    from retrieval.store.local.versions import live_version_dir
    from retrieval.tools.benchmark import (
        BaselinePipeline,
        Latency,
        peak_rss_mb,
        read_index_rows,
        read_index_vectors,
        time_baseline,
    )

    directory = live_version_dir(Path(args["index"]))
    _, tokens = read_index_rows(directory)
    embeddings = read_index_vectors(directory)
    started = time.perf_counter()
    baseline = BaselinePipeline(tokens, embeddings)
    build_seconds = time.perf_counter() - started
    embedder = load_embedder(args["model"])
    queries = json.loads(Path(args["queries"]).read_text(encoding="utf-8"))[: args["limit"]]
    vectors = np.load(Path(args["index"]) / ".bench-query-vectors.npy", allow_pickle=False)[: len(queries)]
    baseline.search(queries[0], vectors[0])
    stages = time_baseline(baseline, queries, vectors, lambda q: embedder.encode([q])[0])
    return {"build_seconds": build_seconds, "peak_rss_mb": peak_rss_mb(),
            "latency": {name: asdict(Latency.of(name, seconds)) for name, seconds in stages.items()}}


def child_rebuild_one(args: dict) -> dict:
    from retrieval.models.embedding import load_embedder
    from retrieval.store.local.build import build_index
    from retrieval.tools.benchmark import peak_rss_mb

    process_started = time.perf_counter()
    embedder = load_embedder(args["model"])
    changed = Path(args["changed"])
    with changed.open("a", encoding="utf-8") as handle:  # one article gains one new paragraph
        handle.write(f"\n\n2026年11月23日补充报道：基准测试第{time.time_ns()}次修改了这篇文章的最后一段。\n")
    report = build_index([Path(args["articles"])], Path(args["index"]), embedder, show_progress=False,
                         article_encoder=_article_encoder())
    return {**asdict(report), "skipped": len(report.skipped), "warnings": len(report.warnings),
            "peak_rss_mb": peak_rss_mb(), "process_seconds": time.perf_counter() - process_started}


def _milvus_settings(args: dict):
    from dataclasses import replace

    from retrieval.config import Settings

    return replace(Settings(), backend="milvus", milvus_uri=args["uri"], articles_dirs=(Path(args["articles"]),),
                   model=args["model"])


def child_build_milvus(args: dict) -> dict:
    """A full build of the article files into a milvus-lite file (or an incremental one, after
    `changed` gained a paragraph, with `changed` given)."""
    from retrieval.service import rebuild
    from retrieval.tools.benchmark import peak_rss_mb

    process_started = time.perf_counter()
    if args.get("changed"):
        with Path(args["changed"]).open("a", encoding="utf-8") as handle:
            handle.write(f"\n\n2026年11月23日补充报道：基准测试第{time.time_ns()}次修改了这篇文章的最后一段。\n")
    report = rebuild(_milvus_settings(args), full=not args.get("changed"), show_progress=False)
    return {**asdict(report), "skipped": len(report.skipped), "warnings": len(report.warnings),
            "peak_rss_mb": peak_rss_mb(), "process_seconds": time.perf_counter() - process_started}


def child_serve_milvus(args: dict) -> dict:
    import numpy as np

    from retrieval.service import open_searcher
    from retrieval.tools.benchmark import Latency, exact_top_k, recall_at_k, time_query_stages

    started = time.perf_counter()
    searcher = open_searcher(_milvus_settings(args))
    load_seconds = time.perf_counter() - started
    queries = json.loads(Path(args["queries"]).read_text(encoding="utf-8"))
    timings = time_query_stages(searcher, queries)
    memory = _memory_mb()
    index = searcher.index
    scored = np.linalg.norm(timings.query_vectors, axis=1) > 1e-6
    recall_vectors = timings.query_vectors[scored]
    _, found = index.dense_search(recall_vectors, 10)
    exact = exact_top_k(index.vectors_for(list(range(index.info.passages))), recall_vectors, 10)
    return {"load_seconds": load_seconds, "serving_peak_rss_mb": memory["VmHWM"], "rss_anon_mb": memory["RssAnon"],
            "recall_queries": int(scored.sum()), "recall_at_10": recall_at_k(found, exact),
            "latency": {name: asdict(Latency.of(name, seconds)) for name, seconds in timings.stages.items()}}


def milvus_side_by_side(scale: str, work: Path, articles: Path, queries_file: Path, args: argparse.Namespace,
                        results: dict) -> None:
    """The same articles and questions on the Milvus backend (milvus-lite), printed beside local."""
    from retrieval.tools.benchmark import Latency

    uri = str(work / f"milvus-{scale}.db")
    shutil.rmtree(uri, ignore_errors=True)
    build = run_child("build-milvus", {"uri": uri, "articles": str(articles), "model": args.model})
    results[scale]["milvus_build"] = build
    say(f"milvus-lite build: {build['seconds']:.1f} s = parse {build['parse_seconds']:.1f} s + embed "
        f"{build['embed_seconds']:.1f} s + write {build['index_seconds']:.1f} s ({build['passages_total']} passages); "
        f"peak RSS {build['peak_rss_mb']:.0f} MB; on disk {disk_size(Path(uri)).get('total', 0):.1f} MB")
    serve = run_child("serve-milvus", {"uri": uri, "articles": str(articles), "model": args.model,
                                       "queries": str(queries_file)})
    results[scale]["milvus_serve"] = serve
    local = results[scale]["serve"]["latency"]
    say(f"query latency side by side, warm, in-process ({len(json.loads(queries_file.read_text()))} queries; "
        "local | milvus-lite):")
    for name, latency in serve["latency"].items():
        say(f"  {Latency(**local[name]).line()}  |  {Latency(**latency).line()}")
    ours, theirs = local["end_to_end"], serve["latency"]["end_to_end"]
    say(f"  end to end ratio milvus/local: p50 {theirs['p50'] / ours['p50']:.1f}x, "
        f"p95 {theirs['p95'] / ours['p95']:.1f}x")
    say(f"milvus serving: load {serve['load_seconds']:.1f} s, peak RSS {serve['serving_peak_rss_mb']:.0f} MB "
        f"(client and in-process milvus-lite together); dense recall@10 vs exact {serve['recall_at_10']:.3f}")


def child_embed_probe(args: dict) -> dict:
    import torch

    from retrieval.models.embedding import Embedder

    texts = json.loads(Path(args["texts"]).read_text(encoding="utf-8"))
    embedder = Embedder(args["model"])
    torch.set_num_threads(args["threads"])
    started, cpu_started = time.perf_counter(), time.process_time()
    embedder.encode(texts[:32], batch_size=args["batch"])
    first = time.perf_counter() - started
    started, cpu_started = time.perf_counter(), time.process_time()
    embedder.encode(texts[32:], batch_size=args["batch"])
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    singles = []  # a query is one short text: its latency matters as much as batch throughput
    for text in texts[:40]:
        single_started = time.perf_counter()
        embedder.encode([text[:24]])
        singles.append(time.perf_counter() - single_started)
    return {"threads": args["threads"], "batch": args["batch"], "first_32_seconds": first,
            "single_query_p50_ms": 1000 * sorted(singles)[len(singles) // 2],
            "passages": len(texts) - 32, "passages_per_s": (len(texts) - 32) / wall,
            "passages_per_cpu_s": (len(texts) - 32) / cpu}


CHILDREN = {"build-real": child_build_real, "build-synthetic": child_build_synthetic, "serve": child_serve,
            "build-milvus": child_build_milvus, "serve-milvus": child_serve_milvus,
            "baseline": child_baseline, "rebuild-one": child_rebuild_one, "embed-probe": child_embed_probe}


# ---------------------------------------------------------------------------------------------
# parent


def run_child(command: str, args: dict, env: dict | None = None) -> dict:
    completed = subprocess.run([sys.executable, __file__, "--child", command, json.dumps(args)],
                               capture_output=True, text=True, env={**os.environ, **(env or {})})
    if completed.returncode != 0:
        raise RuntimeError(f"{command} failed:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def disk_size(directory: Path) -> dict[str, float]:
    sizes = {"total": 0.0}
    for path in directory.rglob("*"):
        if path.is_file():
            key = path.relative_to(directory).parts[0]
            sizes[key] = sizes.get(key, 0.0) + path.stat().st_size / 1e6
            sizes["total"] += path.stat().st_size / 1e6
    return sizes


def cold_cli(index_dir: Path, model: str, query: str) -> float:
    started = time.perf_counter()
    completed = subprocess.run([sys.executable, str(ROOT / "scripts" / "query.py"), "--json", "--index",
                                str(index_dir), query], capture_output=True, text=True,
                               env={**os.environ, "NEWSQA_MODEL": model})
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise RuntimeError(f"query.py failed: {completed.stderr[-2000:]}")
    return seconds


def dev_questions() -> list[str]:
    if not DEV_QA.is_file():
        return []
    from retrieval.questions import read_queries

    return read_queries(DEV_QA)


def say(line: str) -> None:
    print(line, flush=True)


def bench_scale(scale: str, work: Path, args: argparse.Namespace, results: dict) -> None:
    from retrieval.store.local.versions import live_version_dir
    from retrieval.tools.benchmark import Latency, read_index_texts, sample_queries

    index_dir, articles = work / f"index-{scale}", work / f"articles-{scale}"
    say(f"\n== {scale} ==")
    if scale in REAL_CORPORA:
        if not (args.reuse and live_version_dir(index_dir)):
            shutil.rmtree(index_dir, ignore_errors=True)
            shutil.rmtree(articles, ignore_errors=True)
            for source in REAL_CORPORA[scale]:  # one folder per corpus, so file names never collide
                shutil.copytree(source, articles / source.name if len(REAL_CORPORA[scale]) > 1 else articles)
            build = run_child("build-real", {"articles": str(articles), "index": str(index_dir), "model": args.model})
            results[scale]["build"] = build
            passages = build["passages_total"]
            say(f"build: {build['seconds']:.1f} s, {passages / build['seconds']:.1f} passages/s "
                f"({passages} passages, {build['articles_read']} articles) = parse {build['parse_seconds']:.1f} s "
                f"+ embed {build['embed_seconds']:.1f} s ({passages / max(build['embed_seconds'], 1e-9):.1f} "
                f"passages/s) + index {build['index_seconds']:.1f} s; peak RSS {build['peak_rss_mb']:.0f} MB")
    else:
        source = work / "index-heldout"
        if live_version_dir(source) is None:
            raise SystemExit("synthetic scales recombine the held-out index: run --scales heldout first")
        if not (args.reuse and live_version_dir(index_dir)):
            shutil.rmtree(index_dir, ignore_errors=True)
            shutil.rmtree(articles, ignore_errors=True)
            build = run_child("build-synthetic", {
                "source_index": str(source), "count": SYNTHETIC[scale], "seed": args.seed, "index": str(index_dir),
                "articles": str(articles), "model_name": args.model})
            results[scale]["build"] = build
            real = results.get("heldout", {}).get("build") or json.loads(
                (work / "results.json").read_text())["heldout"]["build"]
            count = build["passages_total"]
            parse_rate = real["passages_total"] / real["parse_seconds"]
            embed_rate = real["passages_total"] / real["embed_seconds"]
            say(f"build (synthetic {count} passages, {build['articles']} article files): "
                f"index {build['index_seconds']:.1f} s "
                f"({count / build['index_seconds']:.0f} passages/s, {build['vector_index']}); generation "
                f"{build['generate_seconds']:.1f} s; peak RSS {build['peak_rss_mb']:.0f} MB")
            say(f"  extrapolated at held-out rates: parse {count / parse_rate:.0f} s ({parse_rate:.0f} passages/s; "
                f"jieba alone here {build['tokenize_passages_per_s']:.0f} passages/s), embed with the model "
                f"{count / embed_rate:.0f} s = {count / embed_rate / 3600:.2f} h ({embed_rate:.1f} passages/s)")
    # only the texts: this parent's memory would otherwise sit beside every child's (6 GB at 1M)
    texts = read_index_texts(live_version_dir(index_dir))
    queries = sample_queries(texts, dev_questions(), args.queries, seed=args.seed)
    queries_file = work / f"queries-{scale}.json"
    queries_file.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")

    serve = run_child("serve", {"index": str(index_dir), "model": args.model, "queries": str(queries_file)})
    results[scale]["serve"] = serve
    say(f"query latency, warm, in-process, {len(queries)} queries ({serve['vector_index']}"
        f"{', nprobe ' + str(serve['nprobe']) if serve['nprobe'] else ''}):")
    for latency in serve["latency"].values():
        say("  " + Latency(**latency).line())
    say(f"serving: load {serve['load_seconds']:.1f} s, peak RSS {serve['serving_peak_rss_mb']:.0f} MB; "
        f"vector recall@10 vs exact: {serve['recall_at_10']:.3f} ({serve['recall_queries']} queries with a "
        "non-zero vector)")
    if "rss_anon_mb" in serve:
        say(f"  RSS after the queries: {serve['rss_anon_mb']:.0f} MB private + {serve['rss_file_mb']:.0f} MB "
            "of memory-mapped index files (page cache)")
    for point in serve["nprobe_sweep"]:
        say(f"  nprobe {point['nprobe']:>3}: recall@10 {point['recall_at_10']:.3f}, vector search "
            f"p50 {point['search_ms']['p50']:.2f} ms p95 {point['search_ms']['p95']:.2f} ms")
    sizes = disk_size(live_version_dir(index_dir))
    results[scale]["disk_mb"] = sizes
    say("index on disk: " + ", ".join(f"{name} {size:.1f} MB" for name, size in sorted(sizes.items())))
    cli = cold_cli(index_dir, args.model, queries[0])
    results[scale]["cold_cli_seconds"] = cli
    say(f"cold CLI (new process: imports, model and index load, one answer): {cli:.1f} s")
    if "milvus" in args.backends:
        milvus_side_by_side(scale, work, articles, queries_file, args, results)

    if len(texts) <= args.baseline_max:
        base = run_child("baseline", {"index": str(index_dir), "model": args.model, "queries": str(queries_file),
                                      "limit": args.queries})
        results[scale]["baseline"] = base
        ours = serve["latency"]
        theirs = base["latency"]
        say(f"baseline rank_bm25 + IndexFlatIP (built in {base['build_seconds']:.1f} s, peak RSS "
            f"{base['peak_rss_mb']:.0f} MB):")
        for latency in theirs.values():
            say("  " + Latency(**latency).line())
        say(f"  speed ratio baseline/ours (p50): end to end "
            f"{theirs['end_to_end']['p50'] / ours['end_to_end']['p50']:.1f}x, "
            f"lexical {theirs['lexical']['p50'] / ours['lexical']['p50']:.1f}x, "
            f"vector search {theirs['dense_search']['p50'] / ours['ann']['p50']:.1f}x")
    else:
        say(f"baseline: skipped above {args.baseline_max} passages (rank_bm25 keeps a Python dict per passage "
            "and scores every passage per query term)")

    if not args.no_rebuild:
        files = sorted(p for p in articles.rglob("*") if p.is_file())
        changed = files[len(files) // 2]
        rebuild = run_child("rebuild-one", {"articles": str(articles), "index": str(index_dir), "model": args.model,
                                            "changed": str(changed)})
        results[scale]["rebuild_one"] = rebuild
        say(f"incremental rebuild after one changed article: {rebuild['seconds']:.2f} s = change detection, "
            f"reading and reuse lookups {rebuild['parse_seconds']:.2f} s ({rebuild['files_hashed']} files hashed) "
            f"+ embed {rebuild['embed_seconds']:.2f} s ({rebuild['passages_embedded']} passages) + write "
            f"{rebuild['index_seconds']:.2f} s ({rebuild['written'] or 'nothing'}; {rebuild['segments']} segments "
            f"now); {rebuild['articles_reused']} articles reused; peak RSS {rebuild['peak_rss_mb']:.0f} MB; "
            f"whole process with imports and model load {rebuild['process_seconds']:.1f} s")
        after = run_child("serve", {"index": str(index_dir), "model": args.model, "queries": str(queries_file)})
        results[scale]["serve_after_rebuild"] = after
        say(f"query latency after that rebuild ({after['segments']} segments), warm, in-process:")
        for latency in after["latency"].values():
            say("  " + Latency(**latency).line())
        say(f"serving: load {after['load_seconds']:.1f} s, peak RSS {after['serving_peak_rss_mb']:.0f} MB; "
            f"vector recall@10 vs exact: {after['recall_at_10']:.3f} ({after['recall_queries']} queries)")
        if "milvus" in args.backends:
            one = run_child("build-milvus", {"uri": str(work / f"milvus-{scale}.db"), "articles": str(articles),
                                             "model": args.model, "changed": str(changed)})
            results[scale]["milvus_rebuild_one"] = one
            say(f"milvus-lite incremental rebuild after one changed article: {one['seconds']:.2f} s = change "
                f"detection and reading {one['parse_seconds']:.2f} s + embed {one['embed_seconds']:.2f} s "
                f"({one['passages_embedded']} passages) + upserts, deletes and vocabulary {one['index_seconds']:.2f} s;"
                f" whole process {one['process_seconds']:.1f} s")




def embed_probe(work: Path, args: argparse.Namespace, results: dict) -> None:
    from retrieval.store.local.versions import live_version_dir
    from retrieval.tools.benchmark import read_index_rows

    source = live_version_dir(work / "index-heldout") or live_version_dir(work / "index-seeds")
    if source is None:
        raise SystemExit("--embed-probe needs a built index: run --scales seeds or heldout first")
    texts, _ = read_index_rows(source)
    texts = texts[:: max(1, len(texts) // 288)][:288]
    texts_file = work / "embed-probe-texts.json"
    texts_file.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf-8")
    say(f"\n== embedding throughput ({len(texts) - 32} held-out passages after a 32-passage warm-up, "
        f"load average {os.getloadavg()[0]:.1f}) ==")
    results["embed_probe"] = []
    # "" = OpenMP's own default (spin, then sleep), as before retrieval/__init__.py chose PASSIVE.
    for threads, batch, policy in [(2, 64, ""), (1, 64, ""), (2, 64, "PASSIVE"), (1, 64, "PASSIVE"),
                                   (2, 16, "PASSIVE")]:
        env = {"OMP_WAIT_POLICY": policy}
        probe = run_child("embed-probe", {"texts": str(texts_file), "model": args.model, "threads": threads,
                                          "batch": batch}, env=env)
        probe["omp_wait_policy"] = policy or "default"
        results["embed_probe"].append(probe)
        say(f"threads={threads} batch={batch} OMP_WAIT_POLICY={policy or 'default'}: "
            f"{probe['passages_per_s']:.1f} passages/s wall, {probe['passages_per_cpu_s']:.1f} per CPU-second; "
            f"first 32 passages {probe['first_32_seconds']:.1f} s; one short query p50 "
            f"{probe['single_query_p50_ms']:.0f} ms")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        print(json.dumps(CHILDREN[argv[1]](json.loads(argv[2]))))
        return 0
    parser = argparse.ArgumentParser(description="Benchmark NewsQA at several scales.")
    parser.add_argument("--scales", default="seeds,heldout",
                        help="comma-separated: seeds, heldout, heldout+large, 100k, 1m (synthetic: heldout first)")
    parser.add_argument("--work", type=Path, default=ROOT / ".cache" / "bench", help="where indexes and corpora go")
    parser.add_argument("--model", default=None,
                        help="embedding model name or path (default: the product's, from load_settings())")
    parser.add_argument("--queries", type=int, default=240, help="queries per scale (dev questions first)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--reuse", action="store_true", help="keep indexes already built in --work")
    parser.add_argument("--baseline-max", type=int, default=150_000, help="largest corpus for the baseline")
    parser.add_argument("--no-rebuild", action="store_true", help="skip the one-changed-article rebuild")
    parser.add_argument("--embed-probe", action="store_true", help="embedding throughput by threads and batch")
    parser.add_argument("--backends", default="local",
                        help="local, or local,milvus: the same articles and questions on milvus-lite too, side by side")
    args = parser.parse_args(argv)
    args.backends = {b.strip() for b in args.backends.split(",") if b.strip()}
    if not args.backends <= {"local", "milvus"} or "local" not in args.backends:
        parser.error("--backends: local, or local,milvus")
    if args.model is None:
        from retrieval.config import load_settings

        args.model = load_settings().model
    args.work.mkdir(parents=True, exist_ok=True)
    results_file = args.work / "results.json"
    results = json.loads(results_file.read_text()) if results_file.is_file() else {}
    say(f"NewsQA bench: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}, model {args.model}")
    for scale in [s.strip() for s in args.scales.split(",") if s.strip()]:
        if scale not in REAL_CORPORA and scale not in SYNTHETIC:
            parser.error(f"unknown scale {scale!r}: use seeds, heldout, heldout+large, 100k or 1m")
        results[scale] = results.get(scale, {}) if args.reuse else {}
        bench_scale(scale, args.work, args, results)
        results_file.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    if args.embed_probe:
        embed_probe(args.work, args, results)
        results_file.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
