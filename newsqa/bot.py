"""Run the NewsQA Telegram bot (long polling, or a webhook) until SIGINT or SIGTERM.

    TELEGRAM_BOT_TOKEN=123:abc newsqa bot
    TELEGRAM_BASE_URL=http://127.0.0.1:8081/bot newsqa bot   # a self-hosted Bot API server
    NEWSQA_WEBHOOK_URL=https://bot.example.org/tg-7f3a NEWSQA_WEBHOOK_LISTEN=127.0.0.1:8080 \
        NEWSQA_WEBHOOK_SECRET=... newsqa bot                  # webhook behind a TLS proxy

Settings come from newsqa.toml and the environment (see newsqa.example.toml and deploy/README.md).
With no index at the default location yet, one is built there first. Exit status: 0 after
SIGINT/SIGTERM, 2 for settings that cannot work (no or rejected token, bad webhook settings, a
missing --index), 75 when the Bot API stayed unreachable.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from newsqa import common
from retrieval.errors import ConfigError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsqa bot", description="Run the NewsQA Telegram bot (long polling, or a "
                                                                   "webhook when NEWSQA_WEBHOOK_URL is set).")
    parser.add_argument("--index", type=Path,
                        help="index directory (default: $NEWSQA_INDEX, else ./index in a checkout, "
                             "$NEWSQA_HOME/index or the user data folder)")
    parser.add_argument("--verbose", action="store_true",
                        help="log at DEBUG level, question texts included (the token stays redacted)")
    args = parser.parse_args(argv)

    def serve_bot() -> int:
        settings = common.settings(index=args.index)
        if not settings.telegram_token:
            raise ConfigError("no bot token: set TELEGRAM_BOT_TOKEN (or telegram_token in newsqa.toml)")
        from bot.serve import serve  # after the token check: importing the bot stack takes seconds

        return serve(settings, log_level=logging.DEBUG if args.verbose else logging.INFO)

    return common.run(serve_bot, also=(OSError,))

