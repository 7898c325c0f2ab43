"""Articles as units (retrieval.search.articles), bridge senses by context (retrieval.crosslingual.senses), the
counted thing of a Chinese question (retrieval.crosslingual.answer_type) and abstaining on evidence
(retrieval.search.evidence), on small data."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from support.building import build_with_deltas as build

from retrieval.config import Settings, load_settings
from retrieval.crosslingual.answer_type import counted_thing, expected_answer
from retrieval.crosslingual.bridge import load_bridge
from retrieval.crosslingual.senses import association, chosen, context_scores
from retrieval.search.articles import article_totals, top_articles
from retrieval.search.evidence import (
    article_support,
    chinese_specific_words,
    english_specific_words,
    specific_english_groups,
    with_rarest_emphasised,
)
from retrieval.search.terms import QueryGroup, QueryTerm
from retrieval.service import open_searcher
from retrieval.store.records import RowArticles
from retrieval.text import compact_normal_form


def test_rows_are_grouped_by_article_and_articles_score_best_per_group():
    articles = RowArticles.from_article_of(np.array([0, 0, 1, 1, 1, -1], dtype=np.int32), ["a", "b"])
    assert articles.rows_of([1]).tolist() == [2, 3, 4] and articles.rows_of([0, 1]).tolist() == [0, 1, 2, 3, 4]
    assert articles.articles_holding(np.array([4, 3, 5])).tolist() == [1]
    # group 1 is said by rows 0 and 1 (article a), group 2 by row 2 (article b) and row 1 (article a)
    totals = article_totals([(np.array([0, 1]), np.array([2.0, 3.0])), (np.array([2, 1]), np.array([5.0, 1.0]))],
                            articles.article_of, 2)
    assert totals.tolist() == [3.0 + 1.0, 5.0]  # per group the article's best paragraph, summed
    assert top_articles(totals, 1).tolist() == [1] and top_articles(np.array([0.0, 2.0, 1.0]), 5).tolist() == [1, 2]


def test_the_rarest_thing_weighs_more_only_when_the_corpus_barely_says_it():
    unseen = 12.0
    # US, Huawei, 2023 and Seagate (in two passages): an article with all but Seagate held 0.5 before
    weights = np.array([1.8, 4.2, 5.0, 11.0], dtype=np.float32)
    without_it = np.array([[1.0, 1.0, 1.0, 0.0]], dtype=np.float32)
    assert article_support(without_it, weights) >= 0.5
    assert article_support(without_it, with_rarest_emphasised(weights, unseen)) < 0.5
    with_it = np.array([[0.0, 0.0, 1.0, 1.0]], dtype=np.float32)
    assert article_support(with_it, with_rarest_emphasised(weights, unseen)) > article_support(with_it, weights)
    # a rarest thing the corpus says often enough (IDF 9: about ten passages) weighs as before
    common = np.array([1.8, 4.2, 5.0, 9.0], dtype=np.float32)
    assert with_rarest_emphasised(common, unseen).tolist() == common.tolist()
    # one thing alone: nothing to weigh it against
    assert with_rarest_emphasised(np.array([11.5], dtype=np.float32), unseen).tolist() == [11.5]
    assert weights.tolist() == np.array([1.8, 4.2, 5.0, 11.0], dtype=np.float32).tolist()  # not changed in place


def test_senses_kept_are_the_ones_the_other_words_keep_company_with():
    fries, microchips, nvidia, export = (np.array(a) for a in ([1, 2], [3, 4, 5], [3, 4, 9], [4, 5, 7]))
    assoc = association([fries, microchips, nvidia])
    assert assoc[0, 1] == 0.0 and assoc[1, 2] > 0.6 and np.allclose(np.diag(assoc), 1.0)
    chips, *_ = context_scores([[fries, microchips], [nvidia], [export]])
    assert chosen(chips).tolist() == [False, True]
    # nothing co-occurs: the context says nothing, every translation stays
    assert chosen(np.zeros(3)).tolist() == [True, True, True]


def test_a_chinese_question_counts_a_named_thing():
    def counts(question: str, text: str) -> bool:
        return expected_answer(question).counted_in(compact_normal_form(text))

    assert counts("中国这次一共涉及多少个税目？", "將對約750億美元美國商品加徵關稅，涉及5078個稅目。")
    assert not counts("中国这次一共涉及多少个税目？", "涉及5078個商品，税目另计。")
    assert counts("有多少人确定了劳动关系？", "有100多名工友确定了劳动关系")  # people: 人, 名 or 位
    assert counts("女儿去世时几岁？", "10岁的女孩")
    assert not counts("女儿去世时几岁？", "2021年去世")
    assert counted_thing("美国为什么要这样做") is None
    # the counted thing may come before the count, and the answer may say it either side of the number
    assert counts("被加征20%关税的商品共有多少个？", "加征20%关税的商品共1078个：包括听力计")
    assert counts("被加征20%关税的商品共有多少个？", "对1078个商品加征关税")
    assert not counts("被加征20%关税的商品共有多少个？", "共涉及5078个税目")


def test_specific_things_of_a_question():
    bridge = load_bridge()
    words = english_specific_words("How much revenue did Wolfspeed lose, according to President Rouhani of Iran?",
                                   bridge)
    assert {"wolfspeed", "rouhani", "iran"} <= words
    assert "president" not in words and "how" not in words  # a title, and the sentence's first word
    assert "us-funded" not in english_specific_words("Where will the US-funded reserve be built?", bridge)
    assert "ai" in english_specific_words("Which AI chips did Nvidia sell?", bridge)  # an acronym
    # the letters of R&D name nothing; nor does the given name before a Chinese surname, which the
    # corpus writes with the person's characters (Eric Xu is 徐直军); a company's first word is no given name
    words = english_specific_words("How much did Huawei chairman Eric Xu say it spent on R&D?", bridge)
    assert "huawei" in words and not {"eric", "r", "d"} & words
    # a surname after a given name the corpus gives foreigners names someone, dictionary word or not
    asked = "What did Deputy Commerce Secretary Don Graves say about chips?"
    assert "graves" not in english_specific_words(asked, bridge)
    assert "graves" in english_specific_words(asked, bridge, frozenset({"don"}))
    assert "axcelis" in english_specific_words("What share of Axcelis Technologies' sales came from China?", bridge)
    # proper nouns, places, Latin words as jieba's tagger reads them; not common nouns nor lone characters
    words = chinese_specific_words("腾讯投资的ai晶片公司是哪一年被美国列入实体清单的？")
    assert {"腾讯", "美国", "ai"} <= words and not {"晶片", "公司", "实体"} & words
    # the tagger calls 波及 a place; the dictionary has it only as a word ("to affect")
    asked = "英伟达哪款芯片也被美国新的出口限制波及？"
    assert "波及" in chinese_specific_words(asked)
    assert chinese_specific_words(asked, bridge.is_common_headword) == chinese_specific_words(asked) - {"波及"}
    # a month names a date, held by the question's date group (July 2021 → 2021年7月), not a thing
    words = english_specific_words("In July 2021, where did Xie Feng meet Sherman on a Friday?", bridge)
    assert "xie" in words and not {"july", "friday"} & words
    # a thing named twice is one thing: its absence is not weighed double
    twice = [QueryGroup("CNPC", (QueryTerm("cnpc", 1.0),)), QueryGroup("chad", (QueryTerm("乍得", 1.0),)),
             QueryGroup("CNPC", (QueryTerm("cnpc", 1.0),))]
    assert specific_english_groups(twice, frozenset({"cnpc", "chad"})) == [True, True, False]
    # the best article's IDF-weighted share of what is asked
    presence = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.5]])
    assert article_support(presence, np.array([1.0, 2.0, 2.0])) == (1.0 + 2.0 + 1.0) / 5.0
    assert article_support(np.zeros((0, 0)), np.zeros(0)) == 1.0


ARTICLES = {
    "acme.md": ("宁德时代与美国的电池合作", [
        "宁德时代周二宣布与福特汽车合作，在密歇根州建设电池工厂，引发美国国会议员的关注。",
        "议员们认为，这项合作可能让中国企业获得美国的补贴，要求商务部审查。",
        "根据双方签署的协议，工厂将于2026年投产，届时将雇用约2500名工人。",
    ]),
    "other.md": ("美国国会审查中国投资", [
        "美国国会议员周三再次要求商务部加强对中国投资的审查，称补贴不应流向中国企业。",
        "多名议员在听证会上表示，电池工厂何时投产直接关系到美国供应链的安全。",
    ]),
}


def _corpus(root: Path) -> Path:
    root.mkdir()
    for name, (title, paragraphs) in ARTICLES.items():
        (root / name).write_text(f"---\ntitle: {title}\ndate: 2023-02-14\n---\n" + "\n\n".join(paragraphs) + "\n",
                                 encoding="utf-8")
    return root


def test_the_article_names_what_is_asked_or_nothing_answers(tmp_path, tiny_model):
    index_dir = tmp_path / "index"
    build(_corpus(tmp_path / "articles"), index_dir, tiny_model)
    searcher = open_searcher(replace(Settings(), index_dir=index_dir, model=tiny_model))
    lexical = replace(searcher.options, use_dense=False)

    def first(question: str, **changes) -> str:
        found = searcher.with_options(replace(lexical, **changes)).search(question, top_k=3)
        assert found.answered
        return found.hits[0].text

    def lead_over_rival(**changes) -> float:
        """How far the answering paragraph is ahead of (or behind) another article's paragraph
        that says more of the question's words (电池, 工厂, 投产), in the final ranking score."""
        ranked = searcher.with_options(replace(lexical, **changes)).rank(asked, top_k=5)
        score = {p.text: s.fused for s, p in zip(ranked.scored, ranked.stored, strict=True)}
        answer = next(v for text, v in score.items() if "2026年投产" in text)
        return answer - next(v for text, v in score.items() if "何时投产" in text)

    # The paragraph that answers says neither 宁德时代 nor 福特, and less of the question than the
    # rival does: its article says them all, and lifts it more than the rival's article lifts that.
    asked = "宁德时代和福特的电池工厂何时投产？"
    assert lead_over_rival(article_weight=0.0) < lead_over_rival() < lead_over_rival(article_weight=1.0)
    assert lead_over_rival(article_weight=1.0) > 0
    # "how many workers" is answered by the number of workers, not by any number
    assert "2500名工人" in first("宁德时代的电池工厂雇用多少名工人？")
    assert searcher.with_options(lexical).rank(asked).article_evidence == 1.0
    # The same topic about a company the corpus never mentions: topical paragraphs, no evidence.
    asked = "比亚迪和通用汽车的电池工厂雇用多少名工人？"
    ranking = searcher.with_options(lexical).rank(asked)
    assert ranking.article_evidence < 0.5
    assert not searcher.with_options(lexical).search(asked).answered
    # (the Chinese coverage bar refuses it as well: 电池 and 工厂 are too little of the question)
    assert not searcher.with_options(replace(lexical, min_evidence=0.0)).search(asked).answered
    assert searcher.with_options(replace(lexical, min_evidence=0.0, min_chinese_coverage=0.0)).search(asked).answered
    # A year is held by the article's date too: these pages are of 2023 and never write the year.
    # (half: a date says when a page was written, not what it is about)
    dated = searcher.with_options(lexical).rank("2023年宁德时代和福特的电池工厂何时投产？").article_evidence
    undated = searcher.with_options(lexical).rank("2019年宁德时代和福特的电池工厂何时投产？").article_evidence
    assert undated < dated < 1.0 and dated >= searcher.options.min_evidence
    # A name in Latin letters the corpus holds in no form at all: nothing answers, however much of the
    # rest is met; an English word the corpus does not index (a stopword: The) is no such name.
    assert searcher.with_options(lexical).rank("宁德时代和Stellantis的电池工厂何时投产？").article_evidence == 0.0
    assert searcher.with_options(lexical).rank("The宁德时代和福特的电池工厂何时投产？").article_evidence > 0.0
    # an English question's names may be written only in characters the bridge cannot find: no such rule
    assert searcher.with_options(lexical).rank(
        "When will the battery plant of CATL and Stellantis in Michigan start production?").article_evidence > 0.0


