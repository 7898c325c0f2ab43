"""Versions on disk: a rebuild never deletes the version that was live, nor one a reader holds; the
crash window between renaming a version into place and pointing CURRENT at it (issue 19)."""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
from support.paths import SEEDS

from retrieval.service import rebuild
from retrieval.store.local import versions
from retrieval.store.local.reader import load_index


@pytest.fixture
def editable(tmp_path, tiny_settings):
    articles = tmp_path / "articles"
    shutil.copytree(SEEDS, articles)
    settings = replace(tiny_settings, articles_dirs=(articles,), compaction_share=1.0)
    rebuild(settings, show_progress=False)
    return settings


def change_an_article(settings, text: str) -> None:
    path = sorted(settings.articles_dirs[0].iterdir())[0]
    path.write_text(path.read_text(encoding="utf-8") + f"\n\n{text}\n", encoding="utf-8")


def on_disk(settings) -> set[str]:
    return {p.name for p in (settings.index_dir / "versions").iterdir() if not p.name.startswith(".")}


def test_a_version_a_reader_holds_is_not_removed_under_it(editable):
    held = load_index(editable.index_dir)
    for number in range(3):
        change_an_article(editable, f"第{number}次修改：稀土出口的新消息。")
        rebuild(editable, show_progress=False)
    assert held.version in on_disk(editable) and len(on_disk(editable)) == 3  # held, previous, live
    assert held.passages([0])  # still readable
    held.close()
    change_an_article(editable, "再一次修改。")
    rebuild(editable, show_progress=False)
    assert held.version not in on_disk(editable) and len(on_disk(editable)) == 2


def test_a_crash_between_rename_and_current_keeps_the_live_version(editable, monkeypatch):
    live = versions.live_version(editable.index_dir)
    change_an_article(editable, "这一次重建在切换前被中断。")
    with monkeypatch.context() as patch:
        def crash(index_dir, version):
            raise KeyboardInterrupt  # killed after os.replace(temporary, versions/<version>)
        patch.setattr(versions, "point_current_at", crash)
        with pytest.raises(KeyboardInterrupt):
            rebuild(editable, show_progress=False)
    never_served = on_disk(editable) - {live} - {v for v in on_disk(editable) if v < live}
    assert len(never_served) == 1 and versions.live_version(editable.index_dir) == live
    report = rebuild(editable, show_progress=False)
    assert live in on_disk(editable) and report.version in on_disk(editable)
    assert not never_served & on_disk(editable)
