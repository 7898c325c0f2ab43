"""Build the embedding model and prepare the lookup tables (the same as `newsqa setup`).

Options and examples: `python scripts/build_model.py --help`, or newsqa/setup.py.
"""

import sys

import _bootstrap  # noqa: F401  (the checkout on sys.path, ahead of an installed copy)

from newsqa.setup import main

if __name__ == "__main__":
    sys.exit(main())
