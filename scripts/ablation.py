"""Ablation: each cross-lingual component off in turn, R@1/R@3/MRR per language, NOANS, warm p50 latency.

    python scripts/ablation.py GOLD.jsonl [--index DIR]

The model is the configured one (NEWSQA_MODEL); the index must have been built with it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import _cli

from retrieval.questions import read_jsonl
from retrieval.service import ensure_index, open_searcher
from retrieval.tools.ablation import format_ablation, run_ablation


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score each component switched off in turn.")
    parser.add_argument("gold", type=Path, help="gold questions (JSONL with query, lang, gold)")
    parser.add_argument("--index", type=Path, help="index directory (default: the configured one)")
    parser.add_argument("--top-k", type=int, default=5)
    args = parser.parse_args(argv)

    def ablate() -> int:
        gold = read_jsonl(args.gold)
        settings = _cli.settings(index=args.index)
        ensure_index(settings, say=_cli.say)
        searcher = open_searcher(settings)
        rows = run_ablation(searcher, gold, top_k=args.top_k)
        print(f"model {settings.model}; index {settings.index_dir} ({searcher.index.info.passages} passages)")
        print(format_ablation(rows))
        return 0

    return _cli.run(ablate, also=(ValueError, OSError, KeyError))


if __name__ == "__main__":
    sys.exit(main())
