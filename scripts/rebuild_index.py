"""Build or update the NewsQA index (the same as `newsqa rebuild`).

Options and examples: `python scripts/rebuild_index.py --help`, or newsqa/rebuild.py.
"""

import sys

import _bootstrap  # noqa: F401  (the checkout on sys.path, ahead of an installed copy)

from newsqa.rebuild import main

if __name__ == "__main__":
    sys.exit(main())
