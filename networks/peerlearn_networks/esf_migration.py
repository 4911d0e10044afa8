"""The ESF Transnational Thematic Network on Migration.

Members: bodies managing the ESF Operational Programmes, policy experts,
stakeholders, academics and social partners. Activities: workshops, peer
reviews and site visits, each within one ESF programming period.

The programming periods are data, :data:`PROGRAMMING_PERIODS`: 2014–2020
(ESF), then 2021–2027 (ESF+); a new period is one more line there. An
activity belongs to the period its first day falls in; the rule refuses an
activity before the first period or straddling two, and accepts one after
the last period known, with a warning: it is shown as having "no period
yet" (in its calendar event too) until its period is added. The
activity's calendar event carries its period as a category.
"""

import datetime as dt
from typing import NamedTuple

# Models are reached as peerlearn.<Model> inside the hooks, so that loading this
# plugin does not load them: `peerlearn --help` stays fast.
import peerlearn
from peerlearn import hookimpl

SLUG = "esf_migration"


class ProgrammingPeriod(NamedTuple):
    """An ESF programming period: its name, how people read it, its first and last days."""

    name: str
    label: str
    first: dt.date
    last: dt.date


#: The ESF programming periods, in order. A new one is one more line here.
PROGRAMMING_PERIODS = (
    ProgrammingPeriod("2014-2020", "ESF 2014-2020", dt.date(2014, 1, 1), dt.date(2020, 12, 31)),
    ProgrammingPeriod("2021-2027", "ESF+ 2021-2027", dt.date(2021, 1, 1), dt.date(2027, 12, 31)),
)
#: How an activity after the last known period is shown, until its period is added.
NO_PERIOD_YET = "no period yet"


def programming_period(day: dt.date) -> str | None:
    """The name of the programming period a date falls in, e.g. ``"2021-2027"`` (ESF+), or None."""
    for period in PROGRAMMING_PERIODS:
        if period.first <= day <= period.last:
            return period.name
    return None


def after_the_last_period(day: dt.date) -> bool:
    """Whether a date comes after every programming period known (its period is not declared yet)."""
    return day > max(period.last for period in PROGRAMMING_PERIODS)


def _last_day(activity) -> dt.date:
    # An all-day activity ends at midnight after its last day (exclusive end).
    end = activity.local_end
    if activity.all_day or end.time() == dt.time(0, 0):
        return (end - dt.timedelta(days=1)).date()
    return end.date()


def activity_period(activity) -> str | None:
    """The programming period an activity belongs to: the one its first day falls in."""
    return programming_period(activity.local_start.date())


def period_label(period: str | None) -> str:
    """How a period is shown to people, e.g. ``"ESF+ 2021-2027"``; ``"ESF: no period yet"`` for None."""
    for known in PROGRAMMING_PERIODS:
        if known.name == period:
            return known.label
    return f"ESF: {NO_PERIOD_YET}" if period is None else f"ESF {period}"


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
    if period is None and after_the_last_period(first):
        latest = PROGRAMMING_PERIODS[-1]
        return [peerlearn.Problem(
            f"{first:%Y-%m-%d} is after the last ESF programming period known ({latest.label}, until"
            f" {latest.last:%Y-%m-%d}): the activity is shown as having {NO_PERIOD_YET} until its period is added",
            severity="warning")]
    if period is None:
        periods = ", ".join(known.name for known in PROGRAMMING_PERIODS)
        return [peerlearn.Problem(f"ESF activities fall within a programming period ({periods} and later ones);"
                                  f" {first:%Y-%m-%d} is before the first")]
    if programming_period(last) != period:
        return [peerlearn.Problem(f"an ESF activity belongs to one programming period; it starts in"
                                  f" {period_label(period)} ({first:%Y-%m-%d}) but ends on {last:%Y-%m-%d}")]
    return None


@hookimpl
def peerlearn_event_properties(network, activity):
    """Tag each event with the ESF programming period its activity falls in ("no period yet" after the last known)."""
    if network.slug != SLUG:
        return None
    period = activity_period(activity)
    if period is None and not after_the_last_period(activity.local_start.date()):
        return None
    return {"x-esf-programming-period": period or NO_PERIOD_YET, "categories": period_label(period)}
