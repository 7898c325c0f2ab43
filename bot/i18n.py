"""The bot's words in English, Simplified and Traditional Chinese, and picking the user's language.

Traditional Chinese texts are derived from the Simplified ones with OpenCC (s2t) once at import, so
the two scripts can never drift apart. Texts are Telegram HTML: anything dynamic put into them must
be escaped by the caller.
"""

from __future__ import annotations

import re
from typing import Literal

from opencc import OpenCC

from retrieval.text import to_simplified

Language = Literal["en", "zh-Hans", "zh-Hant"]

_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_TRADITIONAL_CODES = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def detect_language(text: str | None, language_code: str | None) -> Language:
    """The language to answer in: the message's own script wins, then the user's Telegram setting."""
    if text and _HAN.search(text):
        return "zh-Hant" if to_simplified(text) != text else "zh-Hans"
    if text and _LATIN.search(text):
        return "en"
    code = (language_code or "").lower()
    if code.startswith(_TRADITIONAL_CODES):
        return "zh-Hant"
    if code.startswith("zh"):
        return "zh-Hans"
    return "en"


_EN = {
    "help": (
        "<b>NewsQA</b> answers questions about US–China news — rare earths, export controls, trade — "
        "from a collection of Chinese-language news articles. You get the passages that answer, each "
        "with the article's title, date and a link to the original source.\n\n"
        "<b>How to ask</b>: just send me your question, in English, 简体 or 繁體. "
        "In a group, write /ask followed by your question, or mention me.\n\n"
        "<b>Examples</b>\n"
        "• /ask 中国的稀土储量占全球多少？\n"
        "• /ask 贝森特说的12到24个月是什么意思？\n"
        "• /ask What did Bessent say about a 12–24 month timeline?\n\n"
        "/about shows what the collection holds."
    ),
    "about": ("<b>NewsQA</b> — corpus: {articles} articles, {passages} passages.\n"
              "Index built: {built_at}\nModel: <code>{model}</code>"),
    "no_answer": ("No passage in the corpus answers this. Try rephrasing it with the names or terms "
                  "a news article would use, or ask about another topic."),
    "results_header": "Passages {first}–{last} of {total}",
    "more": "More ▶",
    "back": "◀ Back",
    "no_link": "no source link",
    "source": "source",
    "ask_usage": "Write your question after the command, e.g. <code>/ask 稀土出口管制何时生效？</code>",
    "too_long": "That question is too long: please ask in under {limit} characters.",
    "slow_down": "Slow down a little, please: you can ask again in {seconds} s.",
    "expired": "These results have expired. Please ask again.",
    "refused": "Sorry, this NewsQA bot is a private deployment and is not open to this account or chat.",
    "error": "Sorry, something went wrong on my side. Please try again in a moment.",
    "cmd_ask": "Ask a question about the news",
    "cmd_help": "What this bot does and how to ask",
    "cmd_about": "What the corpus holds",
}

_ZH_HANS = {
    "help": (
        "<b>NewsQA</b> 回答有关中美新闻的问题——稀土、出口管制、贸易——答案来自一批中文新闻报道。"
        "你会收到能回答问题的段落，每段都附有文章标题、日期和原文链接。\n\n"
        "<b>怎么问</b>：直接把问题发给我，用简体、繁體或英文都可以。"
        "在群组里，请用 /ask 加上你的问题，或者 @ 我。\n\n"
        "<b>例子</b>\n"
        "• /ask 中国的稀土储量占全球多少？\n"
        "• /ask 贝森特说的12到24个月是什么意思？\n"
        "• /ask 稀土出口管制何时生效？\n\n"
        "/about 显示语料库的内容。"
    ),
    "about": ("<b>NewsQA</b> — 语料库：{articles} 篇文章，{passages} 个段落。\n"
              "索引建立时间：{built_at}\n模型：<code>{model}</code>"),
    "no_answer": ("抱歉，语料库中没有能回答这个问题的段落。"
                  "请换个说法再试试（例如用新闻里会出现的人名或术语），或者问问别的话题。"),
    "results_header": "第 {first}–{last} 段，共 {total} 段",
    "more": "更多 ▶",
    "back": "◀ 上一页",
    "no_link": "无原文链接",
    "source": "原文",
    "ask_usage": "请在命令后面写上问题，例如 <code>/ask 稀土出口管制何时生效？</code>",
    "too_long": "问题太长了，请控制在 {limit} 个字以内。",
    "slow_down": "请慢一点：{seconds} 秒后可以再问。",
    "expired": "这些结果已过期，请重新提问。",
    "refused": "抱歉，这个 NewsQA 机器人是私人部署，不对此账号或群组开放。",
    "error": "抱歉，我这边出了点问题，请稍后再试。",
    "cmd_ask": "提一个关于新闻的问题",
    "cmd_help": "机器人能做什么、怎么提问",
    "cmd_about": "语料库的内容",
}

_S2T = OpenCC("s2t")
_ZH_HANT = {key: _S2T.convert(value) for key, value in _ZH_HANS.items()}

MESSAGES: dict[Language, dict[str, str]] = {"en": _EN, "zh-Hans": _ZH_HANS, "zh-Hant": _ZH_HANT}


def text(language: Language, key: str, **values: object) -> str:
    template = MESSAGES.get(language, _EN)[key]
    return template.format(**values) if values else template
