"""An example external network plugin: the Baltic Sea Employment Forum.

Its rules: the forum admits members from the countries around the Baltic Sea,
each of its activities has a capacity (rooms on the ferry are few), and only
an employment service may chair it (a member's category is its
membership's). Its calendar events are filed under "on board" beside
peerlearn's own categories.
"""

from peerlearn import hookimpl

SLUG = "baltic_forum"
BALTIC = ["DE", "DK", "EE", "FI", "LT", "LV", "PL", "SE"]
EMPLOYMENT_SERVICE = "employment service"


@hookimpl
def peerlearn_networks():
    from peerlearn import Network  # inside the hook, so that `peerlearn --help` loads no models

    return [
        Network(
            slug=SLUG,
            name="Baltic Sea Employment Forum",
            acronym="BSEF",
            description="Employment services around the Baltic Sea, meeting on board.",
            timezone="Europe/Helsinki",
            countries=BALTIC,
            categories=[EMPLOYMENT_SERVICE, "social partner", "expert"],
            kinds=["workshop", "study_visit"],
            eligibility="employment services of the countries around the Baltic Sea",
        )
    ]


@hookimpl
def peerlearn_validate_member(network, member, membership):
    from peerlearn import Problem

    if network.slug == SLUG and membership.role == "chair" and membership.category != EMPLOYMENT_SERVICE:
        return [Problem(f"the BSEF chair is an {EMPLOYMENT_SERVICE}; {member.name!r} is in the forum as"
                        f" {membership.category or 'no category'}")]
    return None


@hookimpl
def peerlearn_validate_activity(network, activity):
    from peerlearn import Problem

    if network.slug == SLUG and activity.capacity is None:
        return [Problem("BSEF activities need a --capacity (places on board are few)")]
    return None


@hookimpl
def peerlearn_event_properties(network):
    if network.slug == SLUG:
        return {"categories": ["on board", network.acronym]}  # the acronym is there already: kept once
    return None
