"""peerlearn: coordinate peer-learning networks.

This module is the public API: every name a plugin may use, listed in
``__all__`` by what it is for (:data:`SECTIONS`) and documented in
``docs/api.md``, which is generated from it. A plugin imports these names
from ``peerlearn`` and nothing from its submodules, whose layout may change.

Importing this package has no side effects and loads nothing heavy: each
name is loaded from its module on first use. A name that is not here raises
an ``AttributeError`` listing those that are.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .hookmarks import hookimpl, hookspec
from .version import __version__

#: The public names by what they are for, each with the module (and name there) it is loaded from.
SECTIONS: dict[str, dict[str, str]] = {
    "Hooks": {
        "hookimpl": "hookmarks", "hookspec": "hookmarks", "__version__": "version",
        "call_hook": "plugins:call_hook",
        "hook_signature": "plugins:hook_signature",
        "add_categories": "feeds.ical:add_categories",
    },
    "Models": {
        "Network": "models", "ActivityKind": "models", "Member": "models", "Membership": "models",
        "Activity": "models", "Session": "models", "Role": "models", "Participation": "models",
        "Output": "models", "Change": "models", "Problem": "models", "Exporter": "models",
        "SessionEvent": "feeds.events",
        "ACTIVITY_STATUSES": "models", "MEMBERSHIP_ROLES": "models", "PARTICIPATION_STATUSES": "models",
        "OUTPUT_KINDS": "models", "SESSION_KINDS": "models", "ROLE_KINDS": "models", "ROLE_STATUSES": "models",
    },
    "Countries": {
        "EU_MEMBER_STATES": "countries", "EU_MEMBERSHIP": "countries", "eu_member_states": "countries",
        "EU_MEMBER_STATES_GROUP": "countries", "EEA_EFTA": "countries", "EU_INSTITUTIONS": "countries",
        "ISO_3166_ALPHA2": "countries", "country_name": "countries", "country_label": "countries",
    },
    "Errors": {
        "PeerlearnError": "errors", "ValidationError": "errors", "NotFound": "errors", "PluginError": "errors",
    },
    "Reading the registry": {
        "Registry": "registry.store",
        "get_network": "registry.networks:get",
        "list_networks": "registry.networks:definitions",
        "get_member": "registry.members:get",
        "list_members": "registry.members:list_members",
        "get_activity": "registry.activities:get",
        "list_activities": "registry.activities:list_activities",
        "iter_activities": "registry.activities:iter_activities",
        "activity_ids": "registry.activities:activity_ids",
        "sessions_of": "agenda.reading:sessions_of",
        "roles_of": "agenda.reading:roles_of",
        "list_outputs": "registry.participation:list_outputs",
    },
    "Writing the registry": {
        "new_registry": "registry.staging:new_registry",
        "store_plugin_networks": "registry.networks:sync_plugins",
        "add_member": "registry.members:add",
        "join_network": "registry.members:join",
        "add_activity": "registry.activities:add",
        "cancel_activity": "agenda.schedule:cancel",
        "complete_activity": "agenda.schedule:complete",
        "set_participation": "registry.participation:set_status",
        "add_output": "registry.participation:add_output",
        "import_programme": "agenda.programme:import_programme",
    },
    "Programmes": {
        "timetable_blocks": "agenda.timetable:blocks",
        "ordered_tracks": "agenda.tracks:ordered",
        "published_programme": "schedules.versions:published",
        "programme_releases": "schedules.announce:all_releases",
        "release_summary": "schedules.announce:summary",
        "release_feed": "schedules.announce:feed",
        "ScheduleOptions": "schedules.writer:Options",
        "schedule_xml": "schedules.writer:to_xml",
        "schedule_json": "schedules.writer:to_json",
    },
    "Exports": {
        "Column": "reports.exports", "LogRow": "reports.activity_log", "ChangeRow": "reports.changes",
        "Report": "reports.yearly", "plain_text": "reports.exports",
    },
    "Words for people": {
        "kind_labels": "reports.labels", "output_label": "reports.labels", "status_label": "reports.labels",
    },
    "Feeds and files": {
        "feed_path": "feeds.layout",
        "feed_url": "feeds.layout",
        "webcal_url": "feeds.layout:webcal",
        "check_base_url": "feeds.layout",
        "web_link": "urls",
        "clean_text": "text:clean",
        "write_atomic": "atomic.files",
        "prepare_folder": "atomic.preparing",
        "remove_file": "atomic.batches",
        "file_batch": "atomic.batches:batch",
    },
    "Publishing": {
        "publish": "publishing.publish",
        "PublishReport": "publishing.publish",
        "Publication": "publishing.folder",
        "open_publication": "publishing.folder",
        "changes_since": "registry.since",
        "last_change": "registry.since",
        "ChangesSince": "registry.since",
        "ends_around": "registry.since",
        "activities_crossed": "registry.since:crossed",
        "upcoming_activities": "registry.upcoming:upcoming",
    },
}

#: What the API reference says of a public name whose own module does not say it in a docstring.
SUMMARIES = {
    "ISO_3166_ALPHA2": "Every country code of ISO 3166-1 alpha-2.",
    "list_members": "Members in name order; ``network``, ``country`` and ``category`` narrow them.",
    "join_network": "Make member ``ref`` (number or exact name) a member of ``network`` with ``role``, or change"
                    " its role there; checked by the network's rules. Returns the ``Membership``.",
}

__all__ = [name for names in SECTIONS.values() for name in names]
_WHERE = {name: where for names in SECTIONS.values() for name, where in names.items() if where}

if TYPE_CHECKING:  # pragma: no cover
    from .agenda.programme import import_programme
    from .agenda.reading import roles_of, sessions_of
    from .agenda.schedule import cancel as cancel_activity
    from .agenda.schedule import complete as complete_activity
    from .agenda.timetable import blocks as timetable_blocks
    from .agenda.tracks import ordered as ordered_tracks
    from .atomic.batches import batch as file_batch
    from .atomic.batches import remove_file
    from .atomic.files import write_atomic
    from .atomic.preparing import prepare_folder
    from .countries import (EEA_EFTA, EU_INSTITUTIONS, EU_MEMBER_STATES, EU_MEMBER_STATES_GROUP, EU_MEMBERSHIP,
                            ISO_3166_ALPHA2, country_label, country_name, eu_member_states)
    from .errors import NotFound, PeerlearnError, PluginError, ValidationError
    from .feeds.events import SessionEvent
    from .feeds.ical import add_categories
    from .feeds.layout import check_base_url, feed_path, feed_url
    from .feeds.layout import webcal as webcal_url
    from .models import (ACTIVITY_STATUSES, MEMBERSHIP_ROLES, OUTPUT_KINDS, PARTICIPATION_STATUSES, ROLE_KINDS,
                         ROLE_STATUSES, SESSION_KINDS, Activity, ActivityKind, Change, Exporter, Member, Membership,
                         Network, Output, Participation, Problem, Role, Session)
    from .plugins import call_hook, hook_signature
    from .publishing.folder import Publication, open_publication
    from .publishing.publish import PublishReport, publish
    from .registry.since import ChangesSince, changes_since, ends_around, last_change
    from .registry.since import crossed as activities_crossed
    from .registry.upcoming import upcoming as upcoming_activities
    from .registry.activities import add as add_activity
    from .registry.activities import get as get_activity
    from .registry.activities import activity_ids, iter_activities, list_activities
    from .registry.members import add as add_member
    from .registry.members import get as get_member
    from .registry.members import join as join_network
    from .registry.members import list_members
    from .registry.networks import definitions as list_networks
    from .registry.networks import get as get_network
    from .registry.networks import sync_plugins as store_plugin_networks
    from .registry.participation import add_output, list_outputs
    from .registry.participation import set_status as set_participation
    from .registry.staging import new_registry
    from .registry.store import Registry
    from .reports.activity_log import LogRow
    from .reports.changes import ChangeRow
    from .reports.exports import Column, plain_text
    from .reports.labels import kind_labels, output_label, status_label
    from .reports.yearly import Report
    from .schedules.announce import all_releases as programme_releases
    from .schedules.announce import feed as release_feed
    from .schedules.announce import summary as release_summary
    from .schedules.versions import published as published_programme
    from .schedules.writer import Options as ScheduleOptions
    from .schedules.writer import to_json as schedule_json
    from .schedules.writer import to_xml as schedule_xml
    from .text import clean as clean_text
    from .urls import web_link


def resolve(name: str) -> tuple[str, str]:
    """The module and the name there that the public ``name`` is loaded from (for the API reference)."""
    module, _, attribute = _WHERE[name].partition(":")
    return f"{__name__}.{module}", attribute or name


def __getattr__(name: str) -> Any:
    # Loaded on first use, so that ``import peerlearn`` (and ``peerlearn --help``) stays light;
    # kept here after the first look-up, since hooks call some names once per event.
    if name in _WHERE:
        module, attribute = resolve(name)
        value = globals()[name] = getattr(importlib.import_module(module), attribute)
        return value
    raise AttributeError(f"module 'peerlearn' has no attribute {name!r}; its public names are:"
                         f" {', '.join(sorted(__all__, key=str.casefold))} (see docs/api.md)")


def __dir__() -> list[str]:
    return sorted(set(__all__) | set(globals()))
