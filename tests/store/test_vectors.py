"""The vector index: chosen by scale, recorded in the manifest, read back and searched as built."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest

from retrieval.errors import IndexError_
from retrieval.search import Searcher
from retrieval.search.fusion import fuse
from retrieval.service import open_searcher, rebuild
from retrieval.store.local.reader import load_index
from retrieval.store.local.vectors import (
    VectorIndexError,
    VectorIndexSpec,
    build_faiss_index,
    choose_spec,
    ivf_spec,
    load_vectors,
    write_vectors,
)
from retrieval.store.local.versions import live_version_dir


def clustered_unit_vectors(count: int, dim: int = 24, clusters: int = 40, seed: int = 0) -> np.ndarray:
    """Unit vectors around random centres: structured like text embeddings, unlike pure noise."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dim))
    vectors = centres[rng.integers(0, clusters, count)] + 0.35 * rng.standard_normal((count, dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32)


def test_small_collections_get_exact_search_and_large_ones_ivf():
    assert choose_spec(5_000) == VectorIndexSpec("flat")
    assert choose_spec(50_000).kind == "flat"
    assert choose_spec(100_000) == VectorIndexSpec("ivf_sq8", nlist=256, nprobe=64)
    large = choose_spec(1_000_000)
    assert large.kind == "ivf_sq8"
    assert large.nlist == 1024 and 1 <= large.nprobe <= large.nlist
    assert large.factory == "IVF1024,SQ8"
    assert choose_spec(50, flat_max=10).kind == "ivf_sq8"


@pytest.mark.parametrize("bad", [
    {"kind": "hnsw"},
    {"kind": "ivf_sq8", "nlist": 16, "nprobe": 0},
    {"kind": "ivf_sq8", "nlist": 16, "nprobe": 17},
])
def test_an_unusable_spec_is_refused_with_its_values(bad):
    with pytest.raises(VectorIndexError, match=r"vector index kind|nprobe"):
        VectorIndexSpec.from_json(bad, "manifest.json")


def test_a_malformed_manifest_entry_names_the_file_and_field():
    with pytest.raises(VectorIndexError, match=r"m\.json.*vector_index"):
        VectorIndexSpec.from_json("IVF", "m.json")
    with pytest.raises(VectorIndexError, match=r"m\.json.*vector_index"):
        VectorIndexSpec.from_json({"nlist": 3}, "m.json")


def test_spec_round_trips_through_json():
    spec = ivf_spec(300_000)
    assert VectorIndexSpec.from_json(json.loads(json.dumps(spec.to_json())), "x") == spec


def test_ivf_needs_at_least_as_many_vectors_as_lists():
    with pytest.raises(VectorIndexError, match="fewer than"):
        build_faiss_index(clustered_unit_vectors(10), VectorIndexSpec("ivf_sq8", nlist=16, nprobe=4))


def test_ivf_sq8_finds_nearly_the_same_neighbours_as_exact_search(tmp_path):
    vectors = clustered_unit_vectors(4_000)
    queries = clustered_unit_vectors(50, seed=1)
    spec = VectorIndexSpec("ivf_sq8", nlist=32, nprobe=8)
    write_vectors(tmp_path, vectors, spec)
    loaded = load_vectors(tmp_path, spec)
    assert loaded.ntotal == 4_000 and loaded.spec == spec
    _, approximate = loaded.search(queries, 10)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approximate, exact, strict=True)])
    assert recall >= 0.9
    # Probing every list leaves only the 8-bit rounding between it and exact search.
    everything = load_vectors(tmp_path, replace(spec, nprobe=32))
    _, all_lists = everything.search(queries, 10)
    assert np.mean([len(set(a) & set(e)) / 10 for a, e in zip(all_lists, exact, strict=True)]) >= recall


def test_stored_vectors_are_returned_exactly_for_any_index_kind(tmp_path):
    vectors = clustered_unit_vectors(300)
    spec = VectorIndexSpec("ivf_sq8", nlist=8, nprobe=2)
    write_vectors(tmp_path, vectors, spec)
    loaded = load_vectors(tmp_path, spec)
    np.testing.assert_array_equal(loaded.vectors_for([5, 0, 299]), vectors[[5, 0, 299]])
    assert loaded.vectors_for([]).shape == (0, 24)


