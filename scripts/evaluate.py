"""Score NewsQA on a gold question set (the same as `newsqa eval`).

Options and examples: `python scripts/evaluate.py --help`, or newsqa/evaluate.py.
"""

import sys

import _bootstrap  # noqa: F401  (the checkout on sys.path, ahead of an installed copy)

from newsqa.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
