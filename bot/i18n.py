"""The bot's words in English, Simplified and Traditional Chinese, and picking the user's language.

The Traditional Chinese texts are written by hand as readers in Taiwan and Hong Kong write (群組裡,
連結, 訊息, 帳號), not converted from the Simplified ones: OpenCC's generic s2t gives 羣組裏 and 鏈接,
which read as foreign there. A test keeps the three tables' keys and placeholders in step. Texts are
Telegram HTML: anything dynamic put into them must be escaped by the caller.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from retrieval.text import to_simplified

Language = Literal["en", "zh-Hans", "zh-Hant"]

_HAN = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")
_TRADITIONAL_CODES = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def detect_language(text: str | None, language_code: str | None) -> Language:
    """The language to answer in: the message's own script wins, then the user's Telegram setting."""
    code = (language_code or "").lower()
    if text and _HAN.search(text):
        if to_simplified(text) != text:
            return "zh-Hant"
        # Characters both scripts share (你好, 中美) say nothing about the script: the user's setting does.
        return "zh-Hant" if code.startswith(_TRADITIONAL_CODES) and not _has_simplified_only(text) else "zh-Hans"
    if text and _LATIN.search(text):
        return "en"
    if code.startswith(_TRADITIONAL_CODES):
        return "zh-Hant"
    if code.startswith("zh"):
        return "zh-Hans"
    return "en"


def _has_simplified_only(text: str) -> bool:
    """Whether the text uses a character Traditional writing does not (国, 说): it is then Simplified."""
    return _s2t().convert(text) != text


@functools.cache
def _s2t():
    from opencc import OpenCC

    return OpenCC("s2t")


# A message that only greets: answered with a pointer to /help, not "no passage answers this".
_GREETINGS = frozenset({
    "hi", "hello", "hey", "hiya", "yo", "hi there", "hello there", "hey there", "good morning", "good evening",
    "你好", "您好", "你们好", "你們好", "大家好", "嗨", "哈喽", "哈啰", "哈囉", "早", "早安", "早上好", "晚上好",
    "你好呀", "你好啊", "您好啊", "在吗", "在嗎",
})
_NOT_WORDS = re.compile(r"[\s\W_]+")


def is_greeting(message: str) -> bool:
    """A message that is only a greeting ("hi", "你好!", "Hello 👋"), not a question."""
    words = " ".join(part for part in _NOT_WORDS.split(message.lower()) if part)
    return words in _GREETINGS


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
    "greeting": ("Hello! Send me a question about the news, for example "
                 "<code>稀土出口管制何时生效？</code> or <code>What did Bessent say about rare earths?</code>\n"
                 "/help explains more."),
    "stats": ("<b>NewsQA since {since}</b> (up {uptime})\n"
              "Questions: {questions} from {users} users — answered {answered}, no answer {no_answer}, "
              "greetings {greetings}\n"
              "By language: {languages}\n"
              "Reply time: median {p50} ms, 95% under {p95} ms (last {samples})\n"
              "Throttled: {throttled} · refused: {refused} · errors: {errors}\n"
              "Index: {version}, {articles} articles, {passages} passages"),
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
    "greeting": ("你好！请直接把关于新闻的问题发给我，例如 <code>稀土出口管制何时生效？</code>\n"
                 "/help 有更多说明。"),
    "stats": ("<b>NewsQA 自 {since} 起</b>（已运行 {uptime}）\n"
              "问题：{questions} 个，来自 {users} 位用户——已回答 {answered}，无答案 {no_answer}，问候 {greetings}\n"
              "按语言：{languages}\n"
              "回复时间：中位数 {p50} 毫秒，95% 在 {p95} 毫秒以内（最近 {samples} 个）\n"
              "限流：{throttled} · 拒绝：{refused} · 错误：{errors}\n"
              "索引：{version}，{articles} 篇文章，{passages} 个段落"),
}

# Written by hand for readers in Taiwan and Hong Kong (see the module docstring); same keys and
# placeholders as _ZH_HANS (tests/test_bot_units.py checks both).
_ZH_HANT = {
    "help": (
        "<b>NewsQA</b> 回答與中美新聞有關的問題——稀土、出口管制、貿易——答案來自一批中文新聞報導。"
        "你會收到能回答問題的段落，每段都附上文章標題、日期和原文連結。\n\n"
        "<b>怎麼問</b>：直接把問題傳給我，用繁體、简体或英文都可以。"
        "在群組裡，請用 /ask 加上你的問題，或是 @ 我。\n\n"
        "<b>範例</b>\n"
        "• /ask 中國的稀土儲量佔全球多少？\n"
        "• /ask 貝森特說的12到24個月是什麼意思？\n"
        "• /ask 稀土出口管制何時生效？\n\n"
        "/about 顯示資料庫收錄的內容。"
    ),
    "about": ("<b>NewsQA</b> — 資料庫：{articles} 篇文章，{passages} 個段落。\n"
              "索引建立時間：{built_at}\n模型：<code>{model}</code>"),
    "no_answer": ("抱歉，資料庫裡沒有能回答這個問題的段落。"
                  "請換個說法再試試（例如用新聞裡會出現的人名或詞語），或是問問別的話題。"),
    "results_header": "第 {first}–{last} 段，共 {total} 段",
    "more": "更多 ▶",
    "back": "◀ 上一頁",
    "no_link": "沒有原文連結",
    "source": "原文",
    "ask_usage": "請在指令後面寫上問題，例如 <code>/ask 稀土出口管制何時生效？</code>",
    "too_long": "問題太長了，請控制在 {limit} 個字以內。",
    "slow_down": "請稍等一下：{seconds} 秒後可以再問。",
    "expired": "這些結果已經過期，請重新提問。",
    "refused": "抱歉，這個 NewsQA 機器人是私人部署，沒有開放給這個帳號或群組使用。",
    "error": "抱歉，我這邊出了點問題，請稍後再試。",
    "cmd_ask": "問一個關於新聞的問題",
    "cmd_help": "機器人能做什麼、怎麼提問",
    "cmd_about": "資料庫收錄的內容",
    "greeting": ("你好！請直接把關於新聞的問題傳給我，例如 <code>稀土出口管制何時生效？</code>\n"
                 "/help 有更多說明。"),
    "stats": ("<b>NewsQA 自 {since} 起</b>（已執行 {uptime}）\n"
              "問題：{questions} 則，來自 {users} 位使用者——已回答 {answered}，沒有答案 {no_answer}，問候 {greetings}\n"
              "依語言：{languages}\n"
              "回覆時間：中位數 {p50} 毫秒，95% 在 {p95} 毫秒以內（最近 {samples} 則）\n"
              "限流：{throttled} · 拒絕：{refused} · 錯誤：{errors}\n"
              "索引：{version}，{articles} 篇文章，{passages} 個段落"),
}

MESSAGES: dict[Language, dict[str, str]] = {"en": _EN, "zh-Hans": _ZH_HANS, "zh-Hant": _ZH_HANT}


def text(language: Language, key: str, **values: object) -> str:
    template = MESSAGES.get(language, _EN)[key]
    return template.format(**values) if values else template
