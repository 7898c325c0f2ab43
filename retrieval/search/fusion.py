"""Lexical and dense candidates → one ranking: a weighted blend of scores, or reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scored:
    row: int
    lexical: float
    dense: float
    fused: float


def fuse(lexical: dict[int, float], dense: dict[int, float], query_vector: np.ndarray | None, options,
         vectors_for: Callable[[list[int]], np.ndarray]) -> list[Scored]:
    """Every candidate of either side, best first (ties by row). A lexical candidate the dense side
    did not return gets its exact similarity from its stored vector (`vectors_for`)."""
    lexical_top = sorted(lexical, key=lexical.__getitem__, reverse=True)
    candidates = list(dict.fromkeys(lexical_top + list(dense)))
    if query_vector is not None:
        missing = [row for row in candidates if row not in dense]
        if missing:
            vectors = vectors_for(missing)
            dense = {**dense, **dict(zip(missing, (vectors @ query_vector).tolist(), strict=True))}
    top_lexical = max(lexical.values(), default=0.0) or 1.0
    lexical_rank = {row: rank for rank, row in enumerate(lexical_top)}
    dense_rank = {row: rank for rank, row in enumerate(sorted(dense, key=dense.__getitem__, reverse=True))}
    scored = []
    for row in candidates:
        lex = lexical.get(row, 0.0)
        den = dense.get(row, 0.0)
        if options.fusion == "rrf":
            fused = 0.0
            if row in lexical_rank:
                fused += (1 - options.dense_weight) / (options.rrf_k + lexical_rank[row] + 1)
            if row in dense_rank:
                fused += options.dense_weight / (options.rrf_k + dense_rank[row] + 1)
        else:
            fused = (1 - options.dense_weight) * lex / top_lexical + options.dense_weight * den
        scored.append(Scored(row, lex, den, fused))
    scored.sort(key=lambda s: (-s.fused, s.row))
    return scored
