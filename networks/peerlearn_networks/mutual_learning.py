"""The Mutual Learning Programme (MLP) of the European Employment Strategy.

Member States' ministries, experts and social partners. Peer reviews are
hosted by one country with peer countries; there are thematic events and
Mutual Learning Conferences with parallel workshops.
"""

# Models are reached as peerlearn.<Model> inside the hooks, so that loading this
# plugin does not load them: `peerlearn --help` stays fast.
import peerlearn
from peerlearn import hookimpl

SLUG = "mutual_learning"


@hookimpl
def peerlearn_networks():
    return [
        peerlearn.Network(
            slug=SLUG,
            name="Mutual Learning Programme",
            acronym="MLP",
            description=(
                "Activities under the European Employment Strategy that support, coordinate and encourage mutual"
                " learning between EU Member States, including events on the integration and inclusion of refugees"
                " and asylum seekers."
            ),
            url="https://ec.europa.eu/social/main.jsp?catId=1047",
            timezone="Europe/Brussels",
            categories=["ministry", "expert", "social partner", "European Commission"],
            kinds=["peer_review", "thematic_event", "conference"],
        )
    ]


@hookimpl
def peerlearn_activity_kinds():
    return [peerlearn.ActivityKind("thematic_event", "Thematic event", "A Mutual Learning Programme event on one theme.")]


@hookimpl
def peerlearn_validate_activity(network, activity):
    if network.slug != SLUG or activity.kind != "peer_review":
        return None
    problems = []
    if activity.host_member_id is None:
        problems.append("an MLP peer review needs a host country (--host)")
    if not activity.peer_member_ids:
        problems.append("an MLP peer review needs at least one peer country (--peer)")
    return problems


COLOUR = "rebeccapurple"
LABELS = {"peer_review": "MLP Peer Review", "thematic_event": "MLP Thematic Event",
          "conference": "Mutual Learning Conference"}


@hookimpl
def peerlearn_event_properties(network, activity, session):
    """MLP events: colour, the programme's name for the activity, the track of each session.

    A session that runs beside another (another track, overlapping in time)
    is filed as a "parallel workshop"; plenaries, breaks and lunch are not.
    """
    if network.slug != SLUG:
        return None
    found = {"color": COLOUR, "x-mlp-activity-type": LABELS.get(activity.kind, activity.kind)}
    if session is not None and session.track:
        found["x-mlp-track"] = session.track
    if session is not None and session.parallel:
        found["categories"] = "parallel workshop"
    return found
