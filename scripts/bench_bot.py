"""Benchmark the Telegram bot end to end through the local Bot API stand-in (nothing leaves 127.0.0.1).

    python scripts/bench_bot.py                       # the configured index and model (built from seeds/ if missing)
    python scripts/bench_bot.py --no-telegram-limits  # without AIORateLimiter's 30 messages/s cap
    python scripts/bench_bot.py --questions ../shared/eval/dev_qa.jsonl
    python scripts/bench_bot.py --start               # a new bot process: time to polling, then its first answers

Prints p50/p95 latency from an update being offered to the reply being sent (one question at a time),
then a burst of --messages from --users: messages/s, and how many were answered, throttled and lost.
Exit status 1 if any message was lost.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

import _cli

from retrieval.service import ensure_index


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark the bot through a local Bot API stand-in.")
    parser.add_argument("--index", type=Path, help="index directory (default: $NEWSQA_INDEX or ./index)")
    parser.add_argument("--questions", type=Path, help="JSON lines with a \"query\" field (default: a built-in mix)")
    parser.add_argument("--messages", type=int, default=500, help="messages in the burst (default 500)")
    parser.add_argument("--users", type=int, default=50, help="distinct users sending the burst (default 50)")
    parser.add_argument("--latency-samples", type=int, default=50, help="questions timed one at a time (default 50)")
    parser.add_argument("--no-telegram-limits", action="store_true",
                        help="leave out AIORateLimiter (Telegram's 30 messages/s), to see the bot's own capacity")
    parser.add_argument("--start", action="store_true",
                        help="instead: start scripts/run_bot.py as a new process and time it to polling, its first "
                             "answer and the next 5")
    args = parser.parse_args(argv)
    if min(args.messages, args.users, args.latency_samples) < 1:
        parser.error("--messages, --users and --latency-samples must be at least 1")
    logging.basicConfig(level=logging.WARNING)
    from bot.testing.bench import DEFAULT_QUESTIONS, measure_start, percentile, read_questions, run_benchmark


    def benchmark() -> int:
        settings = _cli.settings(index=args.index)
        questions = read_questions(args.questions) if args.questions else list(DEFAULT_QUESTIONS)
        ensure_index(settings, say=_cli.say)
        if args.start:
            report = measure_start(settings.index_dir, settings.model, questions)
            later = ", ".join(f"{seconds * 1000:.0f}" for seconds in report.later_answers)
            print(f"new bot process: polling after {report.ready_seconds:.1f} s (index, model, warm-up); "
                  f"first answer {report.first_answer * 1000:.0f} ms after the question; next: {later} ms "
                  f"({report.answered} of {1 + len(report.later_answers)} answered with passages)")
            return 0
        latencies, burst, corpus = asyncio.run(run_benchmark(
            settings, questions, args.messages, args.users, args.latency_samples,
            telegram_limits=not args.no_telegram_limits))
        ms = 1000.0
        print(f"corpus: {corpus}; {len(questions)} distinct questions; Telegram rate limits "
              f"{'off' if args.no_telegram_limits else 'on (AIORateLimiter)'}")
        print(f"latency, one question at a time (n={len(latencies)}): p50 {percentile(latencies, 50) * ms:.0f} ms, "
              f"p95 {percentile(latencies, 95) * ms:.0f} ms")
        print(f"burst: {burst.offered} messages from {args.users} users handled in {burst.seconds:.2f} s = "
              f"{burst.offered / burst.seconds:.1f} msgs/s ({burst.replies_sent / burst.seconds:.1f} replies/s sent)")
        print(f"  answered {burst.answered} (of which no-answer {burst.no_answer}), throttled {burst.throttled} "
              f"(notified {burst.throttled_notified}, dropped quietly {burst.throttled_dropped}), lost {burst.lost}")
        replies = burst.reply_latencies
        print(f"  reply latency during the burst (answered only): p50 {percentile(replies, 50) * ms:.0f} ms, "
              f"p95 {percentile(replies, 95) * ms:.0f} ms")
        return 1 if burst.lost else 0


    return _cli.run(benchmark, also=(ValueError, OSError, RuntimeError))

if __name__ == "__main__":
    sys.exit(main())
