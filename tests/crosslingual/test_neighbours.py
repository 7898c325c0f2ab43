"""Nearest corpus words for English words the dictionary cannot bring into the corpus."""

from __future__ import annotations

import numpy as np
from sentence_transformers import SentenceTransformer

from retrieval.crosslingual.neighbours import TokenNeighbours

VOCAB = {"[UNK]": 0, "dependence": 1, "依赖": 2, "依属": 3, "稀土": 4, "magnet": 5}
VECTORS = np.array([[0, 0, 0], [1, 0.1, 0], [0.9, 0.2, 0], [1, 0.1, 0.01], [0, 0, 1], [0, 1, 0]], dtype=np.float32)


def test_nearest_words_are_limited_to_the_corpus():
    neighbours = TokenNeighbours(VOCAB, VECTORS, in_corpus=lambda word: word in {"依赖", "稀土"})
    assert neighbours.nearest("dependence") == ("依赖",)  # 依属 is nearer but the corpus never uses it
    assert neighbours.nearest("Dependence", limit=2, min_similarity=-1) == ("依赖", "稀土")
    assert neighbours.nearest("unknown") == ()


def test_only_static_models_have_neighbours(tiny_model):
    model = SentenceTransformer(tiny_model, device="cpu")
    assert TokenNeighbours.from_model(model, lambda word: True) is not None
