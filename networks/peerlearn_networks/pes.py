"""The European Network of Public Employment Services (PES Network).

The public employment services of the EU countries, Norway and Iceland, and
the European Commission. It runs events and peer reviews, and publishes
papers after them. "The EU countries" are those of each membership's dates
(``EU_MEMBER_STATES_GROUP``): the UK's public employment service was a
member until the United Kingdom left the EU on 31 January 2020.
"""

# Models are reached as peerlearn.<Model> inside the hooks, so that loading this
# plugin does not load them: `peerlearn --help` stays fast.
import peerlearn
from peerlearn import EU_INSTITUTIONS, EU_MEMBER_STATES_GROUP, hookimpl

SLUG = "pes"
#: The EU countries of each membership's dates, Norway, Iceland, and the Commission.
ADMITTED = {EU_MEMBER_STATES_GROUP, "NO", "IS", EU_INSTITUTIONS}


@hookimpl
def peerlearn_networks():
    return [
        peerlearn.Network(
            slug=SLUG,
            name="European Network of Public Employment Services",
            acronym="PES Network",
            description=(
                "The public employment services of the EU countries, Norway and Iceland, and the European"
                " Commission. Following its events it publishes papers with key considerations."
            ),
            url="https://ec.europa.eu/social/main.jsp?catId=1100",
            timezone="Europe/Brussels",
            categories=["public employment service", "European Commission"],
            countries=sorted(ADMITTED),
            kinds=["event", "peer_review", "webinar", "meeting"],
            eligibility="the public employment services of the EU countries, Norway and Iceland, and the Commission",
        )
    ]


COLOUR = "steelblue"


@hookimpl
def peerlearn_event_properties(network, activity):
    """PES events link to the network's page when they have no link of their own, and carry its colour."""
    if network.slug != SLUG:
        return None
    found = {"color": COLOUR}
    if network.url:
        found["url"] = network.url  # kept only where the event has no link of its own
    if activity.kind in ("event", "peer_review"):
        found["x-pes-follow-up"] = "paper with key considerations"
    return found
