from retrieval.text import find_term_spans, normalize, tokenize


def test_normalize_folds_width_script_and_case():
    assert normalize("貝森特　說ＭＰ　Ｍａｔｅｒｉａｌｓ１２％") == "贝森特 说mp materials12%"


def test_tokenize_drops_stopwords_and_punctuation():
    tokens = tokenize("中国的稀土储量占全球多少？")
    assert "稀土" in tokens and "储量" in tokens
    assert "的" not in tokens and "多少" not in tokens and "？" not in tokens


def test_traditional_and_simplified_give_the_same_tokens():
    assert tokenize("貝森特說中共在稀土上的籌碼") == tokenize("贝森特说中共在稀土上的筹码")


def test_term_spans_point_into_the_original_text():
    text = "美國財政部長貝森特說"
    spans = find_term_spans(text, ["贝森特", "财政部"])
    assert [text[s:e] for s, e in spans] == ["財政部", "貝森特"]


def test_latin_terms_match_whole_words_only():
    text = "MP Materials and AMPLE"
    assert [text[s:e] for s, e in find_term_spans(text, ["mp"])] == ["MP"]
