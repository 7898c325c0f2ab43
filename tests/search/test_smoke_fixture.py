from retrieval.service import open_searcher


def test_tiny_model_index_answers_a_chinese_question(seed_index):
    result = open_searcher(seed_index).search("贝森特说的12到24个月是什么意思？", top_k=3)
    assert result.answered
    assert any("12到24个月" in hit.text for hit in result.hits)


def test_hits_carry_the_searchers_own_coverage(seed_index):
    searcher = open_searcher(seed_index)
    query = "中国7月稀土磁铁出口了多少吨？"
    result = searcher.search(query, top_k=5)
    groups = searcher.analyse(query)
    stored = {p.passage_id: p for p in searcher.index.passages(list(range(searcher.index.num_passages)))}
    assert result.answered
    for hit in result.hits:
        assert hit.coverage == searcher.scorer.coverage(groups, stored[hit.passage_id])
    assert result.hits[0].coverage >= seed_index.min_coverage
    assert "coverage" not in result.hits[0].to_json()  # the --json contract is unchanged
