"""What kind of answer a question asks for (retrieval.crosslingual.answer_type), and its credit in the reranking."""

from __future__ import annotations

from dataclasses import replace

import pytest

from retrieval.crosslingual.answer_type import expected_answer
from retrieval.search import Searcher
from retrieval.service import open_searcher
from retrieval.text import compact_normal_form


def answers(question: str, passage: str) -> bool:
    expected = expected_answer(question)
    assert expected is not None, question
    return expected.found_in(compact_normal_form(passage))


def test_a_count_of_a_unit_wants_that_unit():
    question = "How many tons of magnets did China export to the US?"
    assert expected_answer(question).kind == "quantity"
    assert answers(question, "其中，对美出口619吨，较上月跃升75.5%。")
    assert answers(question, "總量達5,577噸")  # Traditional, thousands separator
    assert not answers(question, "7月稀土磁铁出口大幅回升，达近半年最高水准。")  # a month is no tonnage
    assert answers("7月中国稀土磁铁出口了多少吨？", "出口总量达5,577吨")


def test_durations_amounts_and_shares():
    assert answers("How long can Japan's stockpile last?", "可维持60天的国内消费量")
    assert answers("贝森特说的筹码能持续多久？", "最多只能持续12到24个月")
    assert not answers("How long can Japan's stockpile last?", "日本的稀有金属储备制度始于1983年")
    assert answers("How much did the Pentagon invest in MP Materials?", "美国国防部投资4亿美元")
    assert answers("張震遠欠了多少錢？", "欠下債主至少共1.2億元")
    assert not answers("How much money did it get?", "国防部在7月宣布了这项投资")
    assert answers("What share of rare earth refining is done in China?", "全球90%的稀土在中国提炼")


def test_counts_in_chinese_numerals_and_counted_things():
    assert answers("哈马斯扣押了几名中国人质？", "並有三人被劫為人質")
    assert answers("How many users were affected by the outage?", "影響數十萬用戶")
    assert not answers("How many users were affected by the outage?", "我们一起统一行动")  # 一 in words


def test_amounts_in_words_with_their_scales():
    assert answers("越南的稀土储量估计有多少吨？", "预估储量为三百多万吨")
    assert answers("How much money did she get?", "秘收三十五万")  # a scaled amount needs no currency
    assert answers("How much money did she get?", "欠下債主至少共1.2億元")
    assert not answers("How much money did she get?", "他说了三十五遍")
    assert not answers("How many tons?", "万" * 300 + "年")  # long runs of numerals: no tonnage, no hang


def test_the_questions_own_numbers_and_an_indefinite_one_are_no_answer():
    question = "马来西亚部长建议把毛棕榈油出口税从8%降到多少？"
    assert not answers(question, "部长表示，出口税目前为8%，与财政部的讨论仍在进行")  # the question's 8%
    assert answers(question, "她的部门已经提议将税率从目前的8%降低到4%-6%")
    assert not answers(question, "她在一份声明中说，讨论仍在进行")  # 一份: "a statement"
    assert answers("How many categories of goods did China name?", "中國宣布對一百零六類美國產品徵收關稅")
    tariffs = "After Trump's additional $100 billion in tariffs, how many goods did China name?"
    assert not answers(tariffs, "考慮再對中國加徵1000億美元關稅")  # $100 billion is 1000亿
    assert answers(tariffs, "對106類美國進口產品徵收關稅")
    assert answers("稀土出口禁令持续了多久？", "禁令持续了一年")  # a duration of one still answers


def test_who_and_which_official_want_a_foreign_name_written_in_full():
    assert expected_answer("Who said the sector would consolidate?").kind == "person"
    assert answers("Which House Republicans introduced the bill?", "共和党众议员安迪·巴尔（Andy Barr）和尼尔·邓恩表示")
    assert answers("哪位美國商務部長說？", "美國商務部長威爾伯·羅斯表示")
    assert not answers("Which House Republicans introduced the bill?", "众议院共和党人提出了法案")
    assert expected_answer("Which city did they meet in?") is None  # a place, not a person


def test_questions_that_ask_for_no_number_expect_nothing():
    assert expected_answer("贝森特说的12到24个月是什么意思？") is None
    assert expected_answer("Why does Taiwan distrust the numbers?") is None


@pytest.fixture(scope="module")
def searcher(seed_index) -> Searcher:
    return open_searcher(seed_index)


def test_a_candidate_stating_the_asked_quantity_is_credited(searcher):
    question = "How many tons of rare earth magnets did China export to the US in July?"
    on = searcher.rank(question, 30)
    off = searcher.with_options(replace(searcher.options, answer_weight=0.0)).rank(question, 30)
    expected = expected_answer(question)
    fused_on = {s.row: s.fused for s in on.scored}
    fused_off = {s.row: s.fused for s in off.scored}
    stating = [p.row for p in on.stored if expected.found_in(compact_normal_form(p.text))]
    silent = [p.row for p in on.stored if not expected.found_in(compact_normal_form(p.text))]
    assert stating and silent
    assert all(fused_on[row] == pytest.approx(fused_off[row] + 0.2) for row in stating)
    assert all(fused_on[row] == pytest.approx(fused_off[row]) for row in silent)
