"""Fuzz the article reader and the query side with hypothesis; print what was tried and any failure.

    python scripts/fuzz.py                     # 300 examples each, over the configured index
    python scripts/fuzz.py --examples 2000 --index /tmp/index

Exit status 1 when a property failed (the failing inputs are printed). See retrieval/tools/fuzz.py.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import _cli

from retrieval.service import ensure_index, open_searcher
from retrieval.tools.fuzz import analysis_scaling, fuzz_questions, fuzz_reader


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Property-based fuzzing of the reader and the query side.")
    parser.add_argument("--examples", type=int, default=300, help="examples per property (default 300)")
    parser.add_argument("--index", type=Path, help="index directory (default: $NEWSQA_INDEX or ./index)")
    args = parser.parse_args(argv)

    def fuzz() -> int:
        settings = _cli.settings(index=args.index)
        ensure_index(settings, say=_cli.say, show_progress=False)
        searcher = open_searcher(settings)
        searcher.search("How much rare earth did 中国 export?")  # load dictionaries first: not an example's time
        reports = [fuzz_reader(args.examples), fuzz_questions(searcher.search, args.examples)]
        for report in reports:
            print("\n".join(report.lines()))
        print("analysis time by question length (past the cap on purpose):")
        print("\n".join(analysis_scaling(searcher.analyse)))
        return 1 if any(report.failures for report in reports) else 0

    return _cli.run(fuzz)


if __name__ == "__main__":
    sys.exit(main())
