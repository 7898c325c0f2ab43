"""What every command shares: settings with command-line overrides, and one way to report a user's
error (one line on stderr, a non-zero exit status) instead of a traceback."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from retrieval.config import Settings, load_settings
from retrieval.errors import USER_ERRORS
from retrieval.text.safe import terminal_safe

# Exit status when the user must change something (a setting, a file, the index); 0 is success.
USER_ERROR = 2


def say(message: str) -> None:
    """Progress and warnings go to stderr, so stdout stays the script's output (JSON lines, scores)."""
    print(terminal_safe(message), file=sys.stderr)  # file names and titles in warnings come from outside


def settings(index: Path | None = None, articles: list[Path] | None = None) -> Settings:
    """The configured settings (newsqa.toml, environment), with --index / --articles applied."""
    loaded = load_settings()
    if articles:
        loaded = replace(loaded, articles_dirs=tuple(articles))
    if index:
        loaded = replace(loaded, index_dir=index)
    return loaded


def run(body: Callable[[], int], *, also: tuple[type[Exception], ...] = (), status: int = USER_ERROR) -> int:
    """body()'s exit status; a user error (retrieval.errors.USER_ERRORS, plus `also`) is printed as
    `error: …` and ends the script with `status`."""
    try:
        return body()
    except BrokenPipeError:  # `newsqa ask … | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except (*USER_ERRORS, *also) as error:
        say(f"error: {error}")
        return status
