"""The core's kinds of activity, contributed through the same hook as a plugin's."""

from ..hookmarks import hookimpl

CORE_KINDS = {
    "workshop": "Workshop",
    "peer_review": "Peer review",
    "site_visit": "Site visit",
    "study_visit": "Study visit",
    "conference": "Conference",
    "webinar": "Webinar",
    "meeting": "Meeting",
    "event": "Event",
}


@hookimpl
def peerlearn_activity_kinds():
    from ..models import ActivityKind

    return [ActivityKind(name, label) for name, label in CORE_KINDS.items()]
