"""Shared fixtures: a tiny sentence-transformers model (support.tiny_model), and indexes over the seeds."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from support.paths import SEEDS
from support.tiny_model import build_tiny_model

from retrieval.config import Settings


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
