"""End to end: the real python-telegram-bot Application, long polling a local Bot API stand-in.

Each test pushes updates into the stand-in and asserts what the bot sent back (sendMessage,
editMessageText, answerCallbackQuery), as Telegram would show it. Waits are for events, with generous
limits; nothing here asserts on speed.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import replace

import pytest
from support.bot import (
    MARKUP_ARTICLE,
    MARKUP_QUESTION,
    TOKEN,
    FakeClock,
    article_with,
    replies_to,
    reply_to,
    running_bot,
    shown,
)
from support.paths import SEEDS

from bot.app import BotOptions
from bot.i18n import text
from bot.searching import LiveSearcher
from bot.testing.standin import BotApiStandIn, parse_telegram_html
from bot.throttle import Limit
from retrieval.service import rebuild

ZH_QUESTION = "贝森特说的12到24个月是什么意思？"
EN_QUESTION = "What is Bessent's 12–24 month timeline?"
SEQUENTIAL = BotOptions(concurrent_updates=False)  # updates handled one by one, in order


@pytest.fixture
def standin():
    with BotApiStandIn(TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def seed_backend(seed_index):
    return LiveSearcher(seed_index)


@pytest.fixture(scope="module")
def markup_index(tmp_path_factory, tiny_model):
    """An index over the seeds plus one article whose title, text and URL contain HTML special characters."""
    articles = tmp_path_factory.mktemp("markup-articles")
    for path in SEEDS.iterdir():
        (articles / path.name).write_bytes(path.read_bytes())
    (articles / "zz_markup.md").write_text(MARKUP_ARTICLE, encoding="utf-8")
    from retrieval.config import Settings

    settings = replace(Settings(), index_dir=tmp_path_factory.mktemp("markup-index"), articles_dirs=(articles,),
                       model=tiny_model)
    rebuild(settings, show_progress=False)
    return settings


def test_chinese_question_gets_the_answering_passage_with_its_source_link(standin, seed_index, seed_backend):
    expected = article_with(SEEDS, "12到24个月")

    async def scenario():
        async with running_bot(seed_index, standin, seed_backend):
            asked = standin.push_message(ZH_QUESTION, language_code="en")
            return await reply_to(standin, asked)

    reply = shown(asyncio.run(scenario()))
    assert "12到24个月" in reply.text
    assert expected.url and (expected.url, _host(expected.url)) in reply.links
    assert any(expected.title in bold for bold in reply.bold)
    assert [href for href, _ in reply.links].count(expected.url) == 1  # the article's link once, however many passages
    assert "▪ " in reply.text and "Passages" not in reply.text  # Chinese question → Chinese page footer


def test_english_question_gets_the_answering_passage_with_its_source_link(standin, seed_index, seed_backend):
    expected = article_with(SEEDS, "12到24个月")

    async def scenario():
        async with running_bot(seed_index, standin, seed_backend):
            asked = standin.push_message(EN_QUESTION, language_code="en")
            return await reply_to(standin, asked)

    reply = shown(asyncio.run(scenario()))
    assert "12到24个月" in reply.text, reply.text
    assert (expected.url, _host(expected.url)) in reply.links


def test_more_button_pages_by_editing_the_message(standin, seed_index, seed_backend):
    async def scenario():
        async with running_bot(seed_index, standin, seed_backend):
            asked = standin.push_message(ZH_QUESTION)
            first = await reply_to(standin, asked)
            sent = standin.wait_for(lambda: [m for m in standin.state.messages.values()
                                             if m.get("reply_to_message", {}).get("message_id") == asked])[0]
            more = _buttons(first)[-1]
            pressed = standin.push_callback(more["callback_data"], sent["message_id"], sent["chat"]["id"])
            edit = (await standin.wait_for_async(lambda: standin.sent("editMessageText")))[0]
            answered = await standin.wait_for_async(
                lambda: [c for c in standin.sent("answerCallbackQuery") if c.params["callback_query_id"] == pressed])
            stale = standin.push_callback("p:0123456789ab:1", sent["message_id"], sent["chat"]["id"], user_id=1002)
            garbled = standin.push_callback("p:nonsense", sent["message_id"], sent["chat"]["id"], user_id=1003)
            expired = await standin.wait_for_async(
                lambda: [c for c in standin.sent("answerCallbackQuery")
                         if c.params["callback_query_id"] in (stale, garbled)] if len(standin.sent(
                             "answerCallbackQuery")) >= 3 else [])
            return first, sent, more, edit, answered[0], expired

    first, sent, more, edit, answered, expired = asyncio.run(scenario())
    assert int(edit.params["message_id"]) == sent["message_id"]
    assert more["text"] == text("zh-Hans", "more")
    page_one, page_two = shown(first), shown(edit)
    assert "第 1–3 段" in page_one.text and "第 4–" in page_two.text
    assert page_one.text.count("▪ ") == 3 and page_two.text.count("▪ ") >= 1
    assert [b["text"] for b in _buttons(edit)] == [text("zh-Hans", "back"), text("zh-Hans", "more")]
    assert "text" not in answered.params  # a plain acknowledgement
    assert [call.params["text"] for call in expired] == [text("en", "expired")] * 2
    assert len(standin.sent("editMessageText")) == 1  # the stale button edited nothing


def test_article_markup_is_shown_as_text_never_as_markup(standin, markup_index):
    backend = LiveSearcher(markup_index)

    async def scenario():
        async with running_bot(markup_index, standin, backend):
            asked = standin.push_message(MARKUP_QUESTION)
            return await reply_to(standin, asked)

    call = asyncio.run(scenario())
    reply = shown(call)  # the stand-in refuses malformed HTML, as Telegram does, so sending it proved it valid
    assert '<a href="http://evil.example/x">点击这里</a>' in reply.text
    assert "<script>alert(1)</script>" in reply.text and "AT&T" in reply.text
    assert "稀土出口管制 <b>新规</b> & 影响" in reply.text
    assert all("evil.example" not in href for href, _ in reply.links)
    assert ("https://example.com/news/rare-earth?a=1&b=2", "example.com") in reply.links
    assert "<script>" not in call.params["text"] and "&lt;script&gt;" in call.params["text"]


def test_unanswerable_question_gets_a_kind_no_answer_in_the_users_language(standin, seed_index, seed_backend):
    async def scenario():
        async with running_bot(seed_index, standin, seed_backend):
            zh = standin.push_message("量子计算机的超导冷却系统怎样保持低温？", user_id=11)
            en = standin.push_message("How do superconducting quantum computers stay cold?", user_id=12)
            return await reply_to(standin, zh), await reply_to(standin, en)

    zh, en = asyncio.run(scenario())
    assert shown(zh).text == text("zh-Hans", "no_answer") and not shown(zh).links
    assert shown(en).text == text("en", "no_answer") and not shown(en).links


def test_groups_get_answers_only_to_ask_or_a_mention(standin, seed_index, seed_backend):
    group = -100200300

    async def scenario():
        async with running_bot(seed_index, standin, seed_backend, SEQUENTIAL):
            plain = standin.push_message(ZH_QUESTION, user_id=21, chat_id=group, chat_type="supergroup")
            other = standin.push_message(f"@someone_else {ZH_QUESTION}", user_id=21, chat_id=group,
                                         chat_type="supergroup")
            mention = standin.push_message(f"@newsqa_test_bot {ZH_QUESTION}", user_id=22, chat_id=group,
                                           chat_type="supergroup")
            mentioned_reply = await reply_to(standin, mention)
            ask = standin.push_message(f"/ask@newsqa_test_bot {ZH_QUESTION}", user_id=23, chat_id=group,
                                       chat_type="supergroup")
            ask_reply = await reply_to(standin, ask)
            return plain, other, mentioned_reply, ask_reply

    plain, other, mentioned_reply, ask_reply = asyncio.run(scenario())
    assert not replies_to(standin, plain) and not replies_to(standin, other)
    for reply in (mentioned_reply, ask_reply):
        assert int(reply.params["chat_id"]) == group and "12到24个月" in shown(reply).text


def test_per_user_throttle_says_slow_down_once_then_stays_quiet(standin, seed_index, seed_backend):
    options = replace(SEQUENTIAL, user_limit=Limit(burst=2, refill_seconds=10.0))
    sent = 1_790_000_000  # Telegram's message date (Unix seconds): the throttle judges by when users sent

    async def scenario():
        async with running_bot(seed_index, standin, seed_backend, options) as newsqa:
            flood = [standin.push_message(ZH_QUESTION, user_id=31, date=sent) for _ in range(4)]
            other = standin.push_message(ZH_QUESTION, user_id=32, date=sent)
            await reply_to(standin, other)  # handled in order, so the whole flood has been handled too
            later = standin.push_message(ZH_QUESTION, user_id=31, date=sent + 10)
            await reply_to(standin, later)
            return flood, newsqa.stats

    flood, stats = asyncio.run(scenario())
    answers = [replies_to(standin, message) for message in flood]
    assert all("12到24个月" in shown(calls[0]).text for calls in answers[:2])
    assert shown(answers[2][0]).text == text("zh-Hans", "slow_down", seconds=10)
    assert answers[3] == []
    assert stats["throttled_notified"] == 1 and stats["throttled_dropped"] == 1


def test_a_flood_is_throttled_by_when_it_was_sent_not_by_how_fast_the_bot_works(standin, seed_index, seed_backend):
    """Messages sent in the same second but handled far apart (slow searches, long queue) are still a flood."""
    clock = FakeClock(1_790_000_000)
    options = replace(SEQUENTIAL, user_limit=Limit(burst=1, refill_seconds=5.0))

    class SlowClockBackend:  # each search "takes" 60 s of bot time
        def search(self, query, top_k):
            clock.now += 60
            return seed_backend.search(query, top_k)

        def facts(self):
            return seed_backend.facts()

    async def scenario():
        async with running_bot(seed_index, standin, SlowClockBackend(), options, clock):
            flood = [standin.push_message(ZH_QUESTION, user_id=35, date=1_790_000_000) for _ in range(2)]
            await reply_to(standin, flood[1])
            return flood

    flood = asyncio.run(scenario())
    assert shown(replies_to(standin, flood[1])[0]).text == text("zh-Hans", "slow_down", seconds=5)


def test_group_throttle_keeps_many_users_from_flooding_a_group(standin, seed_index, seed_backend):
    group = -100999
    options = replace(SEQUENTIAL, group_limit=Limit(burst=2, refill_seconds=60.0))
    sent = 1_790_000_000

    async def scenario():
        async with running_bot(seed_index, standin, seed_backend, options):
            asked = [standin.push_message(f"/ask {ZH_QUESTION}", user_id=40 + i, chat_id=group, chat_type="group",
                                          date=sent) for i in range(5)]
            marker = standin.push_message(ZH_QUESTION, user_id=49, date=sent)  # private: not limited by the group
            await reply_to(standin, marker)
            return asked

    asked = asyncio.run(scenario())
    replied = [replies_to(standin, message) for message in asked]
    assert [len(calls) for calls in replied] == [1, 1, 1, 0, 0]
    assert shown(replied[2][0]).text == text("zh-Hans", "slow_down", seconds=60)


def test_allow_list_admits_listed_users_and_chats_and_politely_refuses_others(standin, seed_index, seed_backend):
    settings = replace(seed_index, allowed_user_ids=(51,), allowed_chat_ids=(-5000,))

    async def scenario():
        async with running_bot(settings, standin, seed_backend, SEQUENTIAL):
            listed = standin.push_message(ZH_QUESTION, user_id=51)
            stranger = standin.push_message(ZH_QUESTION, user_id=52)
            in_listed_group = standin.push_message(f"/ask {ZH_QUESTION}", user_id=52, chat_id=-5000,
                                                   chat_type="group")
            in_other_group = standin.push_message(f"/ask {ZH_QUESTION}", user_id=52, chat_id=-6000,
                                                  chat_type="group")
            chatter = standin.push_message("大家好", user_id=52, chat_id=-6000, chat_type="group")
            last = standin.push_message(ZH_QUESTION, user_id=51)
            await reply_to(standin, last)
            return listed, stranger, in_listed_group, in_other_group, chatter

    listed, stranger, in_listed_group, in_other_group, chatter = asyncio.run(scenario())
    refusal = text("zh-Hans", "refused")
    assert "12到24个月" in shown(replies_to(standin, listed)[0]).text
    assert "12到24个月" in shown(replies_to(standin, in_listed_group)[0]).text
    assert shown(replies_to(standin, stranger)[0]).text == refusal
    assert shown(replies_to(standin, in_other_group)[0]).text == refusal
    assert replies_to(standin, chatter) == []


class _ExplodingBackend:
    """Real search, except that questions containing 'boom' make the search raise."""

    def __init__(self, backend, secret: str = ""):
        self.backend, self.secret = backend, secret

    def search(self, query, top_k):
        if "boom" in query:
            raise RuntimeError(f"search exploded near {self.secret}")
        return self.backend.search(query, top_k)

    def facts(self):
        return self.backend.facts()


def test_error_handler_logs_tells_the_user_and_the_bot_keeps_running(standin, seed_index, seed_backend, caplog):
    caplog.set_level(logging.ERROR, logger="bot.app")

    async def scenario():
        async with running_bot(seed_index, standin, _ExplodingBackend(seed_backend), SEQUENTIAL):
            broken = standin.push_message("boom: what happened?", user_id=61)
            failure = await reply_to(standin, broken)
            fine = standin.push_message(ZH_QUESTION, user_id=61)
            return failure, await reply_to(standin, fine)

    failure, fine = asyncio.run(scenario())
    assert int(failure.params["chat_id"]) == 61 and shown(failure).text == text("en", "error")
    assert "12到24个月" in shown(fine).text
    logged = [r for r in caplog.records if r.name == "bot.app" and r.levelno == logging.ERROR]
    assert logged and "search exploded" in (logged[0].exc_text or "")


def test_token_never_appears_in_any_log_record(standin, seed_index, seed_backend, caplog):
    """Everything logs at DEBUG (the HTTP client too, whose request lines contain the token): none shows it."""
    from bot.redact import REDACTED, install_redaction

    uninstall = install_redaction(TOKEN)
    caplog.set_level(logging.DEBUG)
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    try:
        async def scenario():
            async with running_bot(seed_index, standin, _ExplodingBackend(seed_backend, secret=TOKEN)):
                asked = standin.push_message(ZH_QUESTION, user_id=71)
                await reply_to(standin, asked)
                broken = standin.push_message("boom", user_id=72)
                await reply_to(standin, broken)

        asyncio.run(scenario())
    finally:
        uninstall()
        logging.getLogger("httpx").setLevel(logging.NOTSET)
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    lines = [formatter.format(record) for record in caplog.records]
    assert any(REDACTED in line for line in lines), "expected the token to have been logged, then redacted"
    assert any("search exploded" in line for line in lines)
    assert not [line for line in lines if TOKEN in line or TOKEN.replace(":", "%3A") in line]


def test_a_rebuilt_index_is_served_without_a_restart(standin, tiny_settings, seeds_copy):
    settings = replace(tiny_settings, articles_dirs=(seeds_copy,))
    rebuild(settings, show_progress=False)
    backend = LiveSearcher(settings)

    async def scenario():
        async with running_bot(settings, standin, backend, SEQUENTIAL):
            before = await reply_to(standin, standin.push_message(MARKUP_QUESTION, user_id=81))
            about_before = await reply_to(standin, standin.push_message("/about", user_id=82))
            (seeds_copy / "zz_markup.md").write_text(MARKUP_ARTICLE, encoding="utf-8")
            await asyncio.to_thread(rebuild, settings, show_progress=False)
            after = await reply_to(standin, standin.push_message(MARKUP_QUESTION, user_id=83))
            about_after = await reply_to(standin, standin.push_message("/about", user_id=84))
            return before, after, about_before, about_after

    before, after, about_before, about_after = asyncio.run(scenario())
    # Before the rebuild the article does not exist; after it, without a restart, it is the answer.
    article_link = ("https://example.com/news/rare-earth?a=1&b=2", "example.com")
    assert article_link not in shown(before).links
    assert article_link in shown(after).links
    assert backend.facts().articles == 6
    assert "5 articles" in shown(about_before).text and "6 articles" in shown(about_after).text


def test_a_slow_search_does_not_stall_other_chats(standin, seed_index, seed_backend):
    release = threading.Event()

    class BlockingBackend:  # the question "slow ..." blocks its search until released
        def search(self, query, top_k):
            if query.startswith("slow"):
                assert release.wait(timeout=120), "never released"
            return seed_backend.search(query, top_k)

        def facts(self):
            return seed_backend.facts()

    async def scenario():
        async with running_bot(seed_index, standin, BlockingBackend()):
            slow = standin.push_message("slow 贝森特说的12到24个月", user_id=101)
            quick = standin.push_message(ZH_QUESTION, user_id=102)
            quick_reply = await reply_to(standin, quick)  # arrives while the slow search is still blocked
            slow_was_pending = not replies_to(standin, slow)
            release.set()
            return quick_reply, slow_was_pending, await reply_to(standin, slow)

    try:
        quick_reply, slow_was_pending, slow_reply = asyncio.run(scenario())
    finally:
        release.set()
    assert slow_was_pending and "12到24个月" in shown(quick_reply).text and shown(slow_reply).text


def test_empty_and_overlong_questions_get_a_hint_not_a_search(standin, seed_index, seed_backend):
    async def scenario():
        async with running_bot(seed_index, standin, seed_backend):
            bare = standin.push_message("/ask", user_id=111, chat_id=-777, chat_type="group")
            long = standin.push_message("稀土" * 400, user_id=112)
            return await reply_to(standin, bare), await reply_to(standin, long)

    bare, long = asyncio.run(scenario())
    assert shown(bare).text == parse_telegram_html(text("en", "ask_usage")).text
    assert shown(long).text == text("zh-Hans", "too_long", limit=BotOptions().max_question_chars)


def test_about_reports_corpus_size_index_date_and_model(standin, seed_index, seed_backend):
    from retrieval.store.local.reader import load_index

    index = load_index(seed_index.index_dir)

    async def scenario():
        async with running_bot(seed_index, standin, seed_backend):
            return await reply_to(standin, standin.push_message("/about", user_id=91))

    about = shown(asyncio.run(scenario())).text
    assert f"{index.num_articles} articles" in about and f"{index.num_passages} passages" in about
    assert index.manifest["built_at"] in about and index.model_name in about


@pytest.mark.parametrize(("language_code", "language"), [("en", "en"), ("zh-hans", "zh-Hans"), ("zh-TW", "zh-Hant"),
                                                         (None, "en")])
def test_start_and_help_speak_the_users_language(standin, seed_index, seed_backend, language_code, language):
    async def scenario():
        async with running_bot(seed_index, standin, seed_backend):
            start = standin.push_message("/start", user_id=95, language_code=language_code)
            help_ = standin.push_message("/help", user_id=96, language_code=language_code)
            return await reply_to(standin, start), await reply_to(standin, help_)

    for reply in asyncio.run(scenario()):
        assert shown(reply).text == parse_telegram_html(text(language, "help")).text
    commands = {call.params.get("language_code", ""): call.params["commands"] for call in standin.sent("setMyCommands")}
    assert {c["command"] for c in commands[""]} == {"ask", "help", "about"}
    assert commands["zh"][0]["description"] == text("zh-Hans", "cmd_ask")


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return (urlsplit(url).hostname or "").removeprefix("www.")


def _buttons(call) -> list[dict]:
    markup = call.params.get("reply_markup") or {}
    return [button for row in markup.get("inline_keyboard", []) for button in row]
