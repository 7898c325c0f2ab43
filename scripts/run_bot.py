"""Run the NewsQA Telegram bot (long polling) until SIGINT or SIGTERM.

    TELEGRAM_BOT_TOKEN=123:abc python scripts/run_bot.py
    TELEGRAM_BASE_URL=http://127.0.0.1:8081/bot python scripts/run_bot.py   # a self-hosted Bot API server

Settings come from newsqa.toml and the environment (TELEGRAM_BOT_TOKEN, TELEGRAM_BASE_URL, NEWSQA_INDEX,
NEWSQA_ALLOWED_USERS, NEWSQA_ALLOWED_CHATS); see the README. With no index yet, one is built first.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import _cli

from retrieval.errors import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the NewsQA Telegram bot (long polling).")
    parser.add_argument("--index", type=Path, help="index directory (default: $NEWSQA_INDEX or ./index)")
    parser.add_argument("--verbose", action="store_true", help="log at DEBUG level (the token stays redacted)")
    args = parser.parse_args(argv)

    def serve_bot() -> int:
        settings = _cli.settings(index=args.index)
        if not settings.telegram_token:
            raise ConfigError("no bot token: set TELEGRAM_BOT_TOKEN (or telegram_token in newsqa.toml)")
        from bot.app import serve  # after the token check: importing the bot stack takes seconds

        return serve(settings, log_level=logging.DEBUG if args.verbose else logging.INFO)

    return _cli.run(serve_bot, also=(OSError,))


if __name__ == "__main__":
    sys.exit(main())
