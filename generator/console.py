"""The ``kb`` console script. It imports the real command line only inside its own error
handling, so Ctrl-C while Python is still importing (the first tenth of a second of
``kb build``) ends with the same Chinese line as Ctrl-C later, not with a traceback."""

from __future__ import annotations

import sys

INTERRUPTED = "已中断；网站（site/）保持原样"


def main() -> int:
    try:
        from .cli import main as run

        return run()
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
