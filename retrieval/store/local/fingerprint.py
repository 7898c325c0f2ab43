"""The index pipeline's fingerprint: a hash of the code that shapes what a segment stores.

Parsed articles and tokens depend on the reading, chunking and text code, and what each segment
stores beside them (term counts, bigram postings, names.json, leaning.npy, meta.sqlite) on the
segment writer and what it imports. When any of that code changes, an incremental rebuild re-reads
every article and writes a fresh base (embeddings are still reused by passage text).

The modules are found by import, not by file name: the roots below, and every `retrieval` module
they import (directly or not, at module level or inside a function), so a module that moves or a
new module the writer starts to use is covered without a list to keep up to date.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from functools import lru_cache
from pathlib import Path

# What reads an article file into passages, drops boilerplate, and writes a segment from them.
ROOTS = ("retrieval.ingest.articles", "retrieval.ingest.boilerplate", "retrieval.ingest.chunking",
         "retrieval.store.local.segment")
# Data that shapes normalised text as much as code: the OpenCC dictionaries retrieval.text pins.
DATA_DIRS = (Path(__file__).resolve().parents[2] / "text" / "t2s_dictionary",)


def _source_file(module: str) -> Path | None:
    spec = importlib.util.find_spec(module)
    return Path(spec.origin) if spec is not None and spec.origin and spec.origin.endswith(".py") else None


def _imported(module: str, path: Path) -> set[str]:
    """The retrieval modules (and packages) one module's source imports anywhere in it."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_bytes(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # `from retrieval.store import bm25` imports the module retrieval.store.bm25
            found.update(f"{node.module}.{alias.name}" for alias in node.names
                         if importlib.util.find_spec(node.module) is not None
                         and _is_submodule(f"{node.module}.{alias.name}"))
    return {name for name in found if name == "retrieval" or name.startswith("retrieval.")}


def _is_submodule(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


@lru_cache(maxsize=1)
def pipeline_modules() -> tuple[str, ...]:
    """Every module the roots import, transitively (the roots included), sorted."""
    seen: set[str] = set()
    pending = list(ROOTS)
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        path = _source_file(module)
        if path is not None:
            pending.extend(_imported(module, path) - seen)
    return tuple(sorted(seen))


@lru_cache(maxsize=1)
def pipeline_fingerprint() -> str:
    digest = hashlib.sha1()
    for module in pipeline_modules():
        path = _source_file(module)
        if path is not None:
            digest.update(module.encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
    for directory in DATA_DIRS:
        for path in sorted(directory.iterdir()):
            digest.update(path.name.encode("utf-8") + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