def test_the_new_parts_are_settings(monkeypatch):
    for name, value, field in (("NEWSQA_ARTICLE_WEIGHT", "0", "article_weight"),
                               ("NEWSQA_MIN_EVIDENCE", "0", "min_evidence"),
                               ("NEWSQA_SENSE_SHARE", "0", "sense_share"),
                               ("NEWSQA_COUNTED_WEIGHT", "0", "counted_weight")):
        monkeypatch.setenv(name, value)
        assert getattr(load_settings(), field) == 0.0 and getattr(Settings(), field) > 0


def test_a_name_the_corpus_has_only_a_sound_alike_for_is_no_ground_to_answer():
    from retrieval.search.evidence import article_evidence
    from retrieval.search.terms import QueryGroup, QueryTerm
    from retrieval.store.records import StoredPassage

    articles = RowArticles.from_article_of(np.array([0, 0, 1], dtype=np.int32), ["answer", "elsewhere"])
    top = [StoredPassage(0, "p0", "answer", "中国限制镓出口。", ("中国",), "镓", "2023-07-04", None)]

    def evidence(weight: float) -> float:
        # the only specific thing asked: a name the corpus has a run of sound-alike characters for, in
        # an article other than the top hit's
        groups = [QueryGroup("wolfspeed", (QueryTerm("尔·佩希特", weight=weight),), "name")]
        rows = {"尔·佩希特": (np.array([2]), np.array([1.0]))}
        return article_evidence("Did Wolfspeed say gallium controls hurt it?", groups, [5.0], top, articles,
                                lambda term: rows.get(term.term), lambda word: None, lambda group: 5.0, 9.0)

    assert evidence(1.0) == 1.0  # the corpus does mention the thing, only elsewhere: the other bars decide
    assert evidence(0.5) == 0.0  # a guess by sound is no sign that it does

    # A Chinese question's one specific thing is matched as written, not through a translation: held
    # only by an article other than the top hits', it is missing from the answer
    rows = {"周杰伦": (np.array([2]), np.array([1.0]))}
    groups = [QueryGroup("周杰伦", (QueryTerm("周杰伦"),), "token"), QueryGroup("专辑", (QueryTerm("专辑"),), "token")]
    chinese = article_evidence("周杰伦最新一张专辑叫什么名字？", groups, [5.0, 3.0], top, articles,
                               lambda term: rows.get(term.term), QueryTerm, lambda group: 5.0, 9.0)
    assert chinese == 0.0


