"""Tokens for the lexical index and for queries: jieba segmentation of normalised text, stopwords dropped."""

from __future__ import annotations

import re
import threading

import jieba

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


def init_jieba() -> None:
    """Load jieba's dictionary straight from its text file.

    jieba's default start-up reads a marshal cache from the temp directory; this project never loads
    executable serialisation formats from disk, so the prefix dictionary is built from the
    dictionary text instead (about a second, once per process).
    """
    with _jieba_lock:
        tokenizer = jieba.dt
        if tokenizer.initialized:
            return
        with tokenizer.get_dict_file() as dict_file:
            tokenizer.FREQ, tokenizer.total = tokenizer.gen_pfdict(dict_file)
        tokenizer.initialized = True


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
