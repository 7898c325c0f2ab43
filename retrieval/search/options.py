"""RankingOptions: the query-side part of Settings, generated from it so nothing is declared twice.

Each field's type, default and meaning (with the measurement behind it) are those of the Settings
field of the same name (retrieval/config.py). Only `rerank_depth`, which no deployment tunes, is
declared here.
"""

from __future__ import annotations

from dataclasses import MISSING, field, fields, make_dataclass

from retrieval.config import Settings

# The Settings fields the Searcher reads (every one of them: a setting missed here would be ignored).
RANKING_SETTINGS = (
    "fusion", "dense_weight", "rrf_k", "min_coverage", "min_chinese_coverage", "chinese_coverage_groups",
    "min_groups", "use_dense", "use_lexical", "use_bridge",
    "use_names", "use_numbers", "use_phrases", "use_neighbours", "rerank_weight", "title_credit",
    "sound_alike_weight", "require_years", "require_names", "use_kinds", "context_weight", "answer_weight",
    "counted_weight", "article_weight", "article_depth", "sense_share", "min_evidence",
    "focus_weight", "article_vector_weight", "asked_clause_weight", "cap_english_forms",
    "asked_english_clause_weight", "english_passage_weight",
)
# How many fused candidates the reranking reorders.
RERANK_DEPTH = 30


def _ranking_fields() -> list[tuple[str, type, object]]:
    declared = {f.name: f for f in fields(Settings)}
    out = []
    for name in RANKING_SETTINGS:
        setting = declared[name]
        if setting.default is MISSING:
            raise TypeError(f"setting {name!r} has no default; RankingOptions needs one")
        out.append((name, setting.type, field(default=setting.default)))
    out.append(("rerank_depth", "int", field(default=RERANK_DEPTH)))
    return out


def _from_settings(cls, settings: Settings):
    """The ranking options a deployment's settings ask for."""
    return cls(**{name: getattr(settings, name) for name in RANKING_SETTINGS})


RankingOptions = make_dataclass(
    "RankingOptions", _ranking_fields(), frozen=True,
    namespace={"from_settings": classmethod(_from_settings),
               "__doc__": "How the Searcher ranks and when it abstains (see retrieval.config.Settings)."})
RankingOptions.__module__ = __name__  # (make_dataclass takes module= only from Python 3.12)
