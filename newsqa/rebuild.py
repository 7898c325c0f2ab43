"""Build or update the NewsQA index.

    newsqa rebuild                      # incremental, from the configured dirs (seeds/)
    newsqa rebuild --articles DIR ...   # index these article directories together
    newsqa rebuild --full               # re-read and re-embed everything
    newsqa rebuild --verify             # check every file of every version; change nothing (= newsqa verify)

Incremental by default: only new, changed and removed article files are processed (a file whose
size and mtime are unchanged is not opened), and the change is written as a small delta segment,
or as a fresh base segment once deltas outgrow `compaction_share` of it (README, "Index layout").
The new version is built beside the live one and swapped in atomically; if the rebuild fails or
is killed, the previous index keeps serving. Exit status is non-zero only when nothing could be indexed.
A damaged live version is rebuilt in full; a damaged CURRENT is recovered to the newest complete
version that verifies. `--verify` exits 1 when it finds a problem (each names the file and the repair).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from newsqa import common
from retrieval.service import index_location, rebuild, verify


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsqa rebuild",
                                     description="Build or incrementally update the NewsQA index.")
    parser.add_argument("--articles", type=Path, nargs="+", action="extend", metavar="DIR",
                        help="article directories (default: $NEWSQA_ARTICLES or seeds/)")
    parser.add_argument("--index", type=Path,
                        help="index directory (default: $NEWSQA_INDEX, else ./index in a checkout, "
                             "$NEWSQA_HOME/index or the user data folder)")
    parser.add_argument("--full", action="store_true", help="rebuild everything instead of updating")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--verbose", "-v", action="store_true",
                        help="also name each ignored file or folder (the summary counts them by reason)")
    parser.add_argument("--verify", action="store_true",
                        help="check every file of every index version against its recorded digest, then ask "
                             "the live version a probe question; rebuild nothing")
    args = parser.parse_args(argv)

    def check() -> int:
        report = verify(common.settings(index=args.index, articles=args.articles))
        for problem in report.problems:
            common.say(f"problem: {problem}")
        for note in report.notes:
            common.say(f"note: {note}")
        print(f"verify {report.summary()}")
        return 0 if report.ok else 1

    def build() -> int:
        settings = common.settings(index=args.index, articles=args.articles)
        report = rebuild(settings, full=args.full, show_progress=not args.no_progress, on_warning=common.say)
        if args.verbose:
            for path, reason in report.ignored:
                common.say(f"ignored {path}: {reason}")
        print(f"index {report.version} in {index_location(settings)}: {report.summary()}")
        return 0

    return common.run(check if args.verify else build, status=1)

