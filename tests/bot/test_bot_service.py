"""The bot as operators run it: greetings, /stats for admins, one log line per question, start-up.

End to end through the Bot API stand-in where a user is involved; start-up retry with a fake Bot API.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import replace

import pytest
from support.bot import TOKEN, bot_settings, reply_to, shown
from telegram.error import InvalidToken, NetworkError, TimedOut

from bot.app import BotOptions, build_application, polling
from bot.i18n import text
from bot.questions import user_hasher
from bot.searching import LiveSearcher
from bot.serve import BotApiUnreachable, wait_for_bot_api, warm_up, webhook_of
from bot.testing.standin import BotApiStandIn
from retrieval.config import ConfigError, Settings

ZH_QUESTION = "贝森特说的12到24个月是什么意思？"
ADMIN = 4242


@pytest.fixture
def standin():
    with BotApiStandIn(TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def seed_backend(seed_index):
    return LiveSearcher(seed_index)


async def _run(settings, standin, backend, scenario, options=None):
    app, newsqa = build_application(bot_settings(settings, standin), backend, options)
    async with polling(app, poll_timeout=1.0):
        return await scenario(newsqa)


@pytest.mark.parametrize(("greeting", "code", "language"), [("hi", "en", "en"), ("你好", "zh-CN", "zh-Hans"),
                                                             ("您好！", "zh-TW", "zh-Hant"), ("Hello 👋", None, "en")])
def test_a_greeting_gets_a_pointer_to_help_not_no_answer(standin, seed_index, seed_backend, greeting, code, language):
    async def scenario(newsqa):
        return await reply_to(standin, standin.push_message(greeting, language_code=code))

    reply = shown(asyncio.run(_run(seed_index, standin, seed_backend, scenario)))
    assert "/help" in reply.text and reply.text != text(language, "no_answer")
    assert reply.text == shown_text(text(language, "greeting"))


def shown_text(html_text: str) -> str:
    from bot.testing.standin import parse_telegram_html

    return parse_telegram_html(html_text).text


def test_stats_answers_admins_and_is_an_unknown_command_to_everyone_else(standin, seed_index, seed_backend):
    settings = replace(seed_index, admin_user_ids=(ADMIN,), allowed_user_ids=(1,))  # the admin is not on the list

    async def scenario(newsqa):
        await reply_to(standin, standin.push_message(ZH_QUESTION, user_id=ADMIN))
        await reply_to(standin, standin.push_message("hi", user_id=ADMIN))
        admin = await reply_to(standin, standin.push_message("/stats", user_id=ADMIN))
        other = await reply_to(standin, standin.push_message("/stats", user_id=1))
        group = standin.push_message("/stats", user_id=1, chat_id=-5, chat_type="group")
        await reply_to(standin, standin.push_message("/help", user_id=1, chat_id=-5, chat_type="group"))
        return admin, other, group

    admin, other, group = asyncio.run(_run(settings, standin, seed_backend, scenario,
                                           BotOptions(concurrent_updates=False)))
    stats = shown(admin).text
    assert "Questions: 2 from 1 users — answered 1, no answer 0, greetings 1" in stats
    assert re.search(r"Reply time: median \d+ ms", stats) and "5 articles" in stats
    assert shown(other).text == shown_text(text("en", "help"))  # no numbers for a non-admin
    assert not [c for c in standin.sent("sendMessage") if c.params["reply_parameters"]["message_id"] == group]


def test_each_question_logs_one_structured_line_without_its_text_or_the_user_id(standin, seed_index, seed_backend,
                                                                                caplog):
    caplog.set_level(logging.INFO, logger="bot.questions")

    async def scenario(newsqa):
        await reply_to(standin, standin.push_message(ZH_QUESTION, user_id=5150))
        await reply_to(standin, standin.push_message("量子计算机的超导冷却系统怎样保持低温？", user_id=5151))

    asyncio.run(_run(seed_index, standin, seed_backend, scenario))
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.questions"]
    assert len(lines) == 2, lines
    pattern = r"question lang=zh-Hans outcome=(\w+) hits=(\d+) latency_ms=\d+ user=([0-9a-f]{12}) chat=private"
    parsed = [re.fullmatch(pattern, line) for line in lines]
    assert all(parsed), lines
    assert [m.group(1) for m in parsed] == ["answered", "no_answer"] and int(parsed[0].group(2)) >= 1
    assert parsed[0].group(3) == user_hasher(TOKEN)(5150) != user_hasher("another token")(5150)
    joined = "\n".join(lines)
    assert "5150" not in joined and "贝森特" not in joined and TOKEN not in joined


def test_warm_up_searches_before_serving(seed_backend):
    asked = []

    class Recording:
        def search(self, query, top_k):
            asked.append(query)
            return seed_backend.search(query, top_k)

    assert warm_up(Recording()) >= 0 and len(asked) == 2
    assert any(re.search(r"[\u4e00-\u9fff]", q) for q in asked) and any(q.isascii() for q in asked)


def test_start_up_retries_with_backoff_while_the_bot_api_is_unreachable(caplog):
    caplog.set_level(logging.WARNING, logger="bot.serve")
    now, slept, calls = [0.0], [], []

    async def sleep(seconds):
        slept.append(seconds)
        now[0] += seconds

    async def flaky_get_me():
        calls.append(now[0])
        if len(calls) <= 4:
            raise TimedOut() if len(calls) % 2 else NetworkError("httpx.ConnectError: connection refused")

    failures = asyncio.run(wait_for_bot_api(flaky_get_me, 300, "api.telegram.org", sleep, lambda: now[0]))
    assert failures == 4 and slept == [1, 2, 4, 8]
    assert len([r for r in caplog.records if "unreachable" in r.getMessage()]) == 4

    async def down():
        raise NetworkError("connection refused")

    slept.clear()
    with pytest.raises(BotApiUnreachable, match="unreachable for"):
        asyncio.run(wait_for_bot_api(down, 60, "x", sleep, lambda: now[0]))
    assert slept == [1, 2, 4, 8, 16] and sum(slept) <= 60  # bounded: it gives up instead of waiting forever

    async def rejected():
        raise InvalidToken()

    slept.clear()
    with pytest.raises(InvalidToken):
        asyncio.run(wait_for_bot_api(rejected, 60, "x", sleep, lambda: now[0]))
    assert slept == []  # a wrong token is not retried


@pytest.mark.parametrize(("changes", "complaint"), [
    ({"webhook_url": "bot.example.org/hook", "webhook_secret": "s"}, "NEWSQA_WEBHOOK_URL"),
    ({"webhook_url": "https://bot.example.org/hook"}, "NEWSQA_WEBHOOK_SECRET"),
    ({"webhook_url": "https://bot.example.org/hook", "webhook_secret": "has space"}, "NEWSQA_WEBHOOK_SECRET"),
    ({"webhook_url": "https://bot.example.org/hook", "webhook_secret": "ok", "webhook_listen": "8080"},
     "NEWSQA_WEBHOOK_LISTEN"),
])
def test_bad_webhook_settings_are_named(changes, complaint):
    with pytest.raises(ConfigError, match=complaint):
        webhook_of(replace(Settings(), **changes))


def test_webhook_settings_listen_on_the_public_urls_path():
    hook = webhook_of(replace(Settings(), webhook_url="https://bot.example.org/tg/hook-1", webhook_secret="s3-c_r",
                              webhook_listen="0.0.0.0:8443"))
    assert (hook.host, hook.port, hook.path) == ("0.0.0.0", 8443, "/tg/hook-1")
    assert webhook_of(Settings()) is None
