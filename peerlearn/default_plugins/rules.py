"""The core's own rules, registered as a default plugin on the validation hooks.

They apply what a network declares about itself: which categories of
member, which countries and which kinds of activity it admits. Network
plugins add their own rules through the same hooks.

A member's category is its membership's (one body can be an ``expert`` in
one network and a ``policy expert`` in another); a network that declares
categories needs one of them, and a blank category is refused. The
network's countries are those it admits on the membership's dates: the
core resolves ``EU-MEMBER-STATES`` to the EU of those dates before the
hook is called.
"""

from __future__ import annotations

from ..hookmarks import hookimpl


def _who(network) -> str:
    from ..countries import EU_MEMBER_STATES_GROUP, EU_MEMBERSHIP

    if network.eligibility:
        return network.eligibility
    if EU_MEMBER_STATES_GROUP not in network.countries:
        return f"members from {', '.join(sorted(network.countries))}"
    others = sorted(code for code in network.countries if code != EU_MEMBER_STATES_GROUP and code not in EU_MEMBERSHIP)
    return "members from the EU Member States of the membership's dates" + (f" and {', '.join(others)}"
                                                                            if others else "")


def _dates(membership) -> str:
    if membership.since and membership.until:
        return f"this membership runs from {membership.since:%Y-%m-%d} to {membership.until:%Y-%m-%d}"
    if membership.since:
        return f"this membership runs from {membership.since:%Y-%m-%d}, with no end"
    if membership.until:
        return f"this membership runs until {membership.until:%Y-%m-%d}"
    return "a membership without dates is checked on today's date"


@hookimpl
def peerlearn_validate_member(network, member, membership):
    from ..countries import EU_MEMBER_STATES_GROUP, eu_membership_note

    problems = []
    name = network.acronym or network.name
    if network.countries and member.country not in network.countries:
        problem = f"{name} admits only {_who(network)}; {member.name!r} is from {member.country}"
        note = eu_membership_note(member.country) if EU_MEMBER_STATES_GROUP in network.countries else ""
        if note:
            problem += f" ({note}; {_dates(membership)})"
        problems.append(problem)
    if network.categories and membership.category not in network.categories:
        if membership.category:
            problems.append(f"{name} has no member category {membership.category!r}"
                            f" (categories: {', '.join(network.categories)})")
        else:
            problems.append(f"{name} needs a member category (categories: {', '.join(network.categories)})")
    return problems


@hookimpl
def peerlearn_validate_activity(network, activity):
    if network.kinds and activity.kind not in network.kinds:
        return [
            f"{network.acronym or network.name} runs no activity of kind {activity.kind!r}"
            f" (kinds: {', '.join(network.kinds)})"
        ]
    return []
