"""Shared fixtures: a tiny sentence-transformers model built on the fly, and indexes over the seeds.

The tiny model is a real sentence-transformers model (a StaticEmbedding with a character-level
tokenizer and seeded random vectors), saved to disk and loaded through the product's own loading
code by path, so tests exercise the real code path in a fraction of the real model's time.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from retrieval.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"
DEV_QA = SHARED / "eval" / "dev_qa.jsonl"


def build_tiny_model(directory: Path, dim: int = 32, seed: int = 0) -> str:
    """Save a small character-level static embedding model to `directory`; return its path."""
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding
    from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

    chars = sorted({ch for path in SEEDS.iterdir() for ch in path.read_text(encoding="utf-8")
                    if not ch.isspace()})
    vocab = {"[UNK]": 0, **{ch: i + 1 for i, ch in enumerate(chars)}}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Split("", behavior="isolated")
    weights = np.random.default_rng(seed).standard_normal((len(vocab), dim)).astype(np.float32)
    model = SentenceTransformer(modules=[StaticEmbedding(tokenizer, embedding_weights=weights)], device="cpu")
    model.save(str(directory))
    return str(directory)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> str:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-model"))


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    """A writable copy of the shipped seeds, for tests that add, change or remove articles."""
    target = tmp_path / "articles"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def tiny_settings(tmp_path, tiny_model) -> Settings:
    return replace(Settings(), index_dir=tmp_path / "index", articles_dirs=(SEEDS,), model=tiny_model)


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory, tiny_model) -> Settings:
    """A read-only index over the seeds built once per session with the tiny model."""
    from retrieval.service import rebuild

    settings = replace(Settings(), index_dir=tmp_path_factory.mktemp("seed-index"), articles_dirs=(SEEDS,),
                       model=tiny_model)
    rebuild(settings, show_progress=False)
    return settings
