"""Per-user (and per-group) throttling: a token bucket per key, with one 'slow down' notice per flood.

A flood is answered with a single notice and then ignored until the sender's bucket refills, instead
of being queued: queueing would keep the bot busy answering stale questions long after the flood.
Callers pass the time of each request (the bot uses when the user sent the message, so a flood counts
as a flood however long the messages waited in line); times that run backwards count as no time passing.
"""

from __future__ import annotations

import enum
import math
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass


class Verdict(enum.Enum):
    ALLOW = "allow"  # go ahead; a token was spent
    NOTIFY = "notify"  # over the limit: tell the sender once to slow down
    DROP = "drop"  # over the limit and already told: ignore quietly


@dataclass(frozen=True)
class Decision:
    verdict: Verdict
    retry_after: float = 0.0  # seconds until the sender may ask again (NOTIFY/DROP)


@dataclass(frozen=True)
class Limit:
    burst: int  # requests allowed back to back
    refill_seconds: float  # one more request allowed every this many seconds

    def __post_init__(self) -> None:
        if self.burst < 1 or self.refill_seconds <= 0:
            raise ValueError(f"throttle limit needs burst >= 1 and refill_seconds > 0, got {self}")


class _Bucket:
    __slots__ = ("notified", "tokens", "updated")

    def __init__(self, tokens: float, now: float):
        self.tokens = tokens
        self.updated = now
        self.notified = False


class Throttle:
    """Token buckets keyed by anything hashable (a user id, ('chat', id), …), each with its own Limit."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, max_keys: int = 100_000):
        self._clock = clock
        self._buckets: dict[Hashable, _Bucket] = {}
        self._max_keys = max_keys

    def _refilled(self, key: Hashable, limit: Limit, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self._max_keys:
                self._forget_idle(now, limit)
            bucket = self._buckets[key] = _Bucket(float(limit.burst), now)
            return bucket
        elapsed = max(0.0, now - bucket.updated)
        bucket.tokens = min(float(limit.burst), bucket.tokens + elapsed / limit.refill_seconds)
        bucket.updated = max(now, bucket.updated)
        return bucket

    def check(self, keyed_limits: Sequence[tuple[Hashable, Limit]], now: float | None = None) -> Decision:
        """Spend one token from every bucket named, or none if any of them is empty (now: default the clock)."""
        now = self._clock() if now is None else now
        buckets = [(self._refilled(key, limit, now), limit) for key, limit in keyed_limits]
        empty = [(bucket, limit) for bucket, limit in buckets if bucket.tokens < 1.0]
        if not empty:
            for bucket, _ in buckets:
                bucket.tokens -= 1.0
                bucket.notified = False
            return Decision(Verdict.ALLOW)
        retry_after = max((1.0 - bucket.tokens) * limit.refill_seconds for bucket, limit in empty)
        retry_after = math.ceil(retry_after * 10) / 10
        if any(not bucket.notified for bucket, _ in empty):
            for bucket, _ in empty:
                bucket.notified = True
            return Decision(Verdict.NOTIFY, retry_after)
        return Decision(Verdict.DROP, retry_after)

    def _forget_idle(self, now: float, limit: Limit) -> None:
        # Buckets that have refilled completely hold no state worth keeping.
        full_after = limit.burst * limit.refill_seconds
        for key in [key for key, bucket in self._buckets.items() if now - bucket.updated >= full_after]:
            del self._buckets[key]
