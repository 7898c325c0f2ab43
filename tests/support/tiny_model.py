"""A tiny sentence-transformers model built on the fly.

A real sentence-transformers model (a StaticEmbedding with a character-level tokenizer and seeded
random vectors), saved to disk and loaded through the product's own loading code by path, so tests
exercise the real code path in a fraction of the real model's time.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from support.paths import SEEDS


def build_tiny_model(directory: Path, dim: int = 32, seed: int = 0) -> str:
    """Save a small character-level static embedding model to `directory`; return its path."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    chars = sorted({ch for path in SEEDS.iterdir() for ch in path.read_text(encoding="utf-8")
                    if not ch.isspace()})
    vocab = {"[UNK]": 0, **{ch: i + 1 for i, ch in enumerate(chars)}}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    weights = np.random.default_rng(seed).standard_normal((len(vocab), dim)).astype(np.float32)
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=weights)], device="cpu")
    model.save(str(directory))
    return str(directory)
