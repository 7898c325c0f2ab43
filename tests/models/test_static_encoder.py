"""The static model read with numpy gives the vectors sentence-transformers gives."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from retrieval.errors import ModelLoadError
from retrieval.models.embedding import Embedder, load_embedder
from retrieval.models.static_encoder import StaticEncoder, is_static_model

TEXTS = ["稀土出口管制", "What did Bessent say about the 12 to 24 month timeline?", "", "   ", "龘龘 unknown ＡＢＣ",
         "美國財政部長貝森特", "a", "，。！"]


def test_numpy_vectors_equal_sentence_transformers_vectors(tiny_model):
    fast = load_embedder(tiny_model)
    assert isinstance(fast, StaticEncoder)
    reference = Embedder(tiny_model)
    ours, theirs = fast.encode(TEXTS), reference.encode(TEXTS)
    assert ours.dtype == theirs.dtype == np.float32 and ours.shape == theirs.shape == (len(TEXTS), reference.dim)
    assert np.abs(ours - theirs).max() < 1e-6
    assert not ours[2].any()  # a text without tokens is the zero vector, as with EmbeddingBag
    assert fast.dim == reference.dim and fast.fingerprint == reference.fingerprint
    assert fast.encode([]).shape == (0, reference.dim)


def test_building_can_ask_for_sentence_transformers(tiny_model):
    assert isinstance(load_embedder(tiny_model, sentence_transformers=True), Embedder)


def test_only_a_single_static_module_folder_is_read_with_numpy(tiny_model, tmp_path):
    assert is_static_model(Path(tiny_model))
    other = tmp_path / "two-modules"
    shutil.copytree(tiny_model, other)
    modules = json.loads((other / "modules.json").read_text())
    (other / "modules.json").write_text(json.dumps([*modules, {"idx": 1, "name": "1", "path": "1_Normalize",
                                                               "type": "sentence_transformers.models.Normalize"}]))
    assert not is_static_model(other)
    assert not is_static_model(tmp_path / "missing")


def test_a_damaged_weights_file_is_a_model_error_naming_it(tiny_model, tmp_path):
    damaged = tmp_path / "damaged"
    shutil.copytree(tiny_model, damaged)
    weights = damaged / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(ModelLoadError, match=r"model\.safetensors"):
        StaticEncoder("damaged", damaged)
