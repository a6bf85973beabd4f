"""``python -m informer_sk``: the main job, see :mod:`informer_sk.cli`."""

import sys

from informer_sk.cli import main

if __name__ == "__main__":
    sys.exit(main())
