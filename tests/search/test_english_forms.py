"""An English question's own words score no higher than their Chinese translations."""

from __future__ import annotations

from dataclasses import replace

from tests.search.test_search_crosslingual import searcher_over

CHINESE = "美国和中国的贸易谈判周五在华盛顿结束，双方同意继续就关税和贸易问题进行谈判，下个月再次会面。"
ENGLISH = "Host: and the trade talks, the trade talks were really about trade, right?"


def test_an_english_transcript_line_does_not_outscore_the_chinese_paragraph_on_word_overlap(tmp_path, tiny_model):
    # 贸易 and 谈判 are common in a Chinese corpus, "trade" and "talks" rare: at their own IDF the
    # English line's two words outweighed the Chinese paragraph that also names Washington.
    others = [f"第{n}轮贸易谈判的议题包括农产品、知识产权和汇率，贸易代表表示谈判取得进展。" for n in range(1, 6)]
    searcher = searcher_over(tmp_path, tiny_model, "中美贸易谈判", "2019-05-10", [CHINESE, *others, ENGLISH])
    lexical = searcher.with_options(replace(searcher.options, use_dense=False, rerank_weight=0.0,
                                            english_passage_weight=1.0))
    question = "When did the trade talks in Washington end?"

    def scores(cap: bool) -> dict[str, float]:
        ranked = lexical.with_options(replace(lexical.options, cap_english_forms=cap)).rank(question, 5)
        return {p.text: s.fused for s, p in zip(ranked.scored, ranked.stored, strict=True)}

    uncapped, capped = scores(False), scores(True)
    assert uncapped[ENGLISH] > uncapped[CHINESE]  # "trade" and "talks" at the IDF of rare English words
    assert capped[CHINESE] > capped[ENGLISH]


def test_an_english_questions_english_candidates_are_weighed_down_after_the_reranking(tmp_path, tiny_model):
    searcher = searcher_over(tmp_path, tiny_model, "中美贸易谈判", "2019-05-10", [CHINESE, ENGLISH])
    question = "When did the trade talks in Washington end?"

    def ranked(weight: float) -> dict[str, float]:
        options = replace(searcher.options, cap_english_forms=False, english_passage_weight=weight)
        ranking = searcher.with_options(options).rank(question, 5)
        return {p.text: s.fused for s, p in zip(ranking.scored, ranking.stored, strict=True)}

    off, on = ranked(1.0), ranked(0.6)
    assert on[CHINESE] == off[CHINESE]  # a Chinese paragraph keeps its score
    assert on[ENGLISH] < off[ENGLISH] and on[ENGLISH] == off[ENGLISH] - 0.4 * abs(off[ENGLISH])
    # a Chinese question's candidates are never weighed by their language
    chinese = searcher.with_options(replace(searcher.options, english_passage_weight=0.6)).rank("贸易谈判何时结束？", 5)
    plain = searcher.with_options(replace(searcher.options, english_passage_weight=1.0)).rank("贸易谈判何时结束？", 5)
    assert [s.fused for s in chinese.scored] == [s.fused for s in plain.scored]
