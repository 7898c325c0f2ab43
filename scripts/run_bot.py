"""Run the NewsQA Telegram bot (the same as `newsqa bot`).

Options and examples: `python scripts/run_bot.py --help`, or newsqa/bot.py.
"""

import sys

import _bootstrap  # noqa: F401  (the checkout on sys.path, ahead of an installed copy)

from newsqa.bot import main

if __name__ == "__main__":
    sys.exit(main())
