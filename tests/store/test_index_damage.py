"""Damaged copies of a built index: never a silent wrong answer, a clear error naming the file, and a
rebuild that repairs (issue 19). Parametrised over every file kind a version is made of."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from support.paths import SCRIPTS, SEEDS

from retrieval.config import Settings
from retrieval.service import rebuild, verify

sys.path.insert(0, str(SCRIPTS))
import query

QUESTIONS = ["中国的稀土储量占全球多少？", "美国国防部给MP Materials投资了多少钱？", "7月中国稀土磁铁出口了多少吨？",
             "How much did the Pentagon invest in MP Materials?", "如何做红烧肉？"]
# every file kind of a version that has a base, a delta and tombstones (glob under the version)
FILE_KINDS = ["manifest.json", "tombstones/*.rows.npy", "tombstones/*.articles.json",
              *(f"segments/{kind}-*/{name}" for kind in ("base", "delta") for name in (
                  "segment.json", "meta.sqlite", "embeddings.npy", "vectors.faiss", "names.json", "leaning.npy",
                  "lexical/terms.json", "lexical/indptr.npy", "lexical/rows.npy", "lexical/counts.npy",
                  "lexical/lengths.npy", "bigrams/keys.npy", "bigrams/indptr.npy", "bigrams/rows.npy",
                  "bigrams/counts.npy", "bigrams/lengths.npy"))]


def garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle, width = len(data) // 2, max(1, min(64, len(data) // 4))
    data[middle:middle + width] = bytes(b ^ 0x5A for b in data[middle:middle + width])
    path.write_bytes(bytes(data))


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])


@pytest.fixture(scope="module")
def built(tmp_path_factory, tiny_model):
    """An index over a copy of the seeds whose live version has a base, a delta and tombstones."""
    root = tmp_path_factory.mktemp("damage")
    articles = root / "articles"
    shutil.copytree(SEEDS, articles)
    settings = replace(Settings(), index_dir=root / "index", articles_dirs=(articles,), model=tiny_model,
                       compaction_share=1.0)
    rebuild(settings, show_progress=False)
    first = sorted(articles.iterdir())[0]
    first.write_text(first.read_text(encoding="utf-8") + "\n\n稀土出口管制的新一段文字，说明另一件事。\n",
                     encoding="utf-8")
    assert rebuild(settings, show_progress=False).written == "delta"
    questions = root / "questions.jsonl"
    questions.write_text("".join(json.dumps({"query": q}, ensure_ascii=False) + "\n" for q in QUESTIONS),
                         encoding="utf-8")
    baseline = answers(ask(settings.index_dir, questions, settings))
    return settings, questions, baseline


def ask(index: Path, questions: Path, settings) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), pytest.MonkeyPatch.context() as patch:
        patch.setenv("NEWSQA_MODEL", settings.model)
        patch.setenv("NEWSQA_ARTICLES", str(settings.articles_dirs[0]))
        code = query.main(["--questions", str(questions), "--index", str(index)])  # a traceback fails the test
    return code, out.getvalue(), err.getvalue()


def answers(outcome: tuple[int, str, str]) -> list[tuple[bool, list[str]]]:
    """What each answer says (scores may move in the last digits when a rebuild merges segments)."""
    code, out, err = outcome
    assert code == 0, err
    return [(line["answered"], [hit["passage_id"] for hit in line["hits"]])
            for line in map(json.loads, out.splitlines())]


def damaged_copy(built, tmp_path: Path, pattern: str, damage) -> tuple[object, Path]:
    settings, _, _ = built
    copy = tmp_path / "index"
    shutil.copytree(settings.index_dir, copy, symlinks=True)
    live = copy / "versions" / (copy / "CURRENT").read_text(encoding="utf-8").strip()
    targets = sorted(live.glob(pattern))
    assert len(targets) == 1, (pattern, targets)
    damage(targets[0])
    return replace(settings, index_dir=copy), targets[0]


@pytest.mark.parametrize("damage", [garble, truncate], ids=["garbled", "truncated"])
@pytest.mark.parametrize("pattern", FILE_KINDS)
def test_a_damaged_file_is_an_error_naming_it_and_a_rebuild_repairs(built, tmp_path, pattern, damage):
    _, questions, baseline = built
    settings, target = damaged_copy(built, tmp_path, pattern, damage)
    code, out, err = ask(settings.index_dir, questions, settings)
    assert code != 0 and out == "" and str(target.name) in err and "rebuild_index.py" in err, (code, err)
    assert any(str(target.name) in problem for problem in verify(settings).problems)
    if damage is truncate:
        return  # the repair is the same for both kinds of damage: checked once per file, on the garbled copy
    rebuild(settings, show_progress=False)
    assert answers(ask(settings.index_dir, questions, settings)) == baseline


@pytest.mark.parametrize("content", [None, b"", b"\xff\xfe garbage \x00", b"no-such-version\n", b"../../etc\n"],
                         ids=["missing", "empty", "binary", "unknown-version", "path"])
def test_a_bad_current_is_an_error_and_the_rebuild_recovers_the_real_version(built, tmp_path, content):
    _, questions, baseline = built
    settings, _ = damaged_copy(built, tmp_path, "manifest.json", lambda path: None)
    live = (settings.index_dir / "CURRENT").read_text(encoding="utf-8").strip()
    if content is None:
        (settings.index_dir / "CURRENT").unlink()
    else:
        (settings.index_dir / "CURRENT").write_bytes(content)
    code, out, err = ask(settings.index_dir, questions, settings)
    assert code != 0 and out == "" and "CURRENT" in err and "building one" not in err
    warnings: list[str] = []
    report = rebuild(settings, show_progress=False, on_warning=warnings.append)
    assert any("CURRENT" in w and live in w for w in warnings), warnings
    assert report.version == live  # recovered, nothing changed since
    assert (settings.index_dir / "versions" / live).is_dir()
    assert answers(ask(settings.index_dir, questions, settings)) == baseline
