"""``python -m peerlearn.authoring [--check] [DOC ...]``: rewrite, or check, the references made from the code.

Each DOC is ``docs/api.md`` (a file named ``api.md`` is the API reference,
written whole from ``peerlearn.__all__``) or a document holding the hook
reference between its marker lines (``docs/writing-a-plugin.md``); without
DOC, both. With ``--check`` nothing is written: the exit status is 1 when a
reference is out of date. This is the one place of the package that prints
and exits; the library raises.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import apidoc, hookdoc


def _fresh(path: Path, text: str) -> tuple[str, str]:
    """The document as it should be, and what it is called in messages."""
    if path.name == apidoc.DEFAULT_DOC.name:
        return apidoc.render(), "API reference"
    return hookdoc.update(text), f"hook reference ({len(hookdoc.hooks())} hooks)"


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    check = "--check" in args
    paths = [Path(arg) for arg in args if arg != "--check"] or [hookdoc.DEFAULT_DOC, apidoc.DEFAULT_DOC]
    status = 0
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8") if path.exists() or path.name != apidoc.DEFAULT_DOC.name else ""
            fresh, what = _fresh(path, text)
        except (OSError, ValueError) as error:
            print(f"Error: {path}: {error}", file=sys.stderr)
            status = 1
            continue
        if check:
            if fresh != text:
                print(f"{path}: the {what} is out of date; run: python -m peerlearn.authoring {path}",
                      file=sys.stderr)
                status = 1
            else:
                print(f"{path}: the {what} is up to date.")
        elif fresh != text:
            path.write_text(fresh, encoding="utf-8")
            print(f"{path}: {what} rewritten.")
        else:
            print(f"{path}: already up to date.")
    return status


if __name__ == "__main__":
    sys.exit(main())
