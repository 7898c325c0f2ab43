"""How long a question takes from a new process (scripts/bench_cli.py), step by step, and whether
the static model read with numpy gives sentence-transformers' vectors on the real model.

Numbers are printed, never asserted: the machines here are 2 cores shared by several jobs, so wall
time is reported with CPU time (user + system) beside it, and a baseline (`python -c "import numpy,
faiss"`) is measured in the same interleaved runs.
"""

from __future__ import annotations

import json
import resource
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# Two held-out probe questions (eval/heldout_probes_v2.jsonl p001, p047) the 232-article index answers.
QUESTIONS = {"en": "What rare earth technologies did China ban from export in December 2023?",
             "zh": "港府认为哪几类人不能担任立法会议员？"}


@dataclass(frozen=True)
class Runs:
    name: str
    wall: list[float]
    cpu: list[float]

    def line(self) -> str:
        return (f"{self.name:<12} wall median {statistics.median(self.wall):5.2f} s (min {min(self.wall):.2f}, "
                f"max {max(self.wall):.2f})  CPU median {statistics.median(self.cpu):5.2f} s")


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of one new process; it must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold_cli(root: Path, index: Path, runs: int, python: str = sys.executable) -> list[Runs]:
    """`runs` interleaved rounds of: the numpy+faiss baseline, then one new-process question per
    language, with the checkout at `root` (another checkout's scripts/query.py: a before/after)."""
    cases = {"numpy+faiss": [python, "-c", "import numpy, faiss"]}
    for lang, question in QUESTIONS.items():
        cases[f"ask {lang}"] = [python, str(root / "scripts" / "query.py"), "--index", str(index), question]
    timed(cases["ask en"], root)  # prepares the lookup tables if this checkout has not yet: not a cold call's cost
    measured: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for _ in range(runs):
        for name, command in cases.items():
            measured[name].append(timed(command, root))
    return [Runs(name, [w for w, _ in values], [c for _, c in values]) for name, values in measured.items()]


def steps(index: Path, question: str) -> list[tuple[str, float, float]]:
    """In this (fresh) process: (step, wall s, CPU s) from imports to the first answer."""
    marks: list[tuple[str, float, float]] = []
    last = (time.perf_counter(), time.process_time())

    def mark(name: str) -> None:
        nonlocal last
        now = (time.perf_counter(), time.process_time())
        marks.append((name, now[0] - last[0], now[1] - last[1]))
        last = now

    import faiss  # noqa: F401
    import numpy  # noqa: F401
    mark("import numpy, faiss")
    from dataclasses import replace

    from retrieval.config import load_settings
    from retrieval.service import open_searcher, open_store
    mark("import retrieval.service")
    settings = replace(load_settings(), index_dir=index)
    store = open_store(settings)
    reader = store.open()
    mark("open the index")
    from retrieval.models.embedding import load_embedder
    embedder = load_embedder(settings.model)
    mark(f"load the model ({type(embedder).__name__})")
    del reader
    searcher = open_searcher(settings)
    mark("searcher (index opened again)")
    searcher.search(question)
    mark("first search (analysis tables, corpus view)")
    searcher.search(question)
    mark("second search (warm)")
    return marks


def compare_vectors(model: str, texts: list[str]) -> dict[str, float]:
    """Max |numpy − sentence-transformers| over the texts' vectors, with the real model."""
    import numpy as np

    from retrieval.models.embedding import Embedder
    from retrieval.models.registry import resolve_model_path
    from retrieval.models.static_encoder import StaticEncoder

    fast = StaticEncoder(model, Path(resolve_model_path(model)))
    reference = Embedder(model)
    ours, theirs = fast.encode(texts), reference.encode(texts)
    cosine = np.sum(ours * theirs, axis=1)
    nonzero = np.linalg.norm(theirs, axis=1) > 0
    return {"texts": len(texts), "max_abs_diff": float(np.abs(ours - theirs).max()),
            "min_cosine": float(cosine[nonzero].min()) if nonzero.any() else 1.0,
            "zero_vectors_agree": bool(np.array_equal(np.linalg.norm(ours, axis=1) > 0, nonzero))}


def texts_for_comparison(index: Path, questions_file: Path | None, limit: int) -> list[str]:
    """Questions (a JSONL file's "query" fields) and the index's passages, up to `limit` in all."""
    from retrieval.store.local.versions import live_version_dir
    from retrieval.tools.benchmark import read_index_texts

    texts = []
    if questions_file is not None and questions_file.is_file():
        texts += [json.loads(line)["query"] for line in questions_file.read_text(encoding="utf-8").splitlines()
                  if line.strip()]
    version = live_version_dir(index)
    if version is not None:
        texts += read_index_texts(version)
    return texts[:limit]
