"""Question → passages: query analysis, scoring, fusion, reranking, abstaining, orchestrated by Searcher.

Public surface: `Searcher`, `RankingOptions` (`from retrieval.search import Searcher`).
"""

from retrieval.search.options import RankingOptions
from retrieval.search.searcher import Ranking, Searcher

__all__ = ["Ranking", "RankingOptions", "Searcher"]
