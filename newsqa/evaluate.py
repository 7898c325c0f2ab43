"""Score NewsQA on a gold question set.

    newsqa ask --questions GOLD.jsonl > ANSWERS.jsonl
    newsqa eval GOLD.jsonl ANSWERS.jsonl

or, in one step, answering in-process with the current settings:

    newsqa eval GOLD.jsonl --run [--index DIR]

Prints R@1, R@3, R@5 and MRR per language and overall, article-level R@3 (with --run, for
questions that name their article), NOANS (share of no-answer questions correctly abstained on)
and false abstains (answerable questions abstained on).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from newsqa import common
from retrieval.questions import read_jsonl
from retrieval.service import ensure_index, open_searcher
from retrieval.tools.ablation import warm_up
from retrieval.tools.evaluation import evaluate, format_report, with_sources


def fusion_grid(searcher, gold: list[dict], top_k: int) -> str:
    """Fusion measured, not guessed: every method × dense weight on the same questions."""
    lines = []
    for fusion in ("weighted", "rrf"):
        for weight in (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0):
            searcher.options = replace(searcher.options, fusion=fusion, dense_weight=weight)
            report = evaluate(gold, [searcher.search(q["query"], top_k=top_k).to_json() for q in gold])
            cells = "  ".join(f"{lang} R@3 {s.recall[3]:.3f}" for lang, s in report["by_lang"].items())
            lines.append(f"{fusion:8} dense_weight {weight:.1f}  {cells}  MRR(all) {report['by_lang']['all'].mrr:.3f}"
                         f"  NOANS {report['noans']:.2f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsqa eval", description="Score answers against gold questions.")
    parser.add_argument("gold", type=Path, help="gold questions (JSONL with query, lang, gold)")
    parser.add_argument("answers", type=Path, nargs="?", help="answers from query.py --questions (JSONL)")
    parser.add_argument("--run", action="store_true", help="answer the questions in-process instead")
    parser.add_argument("--index", type=Path, help="index directory for --run (default as for newsqa ask)")
    parser.add_argument("--top-k", type=int, default=5, help="passages per question for --run (default 5)")
    parser.add_argument("--json", action="store_true", help="print the scores as JSON")
    parser.add_argument("--fusion-grid", action="store_true",
                        help="with --run: score each fusion method and dense weight, one line each")
    args = parser.parse_args(argv)
    if (args.answers is None) != args.run:
        parser.error("give ANSWERS.jsonl, or --run")

    def score() -> int:
        gold = read_jsonl(args.gold)
        if args.run:
            settings = common.settings(index=args.index)
            ensure_index(settings, say=common.say)
            searcher = open_searcher(settings)
            if args.fusion_grid:
                print(fusion_grid(searcher, gold, args.top_k))
                return 0
            warm_up(searcher, args.top_k)  # lazy loads: not a question's cost
            answers, timings = [], []
            for q in gold:
                started = time.perf_counter()
                answers.append(searcher.search(q["query"], top_k=args.top_k).to_json())
                timings.append((time.perf_counter() - started) * 1000)
            sources = searcher.index.article_sources({h["article_id"] for a in answers for h in a["hits"]})
            answers = with_sources(answers, sources)
        else:
            answers = read_jsonl(args.answers)
        report = evaluate(gold, answers)
        if args.json:
            by_lang = {lang: {"n": s.questions, **{f"R@{k}": v for k, v in (s.recall or {}).items()}, "MRR": s.mrr,
                              **({"article R@3": s.article_recall[3]} if s.article_recall else {})}
                       for lang, s in report["by_lang"].items()}
            print(json.dumps({"by_lang": by_lang, "noans": report["noans"],
                              "false_abstains": report["false_abstains"]}, indent=2))
        else:
            print(format_report(report))
            if args.run:
                p50, p95 = statistics.median(timings), float(np.percentile(timings, 95))
                print(f"warm query latency over {len(timings)} questions: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
        return 0

    return common.run(score, also=(ValueError, OSError, KeyError))

