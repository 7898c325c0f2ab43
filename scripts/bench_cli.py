"""Cold CLI: a question answered by a new process, median of N runs per language, beside
`python -c "import numpy, faiss"` in the same interleaved runs; a step-by-step breakdown; and the
static model's numpy vectors checked against sentence-transformers' on the real model.

    python scripts/bench_cli.py --index /tmp/cli-heldout            # 5 runs each, then the steps
    python scripts/bench_cli.py --index DIR --runs 9 --vectors 3000 # also compare 3,000 texts' vectors

Build the index first: python scripts/rebuild_index.py --articles ../shared/corpus/heldout --index DIR
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import _cli

from retrieval.tools.cold_start import QUESTIONS, cold_cli, compare_vectors, steps, texts_for_comparison

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Cold-start time of the CLI, and the numpy encoder's vectors.")
    parser.add_argument("--index", type=Path, required=True, help="an index directory (e.g. the 232 held-out articles)")
    parser.add_argument("--runs", type=int, default=5, help="new-process runs per case (default 5)")
    parser.add_argument("--vectors", type=int, default=0, metavar="N",
                        help="compare N texts' vectors, numpy vs sentence-transformers, on the configured model")
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="time this checkout's scripts/query.py instead (e.g. main, for a before/after)")
    parser.add_argument("--child-steps", metavar="LANG", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_steps:
        print(json.dumps(steps(args.index, QUESTIONS[args.child_steps])))
        return 0
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; {args.runs} runs each, interleaved")
    print(f"checkout {args.checkout}")
    for runs in cold_cli(args.checkout.resolve(), args.index, args.runs):
        print(runs.line())
    if args.checkout.resolve() != ROOT:
        return 0
    for lang in QUESTIONS:
        done = subprocess.run([sys.executable, __file__, "--index", str(args.index), "--child-steps", lang],
                              capture_output=True, text=True, timeout=600, check=True)
        print(f"steps, {lang} question, one new process:")
        for name, wall, cpu in json.loads(done.stdout):
            print(f"  {name:<45} wall {wall:6.3f} s  CPU {cpu:6.3f} s")
    if args.vectors:
        settings = _cli.settings(index=args.index)
        texts = texts_for_comparison(args.index, ROOT.parent / "shared" / "eval" / "dev_qa.jsonl", args.vectors)
        print(f"numpy vs sentence-transformers, model {settings.model}: {compare_vectors(settings.model, texts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
