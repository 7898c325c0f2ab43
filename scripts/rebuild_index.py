"""Build or update the NewsQA index.

    python scripts/rebuild_index.py                      # incremental, from the configured dirs (seeds/)
    python scripts/rebuild_index.py --articles DIR ...   # index these article directories together
    python scripts/rebuild_index.py --full               # re-read and re-embed everything

Incremental by default: only new, changed and removed article files are processed (a file whose
size and mtime are unchanged is not opened), and the change is written as a small delta segment,
or as a fresh base segment once deltas outgrow `compaction_share` of it (README, "Index layout").
The new version is built beside the live one and swapped in atomically; if the rebuild fails or
is killed, the previous index keeps serving. Exit status is non-zero only when nothing could be indexed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import _cli

from retrieval.service import index_location, rebuild


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build or incrementally update the NewsQA index.")
    parser.add_argument("--articles", type=Path, nargs="+", action="extend", metavar="DIR",
                        help="article directories (default: $NEWSQA_ARTICLES or seeds/)")
    parser.add_argument("--index", type=Path, help="index directory (default: $NEWSQA_INDEX or ./index)")
    parser.add_argument("--full", action="store_true", help="rebuild everything instead of updating")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    def build() -> int:
        settings = _cli.settings(index=args.index, articles=args.articles)
        report = rebuild(settings, full=args.full, show_progress=not args.no_progress, on_warning=_cli.say)
        print(f"index {report.version} in {index_location(settings)}: {report.summary()}")
        return 0

    return _cli.run(build, status=1)


if __name__ == "__main__":
    sys.exit(main())
