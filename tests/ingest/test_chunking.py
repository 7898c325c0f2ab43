from retrieval.ingest.chunking import ChunkingRules, chunk_article, chunk_paragraphs, split_sentences
from retrieval.records import Article
from retrieval.text import content_id

RULES = ChunkingRules(min_chars=20, max_chars=60)


def article(*paragraphs: str) -> Article:
    return Article(id="a1", title="t", date=None, url=None, paragraphs=paragraphs, source_path="x.md")


def test_one_passage_per_ordinary_paragraph():
    paragraphs = ["第一段讲的是稀土出口在七月份大幅回升的情况。", "第二段讲的是美国国防部投资稀土生产企业的事情。"]
    assert chunk_paragraphs(paragraphs, RULES) == paragraphs


def test_tiny_fragment_is_merged_into_the_next_paragraph():
    chunks = chunk_paragraphs(["稀土武器化", "中共将稀土武器化始于2011年，此后多次使用稀土牌。"], RULES)
    assert chunks == ["稀土武器化\n中共将稀土武器化始于2011年，此后多次使用稀土牌。"]


def test_tiny_last_fragment_joins_the_previous_paragraph():
    chunks = chunk_paragraphs(["这是一个足够长的段落，讲述了稀土供应链的完整故事。", "完。"], RULES)
    assert chunks == ["这是一个足够长的段落，讲述了稀土供应链的完整故事。\n完。"]


def test_long_paragraph_is_split_at_sentence_ends_only():
    sentences = [f"这是第{i}个句子，它讲述稀土产业链里的一个环节！" for i in range(8)]
    chunks = chunk_paragraphs(["".join(sentences)], RULES)
    assert len(chunks) > 1
    assert all(len(chunk) <= RULES.max_chars for chunk in chunks)
    assert all(chunk.endswith("！") for chunk in chunks)
    assert "".join(chunks) == "".join(sentences)


def test_sentence_split_keeps_closing_quotes_with_the_sentence():
    assert split_sentences("他说：“可以。”然后走了。") == ["他说：“可以。”", "然后走了。"]


def test_passage_ids_come_from_content_not_position():
    kept = "甲乙丙丁段落的内容足够长，可以单独成为一段。"
    first = chunk_article(article(kept, "另一段的内容也足够长，可以单独成为一段。"), RULES)
    second = chunk_article(article("新加的开头段落内容足够长，可以单独成为一段。", kept), RULES)
    assert first[0].id == second[1].id == content_id(kept)
    assert [p.position for p in second] == [0, 1]


def test_same_text_in_other_script_or_width_gets_the_same_id():
    assert content_id("美國財政部長貝森特說１２個月") == content_id("美国财政部长贝森特说12个月")
