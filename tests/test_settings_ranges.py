"""The settings issue 19 found unchecked (they changed answers silently): nan, inf, weights large enough
to override the abstain rules, an index path that is a file. (Plain out-of-range values: test_config.py.)"""

from __future__ import annotations

import pytest

from retrieval.config import load_settings
from retrieval.errors import ConfigError

BAD = [
    ("NEWSQA_TOP_K", "-3"), ("NEWSQA_TOP_K", "1000000"),
    ("NEWSQA_MIN_GROUPS", "-1"), ("NEWSQA_MIN_GROUPS", "11"),
    ("NEWSQA_MIN_COVERAGE", "2"), ("NEWSQA_MIN_COVERAGE", "-0.1"), ("NEWSQA_MIN_COVERAGE", "nan"),
    ("NEWSQA_RERANK_WEIGHT", "1e20"), ("NEWSQA_RERANK_WEIGHT", "inf"), ("NEWSQA_RERANK_WEIGHT", "-1"),
    ("NEWSQA_DENSE_WEIGHT", "nan"), ("NEWSQA_TITLE_CREDIT", "-inf"),
    ("NEWSQA_SOUND_ALIKE_WEIGHT", "nan"), ("NEWSQA_ANSWER_WEIGHT", "1e9"),
    ("NEWSQA_ANSWER_WEIGHT", "nan"), ("NEWSQA_COMPACTION_SHARE", "-0.5"), ("NEWSQA_COMPACTION_SHARE", "inf"),
    ("NEWSQA_MAX_DELTAS", "-1"), ("NEWSQA_TOP_K", "2.5"), ("NEWSQA_MIN_GROUPS", "many"),
]


@pytest.mark.parametrize("variable, value", BAD)
def test_a_bad_numeric_setting_is_an_error_naming_it(variable, value, tmp_path):
    with pytest.raises(ConfigError) as raised:
        load_settings({variable: value}, config_file=tmp_path / "none.toml")
    assert variable in str(raised.value) and variable.removeprefix("NEWSQA_").lower() in str(raised.value)


def test_an_index_path_that_is_a_file_is_an_error_naming_it(tmp_path):
    path = tmp_path / "index"
    path.write_text("not a directory")
    with pytest.raises(ConfigError, match=r"'index_dir'.*is a file"):
        load_settings({"NEWSQA_INDEX": str(path)}, config_file=tmp_path / "none.toml")


def test_good_values_pass(tmp_path):
    settings = load_settings({"NEWSQA_TOP_K": "10", "NEWSQA_MIN_COVERAGE": "0.3", "NEWSQA_RERANK_WEIGHT": "1.0"},
                             config_file=tmp_path / "none.toml")
    assert (settings.top_k, settings.min_coverage, settings.rerank_weight) == (10, 0.3, 1.0)
