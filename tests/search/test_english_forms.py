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
    lexical = searcher.with_options(replace(searcher.options, use_dense=False, rerank_weight=0.0))
    question = "When did the trade talks in Washington end?"

    def scores(cap: bool) -> dict[str, float]:
        ranked = lexical.with_options(replace(lexical.options, cap_english_forms=cap)).rank(question, 5)
        return {p.text: s.fused for s, p in zip(ranked.scored, ranked.stored, strict=True)}

    uncapped, capped = scores(False), scores(True)
    assert uncapped[ENGLISH] > uncapped[CHINESE]  # "trade" and "talks" at the IDF of rare English words
    assert capped[CHINESE] > capped[ENGLISH]
