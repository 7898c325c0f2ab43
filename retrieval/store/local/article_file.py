"""A version's article vectors on disk (retrieval.store.article_vectors): `articles/` in the version.

    articles/vectors.npy   float32 [articles × dim]
    articles/vectors.json  {"model": name, "ids": [article id …], "keys": [text key …]}

Per version, not per segment: the vectors of every live article, rewritten by each rebuild (3,233
articles × 384 floats is 5 MB, milliseconds), so an incremental rebuild needs no per-segment
bookkeeping for them. Their sizes and digests are in the manifest ("article_vectors"), checked
like every other file (retrieval.store.local.integrity). No pickles: numpy with allow_pickle=False.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from retrieval.store.article_vectors import ArticleVectors
from retrieval.store.local.integrity import IndexDamaged

ARTICLES_DIR = "articles"
VECTORS_FILE = "vectors.npy"
META_FILE = "vectors.json"


def write_article_vectors(version_dir: Path, vectors: ArticleVectors) -> list[Path]:
    """Write them into a version being assembled; the paths written (for the manifest's digests)."""
    directory = version_dir / ARTICLES_DIR
    directory.mkdir()
    np.save(directory / VECTORS_FILE, np.ascontiguousarray(vectors.vectors, dtype=np.float32), allow_pickle=False)
    (directory / META_FILE).write_text(json.dumps({"model": vectors.model, "ids": list(vectors.ids),
                                                   "keys": list(vectors.keys)}), encoding="utf-8")
    return [directory / VECTORS_FILE, directory / META_FILE]


def read_article_vectors(version_dir: Path) -> ArticleVectors | None:
    """The version's article vectors; None for a version built without them; IndexDamaged when
    they cannot be read as written."""
    directory = version_dir / ARTICLES_DIR
    if not directory.is_dir():
        return None
    meta_path = directory / META_FILE
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or not isinstance(meta.get("model"), str):
            raise ValueError("no model name")
        ids, keys = meta.get("ids"), meta.get("keys")
        if not (isinstance(ids, list) and isinstance(keys, list)
                and all(isinstance(v, str) for v in [*ids, *keys])):
            raise ValueError("ids and keys must be lists of strings")
    except (OSError, ValueError) as error:  # ValueError: not UTF-8, not JSON, wrong shape
        raise IndexDamaged(meta_path, str(error)) from None
    vectors_path = directory / VECTORS_FILE
    try:
        vectors = np.load(vectors_path, allow_pickle=False)
        if vectors.dtype != np.float32 or not np.isfinite(vectors).all():
            raise ValueError(f"expected finite float32 vectors, got {vectors.dtype}")
        return ArticleVectors(meta["model"], tuple(ids), tuple(keys), vectors)
    except (OSError, ValueError) as error:
        raise IndexDamaged(vectors_path, str(error)) from None
