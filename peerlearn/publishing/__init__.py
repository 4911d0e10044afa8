"""Publishing: everything public about the networks written into one folder (``peerlearn publish``).

:mod:`.folder` is a published folder (its manifest, writing only what
changed); :mod:`.publish` writes a publication: the calendar feeds, the
activity logs, the yearly reports, the change log, and what plugins add
through ``peerlearn_publish`` (the event website). It sits above the
features it combines (feeds, reports).
"""
