from retrieval.service import open_searcher


def test_tiny_model_index_answers_a_chinese_question(seed_index):
    result = open_searcher(seed_index).search("贝森特说的12到24个月是什么意思？", top_k=3)
    assert result.answered
    assert any("12到24个月" in hit.text for hit in result.hits)
