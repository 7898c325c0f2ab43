"""The cold-start benchmark's measuring parts, at tiny scale (scripts/bench_cli.py prints the numbers)."""

from __future__ import annotations

from support.paths import SEEDS

from retrieval.tools.cold_start import compare_vectors, steps


def test_steps_cover_the_path_from_imports_to_a_warm_answer(seed_index, monkeypatch):
    monkeypatch.setenv("NEWSQA_MODEL", seed_index.model)
    marks = steps(seed_index.index_dir, "中国的稀土储量占全球多少？")
    names = [name for name, _, _ in marks]
    assert names[0] == "import numpy, faiss" and names[-1] == "second search (warm)"
    assert "load the model (StaticEncoder)" in names  # the static model is read with numpy
    assert all(wall >= 0 and cpu >= 0 for _, wall, cpu in marks)


def test_vector_comparison_reports_agreement(tiny_model):
    texts = [path.read_text(encoding="utf-8")[:300] for path in sorted(SEEDS.iterdir())] + ["", "稀土"]
    found = compare_vectors(tiny_model, texts)
    assert found["texts"] == 7 and found["max_abs_diff"] < 1e-6 and found["min_cosine"] > 0.999999
    assert found["zero_vectors_agree"]
