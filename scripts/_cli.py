"""What the developer scripts share (newsqa/common.py), with the checkout on sys.path first."""

import _bootstrap  # noqa: F401  (before any retrieval import: the checkout wins over an installed copy)

from newsqa.common import USER_ERROR, run, say, settings

__all__ = ["USER_ERROR", "run", "say", "settings"]
