"""The index's pipeline fingerprint covers, by import, every module that shapes what a segment stores."""

from __future__ import annotations

import pytest

from retrieval.store.local import fingerprint


@pytest.fixture
def fresh_fingerprint(monkeypatch):
    fingerprint.pipeline_modules.cache_clear()
    fingerprint.pipeline_fingerprint.cache_clear()
    yield
    fingerprint.pipeline_modules.cache_clear()
    fingerprint.pipeline_fingerprint.cache_clear()


def test_the_reader_the_tokenizer_and_the_segment_writer_are_covered(fresh_fingerprint):
    modules = set(fingerprint.pipeline_modules())
    assert {"retrieval.ingest.articles", "retrieval.ingest.chunking", "retrieval.ingest.leaning",
            "retrieval.text.normalize", "retrieval.text.tokenize", "retrieval.crosslingual.names",
            "retrieval.store.local.phrases", "retrieval.store.local.lexical", "retrieval.store.local.segment",
            "retrieval.store.local.schema", "retrieval.store.bm25"} <= modules
    # query-side code shapes nothing stored: changing it must not make a rebuild re-read every article
    assert not {m for m in modules if m.startswith(("retrieval.search", "retrieval.tools"))}


def test_a_change_to_a_covered_module_changes_the_fingerprint(fresh_fingerprint, monkeypatch, tmp_path):
    before = fingerprint.pipeline_fingerprint()
    real = fingerprint._source_file
    changed = tmp_path / "phrases.py"
    changed.write_bytes(real("retrieval.store.local.phrases").read_bytes() + b"\n# changed\n")
    monkeypatch.setattr(fingerprint, "_source_file",
                        lambda module: changed if module == "retrieval.store.local.phrases" else real(module))
    fingerprint.pipeline_fingerprint.cache_clear()
    assert fingerprint.pipeline_fingerprint() != before
