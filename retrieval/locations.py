"""Where NewsQA keeps its files: in a source checkout beside the code, when installed in the
user's platform directories, or all under $NEWSQA_HOME.

                      checkout (pyproject.toml beside)   installed (pip install .)            $NEWSQA_HOME set
    config file       ./newsqa.toml                      <user config dir>/newsqa.toml         $NEWSQA_HOME/newsqa.toml
    index             ./index                            <user data dir>/index                 $NEWSQA_HOME/index
    built models      ./.cache/models                    <user data dir>/models                $NEWSQA_HOME/models
    prepared tables   ./.cache/tables                    <user cache dir>/tables               $NEWSQA_HOME/cache/tables
    shipped seeds     retrieval/seeds (package data; ./seeds links there in a checkout)

(platformdirs: ~/.config/newsqa, ~/.local/share/newsqa, ~/.cache/newsqa on Linux.) $NEWSQA_CONFIG
names the config file, $NEWSQA_MODEL_CACHE the models folder and $NEWSQA_CACHE the prepared
tables' folder directly. Nothing is ever written
inside site-packages.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
SOURCE_ROOT = PACKAGE_DIR.parent
APP_NAME = "newsqa"


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def in_checkout() -> bool:
    """Running from a source tree (a clone, or an editable install of one), not an installed copy."""
    return (SOURCE_ROOT / "pyproject.toml").is_file() and (SOURCE_ROOT / "retrieval").is_dir()


def home(environ: Mapping[str, str] | None = None) -> Path | None:
    value = _env(environ).get("NEWSQA_HOME")
    return Path(value).expanduser() if value else None


def config_file(environ: Mapping[str, str] | None = None) -> Path:
    environ = _env(environ)
    if environ.get("NEWSQA_CONFIG"):
        return Path(environ["NEWSQA_CONFIG"]).expanduser()
    if (root := home(environ)) is not None:
        return root / "newsqa.toml"
    if in_checkout():
        return SOURCE_ROOT / "newsqa.toml"
    import platformdirs

    return platformdirs.user_config_path(APP_NAME) / "newsqa.toml"


def data_dir(environ: Mapping[str, str] | None = None) -> Path:
    if (root := home(environ)) is not None:
        return root
    if in_checkout():
        return SOURCE_ROOT
    import platformdirs

    return platformdirs.user_data_path(APP_NAME)


def default_index_dir(environ: Mapping[str, str] | None = None) -> Path:
    return data_dir(environ) / "index"


def model_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    environ = _env(environ)
    if environ.get("NEWSQA_MODEL_CACHE"):
        return Path(environ["NEWSQA_MODEL_CACHE"]).expanduser()
    if home(environ) is None and in_checkout():
        return SOURCE_ROOT / ".cache" / "models"
    return data_dir(environ) / "models"


def tables_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    if _env(environ).get("NEWSQA_CACHE"):
        return Path(_env(environ)["NEWSQA_CACHE"]).expanduser()
    if (root := home(environ)) is not None:
        return root / "cache" / "tables"
    if in_checkout():
        return SOURCE_ROOT / ".cache" / "tables"
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME) / "tables"


def seeds_dir() -> Path:
    """The five sample articles shipped with NewsQA, package data of `retrieval` (a wheel has them too)."""
    return PACKAGE_DIR / "seeds"
