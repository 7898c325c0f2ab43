"""Score answers against gold questions: R@1/3/5 and MRR per language and overall, and NOANS.

A hit is relevant when its text, all whitespace removed, contains one of the question's gold
strings (whitespace removed too). An empty gold list means no answer is expected: the question
counts for NOANS (abstained correctly or not), not for recall.

Where a question names its article (the gold "article" field: the source file's name, e.g.
src_0123.md) and the hits say which file they come from ("source"), the article-level ranks are
scored too: was the right article among the top hits' articles, whatever the paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePath

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
    article_recall: dict[int, float] | None = None  # None: the questions or hits name no articles

    def row(self) -> str:
        recall = self.recall or {}
        text = "  ".join(f"R@{k} {recall.get(k, 0.0):.3f}" for k in RANKS) + f"  MRR {self.mrr:.3f}"
        if self.article_recall is not None:
            text += f"  article R@3 {self.article_recall[3]:.3f}"
        return text


def with_sources(answers: list[dict], sources: dict[str, str]) -> list[dict]:
    """Answers whose hits also say which file their article was read from (`sources`: article id →
    source path, as the index recorded it), so that evaluate can score articles too."""
    return [{**answer, "hits": [{**hit, "source": sources.get(hit.get("article_id", ""))}
                                for hit in answer.get("hits", [])]} for answer in answers]


def first_article_rank(hit_sources: list[str | None], article: str) -> int | None:
    """Rank of the first hit from the question's article (compared by file name)."""
    for rank, source in enumerate(hit_sources, 1):
        if source and PurePath(source).name == article:
            return rank
    return None


def evaluate(gold: list[dict], answers: list[dict]) -> dict:
    """Pair gold questions and answers by position (answers are produced in question order)."""
    if len(gold) != len(answers):
        raise ValueError(f"{len(gold)} gold questions but {len(answers)} answers")
    per_lang: dict[str, list[int | None]] = {}
    per_lang_article: dict[str, list[int | None]] = {}
    with_articles = True
    noans_total = noans_ok = 0
    false_abstains = 0
    for question, answer in zip(gold, answers, strict=True):
        if answer.get("query") is not None and answer["query"] != question["query"]:
            raise ValueError(f"answer for {question.get('id')} is for another query: {answer['query']!r}")
        if not question.get("gold"):
            noans_total += 1
            noans_ok += not answer.get("answered") or not answer.get("hits")
            continue
        shown = answer.get("hits", []) if answer.get("answered") else []
        hits = [hit["text"] for hit in shown]
        false_abstains += not answer.get("answered")
        rank = first_relevant_rank(hits, question["gold"])
        lang = question.get("lang", "?")
        per_lang.setdefault(lang, []).append(rank)
        with_articles &= bool(question.get("article")) and all("source" in hit for hit in shown)
        if with_articles:
            per_lang_article.setdefault(lang, []).append(
                first_article_rank([hit.get("source") for hit in shown], question["article"]))
    all_ranks = [rank for ranks in per_lang.values() for rank in ranks]
    result = {lang: _scores(ranks) for lang, ranks in sorted(per_lang.items())}
    result["all"] = _scores(all_ranks)
    if with_articles and per_lang_article:
        for lang, ranks in per_lang_article.items():
            result[lang].article_recall = _scores(ranks).recall
        result["all"].article_recall = _scores([r for ranks in per_lang_article.values() for r in ranks]).recall
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
                     f"answerable questions abstained on (false abstains): {report['false_abstains']}")
    return "\n".join(lines)
