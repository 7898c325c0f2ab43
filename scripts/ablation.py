"""Ablation: each cross-lingual component off in turn, R@1/R@3/MRR per language, NOANS, warm p50 latency.

    python scripts/ablation.py GOLD.jsonl [--index DIR]

The model is the configured one (NEWSQA_MODEL); the index must have been built with it.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import _bootstrap  # noqa: F401

from retrieval.ablation import format_ablation, run_ablation
from retrieval.config import ConfigError, load_settings
from retrieval.embedding import ModelLoadError
from retrieval.evaluation import read_jsonl
from retrieval.index import IndexError_
from retrieval.service import ensure_index, open_searcher


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Score each component switched off in turn.")
    parser.add_argument("gold", type=Path, help="gold questions (JSONL with query, lang, gold)")
    parser.add_argument("--index", type=Path, help="index directory (default: the configured one)")
    parser.add_argument("--top-k", type=int, default=5)
    args = parser.parse_args(argv)
    try:
        gold = read_jsonl(args.gold)
        settings = load_settings()
        if args.index:
            settings = replace(settings, index_dir=args.index)
        ensure_index(settings, say=lambda message: print(message, file=sys.stderr))
        searcher = open_searcher(settings)
        rows = run_ablation(searcher, gold, top_k=args.top_k)
    except (ValueError, OSError, KeyError, ConfigError, ModelLoadError, IndexError_) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"model {settings.model}; index {settings.index_dir} ({searcher.index.num_passages} passages)")
    print(format_ablation(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
