"""Regional spellings of one name from CC-CEDICT (retrieval.crosslingual.regional), and a question in
one region's spelling finding the article in the other's."""

from __future__ import annotations

from dataclasses import replace

import pytest

from retrieval.crosslingual.regional import load_regional_variants, regional_variants_from_lines
from retrieval.service import open_searcher

LINES = [
    "# CC-CEDICT",
    "特朗普 特朗普 [Te4 lang3 pu3] /Donald Trump (1946–), American businessman and politician/",
    "川普 川普 [Chuan1 pu3] /Donald Trump (informal alternative to 特朗普[Te4 lang3 pu3])/",
    "唐納·川普 唐纳·川普 [Tang2 na4 · Chuan1 pu3] /(Tw) Donald Trump/",
    "普京 普京 [Pu3 jing1] /Vladimir Putin (1952-), president of Russia/",
    "普丁 普丁 [Pu3 ding1] /(Tw) Vladimir Putin (1952-), president of Russia/",
    "佐治亞 佐治亚 [Zuo3 zhi4 ya4] /Georgia, US state/",
    "格魯吉亞 格鲁吉亚 [Ge2 lu3 ji2 ya4] /Georgia (country)/",
    "喬治亞 乔治亚 [Qiao2 zhi4 ya4] /(Tw) Georgia (country); Georgia, US state/",
    "五角大樓 五角大楼 [Wu3 jiao3 Da4 lou2] /the Pentagon/",
    "五角大廈 五角大厦 [Wu3 jiao3 Da4 sha4] /(Tw) the Pentagon/",
    "大眾 大众 [Da4 zhong4] /Volkswagen (car manufacturer)/",
    "大眾 大众 [da4 zhong4] /the masses/the great bulk of the population/",
    "福斯 福斯 [Fu2 si1] /(Tw) Volkswagen/",
    "北京 北京 [Bei3 jing1] /Beijing, capital of the People's Republic of China/",
]


def test_a_taiwan_form_and_a_form_that_names_another_are_the_same_name():
    variants = regional_variants_from_lines(LINES)
    assert variants["特朗普"] == ("唐纳·川普", "川普")  # 川普 names 特朗普; 唐纳·川普 is its Taiwan form
    assert variants["普丁"] == ("普京",) and variants["普京"] == ("普丁",)
    assert variants["五角大楼"] == ("五角大厦",)  # "the Pentagon" is a name too
    # the state and the country share a name and a Taiwan form, not each other
    assert variants["佐治亚"] == ("乔治亚",) and variants["格鲁吉亚"] == ("乔治亚",)
    # 大众 is first of all "the masses"; a name with no other region's spelling has none
    assert "大众" not in variants and "北京" not in variants


def test_the_installed_dictionary_has_the_names_the_news_spells_two_ways():
    variants = load_regional_variants()
    assert "川普" in variants["特朗普"] and "特朗普" in variants["川普"]
    assert variants["普京"] == ("普丁",)


@pytest.fixture(scope="module")
def searcher(seed_index):
    return open_searcher(seed_index)


def test_a_question_in_taiwan_spelling_finds_the_mainland_article(searcher):
    lexical = searcher.with_options(replace(searcher.options, use_dense=False))
    groups = {g.source: [t.term for t in g.terms] for g in lexical.analyse("川普签署的关键矿物行政令是为了什么？")}
    assert "特朗普" in groups["川普"]  # the seeds write 特朗普 only
    result = lexical.search("川普签署的关键矿物行政令是为了什么？", 3)
    assert result.answered and "特朗普" in result.hits[0].matched_terms  # the article says 特朗普, not 川普
    assert "川普" not in result.hits[0].text
    without = lexical.with_options(replace(lexical.options, use_names=False))
    assert [t.term for g in without.analyse("川普签署的行政令") if g.source == "川普" for t in g.terms] == ["川普"]
