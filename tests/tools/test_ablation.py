"""The ablation table (retrieval.tools.ablation): every row is a real setting, and switching a part off shows."""

from __future__ import annotations

from dataclasses import replace

from retrieval.search import RankingOptions
from retrieval.service import open_searcher
from retrieval.tools.ablation import CONFIGURATIONS, format_ablation, run_ablation

GOLD = [
    {"id": "a1", "lang": "en", "query": "How many days of domestic consumption can Japan's rare metal reserves cover?",
     "gold": ["60天的国内消费量"]},
    {"id": "a2", "lang": "zh", "query": "日本的稀有金属储备能维持多久？", "gold": ["60天的国内消费量"]},
    {"id": "a3", "lang": "en", "query": "Who won the 2022 FIFA World Cup final?", "gold": []},
]


def test_every_row_changes_real_options():
    for label, changes in CONFIGURATIONS:
        options = replace(RankingOptions(), **changes)  # an unknown field would raise here
        assert label == "all components" or options != RankingOptions(), label


def test_switching_the_bridge_off_loses_the_english_question(seed_index):
    searcher = open_searcher(seed_index)
    rows = run_ablation(searcher, GOLD, configurations=(("all components", {}), ("- bridge", {"use_bridge": False})))
    by_label = {row.label: row.report for row in rows}
    assert by_label["all components"]["by_lang"]["en"].recall[3] == 1.0
    assert by_label["- bridge"]["by_lang"]["en"].recall[3] == 0.0
    assert by_label["all components"]["by_lang"]["zh"].recall[3] == 1.0  # Chinese needs no bridge
    table = format_ablation(rows)
    assert "all components" in table and "- bridge" in table and "NOANS" in table
