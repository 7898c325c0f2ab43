"""newsqa.example.toml documents every setting, parses, and states the real defaults."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from retrieval.config import Settings, load_settings

EXAMPLE = Path(__file__).resolve().parents[1] / "newsqa.example.toml"
# Settings the example shows with an example value rather than the default (paths, ids, secrets).
EXAMPLE_VALUES = {"index_dir", "articles_dirs", "telegram_token", "telegram_base_url", "allowed_user_ids",
                  "allowed_chat_ids", "admin_user_ids", "webhook_url", "webhook_secret", "milvus_uri", "milvus_token"}
_SETTING_LINE = re.compile(r"^# ([a-z_]+) = (.+)$")


def _commented_settings() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        match = _SETTING_LINE.match(line)
        if match:
            found.setdefault(match.group(1), match.group(2))
    return found


def test_every_setting_is_in_the_example():
    assert set(_commented_settings()) == {f.name for f in fields(Settings)}


def test_the_example_uncommented_loads_and_states_the_defaults(tmp_path):
    config = tmp_path / "newsqa.toml"
    config.write_text("\n".join(f"{k} = {v}" for k, v in _commented_settings().items()) + "\n", encoding="utf-8")
    loaded, defaults = load_settings(environ={}, config_file=config), Settings()
    for field in fields(Settings):
        if field.name not in EXAMPLE_VALUES:
            assert getattr(loaded, field.name) == getattr(defaults, field.name), field.name
    assert loaded.allowed_user_ids == (123456789,) and loaded.webhook_listen == "127.0.0.1:8080"
