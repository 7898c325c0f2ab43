"""Check how well NewsQA reads an article archive (no embedding, no index).

    python scripts/check_corpus.py DIR [--manifest MANIFEST.tsv] [--worst N]

Prints parse failures, articles without passages, title and source-URL exact-match rates against
the manifest (listing every mismatch), passage texts repeated across ≥3 articles (boilerplate) with
the worst offenders, date coverage, and parse+chunk throughput. Exit status 0 when the bar is met.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import _cli

from retrieval.tools.corpus_check import ManifestError, format_report, read_corpus, read_manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the reader on an article directory.")
    parser.add_argument("directory", type=Path, help="directory of article page files")
    parser.add_argument("--manifest", type=Path, help="TSV with columns file, title, source_url")
    parser.add_argument("--worst", type=int, default=10, help="how many repeated passages to show")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes that read pages (default: 2 where there are 2 cores and enough files)")
    args = parser.parse_args(argv)
    if not args.directory.is_dir():
        _cli.say(f"error: {args.directory} is not a directory")
        return _cli.USER_ERROR

    def check() -> int:
        manifest = read_manifest(args.manifest) if args.manifest else None
        text, ok = format_report(read_corpus(args.directory, workers=args.workers), manifest,
                                 worst=args.worst)
        print(text)
        return 0 if ok else 1

    return _cli.run(check, also=(ManifestError,))


if __name__ == "__main__":
    sys.exit(main())
