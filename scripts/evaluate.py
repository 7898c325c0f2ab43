"""Score NewsQA on a gold question set.

    python scripts/query.py --questions GOLD.jsonl > ANSWERS.jsonl
    python scripts/evaluate.py GOLD.jsonl ANSWERS.jsonl

or, in one step, answering in-process with the current settings:

    python scripts/evaluate.py GOLD.jsonl --run [--index DIR]

Prints R@1, R@3, R@5 and MRR per language and overall, and NOANS (share of no-answer questions
correctly abstained on).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from pathlib import Path

import _bootstrap  # noqa: F401

from retrieval.config import load_settings
from retrieval.evaluation import evaluate, format_report, read_jsonl
from retrieval.service import ensure_index, open_searcher


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score answers against gold questions.")
    parser.add_argument("gold", type=Path, help="gold questions (JSONL with query, lang, gold)")
    parser.add_argument("answers", type=Path, nargs="?", help="answers from query.py --questions (JSONL)")
    parser.add_argument("--run", action="store_true", help="answer the questions in-process instead")
    parser.add_argument("--index", type=Path, help="index directory for --run")
    parser.add_argument("--top-k", type=int, default=5, help="passages per question for --run (default 5)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    args = parser.parse_args(argv)
    if (args.answers is None) != args.run:
        parser.error("give ANSWERS.jsonl, or --run")
    try:
        gold = read_jsonl(args.gold)
        if args.run:
            settings = load_settings()
            if args.index:
                settings = replace(settings, index_dir=args.index)
            ensure_index(settings, say=lambda message: print(message, file=sys.stderr))
            searcher = open_searcher(settings)
            answers = [searcher.search(q["query"], top_k=args.top_k).to_json() for q in gold]
        else:
            answers = read_jsonl(args.answers)
        report = evaluate(gold, answers)
    except (ValueError, OSError, KeyError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        by_lang = {lang: {"n": s.questions, **{f"R@{k}": v for k, v in (s.recall or {}).items()}, "MRR": s.mrr}
                   for lang, s in report["by_lang"].items()}
        print(json.dumps({"by_lang": by_lang, "noans": report["noans"]}, indent=2))
    else:
        print(format_report(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
