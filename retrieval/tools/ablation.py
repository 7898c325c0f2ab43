"""Each retrieval component switched off in turn, scored on a gold set (paragraph R@3, article R@3,
MRR per language, NOANS, false abstains), with warm query latency.

Used by scripts/ablation.py. One index and one loaded model serve every configuration; only the
query-side switches (RankingOptions) change, so the numbers differ by the component alone.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, replace

from retrieval.search import RankingOptions, Searcher
from retrieval.tools.evaluation import evaluate, with_sources

# One question in each language: an English question's first call loads the names evidence and the
# article encoder, a Chinese one's the tagger and the regional spellings (642 ms for a question of S in an
# evaluate.py run warmed in English only); neither is a gold question's cost.
WARM_UP_QUESTIONS = ("What did the Commerce Department announce about Zhenghua exports in May 2019?",
                     "商务部2019年5月对振华的出口宣布了什么？")


def warm_up(searcher: Searcher, top_k: int) -> None:
    for question in WARM_UP_QUESTIONS:
        searcher.search(question, top_k=top_k)


# (label, what is switched off / changed)
CONFIGURATIONS: tuple[tuple[str, dict], ...] = (
    ("all components", {}),
    ("- bridge", {"use_bridge": False}),
    ("- names", {"use_names": False}),
    ("- numbers", {"use_numbers": False}),
    ("- phrases", {"use_phrases": False}),
    ("+ neighbours (off by default)", {"use_neighbours": True}),
    ("- rerank", {"rerank_weight": 0.0}),
    ("+ title in rerank (off by default)", {"title_credit": 0.5}),
    ("- year rule", {"require_years": False}),
    ("+ unknown-person rule (off by default)", {"require_names": True}),
    ("- kinds of a bare-character word", {"use_kinds": False}),
    ("- context of a leaning paragraph", {"context_weight": 0.0}),
    ("- answer type", {"answer_weight": 0.0}),
    ("- counted thing (多少个税目)", {"counted_weight": 0.0}),
    ("- article scores", {"article_weight": 0.0}),
    ("- article vectors", {"article_vector_weight": 0.0}),
    ("- senses by context", {"sense_share": 0.0}),
    ("+ focus inside the article (off by default)", {"focus_weight": 0.3}),
    ("- the asked clause's weight", {"asked_clause_weight": 0.0}),
    ("- the asked English clause's weight", {"asked_english_clause_weight": 0.0}),
    ("- English forms capped at their translations' IDF", {"cap_english_forms": False}),
    ("- English passages weighed down", {"english_passage_weight": 1.0}),
    ("- evidence abstain rule", {"min_evidence": 0.0}),
    ("- Chinese questions' coverage bar", {"min_chinese_coverage": 0.0}),
    ("sound-alike names at full weight", {"sound_alike_weight": 1.0}),
    ("- two-group abstain rule", {"min_groups": 1}),
    ("- dense (lexical only)", {"use_dense": False}),
    ("- lexical (dense candidates)", {"use_lexical": False}),
    # The embedding model alone: no lexical candidates, no reranking by the question's terms, no abstaining.
    ("dense only, never abstain", {"use_lexical": False, "rerank_weight": 0.0, "min_coverage": 0.0,
                                   "min_chinese_coverage": 0.0, "min_groups": 0, "require_years": False,
                                   "require_names": False, "min_evidence": 0.0}),
    ("none (plain BM25+dense)", {"use_bridge": False, "use_names": False, "use_numbers": False,
                                 "use_phrases": False, "use_neighbours": False, "rerank_weight": 0.0,
                                 "require_years": False, "require_names": False, "use_kinds": False,
                                 "context_weight": 0.0, "answer_weight": 0.0, "counted_weight": 0.0,
                                 "article_weight": 0.0, "sense_share": 0.0, "min_evidence": 0.0,
                                 "article_vector_weight": 0.0, "min_chinese_coverage": 0.0,
                                 "english_passage_weight": 1.0}),
)


@dataclass(frozen=True)
class AblationRow:
    label: str
    report: dict
    p50_ms: float


def run_configuration(searcher: Searcher, options: RankingOptions, gold: list[dict], top_k: int) -> tuple[dict, float]:
    configured = Searcher(searcher.index, searcher.embedder, options, searcher.article_encoder)
    configured.share_corpus(searcher)  # the corpus view depends on the index only
    # Warm-up on a question of its own: lazy loads and first-call costs, but no answer caching,
    # so each gold question is timed the first time it is asked.
    warm_up(configured, top_k)
    configured.index.forget_cached_terms()
    if configured.corpus.names is not None:
        configured.corpus.names.sounds_like.cache_clear()
    answers, timings = [], []
    for question in gold:
        started = time.perf_counter()
        answers.append(configured.search(question["query"], top_k=top_k).to_json())
        timings.append(time.perf_counter() - started)
    sources = configured.index.article_sources({hit["article_id"] for a in answers for hit in a["hits"]})
    return evaluate(gold, with_sources(answers, sources)), statistics.median(timings) * 1000


def run_ablation(searcher: Searcher, gold: list[dict], top_k: int = 5,
                 configurations: tuple[tuple[str, dict], ...] = CONFIGURATIONS) -> list[AblationRow]:
    rows = []
    for label, changes in configurations:
        report, p50 = run_configuration(searcher, replace(searcher.options, **changes), gold, top_k)
        rows.append(AblationRow(label, report, p50))
    return rows


def format_ablation(rows: list[AblationRow]) -> str:
    languages = sorted({lang for row in rows for lang in row.report["by_lang"] if lang != "all"})
    header = f"{'configuration':26}" + "".join(f" | {lang + ' R@3/artR@3/MRR':22}" for lang in languages)
    header += " | NOANS | abst | p50 ms"
    lines = [header, "-" * len(header)]
    for row in rows:
        line = f"{row.label:26}"
        for lang in languages:
            scores = row.report["by_lang"].get(lang)
            if scores is None:
                line += f" | {'-':22}"
                continue
            recall, articles = scores.recall or {}, scores.article_recall or {}
            article = f"{articles[3]:.3f}" if 3 in articles else "  -  "
            line += f" | {recall.get(3, 0):.3f} / {article} / {scores.mrr:.3f}  "
        noans = row.report["noans"]
        line += f" | {noans:.3f} " if noans is not None else " |   -   "
        line += f"| {row.report['false_abstains']:>4} | {row.p50_ms:6.1f}"
        lines.append(line)
    return "\n".join(lines)
