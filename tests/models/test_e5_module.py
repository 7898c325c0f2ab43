"""The article model through sentence-transformers gives the engine's own vectors."""

import numpy as np
import pytest

from retrieval.models.article_encoder import load_article_encoder

TEXTS = ["中国商务部宣布对稀土相关技术实施出口管制。商务部新闻发言人表示",
         "Bessent said the deal needs 12 to 24 months",
         "貝森特說的12到24個月是什麼意思", ""]


@pytest.fixture(scope="module")
def encoder():
    return load_article_encoder()


def test_passages_through_sentence_transformers_equal_the_engine(encoder):
    through = encoder.passages(TEXTS)
    direct = encoder._model.passage(TEXTS[:3])
    assert through.shape == (len(TEXTS), encoder.dim)
    assert np.abs(through[:3] - direct).max() < 1e-6
    assert np.allclose(np.linalg.norm(through, axis=1), 1.0, atol=1e-4)  # an empty text still gets a vector


def test_the_query_prompt_is_the_engines_query_side(encoder):
    model = encoder.sentence_transformer
    as_query = model.encode(TEXTS[1:2], prompt_name="query", convert_to_numpy=True)[0]
    assert np.abs(as_query - encoder.query(TEXTS[1])).max() < 1e-6
    assert np.abs(as_query - encoder.passages(TEXTS[1:2])[0]).max() > 1e-3  # the prompts differ
    assert model.get_embedding_dimension() == encoder.dim


def test_an_unknown_prompt_is_refused(encoder):
    with pytest.raises(ValueError, match="prompts"):
        encoder.sentence_transformer.encode(["x"], prompt="search_query: ")
