"""Embedding models: loading (sentence-transformers), the model registry, the static bilingual model's build."""
