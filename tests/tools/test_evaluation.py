from retrieval.tools.evaluation import evaluate, first_relevant_rank, is_relevant


def test_relevance_ignores_whitespace_on_both_sides():
    assert is_relevant("美国可在 12–24 个月内\n大幅降低", ["美国可在12–24个月内大幅降低"])
    assert not is_relevant("无关的段落", ["美国可在12–24个月内"])


def test_metrics_per_language_and_noans():
    gold = [
        {"query": "a", "lang": "zh", "gold": ["甲"]},
        {"query": "b", "lang": "zh", "gold": ["乙"]},
        {"query": "c", "lang": "en", "gold": ["丙"]},
        {"query": "d", "lang": "en", "gold": []},
        {"query": "e", "lang": "zh", "gold": []},
    ]
    answers = [
        {"query": "a", "answered": True, "hits": [{"text": "x"}, {"text": "有甲"}]},
        {"query": "b", "answered": True, "hits": [{"text": "乙"}]},
        {"query": "c", "answered": False, "hits": []},
        {"query": "d", "answered": False, "hits": []},
        {"query": "e", "answered": True, "hits": [{"text": "x"}]},
    ]
    report = evaluate(gold, answers)
    zh, en = report["by_lang"]["zh"], report["by_lang"]["en"]
    assert zh.recall == {1: 0.5, 3: 1.0, 5: 1.0} and zh.mrr == 0.75
    assert en.recall[5] == 0.0 and report["by_lang"]["all"].questions == 3
    assert report["noans"] == 0.5 and report["false_abstains"] == 1


def test_first_relevant_rank():
    assert first_relevant_rank(["a", "b", "金"], ["金"]) == 3
    assert first_relevant_rank(["a"], ["金"]) is None


def test_article_level_recall_reads_the_hits_source_files():
    from retrieval.tools.evaluation import with_sources

    gold = [{"query": "a", "lang": "zh", "article": "src_0001.md", "gold": ["甲"]},
            {"query": "b", "lang": "zh", "article": "src_0002.md", "gold": ["乙"]},
            {"query": "c", "lang": "zh", "article": "src_0003.md", "gold": []}]
    answers = [{"query": "a", "answered": True, "hits": [{"text": "x", "article_id": "A1"}]},
               {"query": "b", "answered": True, "hits": [{"text": "y", "article_id": "B1"},
                                                         {"text": "乙", "article_id": "B2"}]},
               {"query": "c", "answered": False, "hits": []}]
    sources = {"A1": "/corpus/large/src_0001.md", "B1": "/corpus/large/src_0009.md", "B2": "/x/src_0002.md"}
    zh = evaluate(gold, with_sources(answers, sources))["by_lang"]["zh"]
    # the right article, the wrong paragraph: counted at article level only
    assert zh.recall[3] == 0.5 and zh.article_recall[3] == 1.0
    assert "article R@3 1.000" in zh.row()
    # answers without sources (query.py output) are scored by paragraph only
    assert evaluate(gold, answers)["by_lang"]["zh"].article_recall is None
