"""Building local indexes in tests: straight through build_index, counting what gets embedded."""

from __future__ import annotations

import json
from pathlib import Path

from retrieval.models.embedding import Embedder, load_embedder
from retrieval.store.local.build import build_index
from retrieval.store.local.delta import CompactionPolicy
from retrieval.store.records import BuildReport

# The seeds are tiny: with the default policy any change would compact; this one lets deltas accumulate.
DELTAS = CompactionPolicy(max_delta_share=100.0, max_deltas=8)


class CountingEmbedder:
    """Wraps a real embedder and records every text it is asked to embed."""

    def __init__(self, inner: Embedder):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.texts: list[str] = []

    def encode(self, texts, batch_size=64, show_progress=False):
        self.texts.extend(texts)
        return self.inner.encode(texts, batch_size=batch_size)


def build(articles: Path, index_dir: Path, model: str, **kwargs) -> tuple[BuildReport, CountingEmbedder]:
    """Build (or update) `index_dir` from one articles directory; the report and what was embedded."""
    embedder = CountingEmbedder(load_embedder(model))
    report = build_index([articles], index_dir, embedder, show_progress=False, **kwargs)
    return report, embedder


def build_with_deltas(articles: Path, index_dir: Path, model: str, **kwargs) -> tuple[BuildReport, CountingEmbedder]:
    """build(), incremental rebuilds writing deltas unless `compaction` says otherwise."""
    kwargs.setdefault("compaction", DELTAS)
    return build(articles, index_dir, model, **kwargs)


def forget_digests(version: Path) -> None:
    """Make a version look written before digests were recorded (what older NewsQA wrote)."""
    manifest = json.loads((version / "manifest.json").read_text())
    for key in ("checksum", "tombstones"):
        manifest.pop(key, None)
    for entry in manifest["segments"]:
        entry.pop("segment_file", None)
        info = json.loads((version / "segments" / entry["name"] / "segment.json").read_text())
        info.pop("files", None)
        (version / "segments" / entry["name"] / "segment.json").write_text(json.dumps(info))
    (version / "manifest.json").write_text(json.dumps(manifest))
