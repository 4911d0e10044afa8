"""``python -m peerlearn``: the same as the ``peerlearn`` command."""

from .cli import main

main()
