"""Benchmark the bot end to end through the Bot API stand-in: reply latency, and a burst from many users.

Latency is measured from the moment an update is queued in the stand-in (offered to long polling) to
the moment the stand-in receives the bot's sendMessage answering it. Every burst message is accounted
for: answered (passages or the no-answer text), throttled (one 'slow down' notice per flood, the rest
dropped on purpose, as the bot's own counter says), or lost (none of these: a bug).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from bot.app import BotOptions, build_application, polling
from bot.i18n import MESSAGES
from bot.searching import LiveSearcher
from bot.testing.standin import BotApiStandIn
from retrieval.config import Settings
from retrieval.questions import read_queries

BENCH_TOKEN = "100000:bench-token-not-a-secret"
DEFAULT_QUESTIONS = (
    "贝森特说的12到24个月是什么意思？",
    "中国的稀土储量占全球多少？",
    "稀土出口管制何时生效？",
    "美日澳如何摆脱对中国稀土的依赖？",
    "What is Bessent's 12–24 month timeline?",
    "量子计算机的超导冷却系统怎样保持低温？",
)


@dataclass(frozen=True)
class BurstReport:
    offered: int
    answered: int
    no_answer: int
    throttled_notified: int
    throttled_dropped: int
    lost: int
    seconds: float
    replies_sent: int
    reply_latencies: tuple[float, ...]

    @property
    def throttled(self) -> int:
        return self.throttled_notified + self.throttled_dropped


def read_questions(path: Path) -> list[str]:
    """The "query" field of each JSON line (the dev set's format); at least one."""
    questions = read_queries(path)
    if not questions:
        raise ValueError(f"{path}: no questions")
    return questions


def percentile(values: Iterable[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1] if len(ordered) > 1 else ordered[0]


_SLOW_DOWN = [re.compile("^" + re.escape(texts["slow_down"]).replace(r"\{seconds\}", r"\d+") + "$")
              for texts in MESSAGES.values()]
_NO_ANSWER = {texts["no_answer"] for texts in MESSAGES.values()}


def _replies(standin: BotApiStandIn) -> dict[int, tuple[str, float]]:
    """message_id asked → (text of the bot's reply, when the stand-in received it)."""
    out = {}
    for call in standin.sent("sendMessage"):
        asked = (call.params.get("reply_parameters") or {}).get("message_id")
        if asked is not None:
            out.setdefault(int(asked), (call.params.get("text", ""), call.at))
    return out


async def _latency(standin: BotApiStandIn, questions: list[str], count: int, first_user: int) -> list[float]:
    latencies = []
    for i in range(count):
        asked = standin.push_message(questions[i % len(questions)], user_id=first_user + i)
        _, at = (await standin.wait_for_async(lambda asked=asked: _replies(standin).get(asked), timeout=120))
        latencies.append(at - standin.offered_at(asked))
    return latencies


async def _burst(standin: BotApiStandIn, newsqa, questions: list[str], messages: int, users: int,
                 first_user: int, timeout: float) -> BurstReport:
    before_dropped = newsqa.stats["throttled_dropped"]
    start = time.monotonic()
    pushed = [standin.push_message(questions[i % len(questions)], user_id=first_user + i % users)
              for i in range(messages)]
    asked = {message_id: standin.offered_at(message_id) for message_id in pushed}

    def settled() -> bool:
        replied = sum(1 for message_id in _replies(standin) if message_id in asked)
        return replied + newsqa.stats["throttled_dropped"] - before_dropped >= messages

    with contextlib.suppress(AssertionError):  # whatever is unaccounted for at the timeout is reported as lost
        await standin.wait_for_async(settled, timeout=timeout)
    replies = {message_id: reply for message_id, reply in _replies(standin).items() if message_id in asked}
    dropped = newsqa.stats["throttled_dropped"] - before_dropped
    end = max([at for _, at in replies.values()] + [time.monotonic() if dropped else start])
    notified = sum(1 for text, _ in replies.values() if any(p.match(text) for p in _SLOW_DOWN))
    no_answer = sum(1 for text, _ in replies.values() if text in _NO_ANSWER)
    answered = len(replies) - notified
    return BurstReport(
        offered=messages, answered=answered, no_answer=no_answer, throttled_notified=notified,
        throttled_dropped=dropped, lost=messages - len(replies) - dropped, seconds=end - start,
        replies_sent=len(replies),
        reply_latencies=tuple(at - asked[message_id] for message_id, (text, at) in replies.items()
                              if not any(p.match(text) for p in _SLOW_DOWN)),
    )


async def run_benchmark(settings: Settings, questions: list[str], messages: int, users: int, latency_samples: int,
                        telegram_limits: bool, timeout: float = 600.0) -> tuple[list[float], BurstReport, str]:
    backend = await asyncio.to_thread(LiveSearcher, settings)
    options = replace(BotOptions(), telegram_rate_limits=telegram_limits)
    with BotApiStandIn(BENCH_TOKEN) as standin:
        app, newsqa = build_application(replace(settings, telegram_token=BENCH_TOKEN,
                                                telegram_base_url=standin.base_url,
                                                allowed_user_ids=(), allowed_chat_ids=()), backend, options)
        async with polling(app, poll_timeout=1.0):
            await _latency(standin, questions, 3, first_user=900_000)  # warm-up: first searches load lazily
            latencies = await _latency(standin, questions, latency_samples, first_user=1_000_000)
            burst = await _burst(standin, newsqa, questions, messages, users, first_user=2_000_000, timeout=timeout)
    facts = backend.facts()
    where = f"{facts.articles} articles / {facts.passages} passages, model {facts.model}"
    return latencies, burst, where


@dataclass(frozen=True)
class StartReport:
    ready_seconds: float  # process start → its first getUpdates (loaded, warmed up, polling)
    first_answer: float  # the first question: offered to polling → the reply received
    later_answers: tuple[float, ...]  # the questions after it, one at a time
    answered: int  # how many of these replies gave passages (the rest: the no-answer text)


def _run_bot_script() -> Path:
    import bot

    return Path(bot.__file__).resolve().parents[1] / "scripts" / "run_bot.py"


def measure_start(index_dir: Path, model: str, questions: list[str], later: int = 5,
                  timeout: float = 600.0) -> StartReport:
    """Start scripts/run_bot.py as a new process against the stand-in and time its first answers: what a
    user asking right after a (re)start waits, warm-up included in the start, not in the answer."""
    import os
    import signal
    import subprocess
    import sys

    with BotApiStandIn(BENCH_TOKEN) as standin:
        env = {key: value for key, value in os.environ.items() if not key.startswith(("TELEGRAM_", "NEWSQA_"))}
        env.update(TELEGRAM_BOT_TOKEN=BENCH_TOKEN, TELEGRAM_BASE_URL=standin.base_url, NEWSQA_INDEX=str(index_dir),
                   NEWSQA_MODEL=model)
        started = time.monotonic()
        process = subprocess.Popen([sys.executable, str(_run_bot_script())], env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        try:
            standin.wait_for(lambda: standin.sent("getUpdates") or process.poll() is not None, timeout=timeout)
            if process.poll() is not None:
                raise RuntimeError(f"the bot exited with {process.returncode}: {process.communicate()[1][-2000:]}")
            ready = standin.sent("getUpdates")[0].at - started
            latencies, answered = [], 0
            for i in range(1 + later):
                asked = standin.push_message(questions[i % len(questions)], user_id=3_000_000 + i)
                text, at = standin.wait_for(lambda asked=asked: _replies(standin).get(asked), timeout=120)
                latencies.append(at - standin.offered_at(asked))
                answered += text not in _NO_ANSWER
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.communicate()
    return StartReport(ready, latencies[0], tuple(latencies[1:]), answered)
