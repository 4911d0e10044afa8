"""Every hook peerlearn calls, grouped by when it fires.

Each docstring is the hook's documentation: when it fires, what it receives
and what it returns. An implementation may accept any subset of the named
arguments. Hooks exchange peerlearn's attrs models (see ``peerlearn.models``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from .hookmarks import hookspec

if TYPE_CHECKING:  # pragma: no cover
    import click

    from .models import Activity, ActivityKind, Change, Exporter, Member, Membership, Network, Problem, Role, Session



# -- Contributions: asked once, when the plugins are loaded -----------------


@hookspec(historic=True)
def peerlearn_addhooks(pluginmanager: Any) -> None:
    """Add hook specifications of your own, for other plugins to implement.

    Called once for each plugin as it is registered, before its other hooks
    can be called. ``pluginmanager`` has one method,
    ``add_hookspecs(module_or_class)``: hand it the module (or class) holding
    your specifications, each a function marked ``@peerlearn.hookspec`` with
    a docstring saying when it fires, as pytest-xdist adds its hooks to
    pytest. Call your hook with ``peerlearn.call_hook(name, **arguments)``.
    A plugin implementing a hook that only another plugin specifies marks
    its implementation ``@hookimpl(optionalhook=True)``, so that it still
    loads where that plugin is not installed. Return nothing.
    """


@hookspec
def peerlearn_networks() -> Iterable[Network]:
    """Return the networks this plugin contributes.

    Called when a command starts and whenever peerlearn needs the known
    networks (listing them, writing a record for one). Return an iterable of
    :class:`peerlearn.Network`; set nothing in ``Network.plugin``, peerlearn
    fills it with this plugin's name. Two plugins returning the same slug is
    an error naming both, and every command but ``peerlearn plugins`` refuses
    to start until one of them is removed or disabled.
    """


@hookspec
def peerlearn_activity_kinds() -> Iterable[ActivityKind]:
    """Return the kinds of activity this plugin adds.

    Called when an activity is validated or the kinds are listed. Return an
    iterable of :class:`peerlearn.ActivityKind`. A kind with no ``network``
    is open to every network; give it ``network="<slug>"`` to keep it to your
    own network, so that networks listing no kinds do not gain it. A
    network may still restrict which kinds it runs through ``Network.kinds``.
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
    kind: for ``activity-log`` and ``change-log``, an iterable of records
    read once (:class:`peerlearn.LogRow`, :class:`peerlearn.ChangeRow`;
    ``record.get(name)`` reads a field too), with ``columns`` (each a
    :class:`peerlearn.Column`), ``title`` and ``empty`` in the context; for
    ``report``, one :class:`peerlearn.Report`. Accept ``**context``: keys may
    be added.
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
    to act only on your own network. What the member is in this network
    lives on ``membership``: its ``category`` (one body can be an
    ``expert`` in one network and a ``policy expert`` in another; the
    :class:`peerlearn.Member` has no category), its ``role``, ``since`` and
    ``until``. ``network.countries`` holds the countries admitted on the
    membership's dates: where the network declares
    ``peerlearn.EU_MEMBER_STATES_GROUP``, the EU's Member States of those
    dates are listed beside it (today's, for a membership without dates).
    Return problems: a
    :class:`peerlearn.Problem` (``severity="warning"`` to warn without
    refusing) or a plain string, which is an error. Any error refuses the
    whole command; nothing is written.
    """


@hookspec
def peerlearn_validate_activity(network: Network, activity: Activity, sessions: list[Any]) -> Iterable[Problem | str] | None:
    """Check an activity of ``network`` before it is written.

    Called for every plugin when an activity is added, edited, rescheduled or
    its programme changes. ``sessions`` is the activity's agenda, a list of
    :class:`peerlearn.Session` in time order (empty where it has none; after
    a reschedule, the sessions already moved with it). Return problems as
    for :func:`peerlearn_validate_member`.
    """


@hookspec
def peerlearn_agenda_checks(
    network: Network | None, activity: Activity | None, sessions: list[Session], roles: list[Role],
    registry: Any, scope: str
) -> Iterable[Problem | str] | None:
    """Check an activity's programme, or every programme at once: its sessions and the people on them.

    Called by ``peerlearn agenda check`` and after every change to a
    programme (a session or role added, edited, moved or removed, a
    programme imported, the activity rescheduled). peerlearn's own checks
    (clashes, rooms, panel timing, tbc/tbd speakers, workshops without a
    chair) are a default plugin on this hook, called first
    (``peerlearn.default_plugins.agenda_checks``).

    ``scope`` says what is checked. With ``"activity"``, one activity:
    ``network`` and ``activity`` are its, ``sessions`` its agenda in time
    order without cancelled sessions (which the checks leave out), ``roles``
    every role on those sessions (``Role.session_id`` says whose). With
    ``"registry"`` (``agenda check --all``), every programme of the registry
    at once: ``network`` and ``activity`` are None and ``sessions`` and
    ``roles`` empty; read what you need from ``registry`` (the open
    ``Registry``: read it, never write it), in a few queries over the whole
    registry rather than one per activity. Only a plugin naming ``scope``
    among its arguments is asked about the whole registry; one that does not
    is asked once per activity with sessions instead, with ``"activity"``.

    Return problems as for :func:`peerlearn_validate_member`: a warning is
    shown, an error refuses a change (``agenda check`` reports both). Name
    the sessions and people involved in the message. An iterator (a
    generator) will do as well as a list: with ``"registry"`` its problems
    are printed as they come, so a large registry's need not all be held.
    """


# -- Committing: inside the write transaction, just before it commits --------


@hookspec
def peerlearn_before_commit(registry: Any, changes: list[Change], dry_run: bool) -> Iterable[str] | None:
    """Act on a transaction's changes inside it, just before it commits.

    Called once per write transaction (every command that writes, and every
    ``Registry.transaction()``), after the command's work and before the
    commit — and under ``--dry-run`` too, just before the rollback, with
    ``dry_run`` true. ``changes`` are the transaction's change-log rows
    (:class:`peerlearn.Change`, with the values before and after) in the
    order they were recorded; ``registry`` is the open
    :class:`peerlearn.Registry`, so rows written here are kept exactly when
    the change is (peerlearn queues its notices to people this way). Do
    not record changes here and never send anything: the transaction may
    still be rolled back. An exception refuses the whole command, naming
    the plugin. Return lines for people saying what was done (or, with
    ``dry_run``, would be done), or nothing.
    """


# -- Calendars: while an event is serialized for a feed -----------------------


@hookspec
def peerlearn_event_properties(network: Network, activity: Activity, session: Any) -> dict[str, Any] | None:
    """Properties to add to one VEVENT of the calendar feeds, by name: ``{"color": "teal"}``.

    Called like ``peerlearn_ical_event`` (once per event and per change of
    it, for the activity's own event with ``session`` None and for each of
    its sessions), but declares what to add instead of changing an event in
    place. Check ``network.slug`` to act only on your own network. Names
    are case-insensitive, of letters, digits and '-' only (RFC 5545); each
    value is text (a ``URL`` must be an http(s) link), and ``"categories"`` takes a label or a list of labels, merged
    into the event's one CATEGORIES list. A property the event already
    holds is kept and yours left out: ``{"url": network.url}`` gives a
    link only to events without one of their own. Return None to add
    nothing. Never put private data (an email address) in it: feeds are
    public.

    Prefer this hook to ``peerlearn_ical_event``: where no plugin implements
    that one, peerlearn writes events without loading icalendar, and a
    rebuild after one change costs little more than a start-up.
    """


@hookspec
def peerlearn_ical_event(network: Network, activity: Activity, event: Any, session: Any) -> None:
    """Adjust one VEVENT before it is serialized for the calendar feeds.

    Called for every plugin once per event and per change of it (the result
    is cached until the activity or session changes, or the set of plugins
    does), for the activity's own event (``session`` is None) and for each of
    its sessions (``session`` is a :class:`peerlearn.SessionEvent`:
    the agenda session's id, title, kind, start, end, track, room,
    description, its people as "role: name (status)" lines, and
    ``parallel``: whether it runs beside a session in another track).
    ``event`` is an ``icalendar.Event`` already holding UID, DTSTAMP,
    SEQUENCE, DTSTART/DTEND, SUMMARY, STATUS, LOCATION and CATEGORIES; check
    ``network.slug`` to act only on your own network, then add or change
    properties in place: ``event.add("color", "teal")``, ``X-`` properties,
    a URL. Add categories with ``peerlearn.add_categories(event, "label")``:
    an event carries one CATEGORIES list without duplicates (some calendars
    refuse an event with two), and peerlearn merges into it whatever a
    plugin adds otherwise. Never put private data (an email address) in
    it: feeds are public. Return nothing. UID, DTSTAMP and SEQUENCE belong
    to peerlearn; a plugin that changes them breaks subscribed calendars.
    After the hooks, a ``URL`` that is not ``http(s)`` is removed and any
    control character in a TEXT value is replaced by U+FFFD, as for
    peerlearn's own values; a property, parameter or component name that is
    not letters, digits and '-' (RFC 5545), or a parameter value holding a
    control character other than a line break or a tab, fails the build,
    naming the plugins that implement this hook.
    """


# -- Publishing: while ``peerlearn publish`` writes its folder --------------


@hookspec
def peerlearn_publish(registry: Any, publication: Any) -> None:
    """Add files to a publication: the folder ``peerlearn publish`` writes.

    Called once for every plugin per ``peerlearn publish`` (the event
    website's pages are added this way), after the activity logs and
    reports and before the calendar feeds, inside the publication's one read
    transaction of ``registry``. ``publication`` is a
    :class:`peerlearn.Publication`: what to publish (``base_url``,
    ``networks``, ``now``, ``today``, and ``feeds``, the feeds' folder inside
    it) and how to write: ``publication.write(part, name, data)`` or ``with
    publication.open(part, name) as out:`` for a file ``name`` relative to the
    folder, where ``part`` is a short name of your own (a plugin's slug);
    ``publication.splice(part, name, [(start, end, data), ...])`` rewrites a
    large file your part wrote last time with a few byte ranges replaced,
    copying the rest without reading it (one item of a long page).
    Only a file whose bytes change is rewritten; a file your part wrote last
    time and neither writes nor ``keep()``s this time is removed, and no other
    file in the folder is ever touched. ``publication.state(part)`` and
    ``set_state(part, dict)`` keep what you need to know next time to redo
    only what changed (e.g. ``peerlearn.changes_since``). Nothing lands
    until the whole publication succeeds: raise to fail it, and the folder
    stays as it was. Return nothing.
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


# -- Telling people: notices by email (see ``peerlearn.notify``) -------------


@hookspec
def peerlearn_notify_messages(network: Network, messages: list[Any]) -> None:
    """Add, change or drop the notices about to be queued for ``network``.

    Called inside the write transaction, once per network whose people a
    change concerns (and by ``notify remind``), before the notices are
    folded into the outbox. ``messages`` is a list of
    :class:`peerlearn.notify.Notice` (recipient, ``sender``, ``reply_to``,
    ``subject`` and the calendar ``items`` it carries); change it in place,
    as pytest's ``pytest_collection_modifyitems`` does: replace an element
    with ``attrs.evolve(message, sender="MLP <mlp@example.org>")`` to send
    it from another address, append a new one (e.g. a copy to a coordinator:
    ``attrs.evolve(message, name="Coordinator", email="c@example.org")``),
    or remove one. Check ``network.slug`` to act only on your
    own network. Return nothing; anything but a ``Notice`` left in the list
    refuses the command.
    """


@hookspec
def peerlearn_notify_templates(network: Network) -> dict[str, str] | None:
    """Return Jinja templates that replace peerlearn's own for notices of ``network``.

    Called when notices are rendered (``notify preview``, ``notify send``).
    Return a mapping of template name to template source for the templates
    you replace — ``subject.txt.j2``, ``update.txt.j2``, ``update.html.j2``,
    ``reminder.txt.j2``, ``reminder.html.j2``, ``summary.txt.j2``,
    ``summary.html.j2`` (see ``peerlearn/notify/templates/`` for the
    originals and the values they receive) — or nothing. The first plugin
    (in pluggy's calling order) offering a name wins. HTML templates are
    autoescaped; an undefined value is an error. A template that fails to
    compile or render stops ``notify send`` before anything is sent, with
    an error naming the plugin.
    """
