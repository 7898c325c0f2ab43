"""The Milvus backend against milvus-lite: build, query, incremental add/change/remove, a killed
rebuild, a model mismatch, and the bot answering from a Milvus-backed index.

milvus-lite runs the Milvus API in-process behind a file path; the same client code drives a
server. `pip install -e '.[milvus]'` (scripts/setup.sh installs it with the test tools).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pytest

pytest.importorskip("pymilvus", reason="the milvus extra is not installed: pip install -e '.[milvus]'")

from support.paths import SEEDS
from support.tiny_model import build_tiny_model

from retrieval.config import Settings, load_settings
from retrieval.errors import ConfigError, IndexNotFound, ModelMismatch
from retrieval.service import open_searcher, open_store, rebuild
from retrieval.store.milvus import engine

CHANGED_SENTENCE = "钼矿石出口配额今年首次削减到三千吨。"


def milvus_settings(tmp_path: Path, model: str, articles: Path = SEEDS, name: str = "newsqa") -> Settings:
    return replace(Settings(), backend="milvus", milvus_uri=str(tmp_path / "milvus.db"), milvus_collection=name,
                   index_dir=tmp_path / "unused-local-index", articles_dirs=(articles,), model=model)


@pytest.fixture(scope="module")
def milvus_index(tmp_path_factory, tiny_model) -> Settings:
    settings = milvus_settings(tmp_path_factory.mktemp("milvus"), tiny_model)
    rebuild(settings, show_progress=False)
    return settings


# Questions about the seed articles, in the three languages, with some that nothing answers.
QUESTIONS = [
    "贝森特说的12到24个月是什么意思？",
    "What did Treasury Secretary Bessent say about China's leverage over rare earths?",
    "How many tons of rare earth magnets did China export to the US in July?",
    "How much did the Pentagon invest in MP Materials?",
    "What is JPMorgan's Security and Resiliency Initiative?",
    "How long can Japan's rare metal stockpile last?",
    "阿拉弗拉资源公司的诺兰项目怎么样了？",
    "2020年7月大陆稀土出口同比减少了多少？",
    "Which law did Trump invoke in his executive order on critical minerals?",
    "When did the Mountain Pass mine in California start mining rare earths again?",
    "新建一座稀土分离厂要多少年？",
    "稀土供应去中国化分为哪三个时间段？",
    "欧盟《关键原材料法案》的目标是什么？",
    "中共从哪一年开始把稀土武器化？",
    "钕和镨的价格底线是怎么回事？",
    "中芯国际是否受到美国出口管制的影响？",
    "What share of the world's rare earth refining is done in China?",
    "川习会让中共把稀土出口限制推迟了多久？",
    "比特币今天的价格是多少？",
    "如何做红烧肉？",
    "川普說的關稅對稀土出口有什麼影響？",
    "火星上有没有咖啡馆？",
]


def top_ids(searcher, question: str, k: int = 3) -> tuple[bool, list[str]]:
    result = searcher.search(question)
    return result.answered, [hit.passage_id for hit in result.hits[:k]]


def test_milvus_answers_as_the_local_index_does(milvus_index, seed_index):
    """Same articles, same model: the same answers, in the same order, and the same abstentions."""
    local, milvus = open_searcher(seed_index), open_searcher(milvus_index)
    assert milvus.index.info.passages == local.index.info.passages
    # one after another in one thread, as a server answers them: a question whose words are a part of
    # the one before must get its own candidates, not the previous question's
    questions = [*QUESTIONS, "贝森特说的12到24个月是什么意思？", "What is Bessent's 12–24 month timeline?",
                 "7月中国稀土磁铁出口了多少吨？", "稀土磁铁", "磁铁", "火星上有没有咖啡馆？"]
    differing = [q for q in questions if top_ids(local, q) != top_ids(milvus, q)]
    assert not differing, differing
    hits = milvus.search("贝森特说的12到24个月是什么意思？").hits
    assert "12到24个月" in hits[0].text and hits[0].title and hits[0].url


def test_incremental_rebuild_adds_changes_and_removes_articles(tmp_path, seeds_copy, tiny_model):
    settings = milvus_settings(tmp_path, tiny_model, seeds_copy)
    first = rebuild(settings, show_progress=False)
    files = sorted(p for p in seeds_copy.iterdir() if p.is_file())
    changed, removed = files[0], files[1]
    changed.write_text(changed.read_text(encoding="utf-8") + f"\n\n{CHANGED_SENTENCE}\n", encoding="utf-8")
    removed_id = _article_id(settings, removed)
    removed.unlink()
    (seeds_copy / "zz_added.md").write_text(
        "# 新增的文章\n\n日期：2025-01-02\n\n锂电池回收工厂在内华达州开工，年处理能力五万吨。\n", encoding="utf-8")
    from bot.searching import LiveSearcher

    before = open_searcher(settings)  # a serving process opened before the update
    bot_backend = LiveSearcher(settings)
    report = rebuild(settings, show_progress=False)
    # in place (no new collections), but under a new version label, so a serving process reloads
    assert report.written == "delta" and report.version == f"{first.version}.1"
    assert open_store(settings).live_version() == report.version != before.index.info.version
    assert CHANGED_SENTENCE in bot_backend.search("钼矿石出口配额削减到多少吨？", top_k=3).hits[0].text
    assert bot_backend.version == report.version  # the bot reloaded the updated index by itself
    assert report.articles_read == 2 and report.articles_removed == 1
    searcher = open_searcher(settings)
    assert CHANGED_SENTENCE in searcher.search("钼矿石出口配额削减到多少吨？").hits[0].text
    assert "锂电池回收" in searcher.search("锂电池回收工厂的年处理能力是多少？").hits[0].text
    assert not searcher.index.article_passage_ids([removed_id])
    # what an incremental rebuild leaves is what a full one over the same files writes
    full = rebuild(replace(settings, milvus_collection="fresh"), show_progress=False)
    fresh = open_searcher(replace(settings, milvus_collection="fresh"))
    assert searcher.index.info.passages == fresh.index.info.passages == full.passages_total
    assert searcher.index.vocab.tokens == fresh.index.vocab.tokens
    assert searcher.index.vocab.bigrams == fresh.index.vocab.bigrams
    for question in QUESTIONS[:12]:
        assert top_ids(searcher, question) == top_ids(fresh, question), question


def _article_id(settings: Settings, path: Path) -> str:
    store = open_store(settings)
    client = store._client()
    live = engine.live_collection(client, settings.milvus_collection)
    records = client.query(live + engine.ARTICLES_SUFFIX, filter=f"source_path == {json.dumps(str(path.resolve()))}",
                           output_fields=["article_id"])
    assert len(records) == 1
    return records[0]["article_id"]


def test_a_killed_full_rebuild_leaves_the_alias_on_the_previous_version(tmp_path, seeds_copy, tiny_model,
                                                                        monkeypatch):
    settings = milvus_settings(tmp_path, tiny_model, seeds_copy)
    before = rebuild(settings, show_progress=False).version
    from retrieval.store.milvus import build

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed while writing the vocabulary")

    monkeypatch.setattr(build, "write_vocabulary", killed)
    with pytest.raises(KeyboardInterrupt):
        rebuild(settings, full=True, show_progress=False)
    monkeypatch.undo()
    store = open_store(settings)
    assert store.live_version() == before
    leftovers = [c for c in store._client().list_collections() if before not in c]
    assert leftovers  # the half-written version is there, but nothing points at it
    assert open_searcher(settings).search("贝森特说的12到24个月是什么意思？").answered
    after = rebuild(settings, full=True, show_progress=False).version
    assert after != before and store.live_version() == after
    names = store._client().list_collections()
    assert not [c for c in names if before not in c and after not in c]  # leftovers dropped


def test_a_killed_incremental_rebuild_is_followed_by_a_full_one(tmp_path, seeds_copy, tiny_model, monkeypatch):
    settings = milvus_settings(tmp_path, tiny_model, seeds_copy)
    before = rebuild(settings, show_progress=False).version
    target = sorted(p for p in seeds_copy.iterdir() if p.is_file())[0]
    target.write_text(target.read_text(encoding="utf-8") + f"\n\n{CHANGED_SENTENCE}\n", encoding="utf-8")
    from retrieval.store.milvus import build

    def killed(*args, **kwargs):
        raise KeyboardInterrupt("killed half-way through the update")

    monkeypatch.setattr(build, "write_vocabulary", killed)
    with pytest.raises(KeyboardInterrupt):
        rebuild(settings, show_progress=False)
    monkeypatch.undo()
    report = rebuild(settings, show_progress=False)
    assert report.written == "base" and report.version != before  # the half-updated collections are not trusted
    assert CHANGED_SENTENCE in open_searcher(settings).search("钼矿石出口配额削减到多少吨？").hits[0].text


def test_another_model_than_the_index_was_built_with_is_a_clear_error(milvus_index, tmp_path):
    other = build_tiny_model(tmp_path / "other-model", seed=1)
    with pytest.raises(ModelMismatch, match="built with model"):
        open_searcher(replace(milvus_index, model=other))


def test_no_index_yet_is_a_clear_error(tmp_path, tiny_model):
    with pytest.raises(IndexNotFound, match=r"rebuild_index\.py"):
        open_searcher(milvus_settings(tmp_path, tiny_model))


def test_backend_settings_are_checked_and_the_token_never_shown(tmp_path):
    settings = load_settings({"NEWSQA_BACKEND": "milvus", "NEWSQA_MILVUS_URI": "http://milvus.internal:19530",
                              "NEWSQA_MILVUS_TOKEN": "root:s3cret-token"}, config_file=tmp_path / "none.toml")
    assert settings.backend == "milvus" and settings.milvus_token == "root:s3cret-token"
    assert "s3cret" not in repr(settings)
    with pytest.raises(ConfigError, match="backend"):
        load_settings({"NEWSQA_BACKEND": "opensearch"}, config_file=tmp_path / "none.toml")
    with pytest.raises(ConfigError, match="milvus_collection"):
        load_settings({"NEWSQA_MILVUS_COLLECTION": "news-qa"}, config_file=tmp_path / "none.toml")
    with pytest.raises(engine.MilvusUnavailable, match=r"\.db"):
        engine.connect(str(tmp_path / "milvus-file-without-suffix"))
    assert engine.redact_uri("https://user:pw@host:19530") == "https://***@host:19530"


def test_the_bot_answers_from_a_milvus_index(milvus_index):
    from support.bot import TOKEN, article_with, reply_to, running_bot, shown

    from bot.searching import LiveSearcher
    from bot.testing.standin import BotApiStandIn

    expected = article_with(SEEDS, "12到24个月")
    backend = LiveSearcher(milvus_index)

    async def scenario(standin):
        async with running_bot(milvus_index, standin, backend):
            asked = standin.push_message("贝森特说的12到24个月是什么意思？", language_code="en")
            return await reply_to(standin, asked)

    with BotApiStandIn(TOKEN) as standin:
        reply = shown(asyncio.run(scenario(standin)))
    assert "12到24个月" in reply.text
    assert expected.url and any(href == expected.url for href, _ in reply.links)
