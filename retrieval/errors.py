"""The errors a user can act on: each message says what is wrong and what to do.

Scripts and the bot catch `USER_ERRORS` at the edge and print the message (scripts/_cli.py);
anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A setting that cannot be used; the message names the setting and where it came from."""


class ModelLoadError(RuntimeError):
    """The configured model cannot be loaded (not installed, not a model folder, no network)."""


class IndexError_(RuntimeError):
    """Base for index problems that a user can act on; the message says what to do."""


class IndexNotFound(IndexError_):
    pass


class ModelMismatch(IndexError_):
    pass


class NothingIndexed(IndexError_):
    pass


class RebuildInProgress(IndexError_):
    pass


class QuestionRejected(ValueError):
    """A question that cannot be searched as given (too long, not text); the message says why."""


USER_ERRORS: tuple[type[Exception], ...] = (ConfigError, ModelLoadError, IndexError_, QuestionRejected)