def test_a_number_the_tagger_reads_is_also_looked_for_as_the_index_cuts_it():
    from retrieval.search.evidence import number_tokens
    from retrieval.search.terms import QueryTerm

    def in_corpus(word: str) -> QueryTerm:
        return QueryTerm(word)

    # jieba's tagger reads 20 in 加征20%关税; the index's token is 20%
    assert [t.term for t in number_tokens("20", "被加征20%关税的商品共有多少个？", in_corpus)] == ["20%"]
    assert number_tokens("腾讯", "腾讯投资了哪家公司？", in_corpus) == ()


def test_a_quoted_title_is_one_specific_thing_held_by_the_text_or_the_articles_title(tmp_path, tiny_model):
    assert "两用物项出口管制条例" in chinese_specific_words("中国《两用物项出口管制条例》是从哪一天开始施行的？")
    index_dir = tmp_path / "index"
    build(_corpus(tmp_path / "articles"), index_dir, tiny_model)
    searcher = open_searcher(replace(Settings(), index_dir=index_dir, model=tiny_model))
    lexical = searcher.with_options(replace(searcher.options, use_dense=False))
    # every word of the title is in the corpus, the law it names is not: nothing answers
    asked = "《电池工厂补贴审查条例》要求工厂何时投产？"
    assert lexical.rank(asked).article_evidence < searcher.options.min_evidence
    assert not lexical.search(asked).answered
    # a title the article carries only as its own title is still the article's
    assert lexical.rank("《宁德时代与美国的电池合作》说工厂何时投产？").article_evidence == 1.0


