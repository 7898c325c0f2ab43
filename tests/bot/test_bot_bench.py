"""The benchmark's bookkeeping: every message of a burst ends up answered, throttled or lost (and none lost)."""

from __future__ import annotations

import asyncio

from bot.testing.bench import DEFAULT_QUESTIONS, percentile, run_benchmark


def test_burst_accounts_for_every_message(seed_index):
    latencies, burst, corpus = asyncio.run(run_benchmark(
        seed_index, list(DEFAULT_QUESTIONS), messages=24, users=4, latency_samples=2, telegram_limits=True,
        timeout=120))
    assert len(latencies) == 2 and all(latency > 0 for latency in latencies)
    assert burst.answered + burst.throttled + burst.lost == burst.offered == 24
    assert burst.lost == 0
    assert burst.throttled >= 4 and 1 <= burst.throttled_notified <= 8  # 6 messages each against a burst of 4
    assert "5 articles" in corpus


def test_percentile_of_known_values():
    assert percentile([1.0], 95) == 1.0
    assert percentile(range(1, 101), 50) == 50.5
    assert percentile(range(1, 101), 95) == 95.05


def test_start_measurement_times_a_new_bot_process_to_its_first_answers(seed_index):
    from bot.testing.bench import measure_start

    report = measure_start(seed_index.index_dir, seed_index.model, ["贝森特说的12到24个月是什么意思？"], later=1)
    assert report.ready_seconds > 0 and report.first_answer > 0 and len(report.later_answers) == 1
    assert report.answered == 2
