"""Focus inside an article (retrieval.search.focus): words every paragraph of the article has do not
choose among its paragraphs; words only one paragraph has do."""

import numpy as np

from retrieval.search.focus import focus_scores, within_article_idf
from retrieval.store.records import RowArticles


def test_a_word_in_every_paragraph_weighs_less_than_a_word_in_one():
    idf = within_article_idf(np.array([[10, 1]]), np.array([10]))
    assert idf[0, 0] < idf[0, 1]
    assert (idf >= 0).all()


def test_the_paragraph_with_the_articles_rare_words_leads_its_article():
    # article 0: rows 0-3; the fund's name (group 0) is in every row, "cash balance" (group 1) in row 2 only
    articles = RowArticles.from_article_of(np.array([0, 0, 0, 0, 1, 1]), ["a", "b"])
    group_rows = [np.array([0, 1, 2, 3, 4]), np.array([2])]
    weights = np.array([3.0, 1.0])  # the name is the rarer word corpus-wide
    rows = [0, 2, 4]
    credits = np.array([[1.0, 0.0],   # the lead: the name only
                        [0.0, 1.0],   # the answer: the cash balance only
                        [1.0, 0.0]])  # the other article's one candidate
    focus = focus_scores(rows, credits, group_rows, weights, articles)
    assert focus[1] == 1.0 and focus[0] < focus[1]
    # relative to its own article's best candidate: a lone candidate leads its article
    assert focus[2] == 1.0


def test_rows_without_an_article_and_no_groups_score_zero():
    articles = RowArticles.from_article_of(np.array([-1, 0]), ["a"])
    assert focus_scores([0], np.array([[1.0]]), [np.array([0, 1])], np.array([1.0]), articles).tolist() == [0.0]
    assert focus_scores([1], np.zeros((1, 0)), [], np.zeros(0), articles).tolist() == [0.0]
