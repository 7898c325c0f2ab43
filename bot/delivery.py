"""Delivery that survives a flaky Bot API: sends retried on 5xx and malformed replies, with bounded backoff.

python-telegram-bot retries nothing by itself; AIORateLimiter retries 429 (RetryAfter) only. The
issue-19 audit found a 5xx or a malformed reply on sendMessage, or the API going away for a moment
right after a question was fetched, lost the answer and the error notice alike. `RetryingRequest`
is the request object of every Bot API call but getUpdates (which has its own loop): it retries
a call that failed in a way that says nothing was done — a server error (5xx), a connection that
failed, a reply that is not the Bot API's JSON — a few times with doubling pauses, then gives up
with the last error. Errors that are answers (400, 403, 401/404, 409, 429) and timeouts (the
message may have gone out: a retry would send it twice) are raised at once.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from telegram.error import BadRequest, NetworkError, TelegramError, TimedOut
from telegram.request import HTTPXRequest

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5  # in all, the first one included
    first_pause: float = 0.5  # seconds; doubled after each failure
    max_pause: float = 4.0  # 0.5 + 1 + 2 + 4 = 7.5 s of pauses at most: a short outage, not a long one

    def pauses(self) -> list[float]:
        return [min(self.max_pause, self.first_pause * 2 ** i) for i in range(self.attempts - 1)]


def worth_retrying(error: BaseException) -> bool:
    """A failure that says the call was not carried out, so repeating it cannot do it twice."""
    if isinstance(error, (BadRequest, TimedOut)):
        return False
    if isinstance(error, NetworkError):  # 5xx, connection refused or reset
        return True
    if isinstance(error, TelegramError):
        return "Invalid server response" in error.message
    return isinstance(error, (KeyError, TypeError, ValueError))  # JSON without "result", not an object


# Calls with a retry loop of their own: the start-up getMe is retried with a longer backoff by
# bot/serve.py (retrying it here as well multiplied the waits and hid the start loop's messages).
OWN_RETRIES = frozenset({"getMe"})


class RetryingRequest(HTTPXRequest):
    def __init__(self, *args, policy: RetryPolicy | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.policy = policy or RetryPolicy()

    async def post(self, url, request_data=None, *args, **kwargs):
        method = url.rsplit("/", 1)[-1]
        if method in OWN_RETRIES:
            return await super().post(url, request_data, *args, **kwargs)
        for pause in [*self.policy.pauses(), None]:
            try:
                return await super().post(url, request_data, *args, **kwargs)
            except Exception as error:
                if pause is None or not worth_retrying(error):
                    raise
                log.warning("Bot API %s failed (%s); retrying in %.1f s", method, type(error).__name__, pause)
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")
