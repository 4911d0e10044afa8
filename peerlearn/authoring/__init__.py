"""For plugin authors and peerlearn's own docs: a new plugin project, and the references made from the code.

:mod:`.scaffold` writes the project ``peerlearn plugin new`` makes;
:mod:`.hookdoc` renders the hook reference of ``docs/writing-a-plugin.md``
from ``peerlearn/hookspecs.py``. ``python -m peerlearn.authoring`` checks or
rewrites the references.
"""