def test_loading_refuses_an_index_file_that_contradicts_the_manifest(tmp_path):
    write_vectors(tmp_path, clustered_unit_vectors(100), VectorIndexSpec("flat"))
    with pytest.raises(VectorIndexError, match=r"not the IVF8,SQ8 index"):
        load_vectors(tmp_path, VectorIndexSpec("ivf_sq8", nlist=8, nprobe=2))


def test_default_build_records_exact_search_in_the_manifest(seed_index):
    manifest = json.loads((live_version_dir(seed_index.index_dir) / "manifest.json").read_text())
    assert manifest["faiss_index"] == "Flat"
    assert manifest["vector_index"]["kind"] == "flat"
    assert load_index(seed_index.index_dir).vectors.spec.kind == "flat"


def test_an_ivf_index_over_the_seeds_is_recorded_and_answers_like_the_exact_one(tiny_settings, seed_index):
    spec = VectorIndexSpec("ivf_sq8", nlist=4, nprobe=4)  # every list probed: same candidates as exact
    from retrieval.models.embedding import load_embedder
    from retrieval.store.local.build import build_index

    report = build_index(list(tiny_settings.articles_dirs), tiny_settings.index_dir,
                         load_embedder(tiny_settings.model), show_progress=False, vector_spec=spec)
    assert report.vector_index == "IVF4,SQ8"
    assert report.parse_seconds > 0 and report.index_seconds > 0
    manifest = json.loads((live_version_dir(tiny_settings.index_dir) / "manifest.json").read_text())
    assert manifest["vector_index"] == spec.to_json()
    question = "贝森特说的12到24个月是什么意思？"
    ivf_result = open_searcher(tiny_settings).search(question, top_k=3)
    exact_result = open_searcher(seed_index).search(question, top_k=3)
    assert ivf_result.answered
    assert [h.passage_id for h in ivf_result.hits] == [h.passage_id for h in exact_result.hits]


def test_lexical_only_candidates_get_exact_dense_scores_from_an_ivf_index(tiny_settings):
    """Rows the ANN search did not return are scored from the stored vectors, not reconstruct()."""
    rebuild(tiny_settings, show_progress=False)
    index = load_index(tiny_settings.index_dir)
    ivf_dir = next((live_version_dir(tiny_settings.index_dir) / "segments").glob("base-*"))
    spec = VectorIndexSpec("ivf_sq8", nlist=4, nprobe=1)
    write_vectors(ivf_dir, np.load(ivf_dir / "embeddings.npy"), spec)
    index.vectors = load_vectors(ivf_dir, spec)
    from retrieval.models.embedding import load_embedder

    searcher = Searcher(index, load_embedder(tiny_settings.model))
    query_vector = searcher.embedder.encode(["稀土"])[0]
    missing_row = index.num_passages - 1
    fused = fuse({missing_row: 1.0}, {}, query_vector, searcher.options, searcher.index.vectors_for)
    expected = float(np.load(ivf_dir / "embeddings.npy")[missing_row] @ query_vector)
    assert fused[0].dense == pytest.approx(expected, rel=1e-5)


def test_a_missing_vector_file_is_an_index_error_naming_the_directory(tiny_settings):
    rebuild(tiny_settings, show_progress=False)
    directory = live_version_dir(tiny_settings.index_dir)
    next((directory / "segments").glob("base-*/vectors.faiss")).unlink()
    with pytest.raises(IndexError_, match=str(directory)):
        load_index(tiny_settings.index_dir)


def test_asking_for_a_row_past_the_end_names_the_file(tmp_path):
    write_vectors(tmp_path, clustered_unit_vectors(20), VectorIndexSpec("flat"))
    loaded = load_vectors(tmp_path, VectorIndexSpec("flat"))
    with pytest.raises(VectorIndexError, match=r"embeddings\.npy.*past its end"):
        loaded.vectors_for([3, 20])
    loaded.close()
