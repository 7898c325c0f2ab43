"""The Milvus backend (pymilvus; milvus-lite in tests, a server or cluster in production): the store
protocol over collections, an alias for the atomic swap, our BM25 as sparse vectors. Optional:
`pip install -e '.[milvus]'`; nothing here is imported unless NEWSQA_BACKEND=milvus."""

from retrieval.store.milvus.store import MilvusStore

__all__ = ["MilvusStore"]
