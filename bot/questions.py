"""One structured log line per question, and the running numbers /stats reports.

The log line is logfmt (`key=value`, one line, greppable in journald and parseable by log shippers):

    question lang=zh-Hans outcome=answered hits=5 latency_ms=84 user=3f9c0a1b2d4e chat=private

The question's text is logged only at DEBUG: questions are what people typed, may name themselves
or others, and INFO logs are kept (journald, docker) where the operator did not choose to keep
them. User ids are logged as a keyed hash: Telegram ids are small integers, so a plain hash could
be reversed by trying them all; keyed with a secret the operator already holds (the bot token,
through HMAC, which does not reveal it), the same user hashes the same way across restarts, so
repeat users can be counted, and nobody without the token can recover the id.
"""

from __future__ import annotations

import collections
import hashlib
import hmac
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("bot.questions")

LATENCY_SAMPLES = 1000  # the recent replies /stats summarises
MAX_TRACKED_USERS = 100_000  # distinct users counted since start; beyond this /stats says "≥"
OUTCOMES = ("answered", "no_answer", "greeting", "empty", "too_long")


def user_hasher(key: str) -> Callable[[int | None], str]:
    """HMAC-SHA256 of the user id, keyed with `key` (never logged), cut to 12 hex digits."""
    secret = hashlib.sha256(("newsqa-user-id:" + key).encode("utf-8")).digest()

    def hash_user(user_id: int | None) -> str:
        if user_id is None:
            return "-"
        return hmac.new(secret, str(user_id).encode("ascii"), hashlib.sha256).hexdigest()[:12]

    return hash_user


@dataclass
class QuestionStats:
    """Counts since start; read by /stats and the benchmark, written by the bot's handlers."""

    clock: Callable[[], float] = time.time
    started_at: float = 0.0
    outcomes: collections.Counter = field(default_factory=collections.Counter)
    languages: collections.Counter = field(default_factory=collections.Counter)
    latencies_ms: collections.deque = field(default_factory=lambda: collections.deque(maxlen=LATENCY_SAMPLES))
    users: set = field(default_factory=set)

    def __post_init__(self) -> None:
        self.started_at = self.started_at or self.clock()

    def record(self, language: str, outcome: str, latency_ms: float, user: str) -> None:
        self.outcomes[outcome] += 1
        self.languages[language] += 1
        if outcome in ("answered", "no_answer"):
            self.latencies_ms.append(latency_ms)
        if len(self.users) < MAX_TRACKED_USERS:
            self.users.add(user)

    @property
    def questions(self) -> int:
        return sum(self.outcomes.values())

    def latency_percentile(self, q: int) -> float | None:
        values = sorted(self.latencies_ms)
        if not values:
            return None
        if len(values) == 1:
            return values[0]
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def log_question(stats: QuestionStats, *, language: str, outcome: str, latency_ms: float, user: str,
                 chat_type: str, hits: int = 0, question: str = "") -> None:
    """Count the question and write its log line (the question's text at DEBUG only)."""
    stats.record(language, outcome, latency_ms, user)
    log.info("question lang=%s outcome=%s hits=%d latency_ms=%.0f user=%s chat=%s",
             language, outcome, hits, latency_ms, user, chat_type)
    if question and log.isEnabledFor(logging.DEBUG):
        log.debug("question text user=%s %r", user, question)


def format_duration(seconds: float) -> str:
    minutes, _ = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"
