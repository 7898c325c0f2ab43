"""Score answers against gold questions: R@1/3/5 and MRR per language and overall, and NOANS.

A hit is relevant when its text, all whitespace removed, contains one of the question's gold
strings (whitespace removed too). An empty gold list means no answer is expected: the question
counts for NOANS (abstained correctly or not), not for recall.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_WS = re.compile(r"\s+")
RANKS = (1, 3, 5)


def squeeze(text: str) -> str:
    return _WS.sub("", text)


def is_relevant(hit_text: str, gold: list[str]) -> bool:
    text = squeeze(hit_text)
    return any(squeeze(g) and squeeze(g) in text for g in gold)


def first_relevant_rank(hit_texts: list[str], gold: list[str]) -> int | None:
    for rank, text in enumerate(hit_texts, 1):
        if is_relevant(text, gold):
            return rank
    return None


@dataclass
class Scores:
    questions: int = 0
    recall: dict[int, float] | None = None
    mrr: float = 0.0

    def row(self) -> str:
        recall = self.recall or {}
        return "  ".join(f"R@{k} {recall.get(k, 0.0):.3f}" for k in RANKS) + f"  MRR {self.mrr:.3f}"


def evaluate(gold: list[dict], answers: list[dict]) -> dict:
    """Pair gold questions and answers by position (answers are produced in question order)."""
    if len(gold) != len(answers):
        raise ValueError(f"{len(gold)} gold questions but {len(answers)} answers")
    per_lang: dict[str, list[int | None]] = {}
    noans_total = noans_ok = 0
    false_abstains = 0
    for question, answer in zip(gold, answers, strict=True):
        if answer.get("query") is not None and answer["query"] != question["query"]:
            raise ValueError(f"answer for {question.get('id')} is for another query: {answer['query']!r}")
        if not question.get("gold"):
            noans_total += 1
            noans_ok += not answer.get("answered") or not answer.get("hits")
            continue
        hits = [hit["text"] for hit in answer.get("hits", [])] if answer.get("answered") else []
        false_abstains += not answer.get("answered")
        rank = first_relevant_rank(hits, question["gold"])
        per_lang.setdefault(question.get("lang", "?"), []).append(rank)
    all_ranks = [rank for ranks in per_lang.values() for rank in ranks]
    result = {lang: _scores(ranks) for lang, ranks in sorted(per_lang.items())}
    result["all"] = _scores(all_ranks)
    return {"by_lang": result, "noans": noans_ok / noans_total if noans_total else None,
            "noans_total": noans_total, "false_abstains": false_abstains}


def _scores(ranks: list[int | None]) -> Scores:
    n = len(ranks)
    recall = {k: sum(1 for r in ranks if r is not None and r <= k) / n if n else 0.0 for k in RANKS}
    mrr = sum(1 / r for r in ranks if r is not None) / n if n else 0.0
    return Scores(n, recall, mrr)


def format_report(report: dict) -> str:
    lines = [f"{'lang':8} {'n':>3}  scores"]
    for lang, scores in report["by_lang"].items():
        lines.append(f"{lang:8} {scores.questions:>3}  {scores.row()}")
    if report["noans"] is not None:
        lines.append(f"NOANS {report['noans']:.3f} ({report['noans_total']} no-answer questions); "
                     f"answerable questions abstained on: {report['false_abstains']}")
    return "\n".join(lines)
