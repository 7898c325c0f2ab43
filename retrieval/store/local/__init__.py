"""The local backend: an index directory of immutable segments (SQLite, numpy, FAISS), versioned
and swapped atomically. `LocalStore` implements retrieval.store.protocol.IndexStore."""
