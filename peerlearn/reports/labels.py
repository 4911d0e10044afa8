"""Words for people: the labels that pages and reports show instead of the registry's slugs.

A kind of activity is named by the label its plugin gave it
(``peer_review`` → ``Peer review``); a slug no plugin labels reads as a
phrase (``thematic_event`` → ``Thematic event``).
"""

from __future__ import annotations

from typing import Callable

STATUS_LABELS = {"draft": "Draft", "tentative": "Tentative", "confirmed": "Confirmed", "cancelled": "Cancelled",
                 "completed": "Completed"}
OUTPUT_LABELS = {"thematic_report": "Thematic report", "final_report": "Final report", "paper": "Paper",
                 "recording": "Recording", "slides": "Slides", "good_practice": "Good practice", "other": "Other"}


def phrase(slug: str) -> str:
    """``site_visit`` → ``Site visit``."""
    text = (slug or "").replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def kind_labels() -> Callable[[str], str]:
    """A function naming each kind of activity as its plugin labels it (the plugins asked once)."""
    from .. import plugins

    known = {name: kind.label for name, kind in plugins.activity_kinds().items() if kind.label}
    return lambda kind: known.get(kind) or phrase(kind)


def status_label(status: str) -> str:
    """An activity's status for people: ``cancelled`` → ``Cancelled``."""
    return STATUS_LABELS.get(status, phrase(status))


def output_label(kind: str) -> str:
    """A kind of output for people: ``final_report`` → ``Final report``."""
    return OUTPUT_LABELS.get(kind, phrase(kind))
