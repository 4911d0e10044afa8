"""The records peerlearn keeps, as attrs classes.

Models are frozen: change one with ``attrs.evolve`` so that a validator runs
again. Validators check what a record can check alone (a country is ISO, an
activity ends after it starts); rules that need a network or the registry
belong to plugins and the store. Every text field holds to the text rule of
:mod:`peerlearn.text` (one line, or several for descriptions and notes; names
in NFC) and every link to :mod:`peerlearn.urls` (http or https); a model
built from a stored row keeps text from before those rules as it was.

Each class is defined in a module of this package and loaded the first time
it is asked for (``from peerlearn.models import Activity`` loads
:mod:`.activities` only): a command pays at start-up for the classes it uses,
not for all twelve (building an attrs class costs about a millisecond).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: An activity's statuses, in the order of its life (see ``peerlearn.registry.activities.TRANSITIONS``).
ACTIVITY_STATUSES = ("draft", "tentative", "confirmed", "cancelled", "completed")
#: The statuses of an activity that is published nowhere: in no feed, page, open-data copy or notice.
UNPUBLISHED_STATUSES = ("draft",)
#: A member's roles in a network.
MEMBERSHIP_ROLES = ("member", "observer", "secretariat", "chair")
#: Where a member stands with an activity.
PARTICIPATION_STATUSES = ("invited", "registered", "waitlisted", "attended", "declined")
#: What a member is.
MEMBER_TYPES = ("organisation", "person")
#: What an activity can produce, in the order pages list them.
OUTPUT_KINDS = ("thematic_report", "final_report", "paper", "recording", "slides", "good_practice", "other")
#: How serious a ``Problem`` is.
SEVERITIES = ("error", "warning")


def is_published(status: str) -> bool:
    """Whether an activity with ``status`` is published (feeds, pages, open data, notices): all but drafts.

    The SQL twin, for queries, is :func:`peerlearn.registry.activities.published_sql`.
    """
    return status not in UNPUBLISHED_STATUSES


#: The kinds of session of an agenda.
SESSION_KINDS = ("opening", "keynote", "panel", "workshop", "plenary", "qa", "break", "closing")
#: The parts people hold on sessions.
ROLE_KINDS = ("chair", "moderator", "speaker", "panellist", "rapporteur")
#: Where a person on a session stands: ``tbd`` has no one yet; ``declined`` is shown nowhere.
ROLE_STATUSES = ("confirmed", "tbc", "tbd", "declined")
#: A cancelled session stays in the programme, the feeds and the pages, marked as cancelled.
SESSION_STATUSES = ("scheduled", "cancelled")

#: Each class, by name, with the module of this package that defines it.
CLASSES = {
    "Network": "network",
    "ActivityKind": "plugin_types", "Problem": "plugin_types", "Exporter": "plugin_types",
    "Member": "members", "Membership": "members",
    "Activity": "activities",
    "Participation": "participation", "Output": "participation",
    "Change": "changes",
    "Session": "agenda", "Role": "agenda",
}


def __getattr__(name: str) -> Any:
    """A model class, defined (by importing its module) on first use."""
    module = CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = globals()[name] = getattr(import_module(f"{__name__}.{module}"), name)
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(CLASSES))
