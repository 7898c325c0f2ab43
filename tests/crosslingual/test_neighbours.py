"""Nearest corpus words for English words the dictionary cannot bring into the corpus."""

from __future__ import annotations

import numpy as np

from retrieval.crosslingual.neighbours import TokenNeighbours
from retrieval.models.embedding import Embedder, load_embedder

VOCAB = {"[UNK]": 0, "dependence": 1, "依赖": 2, "依属": 3, "稀土": 4, "magnet": 5}
VECTORS = np.array([[0, 0, 0], [1, 0.1, 0], [0.9, 0.2, 0], [1, 0.1, 0.01], [0, 0, 1], [0, 1, 0]], dtype=np.float32)


def test_nearest_words_are_limited_to_the_corpus():
    neighbours = TokenNeighbours(VOCAB, VECTORS, in_corpus=lambda word: word in {"依赖", "稀土"})
    assert neighbours.nearest("dependence") == ("依赖",)  # 依属 is nearer but the corpus never uses it
    assert neighbours.nearest("Dependence", limit=2, min_similarity=-1) == ("依赖", "稀土")
    assert neighbours.nearest("unknown") == ()


def test_only_static_models_have_neighbours(tiny_model):
    # the same token vectors whether the static model is read with numpy or sentence-transformers
    fast = TokenNeighbours.from_embedder(load_embedder(tiny_model), lambda word: True)
    torch = TokenNeighbours.from_embedder(Embedder(tiny_model), lambda word: True)
    assert fast is not None and torch is not None
    assert np.array_equal(fast._vectors, torch._vectors) and fast._vocabulary == torch._vocabulary
    assert TokenNeighbours.from_embedder(object(), lambda word: True) is None