def test_a_later_dictionary_sense_is_kept_where_the_other_words_choose_it(tmp_path, tiny_model):
    # CC-CEDICT gives "minister" as 公使 (an envoy) first and 部长 only among its later senses
    bridge = load_bridge()
    assert "公使" in bridge.lookup(["minister"]) and "部长" in bridge.lookup(["minister"], loose=True)
    root = tmp_path / "articles"
    root.mkdir()
    pages = {"a.md": ("商务部长谈出口管制", "美国商务部长雷蒙多表示，部长们将继续加强出口管制。"),
             "b.md": ("公使出席音乐会", "法国驻华公使周六出席了一场音乐会。"),
             "c.md": ("商务部新规", "商务部发布出口管制新规，部长签署了命令。")}
    for name, (title, text) in pages.items():
        (root / name).write_text(f"---\ntitle: {title}\ndate: 2024-05-01\n---\n{text}\n", encoding="utf-8")
    index_dir = tmp_path / "index"
    build(root, index_dir, tiny_model)
    searcher = open_searcher(replace(Settings(), index_dir=index_dir, model=tiny_model))
    question = "What did the commerce minister say about export controls?"

    def minister(**changes) -> set[str]:
        groups = searcher.with_options(replace(searcher.options, **changes)).rank(question).groups
        return {t.term for g in groups if g.source == "minister" for t in g.terms}

    assert "部长" in minister() and "公使" not in minister()  # 公使 keeps no company with 商务, 出口管制
    assert "部长" not in minister(sense_share=0.0)  # no choice by context: the main senses only


