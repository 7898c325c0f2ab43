"""English words the dictionary cannot bring into the corpus → the corpus's nearest Chinese words,
by the bilingual static model's own token vectors.

CC-CEDICT translates "dependence" as 依属, which the corpus never uses; the static model placed 依赖
("to depend on") right beside it. For a word whose dictionary translations are all absent from the
corpus, the nearest Chinese words that the corpus does use stand in, a little weaker. Needs a
StaticEmbedding model (token vectors); with any other model there are no neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

_CHINESE_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")
MIN_SIMILARITY = 0.6


class TokenNeighbours:
    def __init__(self, vocabulary: dict[str, int], vectors: np.ndarray, in_corpus: Callable[[str], bool]):
        self._vocabulary = vocabulary
        self._vectors = vectors
        chinese = [(token, row) for token, row in vocabulary.items()
                   if _CHINESE_WORD.match(token) and in_corpus(token)]
        self._chinese_words = [token for token, _ in chinese]
        matrix = vectors[[row for _, row in chinese]] if chinese else np.zeros((0, vectors.shape[1]))
        self._chinese = _unit(matrix.astype(np.float32))

    @classmethod
    def from_embedder(cls, embedder, in_corpus: Callable[[str], bool]) -> TokenNeighbours | None:
        """From a loaded static model's token vectors (its `token_vectors()`); None for other models."""
        token_vectors = getattr(embedder, "token_vectors", None)
        found = token_vectors() if token_vectors is not None else None
        return cls(*found, in_corpus) if found is not None else None

    def nearest(self, english_word: str, limit: int = 2, min_similarity: float = MIN_SIMILARITY) -> tuple[str, ...]:
        row = self._vocabulary.get(english_word.lower())
        if row is None or not len(self._chinese):
            return ()
        vector = self._vectors[row]
        norm = float(np.linalg.norm(vector))
        if norm == 0:
            return ()
        similarities = self._chinese @ (vector / norm)
        best = np.argsort(-similarities)[:limit]
        return tuple(self._chinese_words[i] for i in best if similarities[i] >= min_similarity)


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1, norms)
