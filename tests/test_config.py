"""One source of settings: values validated with errors naming the setting, and the ranking options
derived from Settings rather than declared a second time."""

from __future__ import annotations

from dataclasses import fields, replace

import pytest

from retrieval.config import Settings, load_settings
from retrieval.errors import ConfigError
from retrieval.search import RankingOptions
from retrieval.search.options import RANKING_SETTINGS


@pytest.mark.parametrize(("variable", "value", "setting"), [
    ("NEWSQA_DENSE_WEIGHT", "1.5", "dense_weight"),
    ("NEWSQA_MIN_COVERAGE", "-0.1", "min_coverage"),
    ("NEWSQA_TOP_K", "0", "top_k"),
    ("NEWSQA_CONTEXT_WEIGHT", "2", "context_weight"),
    ("NEWSQA_FUSION", "sum", "fusion"),
])
def test_a_value_out_of_range_names_the_setting_and_where_it_came_from(variable, value, setting, tmp_path):
    with pytest.raises(ConfigError, match=rf"'{setting}'.*\${variable}"):
        load_settings({variable: value}, config_file=tmp_path / "none.toml")


def test_a_value_out_of_range_in_code_is_refused_too():
    with pytest.raises(ConfigError, match="'rerank_weight' must be between 0"):
        replace(Settings(), rerank_weight=-1.0)


def test_ranking_options_have_every_ranking_setting_with_its_default():
    declared = {f.name: f.default for f in fields(Settings)}
    options = RankingOptions()
    for name in RANKING_SETTINGS:
        assert getattr(options, name) == declared[name], name


def test_ranking_options_from_settings_copy_every_ranking_setting(tmp_path):
    changed = {"NEWSQA_DENSE_WEIGHT": "0.3", "NEWSQA_CONTEXT_WEIGHT": "0.5", "NEWSQA_ANSWER_WEIGHT": "0.1",
               "NEWSQA_KINDS": "0", "NEWSQA_FUSION": "rrf", "NEWSQA_REQUIRE_NAMES": "on"}
    settings = load_settings(changed, config_file=tmp_path / "none.toml")
    options = RankingOptions.from_settings(settings)
    assert {name: getattr(options, name) for name in RANKING_SETTINGS} == \
        {name: getattr(settings, name) for name in RANKING_SETTINGS}
    assert (options.dense_weight, options.context_weight, options.use_kinds, options.fusion) == (0.3, 0.5, False, "rrf")

