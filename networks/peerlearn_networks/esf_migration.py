"""The ESF Transnational Thematic Network on Migration.

Members: bodies managing the ESF Operational Programmes, policy experts,
stakeholders, academics and social partners. Activities: workshops, peer
reviews and site visits, each within one ESF programming period: 2014–2020
(ESF), then 2021–2027 (ESF+). :func:`activity_period` tags an activity with
its period; the rule refuses an activity outside both periods or straddling
them, and the activity's calendar event carries the period as a category.
"""

import datetime as dt

# Models are reached as peerlearn.<Model> inside the hooks, so that loading this
# plugin does not load them: `peerlearn --help` stays fast.
import peerlearn
from peerlearn import hookimpl

SLUG = "esf_migration"

#: The ESF programming periods, first and last year included.
PROGRAMMING_PERIODS = {"2014-2020": (2014, 2020), "2021-2027": (2021, 2027)}


def programming_period(day: dt.date) -> str | None:
    """The programming period a date falls in, e.g. ``"2021-2027"`` (ESF+), or None."""
    for name, (first, last) in PROGRAMMING_PERIODS.items():
        if first <= day.year <= last:
            return name
    return None


def _last_day(activity) -> dt.date:
    # An all-day activity ends at midnight after its last day (exclusive end).
    end = activity.local_end
    if activity.all_day or end.time() == dt.time(0, 0):
        return (end - dt.timedelta(days=1)).date()
    return end.date()


def activity_period(activity) -> str | None:
    """The programming period an activity belongs to: the one its first day falls in."""
    return programming_period(activity.local_start.date())


def period_label(period: str) -> str:
    """How a period is shown to people, e.g. ``"ESF+ 2021-2027"``."""
    return f"ESF+ {period}" if period == "2021-2027" else f"ESF {period}"


@hookimpl
def peerlearn_networks():
    return [
        peerlearn.Network(
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
    first, last = activity.local_start.date(), _last_day(activity)
    period = programming_period(first)
    if period is None:
        periods = " and ".join(PROGRAMMING_PERIODS)
        return [peerlearn.Problem(f"ESF activities fall within a programming period ({periods}); {first:%Y-%m-%d} is outside them")]
    if programming_period(last) != period:
        return [peerlearn.Problem(f"an ESF activity belongs to one programming period; it starts in {period_label(period)}"
                        f" ({first:%Y-%m-%d}) but ends on {last:%Y-%m-%d}")]
    return None


@hookimpl
def peerlearn_ical_event(network, activity, event):
    """Tag each event with the ESF programming period its activity falls in."""
    if network.slug != SLUG:
        return
    period = activity_period(activity)
    if period:
        event.add("x-esf-programming-period", period)
        peerlearn.add_categories(event, period_label(period))
