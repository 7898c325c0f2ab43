"""Text as both sides match it: normalisation (width, OpenCC), tokenisation (jieba), shared patterns.

The public surface is re-exported here (`from retrieval.text import normalize, tokenize`); modules
inside this package import each other directly.
"""

from retrieval.text.normalize import (
    compact_normal_form,
    contains,
    content_id,
    content_id_of_normalized,
    fold_width,
    mainland_word,
    normalize,
    to_simplified,
)
from retrieval.text.spans import find_term_spans
from retrieval.text.tokenize import (
    STOPWORDS,
    STOPWORDS_EN,
    STOPWORDS_ZH,
    init_jieba,
    is_informative,
    jieba_frequencies,
    segment,
    tokenize,
    tokenize_normalized,
)

__all__ = [
    "STOPWORDS",
    "STOPWORDS_EN",
    "STOPWORDS_ZH",
    "compact_normal_form",
    "contains",
    "content_id",
    "content_id_of_normalized",
    "find_term_spans",
    "fold_width",
    "init_jieba",
    "is_informative",
    "jieba_frequencies",
    "mainland_word",
    "normalize",
    "segment",
    "to_simplified",
    "tokenize",
    "tokenize_normalized",
]