def test_a_person_named_in_two_words_is_one_thing_held_by_either():
    from retrieval.search.evidence import article_evidence, name_runs
    from retrieval.search.terms import QueryGroup, QueryTerm
    from retrieval.store.records import StoredPassage

    def group(source: str, *terms: str, kind: str = "name") -> QueryGroup:
        return QueryGroup(source, tuple(QueryTerm(term) for term in terms), kind)

    asked = "What prison sentence did East German leader Egon Krenz get in 1997?"
    groups = [group("1997", "1997", kind="number"), group("german", "德语", kind="bridge"),
              group("egon", "埃贡"), group("krenz", "克伦茨")]
    assert name_runs(asked, groups, load_bridge().is_proper_name) == [[2, 3]]
    # a run with a name the dictionary has is a company or a place, not a person
    assert name_runs("Did Iran Air buy jets?", [group("iran", "伊朗"), group("air", "航空")],
                     load_bridge().is_proper_name) == []

    articles = RowArticles.from_article_of(np.array([0, 1], dtype=np.int32), ["answer", "other"])
    top = [StoredPassage(0, "p0", "answer", "1997年，克伦茨被判处六年半徒刑。", ("克伦茨",), "东德", None, None)]
    rows = {"1997": (np.array([0]), np.array([1.0])), "克伦茨": (np.array([0]), np.array([1.0])),
            "德语": (np.array([1]), np.array([1.0]))}

    def evidence(question: str) -> float:
        return article_evidence(question, groups, [5.0, 5.0, 10.0, 10.0], top, articles,
                                lambda term: rows.get(term.term), lambda word: None, lambda g: 5.0, unseen_idf)

    unseen_idf = 20.0  # no thing here is rare enough for the rarest to weigh more (tested above)

    # the article writes the surname only (克伦茨), as Chinese news does: the person is held; only
    # German (德语, elsewhere) is missing, 5 of 20 by weight
    assert evidence(asked) == (5.0 + 10.0) / 20.0
    # two names apart in the question are two things: the missing Egon costs 10 of 30
    assert evidence("Did East German Egon say in 1997 that Krenz lied?") == (5.0 + 10.0) / 30.0


def test_an_english_question_about_a_rare_thing_its_article_lacks_is_not_answered():
    from retrieval.search.evidence import article_evidence
    from retrieval.search.terms import QueryGroup, QueryTerm
    from retrieval.store.records import StoredPassage

    def group(source: str, term: str, kind: str = "name") -> QueryGroup:
        return QueryGroup(source, (QueryTerm(term),), kind)

    asked = "How much was the penalty the US imposed on Seagate in 2023 for shipping drives to Huawei?"
    groups = [group("2023", "2023", kind="number"), group("huawei", "华为"), group("US", "美国", kind="bridge"),
              group("seagate", "seagate")]
    weights = [5.0, 4.0, 2.0, 11.0]  # Seagate in a passage or two of the corpus, elsewhere
    articles = RowArticles.from_article_of(np.array([0, 1], dtype=np.int32), ["topical", "elsewhere"])
    top = [StoredPassage(0, "p0", "topical", "2023年美国对华为加强出口管制。", ("华为",), "管制", None, None)]
    rows = {"2023": (np.array([0]), np.array([1.0])), "华为": (np.array([0]), np.array([1.0])),
            "美国": (np.array([0]), np.array([1.0])), "seagate": (np.array([1]), np.array([1.0]))}

    def evidence(unseen_idf: float) -> float:
        return article_evidence(asked, groups, weights, top, articles, lambda term: rows.get(term.term),
                                lambda word: None, lambda g: 5.0, unseen_idf)

    # held: 2023, Huawei, US = 11 of 22; the rarest at 1.5× makes it 11 of 27.5, under the 0.5 bar
    assert evidence(unseen_idf=12.0) == pytest.approx(11.0 / 27.5)
    # in a corpus where Seagate is common enough (unseen 20: IDF 11 is far from it), half is held
    assert evidence(unseen_idf=20.0) == pytest.approx(0.5)
