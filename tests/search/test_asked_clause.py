"""The clause a Chinese question asks in weighs more than the clauses that set the scene."""

from __future__ import annotations

from dataclasses import replace

from retrieval.search.asked import asked_clause, asked_english_clause
from tests.search.test_search_crosslingual import searcher_over


def test_the_asked_clause_is_the_one_with_the_question_word():
    assert asked_clause("众议院通过法案后，一位分析师估计售价可能超过多少？") == "一位分析师估计售价可能超过多少？"
    assert asked_clause("美国对华加征关税的税率是多少？") is None  # one clause asks in all of it
    assert asked_clause("去年3月，议员提出法案。") is None  # no question word anywhere


def test_the_asked_clauses_words_weigh_more_and_find_the_answering_paragraph(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "众议院通过TikTok法案", "2024-03-14", [
        "美国众议院周三通过法案，要求字节跳动出售TikTok，否则TikTok将在美国被禁。众议院议长在投票后表示，"
        "这项法案保护美国用户的数据安全，参议院应尽快审议众议院通过的这项法案。",
        "众议院以352票对65票通过该法案，法案要求字节跳动在六个月内出售TikTok。字节跳动表示反对众议院的法案，"
        "称出售TikTok的要求违反美国宪法，并呼吁用户联系议员反对这项法案。",
        "一位华尔街分析师估计，TikTok的售价可能超过1000亿美元，这意味着能够买下它的公司屈指可数，"
        "而任何潜在买家都将面临多国监管机构的严格审查，交易可能拖延数年之久。"])
    question = "众议院通过要求字节跳动出售TikTok的法案后，分析师估计TikTok的售价可能超过多少？"
    weights = {g.source: g.weight for g in searcher.analyse(question)}
    assert weights["售价"] == 1 + searcher.options.asked_clause_weight and weights["众议院"] == 1.0
    lexical = searcher.with_options(replace(searcher.options, use_dense=False))

    def lead(weight: float) -> float:
        """How far the paragraph that answers is ahead of the best paragraph of the scene."""
        ranked = lexical.with_options(replace(lexical.options, asked_clause_weight=weight)).rank(question, 5)
        score = {p.text: s.fused for s, p in zip(ranked.scored, ranked.stored, strict=True)}
        answer = next(v for text, v in score.items() if "1000亿" in text)
        return answer - max(v for text, v in score.items() if "1000亿" not in text)

    assert lead(1.0) > lead(searcher.options.asked_clause_weight) > lead(0.0)
    off = lexical.with_options(replace(lexical.options, asked_clause_weight=0.0))
    assert {g.weight for g in off.analyse(question)} == {1.0}


def test_an_english_questions_asked_clause_is_the_last_that_asks_not_the_scene():
    scene = "When Trump directed the USTR to consider more tariffs, how many categories of goods were named?"
    assert asked_english_clause(scene) == " how many categories of goods were named?"
    assert asked_english_clause("When did the ban start, and who signed it?") is None  # both clauses ask
    assert asked_english_clause("How much did Huawei spend on R&D in 2019?") is None  # one clause
    assert asked_english_clause("How many doses were sent, according to the report?") == "How many doses were sent"


def test_an_english_questions_asked_clause_weighs_its_groups(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "洪都拉斯大选", "2021-11-30", [
        "洪都拉斯总统大选，反对党候选人有望当选，学者认为洪都拉斯短期内不会与中国建交。",
        "疫情期间，美国向洪都拉斯捐赠了4百万剂疫苗。"])
    question = "After the election in Honduras, how many vaccine doses did the US send?"
    weights = {g.source: g.weight for g in searcher.analyse(question)}
    assert weights["vaccine"] == 1 + searcher.options.asked_english_clause_weight
    assert weights["election"] == 1.0
    off = searcher.with_options(replace(searcher.options, asked_english_clause_weight=0.0))
    assert {g.weight for g in off.analyse(question)} == {1.0}
