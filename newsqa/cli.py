"""`newsqa COMMAND [ARGS]`: one command for asking, (re)building the index, the bot and evaluation.

    newsqa ask "贝森特说的12到24个月是什么意思？"        # = scripts/query.py
    newsqa rebuild --articles ~/news                   # = scripts/rebuild_index.py
    newsqa verify                                      # = scripts/rebuild_index.py --verify
    newsqa bot                                         # = scripts/run_bot.py
    newsqa eval GOLD.jsonl --run                       # = scripts/evaluate.py
    newsqa setup                                       # = scripts/build_model.py: the model and lookup tables

Each command's module is imported only when it runs, so `newsqa ask` pays for nothing else.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "ask": ("newsqa.ask", "find the news passages that answer a question"),
    "rebuild": ("newsqa.rebuild", "build or update the index from article folders"),
    "verify": ("newsqa.verify", "check every file of the index against its recorded digests"),
    "bot": ("newsqa.bot", "run the Telegram bot"),
    "eval": ("newsqa.evaluate", "score answers against gold questions"),
    "setup": ("newsqa.setup", "build the embedding model and prepare the lookup tables (once)"),
}


def usage() -> str:
    lines = ["usage: newsqa COMMAND [ARGS]  (newsqa COMMAND --help for a command's options)", "", "commands:"]
    lines += [f"  {name:<8} {summary}" for name, (_, summary) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help", "help"):
        print(usage())
        return 0
    command, *rest = argv
    if command not in COMMANDS:
        print(f"newsqa: unknown command {command!r}\n\n{usage()}", file=sys.stderr)
        return 2
    return importlib.import_module(COMMANDS[command][0]).main(rest)
