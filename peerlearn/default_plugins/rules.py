"""The core's own rules, registered as a default plugin on the validation hooks.

They apply what a network declares about itself: which categories of
member, which countries and which kinds of activity it admits. Network
plugins add their own rules through the same hooks.
"""

from __future__ import annotations

from .. import hookimpl


@hookimpl
def peerlearn_validate_member(network, member, membership):
    problems = []
    if network.countries and member.country not in network.countries:
        who = network.eligibility or f"members from {', '.join(sorted(network.countries))}"
        problems.append(f"{network.acronym or network.name} admits only {who}; {member.name!r} is from {member.country}")
    if network.categories and member.category and member.category not in network.categories:
        problems.append(
            f"{network.acronym or network.name} has no member category {member.category!r}"
            f" (categories: {', '.join(network.categories)})"
        )
    return problems


@hookimpl
def peerlearn_validate_activity(network, activity):
    if network.kinds and activity.kind not in network.kinds:
        return [
            f"{network.acronym or network.name} runs no activity of kind {activity.kind!r}"
            f" (kinds: {', '.join(network.kinds)})"
        ]
    return []
