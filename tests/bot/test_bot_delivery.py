"""Bot delivery against a flaky Bot API: 5xx and malformed replies are retried with bounded backoff, every
callback is answered, tampered callback data never gives a traceback (issue 19)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

import pytest
from support.bot import TOKEN, running_bot
from telegram.error import BadRequest, NetworkError, TimedOut

from bot.delivery import RetryPolicy, worth_retrying
from bot.searching import LiveSearcher
from bot.testing.standin import ApiError, BotApiStandIn

QUICK = RetryPolicy(attempts=4, first_pause=0.01, max_pause=0.05)


class FlakyStandIn(BotApiStandIn):
    """The stand-in, failing the next calls of a method as told: a status code or a malformed body."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.faults: dict[str, list[object]] = {}

    def _serve(self, request) -> None:
        method = request.path.rsplit("/", 1)[-1].split("?")[0]
        with self._cond:
            fault = self.faults.get(method, []).pop(0) if self.faults.get(method) else None
        if isinstance(fault, bytes):
            length = int(request.headers.get("Content-Length") or 0)
            request.rfile.read(length)
            with contextlib.suppress(OSError):
                request.send_response(200)
                request.send_header("Content-Length", str(len(fault)))
                request.end_headers()
                request.wfile.write(fault)
            return
        if isinstance(fault, int):
            self._fail_with = fault
        super()._serve(request)

    def _dispatch(self, method: str, params: dict) -> object:
        code = getattr(self, "_fail_with", None)
        if code is not None:
            self._fail_with = None
            raise ApiError(code, f"stand-in fault {code}")
        return super()._dispatch(method, params)


async def delivered_reply(standin: BotApiStandIn, asked: int) -> dict:
    """The message the stand-in accepted in reply to `asked` (failed calls are recorded too, so not
    standin.sent)."""
    found = await standin.wait_for_async(lambda: [m for m in standin.state.messages.values()
                                                  if m.get("reply_to_message", {}).get("message_id") == asked])
    return found[0]


@pytest.fixture
def flaky():
    with FlakyStandIn(TOKEN) as server:
        yield server


@pytest.fixture(scope="module")
def seed_backend(seed_index):
    return LiveSearcher(seed_index)


@pytest.mark.parametrize("error, retried", [
    (NetworkError("Bad Gateway (502)"), True), (NetworkError("httpx.ConnectError"), True),
    (BadRequest("message is too long"), False), (TimedOut(), False), (KeyError("result"), True),
])
def test_what_is_worth_retrying(error, retried):
    assert worth_retrying(error) is retried


def test_backoff_is_bounded():
    assert RetryPolicy().pauses() == [0.5, 1.0, 2.0, 4.0]


@pytest.mark.parametrize("fault", [502, 500, 503, b"<html>gateway</html>", b'{"ok": true}'],
                         ids=["502", "500", "503", "not-json", "no-result"])
def test_an_answer_survives_a_failed_send(flaky, seed_index, seed_backend, monkeypatch, fault):
    monkeypatch.setattr("bot.delivery.RetryPolicy", lambda: QUICK)
    flaky.faults["sendMessage"] = [fault, fault]

    async def scenario():
        async with running_bot(seed_index, flaky, seed_backend):
            asked = flaky.push_message("中国的稀土储量占全球多少？")
            return await delivered_reply(flaky, asked)

    assert "44%" in asyncio.run(scenario())["text"]  # delivered on the third try


def test_retries_give_up_after_the_policy(flaky, seed_index, seed_backend, monkeypatch, caplog):
    monkeypatch.setattr("bot.delivery.RetryPolicy", lambda: QUICK)
    flaky.faults["sendMessage"] = [502] * 20

    async def scenario():
        async with running_bot(seed_index, flaky, seed_backend):
            flaky.push_message("中国的稀土储量占全球多少？")
            await flaky.wait_for_async(lambda: len(flaky.sent("sendMessage")) >= 8, timeout=30)
            await asyncio.sleep(0.3)

    with caplog.at_level(logging.WARNING):
        asyncio.run(scenario())
    # the answer (4 tries) and the error notice (4 tries), then nothing more
    assert len(flaky.sent("sendMessage")) == 8


@pytest.mark.parametrize("data", ["p", "x:y:z", "p:KEY:²", "p:KEY:-1", "p:" + "9" * 60, "", "p:::"])
def test_every_callback_is_answered_and_tampered_data_logs_no_traceback(flaky, seed_index, seed_backend, data,
                                                                         caplog):
    async def scenario():
        async with running_bot(seed_index, flaky, seed_backend):
            asked = flaky.push_message("中国的稀土储量占全球多少？")
            sent = await delivered_reply(flaky, asked)
            pressed = flaky.push_callback(data, sent["message_id"], sent["chat"]["id"])
            return await flaky.wait_for_async(
                lambda: [c for c in flaky.sent("answerCallbackQuery") if c.params["callback_query_id"] == pressed])

    with caplog.at_level(logging.ERROR):
        answered = asyncio.run(scenario())
    assert answered and not [r for r in caplog.records if r.exc_info]
