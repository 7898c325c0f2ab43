"""The Milvus backend's IndexStore: one alias (a collection name) on a Milvus server, cluster or
milvus-lite file (retrieval.store.milvus.engine describes the collections)."""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Iterator, Sequence
from pathlib import Path

from retrieval.errors import ConfigError, IndexNotFound, RebuildInProgress
from retrieval.models.embedding import Embedder
from retrieval.store.milvus import build, engine
from retrieval.store.milvus.reader import MilvusReader
from retrieval.store.protocol import RebuildOptions
from retrieval.store.records import BuildReport, VerifyReport


class MilvusStore:
    def __init__(self, uri: str, collection: str = "newsqa", token: str | None = None):
        if not collection.replace("_", "").isalnum() or not collection[0].isalpha():
            raise ConfigError(f"Milvus collection name {collection!r}: letters, digits and underscores, "
                             "starting with a letter")
        self.uri = uri
        self.name = collection
        self._token = token  # never logged, never put in a message
        self.location = f"Milvus {engine.redact_uri(uri)} collection {collection!r}"  # as service.index_location
        self._shared = None

    def _client(self):
        """One connection for this store's own calls (the bot asks live_version before every search)."""
        if self._shared is None:
            self._shared = engine.connect(self.uri, self._token)
        return self._shared

    def live_version(self) -> str | None:
        client = self._client()
        live = engine.live_collection(client, self.name)
        return engine.version_label(engine.read_manifest(client, live)) if live else None

    def open(self) -> MilvusReader:
        client = engine.connect(self.uri, self._token)  # the reader's own: closed with it
        live = engine.live_collection(client, self.name)
        if live is None:
            client.close()
            raise IndexNotFound(f"no index in {self.location}: build one with `python scripts/rebuild_index.py`")
        for suffix in engine.SUFFIXES:
            client.load_collection(live + suffix)  # a fresh process must load before it may search
        return MilvusReader(client, self.location, live, engine.read_manifest(client, live))

    def verify(self) -> VerifyReport:
        """What can be checked from the client: an alias that leads to a collection with a readable
        manifest. The engine keeps its own segments' integrity (checksums in its object store), so
        there are no files here to hash; retrieval.service.verify then asks the probe question."""
        report = VerifyReport(location=self.location)
        try:
            client = self._client()
            live = engine.live_collection(client, self.name)
            if live is None:
                report.problems.append(f"no index in {self.location}: build one with `newsqa rebuild`")
                return report
            report.live = engine.version_label(engine.read_manifest(client, live))
            report.versions.append(report.live)
        except Exception as error:  # the engine's own errors: said, never a traceback
            report.problems.append(f"{self.location}: cannot read the live collection ({error})")
        report.notes.append("Milvus keeps its own storage integrity; no files are hashed on the client")
        return report

    def rebuild(self, article_dirs: Sequence[Path], embedder: Embedder, options: RebuildOptions) -> BuildReport:
        with self._rebuild_lock():
            return build.rebuild(self._client(), self.name, self.location, list(article_dirs), embedder, options)

    @contextlib.contextmanager
    def _rebuild_lock(self) -> Iterator[None]:
        """One rebuild at a time per milvus-lite file (a server is rebuilt by one deployment job)."""
        if engine.is_server_uri(self.uri):
            yield
            return
        path = Path(self.uri).expanduser()
        with open(path.with_name(path.name + ".rebuild.lock"), "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RebuildInProgress(f"another rebuild of {self.location} is running") from None
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
