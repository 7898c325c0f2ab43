"""The local backend's IndexStore: an index directory (layout: retrieval.store.local.versions)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from retrieval.models.embedding import Embedder
from retrieval.store.local.build import build_index
from retrieval.store.local.delta import CompactionPolicy
from retrieval.store.local.reader import LoadedIndex, load_index
from retrieval.store.local.verify import verify_index
from retrieval.store.local.versions import live_version
from retrieval.store.protocol import RebuildOptions
from retrieval.store.records import BuildReport, VerifyReport


class LocalStore:
    def __init__(self, index_dir: Path, compaction: CompactionPolicy | None = None):
        self.index_dir = index_dir
        self.compaction = compaction or CompactionPolicy()

    def live_version(self) -> str | None:
        return live_version(self.index_dir)

    def open(self) -> LoadedIndex:
        return load_index(self.index_dir)

    def rebuild(self, article_dirs: Sequence[Path], embedder: Embedder, options: RebuildOptions) -> BuildReport:
        return build_index(list(article_dirs), self.index_dir, embedder, full=options.full,
                           show_progress=options.show_progress, batch_size=options.batch_size,
                           max_article_bytes=options.max_article_bytes, on_warning=options.on_warning,
                           compaction=self.compaction, article_encoder=options.article_encoder)

    def verify(self) -> VerifyReport:
        return verify_index(self.index_dir)
