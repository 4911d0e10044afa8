"""``python -m peerlearn.authoring [--check] [DOC]``: rewrite, or check, the hook reference of a document.

DOC defaults to ``docs/writing-a-plugin.md``. With ``--check`` nothing is
written: the exit status is 1 when the reference is out of date. This is the
one place of the package that prints and exits; the library raises.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .hookdoc import DEFAULT_DOC, hooks, update


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [arg for arg in args if arg != "--check"]
    path = Path(paths[0]) if paths else DEFAULT_DOC
    try:
        text = path.read_text(encoding="utf-8")
        fresh = update(text)
    except (OSError, ValueError) as error:
        print(f"Error: {path}: {error}", file=sys.stderr)
        return 1
    if check:
        if fresh != text:
            print(f"{path}: the hook reference is out of date; run: python -m peerlearn.authoring {path}",
                  file=sys.stderr)
            return 1
        print(f"{path}: the hook reference is up to date ({len(hooks())} hooks).")
        return 0
    if fresh != text:
        path.write_text(fresh, encoding="utf-8")
        print(f"{path}: hook reference rewritten ({len(hooks())} hooks).")
    else:
        print(f"{path}: already up to date ({len(hooks())} hooks).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
