"""English and Traditional-Chinese questions against the Simplified seeds (tiny model, real dictionary)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from retrieval.config import ConfigError, Settings, load_settings
from retrieval.search import RankingOptions, Searcher
from retrieval.service import open_searcher
from retrieval.text import find_term_spans, normalize


@pytest.fixture(scope="module")
def searcher(seed_index) -> Searcher:
    return open_searcher(seed_index)


def lexical_only(searcher: Searcher, **changes) -> Searcher:
    return searcher.with_options(replace(searcher.options, use_dense=False, **changes))


def test_english_words_become_the_chinese_terms_the_corpus_uses(searcher):
    groups = {g.source: [t.term for t in g.terms] for g in searcher.analyse("How many rare earth magnets?")}
    assert "稀土" in groups["rare earth"]
    assert "磁铁" in groups["magnets"]


QUESTION = "How many days of domestic consumption can Japan's rare metal reserves cover?"


def test_english_question_finds_the_chinese_passage(searcher):
    result = lexical_only(searcher).search(QUESTION, 3)
    assert result.answered
    assert "60天的国内消费量" in result.hits[0].text
    assert {"日本", "稀有", "金属", "储备"} <= set(result.hits[0].matched_terms)


def test_without_the_bridge_english_finds_nothing_chinese(searcher):
    off = lexical_only(searcher, use_bridge=False, use_names=False, use_numbers=False)
    result = off.search(QUESTION, 3)
    assert not any("60天的国内消费量" in hit.text for hit in result.hits)


def test_glossed_name_and_sound_alike_name(searcher):
    groups = {g.source: [t.term for t in g.terms] for g in searcher.analyse("What did Jamieson Greer say?")}
    assert "格里尔" in groups["jamieson greer"]
    bessent = {g.source: [t.term for t in g.terms] for g in searcher.analyse("What did Bessent say?")}
    assert "贝森特" in bessent["bessent"]


def test_numbers_meet_their_chinese_forms(searcher):
    groups = {g.kind: [t.term for t in g.terms] for g in searcher.analyse("What is the 12–24 month timeline?")}
    assert "12到24个月" in groups["number"]


def test_matched_terms_mark_the_chinese_words_in_the_passage(searcher):
    result = lexical_only(searcher).search("Bessent rare earth leverage 12–24 months", 3)
    assert result.answered
    hit = result.hits[0]
    assert "贝森特" in hit.matched_terms or "稀土" in hit.matched_terms
    for term in hit.matched_terms:
        assert term.replace(" ", "") in normalize(hit.text).replace(" ", "")
    assert find_term_spans(hit.text, [t for t in hit.matched_terms if not t.isascii()])


def test_traditional_question_finds_simplified_passage(searcher):
    result = lexical_only(searcher).search("貝森特說中共在稀土上的籌碼最多能持續多久？", 3)
    assert result.answered
    assert any("12到24个月" in hit.text for hit in result.hits)


def test_off_topic_english_question_is_abstained(searcher):
    assert not searcher.search("Who won the 2022 FIFA World Cup final?", 3).answered


def test_component_switches_come_from_settings():
    settings = load_settings({"NEWSQA_BRIDGE": "0", "NEWSQA_DENSE": "off"}, config_file=None)
    options = RankingOptions.from_settings(settings)
    assert options.use_bridge is False and options.use_dense is False and options.use_names is True
    with pytest.raises(ConfigError, match="NEWSQA_NAMES"):
        load_settings({"NEWSQA_NAMES": "maybe"})


def test_one_shared_word_is_not_an_answer(searcher):
    question = "稀土红烧肉怎么做才好吃？"  # one word the corpus has, the rest about cooking
    lenient = searcher.with_options(replace(searcher.options, min_coverage=0.0, min_chinese_coverage=0.0,
                                            min_groups=1))
    strict = searcher.with_options(replace(searcher.options, min_coverage=0.0, min_chinese_coverage=0.0,
                                           min_groups=2))
    assert lenient.search(question, 3).answered
    assert not strict.search(question, 3).answered
    assert strict.search("贝森特说的12到24个月是什么意思？", 3).answered


def test_pieces_of_one_chinese_word_count_once(searcher):
    ranking = searcher.rank("美国国防部", 3)
    assert len(ranking.groups) > 1  # jieba's search mode yields the word and its parts
    assert ranking.groups_matched == 1


def test_a_spelled_out_quantity_is_one_group(searcher):
    groups = searcher.analyse("Why can't the US break its dependence within two years?")
    sources = [g.source for g in groups]
    assert "2 years" in sources
    assert "two" not in sources and "years" not in sources  # not looked up again word by word


def test_weaker_dictionary_senses_count_for_less(searcher):
    groups = {g.source: g for g in searcher.analyse("Why can't the US break its dependence on China?")}
    terms = {t.term: t.weight for t in groups["dependence"].terms}
    assert terms["依赖"] < 1.0  # reached through "to depend on", not a main sense of "dependence"


def test_a_year_the_corpus_never_mentions_is_no_answer(searcher):
    assert searcher.search("2020年大陆稀土出口同比减少了多少？", 3).answered
    assert not searcher.search("2031年大陆稀土出口同比减少了多少？", 3).answered
    # 2031 is also one of the question's specific things no top article holds: the evidence rule
    # (retrieval.search.evidence) abstains on its own; with both rules off the question is answered
    no_year_rule = searcher.with_options(replace(searcher.options, require_years=False))
    assert not no_year_rule.search("2031年大陆稀土出口同比减少了多少？", 3).answered
    lenient = searcher.with_options(replace(searcher.options, require_years=False, min_evidence=0.0))
    assert lenient.search("2031年大陆稀土出口同比减少了多少？", 3).answered


def test_the_title_credits_what_the_passage_leaves_unsaid(searcher):
    question = "稀土磁铁对美出口多少吨？"
    groups = searcher.analyse(question)
    passage = next(p for p in searcher.index.passages(list(range(searcher.index.num_passages)))
                   if "对美出口619吨" in p.text)
    alone = searcher.scorer.coverage(groups, passage)
    with_title = searcher.scorer.coverage_with_title(groups, passage, title_credit=0.5)
    assert "磁铁" in passage.title and "磁铁" not in passage.text
    assert alone < with_title < searcher.scorer.coverage_with_title(groups, passage, title_credit=1.0) <= 1.0
    assert searcher.scorer.coverage_with_title(groups, passage, title_credit=0.0) == pytest.approx(alone)


def test_reranking_by_coverage_is_a_switch(searcher):
    question = "How many tons of rare earth magnets did China export to the US in July?"
    ranked = searcher.rank(question, 5)
    plain = searcher.with_options(replace(searcher.options, rerank_weight=0.0)).rank(question, 5)
    # the reranked order follows fused score + weight × coverage, and only reorders the same pool
    assert [s.fused for s in ranked.scored] == sorted((s.fused for s in ranked.scored), reverse=True)
    assert all(r.fused >= p.fused for r, p in zip(ranked.scored, plain.scored, strict=True))
    assert searcher.options.rerank_weight > 0 and plain.scored != ranked.scored


def test_short_dictionary_words_are_not_matched_inside_other_words(searcher):
    text = searcher.index.passages([0])[0].text
    windows = [text[i:i + 2] for i in range(len(text) - 1)]
    inside = next(w for w in windows if all("\u4e00" <= ch <= "\u9fff" for ch in w)
                  and searcher.index.term_matches(normalize(w)) is None)
    inside = normalize(inside)
    assert searcher.analyzer.in_corpus(inside).phrase  # found inside running text...
    assert searcher.analyzer.in_corpus(inside, min_phrase_chars=3) is None  # ...but not when that is too short
    assert searcher.analyzer.in_corpus("稀土", min_phrase_chars=3) is not None  # an index token stays


def test_a_name_found_by_sound_alone_counts_for_less(searcher):
    groups = {g.source: g for g in searcher.analyse("What did Bessent say?")}
    weights = {t.term: t.weight for t in groups["bessent"].terms}
    assert weights["贝森特"] == searcher.options.sound_alike_weight < 1.0
    glossed = {g.source: g for g in searcher.analyse("What did Jamieson Greer say?")}
    assert {t.weight for t in glossed["jamieson greer"].terms} == {1.0}  # the corpus states that one


def test_a_bare_character_translation_also_finds_kinds_of_the_word(searcher):
    question = "Which law did Trump invoke in his executive order on critical minerals?"
    groups = {g.source: {t.term: t.weight for t in g.terms} for g in searcher.analyse(question)}
    assert groups["law"]["法"] == 1.0 and groups["law"]["法案"] < 1.0  # 法案 "proposed law", weaker
    off = searcher.with_options(replace(searcher.options, use_kinds=False))
    assert "法案" not in {t.term for g in off.analyse(question) for t in g.terms}


def searcher_over(tmp_path, model: str, title: str, date: str, paragraphs: list[str]) -> Searcher:
    """A searcher over a one-article corpus written for the test."""
    from support.building import build_with_deltas as build

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "a.md").write_text(f"---\ntitle: {title}\ndate: {date}\n---\n" + "\n\n".join(paragraphs) + "\n",
                                   encoding="utf-8")
    build(articles, tmp_path / "index", model)
    return open_searcher(replace(Settings(), index_dir=tmp_path / "index", model=model))


def test_a_hyphenated_name_is_one_group_not_its_pieces(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "疫情与儿童", "2020-07-28", [
        "联合国表示，新冠肺炎（COVID-19）疫情可能导致700万儿童营养不良。",
        "世界卫生组织的报告称，第19周的病例数有所下降。"])
    groups = {g.source: [t.term for t in g.terms] for g in searcher.analyse("How did COVID-19 hit children?")}
    assert "肺炎" in groups["covid-19"]  # the corpus's own gloss of the name
    assert "19" not in groups and "covid" not in groups  # its pieces are not asked about again
    assert "儿童" in groups["children"]  # an irregular plural finds the dictionary's "child"
    who = {g.source: [t.term for t in g.terms] for g in searcher.analyse("What did the WHO and the UN say?")}
    assert "世界卫生组织" in who["WHO"] and "联合国" in who["UN"]


def test_years_spelled_in_chinese_digits_and_counted_units(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "崔玉桃被冤判", "2019-03-01", [
        "二零一七年三月十二日，山西省大同市矿区法院对崔玉桃非法庭审后，冤判她三年半刑期。",
        "半个世纪以来，基辛格先后访问中国接近100次，见过五代领导人。"])
    sentenced = searcher.search("崔玉桃2017年被矿区法院判了多长刑期？", 3)
    assert sentenced.answered and "三年半刑期" in sentenced.hits[0].text  # the year rule reads 二零一七年
    assert not searcher.search("崔玉桃2018年被矿区法院判了多长刑期？", 3).answered
    visits = searcher.analyse("How many times did Kissinger visit China?")
    groups = {g.source: [t.term for t in g.terms] for g in visits}
    assert groups["times"] == ["次"]  # the unit counted, not the everyday senses of "times" (时代)


def test_a_year_alone_is_not_a_second_thing_the_answer_speaks_to(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "中美竞争报告", "2023-12-12", [
        "2023年12月，美国国会特别委员会发表报告，题为《赢得美国与中共经济竞争的战略》。",
        "报告建议限制对华投资，并加强关键矿产供应链。"])
    question = "Who won the 2023 NBA Finals?"
    ranking = searcher.rank(question, 3)
    assert {"2023", "won"} <= {g.source for g in ranking.groups if g.terms}  # both are in the report
    assert ranking.groups_matched == 1  # but the year only says when
    assert not searcher.search(question, 3).answered
    assert searcher.search("What did the 2023 report say about the economic competition strategy?", 3).answered


def test_a_person_the_corpus_never_mentions_is_no_answer(searcher):
    question = "商务部长王文涛对稀土出口管制是怎么说的？"
    assert searcher.analyzer.unknown_people(question) == ["王文涛"]
    assert not searcher.with_options(replace(searcher.options, require_names=True)).search(question, 3).answered
    # 王文涛 is also a specific thing no top article holds: the evidence rule abstains on its own too
    assert not searcher.with_options(replace(searcher.options, require_names=False)).search(question, 3).answered
    lenient = searcher.with_options(replace(searcher.options, require_names=False, min_evidence=0.0))
    assert lenient.search(question, 3).answered  # export controls alone would have been answered
    assert searcher.analyzer.unknown_people("贝森特说的12到24个月是什么意思？") == []  # he is in the seeds


def test_a_place_the_dictionary_knows_whole_is_not_cut_for_a_gloss_of_its_last_word(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "美国制裁", "2021-03-05", [
        "美国调查柬埔寨的比亚迪香港（BYD Hong Kong）是否规避关税。",
        "美国副贸易代表与台湾代表启动了“美国-台湾21世纪贸易倡议”。",
        "香港《基本法》第13条列明，中央政府负责管理与香港有关的外交事务。"])
    groups = {g.source: [t.term for t in g.terms] for g in searcher.analyse("What does Hong Kong's Basic Law say?")}
    assert "香港" in next(terms for source, terms in groups.items() if "hong kong" in source)
    assert not any("比亚迪香港" in terms for terms in groups.values())  # "Kong" is no surname of BYD Hong Kong
    groups = {g.source: [t.term for t in g.terms]
              for g in searcher.analyse("Who launched the US-Taiwan Initiative on 21st-Century Trade?")}
    assert "美国" in groups["US"] and "台湾" in groups["taiwan"]  # the compound's names, not one sound-alike
    assert "21st" not in groups  # the ordinal is the number group's


def test_a_name_the_dictionary_gives_a_short_form_of_is_held_inside_a_longer_word(tmp_path, tiny_model):
    from support.building import build_with_deltas as build

    articles = tmp_path / "articles"
    articles.mkdir()
    (articles / "sanctions.md").write_text(
        "---\ntitle: 美国财政部制裁林郑月娥\ndate: 2020-08-08\n---\n"
        "美国财政部宣布制裁林郑月娥等11名香港及中国官员，依据是特朗普签署的第13936号行政命令。\n\n"
        "林郑月娥回应称，制裁不会令她退缩。\n", encoding="utf-8")
    (articles / "other.md").write_text("---\ntitle: 特首回应\ndate: 2019-06-01\n---\n"
                                       "特首林郑周二在记者会上表示，政府会继续推动修例。\n", encoding="utf-8")
    build(articles, tmp_path / "index", tiny_model)
    searcher = lexical_only(open_searcher(replace(Settings(), index_dir=tmp_path / "index", model=tiny_model)))
    ranking = searcher.rank("Why did the US Treasury sanction Carrie Lam?")
    assert "林郑" in [t.term for g in ranking.groups for t in g.terms]  # the dictionary's short form
    # the sanctions article says it only inside the index token 林郑月娥, and still holds the name
    assert ranking.article_evidence == 1.0


def test_hong_kong_names_meet_their_chinese_and_other_given_names_are_someone_else(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "香港政局", "2020-07-30", [
        "浸会大学决定不与立法会议员邵家臻续约。",
        "美国贸易代表戴琪（Katherine Tai）表示将检讨关税。",
        "港大法律学院前副教授戴耀廷被解雇。", "利率上调了五厘。"])
    groups = {g.source: [t.term for t in g.terms]
              for g in searcher.analyse("Which university dropped lawmaker Shiu Ka-chun?")}
    assert "邵家臻" in groups["shiu ka-chun"]  # his Cantonese name, not a sound-alike of each word
    groups = {g.source: [t.term for t in g.terms] for g in searcher.analyse("Why was Benny Tai fired?")}
    assert not any("戴琪" in terms for terms in groups.values())  # Benny Tai is not Katherine Tai
    groups = {g.source: [t.term for t in g.terms] for g in searcher.analyse("What did Katherine Tai say?")}
    assert any("戴琪" in terms for terms in groups.values())
    groups = {g.source: [t.term for t in g.terms] for g in searcher.analyse("Why did Andy Li plead guilty?")}
    assert not any("厘" in terms for terms in groups.values())  # a surname after a given name, not a unit


def test_the_dictionary_picks_among_a_pinyin_readings_homophones(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "台湾芯片", "2024-03-01", [
        "台湾的芯片产业占全球产能的六成。", "分析人士说，现在讨论这些已经太晚。"])
    groups = {g.source: [t.term for t in g.terms] for g in searcher.analyse("How much chip capacity is in Taiwan?")}
    assert "台湾" in groups["taiwan"] and "太晚" not in groups["taiwan"]  # tai wan is also "too late"


def test_letters_of_abbreviations_are_no_groups_and_a_fiscal_year_is_its_year(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "五角大楼预算", "2024-04-01", [
        "刚刚提交给国会的海军2025财年预算，要取消两年的航母建造资金。",
        "F-16战斗机的研发预算在2025年增加。"])
    groups = {g.source: [t.term for t in g.terms] for g in searcher.analyse(
        "How much of the U.S. Navy's FY2025 budget goes to R&D for the F-16?")}
    assert not {"u", "s", "r", "d"} & set(groups)  # U.S. and R&D are no groups of letters
    assert "f" in groups  # the F of F-16 names the aircraft
    assert {"2025", "2025年"} & set(groups["fy2025"])  # the corpus writes the fiscal year as the year


def test_a_surname_after_a_given_name_the_corpus_gives_foreigners_is_a_name_not_a_word(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "出口管制", "2023-05-10", [
        "美国商务部官员唐·凯斯勒（Don Kessler）与经济学家唐·里特尔（Don Ritter）出席会议。",
        "这场疫情的影响非常严重，出口管制也更加严格。",
        "副部长格雷夫斯表示，对华芯片出口管制不会放松。"])
    asked = "What did Don Graves say about export controls?"
    graves = next([t.term for t in g.terms] for g in searcher.analyse(asked) if g.source == "graves")
    assert "严重" not in graves  # the dictionary's "grave" (serious) is not his name
    assert "格雷夫斯" in graves  # he is heard in the corpus's transliteration instead
    # without glossed people called Don the word is the dictionary's
    (tmp_path / "plain").mkdir()
    plain = searcher_over(tmp_path / "plain", tiny_model, "出口管制", "2023-05-10", [
        "这场疫情的影响非常严重，出口管制也更加严格。", "副部长格雷夫斯表示，对华芯片出口管制不会放松。"])
    assert "严重" in {t.term for g in plain.analyse(asked) if g.source == "graves" for t in g.terms}


def test_a_chinese_question_needs_more_of_its_words_covered_than_an_english_one(searcher):
    # Shares 稀土, 出口, 管制 and 日本 with the seeds but asks about something else (coverage ~0.2)
    question = "中国稀土出口管制的新规定包括哪些日本企业的采购计划？"
    lenient = searcher.with_options(replace(searcher.options, min_chinese_coverage=0.0))
    assert lenient.search(question, 3).answered
    assert lenient.rank(question, 3).coverage < searcher.options.min_chinese_coverage
    assert not searcher.search(question, 3).answered
    assert searcher.search("贝森特说的12到24个月是什么意思？", 3).answered


def test_the_chinese_coverage_bar_leaves_english_questions_alone():
    from retrieval.search.abstain import coverage_bar

    options = RankingOptions(min_coverage=0.2, min_chinese_coverage=0.33, chinese_coverage_groups=18)
    assert coverage_bar("Which Japanese companies' purchase plans do the new rules list?", 9, options) == 0.2
    assert coverage_bar("新规定包括哪些日本企业？", 9, options) == 0.33
    assert coverage_bar("新規定包括哪些日本企業？", 9, replace(options, min_chinese_coverage=0.0)) == 0.2


def test_a_long_chinese_question_needs_a_smaller_share_covered():
    from retrieval.search.abstain import coverage_bar

    # its set-up (who, when, which report) lives in the answer's other paragraphs
    options = RankingOptions(min_coverage=0.2, min_chinese_coverage=0.33, chinese_coverage_groups=18)
    asked = "2018年彭斯哈德逊演讲后流传的那篇文章借用了哪位哈佛学者的理论？"
    assert coverage_bar(asked, 18, options) == 0.33
    assert coverage_bar(asked, 24, options) == pytest.approx(0.33 * 18 / 24)
    assert coverage_bar(asked, 40, options) == 0.2  # never below the bar for every question
    assert coverage_bar(asked, 40, replace(options, chinese_coverage_groups=0)) == 0.33


def test_a_word_the_corpus_never_writes_is_met_by_the_words_inside_it(searcher):
    # jieba's new-word guess fuses 川普 with 说; no passage writes 川普说, many write 川普
    groups = {g.source: g for g in searcher.analyse("川普说稀土怎么办")}
    assert searcher.index.term_matches("川普说") is None
    assert [(t.term, round(t.weight, 2)) for t in groups["川普说"].terms] == [("川普", 0.67)]
    passage = next(p for p in searcher.index.passages(list(range(searcher.index.num_passages)))
                   if "川普" in p.tokens)
    assert searcher.scorer.coverage([groups["川普说"]], passage) > 0
    # only index words of two characters or more, and only the longest of them
    assert {t.term for t in searcher.analyzer.known_pieces("川普稀土磁铁")} == {"川普", "稀土", "磁铁"}
    assert searcher.analyzer.known_pieces("怎么办") == ()
