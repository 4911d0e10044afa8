"""The ESF Transnational Thematic Network on Migration.

Members: bodies managing the ESF Operational Programmes, policy experts,
stakeholders, academics and social partners. Activities: workshops, peer
reviews and site visits, each within an ESF programming period.
"""

import datetime as dt

from peerlearn import Network, Problem, hookimpl

SLUG = "esf_migration"

#: The ESF programming periods, first and last year included.
PROGRAMMING_PERIODS = {"2014-2020": (2014, 2020), "2021-2027": (2021, 2027)}


def programming_period(day: dt.date) -> str | None:
    """The programming period a date falls in, e.g. ``"2021-2027"`` (ESF+), or None."""
    for name, (first, last) in PROGRAMMING_PERIODS.items():
        if first <= day.year <= last:
            return name
    return None


@hookimpl
def peerlearn_networks():
    return [
        Network(
            slug=SLUG,
            name="ESF Transnational Thematic Network on Migration",
            acronym="ESF-TTN Migration",
            description=(
                "Set up by the European Commission within the ESF Transnational Platform: representatives of the"
                " bodies managing the ESF Operational Programmes, policy experts, stakeholders, academics and social"
                " partners, meeting in workshops, peer reviews and site visits."
            ),
            url="https://ec.europa.eu/esf/transnationality/",
            timezone="Europe/Brussels",
            categories=[
                "ESF managing authority",
                "policy expert",
                "stakeholder",
                "academic",
                "social partner",
                "European Commission",
            ],
            kinds=["workshop", "peer_review", "site_visit"],
        )
    ]


@hookimpl
def peerlearn_validate_activity(network, activity):
    if network.slug != SLUG:
        return None
    if programming_period(activity.local_start.date()) is None:
        periods = " and ".join(PROGRAMMING_PERIODS)
        return [Problem(f"ESF activities fall within a programming period ({periods});"
                        f" {activity.local_start:%Y-%m-%d} is outside them")]
    return None


@hookimpl
def peerlearn_ical_event(network, activity, event):
    """Tag each event with the ESF programming period its activity falls in."""
    if network.slug != SLUG:
        return
    period = programming_period(activity.local_start.date())
    if period:
        event.add("x-esf-programming-period", period)
        event.add("categories", [f"ESF+ {period}" if period == "2021-2027" else f"ESF {period}"])
