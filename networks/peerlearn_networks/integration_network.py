"""The European Integration Network (EIN).

The former Network of National Contact Points on Integration: one or more
contact points per Member State, and the Commission. Its targeted
mutual-learning activities are study visits, peer reviews and workshops.
Its Member States are the EU's on each membership's dates
(``EU_MEMBER_STATES_GROUP``). A member's category is its membership's.
"""

# Models are reached as peerlearn.<Model> inside the hooks, so that loading this
# plugin does not load them: `peerlearn --help` stays fast.
import peerlearn
from peerlearn import EU_INSTITUTIONS, EU_MEMBER_STATES_GROUP, hookimpl

SLUG = "integration_network"
NATIONAL_CONTACT_POINT = "National Contact Point on Integration"
COMMISSION = "European Commission"


@hookimpl
def peerlearn_networks():
    return [
        peerlearn.Network(
            slug=SLUG,
            name="European Integration Network",
            acronym="EIN",
            description=(
                "Supports regular exchanges and mutual learning between Member States on specific aspects of the"
                " integration of third-country nationals, through targeted learning activities."
            ),
            url="https://ec.europa.eu/migrant-integration/",
            timezone="Europe/Brussels",
            categories=[NATIONAL_CONTACT_POINT, COMMISSION],
            countries=[EU_MEMBER_STATES_GROUP, EU_INSTITUTIONS],
            kinds=["study_visit", "peer_review", "workshop"],
            eligibility="Member State authorities (National Contact Points on Integration) and the Commission",
        )
    ]


@hookimpl
def peerlearn_validate_member(network, member, membership):
    if network.slug != SLUG:
        return None
    if member.type != "organisation":
        return [f"EIN members are Member State authorities, not people; add {member.name!r} as an organisation"]
    if member.country == EU_INSTITUTIONS and membership.category != COMMISSION:
        return [f"the EU member of EIN is the Commission (category {COMMISSION!r})"]
    if member.country != EU_INSTITUTIONS and membership.category != NATIONAL_CONTACT_POINT:
        return [f"a Member State joins EIN through its {NATIONAL_CONTACT_POINT} (category {NATIONAL_CONTACT_POINT!r})"]
    return None


#: RFC 7986 colour (a CSS3 name) of EIN events in calendars that show it.
COLOUR = "seagreen"


@hookimpl
def peerlearn_event_properties(network, activity):
    """EIN events: their colour, and filed as targeted mutual-learning activities."""
    if network.slug != SLUG:
        return None
    found = {"color": COLOUR, "categories": "targeted mutual-learning activity"}
    if activity.country:
        found["x-ein-host-country"] = activity.country
    return found
