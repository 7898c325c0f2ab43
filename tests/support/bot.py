"""Helpers for the bot's end-to-end tests: run the real Application against the Bot API stand-in."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path

from bot.app import BotOptions, build_application, polling
from bot.searching import SearchBackend
from bot.testing.standin import ApiCall, BotApiStandIn, parse_telegram_html
from retrieval.config import Settings
from retrieval.ingest.articles import read_article_file

TOKEN = "424242:AAH-test-Token_value-NOT-real-0123456789"

MARKUP_ARTICLE = (
    "---\n"
    'title: "稀土出口管制 <b>新规</b> & 影响"\n'
    "date: 2025-10-09\n"
    "url: https://example.com/news/rare-earth?a=1&b=2\n"
    "---\n\n"
    "商务部宣布对钬、铒、铥等五种中重稀土实施出口管制，公告原文中出现 "
    '&lt;a href="http://evil.example/x"&gt;点击这里&lt;/a&gt; 以及 &lt;script&gt;alert(1)&lt;/script&gt; '
    "和 AT&amp;T 这样的字符。\n\n"
    "第二段：钬、铒、铥的出口许可证将于十二月一日起由商务部统一审批，企业需要提前申请。\n"
)
MARKUP_QUESTION = "钬、铒、铥的出口管制"


class FakeClock:
    def __init__(self, now: float = 1000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def bot_settings(settings: Settings, standin: BotApiStandIn, **changes) -> Settings:
    return replace(settings, telegram_token=TOKEN, telegram_base_url=standin.base_url, **changes)


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, standin: BotApiStandIn, backend: SearchBackend,
                      options: BotOptions | None = None, clock=None):
    kwargs = {"clock": clock} if clock is not None else {}
    app, newsqa = build_application(bot_settings(settings, standin), backend, options, **kwargs)
    async with polling(app, poll_timeout=1.0):
        yield newsqa


def replies_to(standin: BotApiStandIn, message_id: int) -> list[ApiCall]:
    return [call for call in standin.sent("sendMessage")
            if (call.params.get("reply_parameters") or {}).get("message_id") == message_id]


async def reply_to(standin: BotApiStandIn, message_id: int, timeout: float = 60.0) -> ApiCall:
    found = await standin.wait_for_async(lambda: replies_to(standin, message_id), timeout)
    return found[0]


def shown(call: ApiCall):
    """What the user sees for a sent or edited message: visible text, links, bold pieces."""
    return parse_telegram_html(call.params["text"])


def article_with(directory: Path, needle: str):
    """The article (as the reader parses it) whose text contains needle: the expected source of an answer."""
    for path in sorted(directory.iterdir()):
        outcome = read_article_file(path)
        article = outcome.article
        if article and any(needle in paragraph for paragraph in article.paragraphs):
            return article
    raise LookupError(f"no article in {directory} contains {needle!r}")
