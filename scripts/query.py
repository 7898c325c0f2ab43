"""Ask NewsQA a question (the same as `newsqa ask`).

Options and examples: `python scripts/query.py --help`, or newsqa/ask.py.
"""

import sys

import _bootstrap  # noqa: F401  (the checkout on sys.path, ahead of an installed copy)

from newsqa.ask import main

if __name__ == "__main__":
    sys.exit(main())
