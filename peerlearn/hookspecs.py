"""Every hook peerlearn calls, grouped by when it fires.

Each docstring is the hook's documentation: when it fires, what it receives
and what it returns. An implementation may accept any subset of the named
arguments. Hooks exchange peerlearn's attrs models (see ``peerlearn.models``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    import click

    from .models import Activity, ActivityKind, Change, Exporter, Member, Membership, Network, Problem

hookspec = pluggy.HookspecMarker("peerlearn")


# -- Contributions: asked once, when the plugins are loaded -----------------


@hookspec
def peerlearn_networks() -> Iterable[Network]:
    """Return the networks this plugin contributes.

    Called whenever peerlearn needs the known networks (listing them, writing
    a record for one). Return an iterable of :class:`peerlearn.Network`; set
    nothing in ``Network.plugin``, peerlearn fills it with this plugin's name.
    Two plugins returning the same slug is an error naming both.
    """


@hookspec
def peerlearn_activity_kinds() -> Iterable[ActivityKind]:
    """Return the kinds of activity this plugin adds.

    Called when an activity is validated or the kinds are listed. Return an
    iterable of :class:`peerlearn.ActivityKind`. A network may still restrict
    which kinds it runs through ``Network.kinds``.
    """


@hookspec
def peerlearn_exporters() -> Iterable[Exporter]:
    """Return the export formats this plugin adds.

    Called when a command needs the formats of one kind of export (the
    iCalendar feeds, the activity log, the change log, the yearly report).
    Return an iterable of :class:`peerlearn.Exporter`; its ``kind`` says
    what it exports and ``name`` is what users type after ``--format``. Two
    plugins offering the same name for the same kind is an error naming both.
    The core registers its own formats through this same hook.

    What ``Exporter.write(records, out, **context)`` receives depends on the
    kind: for ``activity-log`` and ``change-log``, an iterable of dicts read
    once, with ``columns``, ``title`` and ``empty`` in the context (see
    :mod:`peerlearn.exports`); for ``report``, one
    :class:`peerlearn.report.Report`. Accept ``**context``: keys may be added.
    """


@hookspec
def peerlearn_commands(cli: click.Group) -> None:
    """Add commands to the ``peerlearn`` CLI.

    Called once when the CLI starts, with the top-level click group. Attach
    commands with ``@cli.command()`` or ``cli.add_command(...)``. A command
    should parse, call the library and print; raise ``click.ClickException``
    for errors the user caused.
    """


# -- Validation: inside the write transaction, before anything is kept ------


@hookspec
def peerlearn_validate_member(network: Network, member: Member, membership: Membership) -> Iterable[Problem | str] | None:
    """Check a member joining (or in) ``network``.

    Called for every plugin whenever a membership is created or changed, and
    when a member that holds memberships is edited; check ``network.slug``
    to act only on your own network. Return problems: a
    :class:`peerlearn.Problem` (``severity="warning"`` to warn without
    refusing) or a plain string, which is an error. Any error refuses the
    whole command; nothing is written.
    """


@hookspec
def peerlearn_validate_activity(network: Network, activity: Activity, sessions: list[Any]) -> Iterable[Problem | str] | None:
    """Check an activity of ``network`` before it is written.

    Called for every plugin when an activity is added, edited, rescheduled or
    its programme changes. ``sessions`` is the activity's agenda (empty for
    now where it has none). Return problems as for
    :func:`peerlearn_validate_member`.
    """


# -- Notification: after the transaction has committed ----------------------


@hookspec
def peerlearn_changed(change: Change) -> None:
    """Be told of one committed change.

    Called once per change-log row, after the command's transaction has
    committed (never for ``--dry-run``). The change is already kept: an
    exception here is reported as a warning naming the plugin, and the
    command still succeeds. Use it to notify, mirror or rebuild.
    """
