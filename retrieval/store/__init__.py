"""Where passages live and how they are found again: the interface (protocol.py), BM25 (bm25.py),
the backend-neutral rebuild steps (rebuild.py) and the backends (local/)."""
