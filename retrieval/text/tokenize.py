"""Tokens for the lexical index and for queries: jieba segmentation of normalised text, stopwords dropped."""

from __future__ import annotations

import importlib
import io
import re
import sqlite3
import sys
import threading
from functools import lru_cache
from pathlib import Path

import jieba

from retrieval.derived import PreparedTable, fingerprint, open_prepared, write_table
from retrieval.text.normalize import normalize

_jieba_lock = threading.Lock()

# Words that carry no topic: a match on them says nothing about whether a passage answers.
STOPWORDS_ZH = frozenset(
    """
    的 了 和 与 及 或 是 在 有 为 对 把 被 也 就 都 而 但 并 从 向 到 于 以 之 其 这 那 这个 那个 这些 那些
    一个 一些 我 你 他 她 它 我们 你们 他们 她们 它们 自己 什么 怎么 怎么样 怎样 如何 多少 多久 哪些 哪个 哪
    哪里 谁 吗 呢 吧 啊 呀 么 嘛 说 说的 是否 是不是 会 能 可以 要 将 已 已经 还 又 更 很 最 等 等等 个 些
    上 下 中 里 后 前 时 时候 意思 怎么回事 回事 为什么 为何 哪一年 一年 多大 几 曾 给 让 使 由 所 着 过 地 得
    """.split()
)
STOPWORDS_EN = frozenset(
    """
    a an the of to in on at for from by with about as into over under and or but not no is are was were
    be been being do does did done has have had having it its this that these those there here what which
    who whom whose when where why how much many can could would should will shall may might must i you he
    she we they me him her us them my your his our their than then so such if also any all some more most
    say said says tell told s t
    """.split()
)
STOPWORDS = STOPWORDS_ZH | STOPWORDS_EN

_TOKEN_KEEP = re.compile(r"[0-9a-z\u3400-\u9fff]")


def _prepare_jieba_tables(connection: sqlite3.Connection) -> None:
    """jieba's prefix dictionary (its own gen_pfdict), its tagger's word tags (read as
    jieba.posseg's load_word_tag reads them) and the frequency total, from its dictionary file."""
    tokenizer = jieba.Tokenizer()
    with tokenizer.get_dict_file() as dict_file:
        frequencies, total = tokenizer.gen_pfdict(dict_file)
    write_table(connection, "freq", frequencies.items(), "INTEGER")
    tags: dict[str, str] = {}
    with tokenizer.get_dict_file() as dict_file:
        for line in dict_file:
            line = line.strip().decode("utf-8")
            if line:
                word, _, tag = line.split(" ")
                tags[word] = tag
    write_table(connection, "tags", tags.items(), "TEXT")
    write_table(connection, "meta", [("total", total)], "INTEGER")


@lru_cache(maxsize=1)
def jieba_tables() -> sqlite3.Connection:
    dictionary = Path(jieba.__file__).parent / jieba.DEFAULT_DICT_NAME
    key = fingerprint(data_files=[dictionary], code_files=[Path(__file__)], versions=[f"jieba {jieba.__version__}"])
    return open_prepared("jieba", key, _prepare_jieba_tables)


def init_jieba() -> None:
    """jieba's dictionary from the prepared tables (retrieval.derived), read a word at a time.

    jieba's own start-up reads a marshal cache from the temp directory (this project never loads
    executable serialisation formats) or rebuilds its prefix dictionary from the text file (0.9 s
    of CPU per process); the prepared table costs a millisecond to open. Past derived.PRELOAD_AFTER
    lookups (an index build) the whole table is read into the plain dict jieba is used to.
    """
    with _jieba_lock:
        tokenizer = jieba.dt
        if tokenizer.initialized:
            return
        tables = jieba_tables()
        tokenizer.FREQ = PreparedTable(tables, "freq", on_whole=lambda whole: setattr(tokenizer, "FREQ", whole))
        (tokenizer.total,) = tables.execute("SELECT value FROM meta WHERE key = 'total'").fetchone()
        tokenizer.initialized = True


def part_of_speech_tagger():
    """jieba.posseg, its word tags from the prepared tables. Imported only when a question needs
    it: jieba.posseg reads the whole dictionary file for its tags at import (0.4 s of CPU), so it is
    given an empty one while it imports and the prepared table afterwards."""
    init_jieba()
    with _jieba_lock:
        if "jieba.posseg" not in sys.modules:
            jieba.dt.get_dict_file = lambda: io.BytesIO()
            try:
                posseg = importlib.import_module("jieba.posseg")
            finally:
                del jieba.dt.get_dict_file
            posseg.dt.word_tag_tab = PreparedTable(
                jieba_tables(), "tags", on_whole=lambda whole: setattr(posseg.dt, "word_tag_tab", whole))
    return importlib.import_module("jieba.posseg")


def jieba_frequencies() -> dict[str, int]:
    """jieba's dictionary word counts (word → frequency in its source corpus)."""
    init_jieba()
    return {word: count for word, count in jieba.dt.FREQ.items() if count > 0}


def segment(normalized_text: str) -> list[str]:
    """jieba segmentation of already-normalised text, search mode (long words also yield their parts)."""
    init_jieba()
    return [word.strip() for word in jieba.cut_for_search(normalized_text) if word.strip()]


def is_informative(token: str) -> bool:
    return token not in STOPWORDS and bool(_TOKEN_KEEP.search(token))


def tokenize(text: str) -> list[str]:
    """Tokens for the lexical index and for queries: normalised, segmented, stopwords dropped."""
    return tokenize_normalized(normalize(text))


def tokenize_normalized(normalized_text: str) -> list[str]:
    """tokenize() of a text already in normalize() form (OpenCC is the costly part: do it once)."""
    return [token for token in segment(normalized_text) if is_informative(token)]
