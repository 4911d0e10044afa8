"""``peerlearn agenda release``, ``agenda versions`` and ``agenda diff``: released versions of a programme."""

from __future__ import annotations

import click

from .common import dry_run_option, echo_json, echo_rows, json_option, note, pass_env
from .completion import complete_activity


@click.command()
@click.argument("activity", shell_complete=complete_activity)
@click.option("--name", help="The version's name (default: v1, v2… by number).")
@dry_run_option
@json_option
@pass_env
def release(env, activity, name, dry_run, as_json) -> None:
    """Release the working programme of an activity as its next named version.

    \b
    The website then shows this version, with a page of what changed since
    the previous one, and the activity's release feed (Atom) announces it.
    Refused when nothing changed since the latest release.

    \b
    Examples:
        peerlearn agenda release 13
        peerlearn agenda release 13 --name "final programme"
    """
    from ..registry.records import plain
    from ..schedules import diff, versions

    def action(registry):
        from ..registry import activities

        found = activities.get(registry, activity)
        before = versions.load(registry, found, versions.LATEST) if versions.list_versions(registry, found.id) \
            else None
        version = versions.release(registry, found.id, name)
        return version, diff.compare(before, versions.load(registry, found, version.number))

    def report(result) -> None:
        version, changes = result
        if as_json:
            echo_json({**plain(version), "changes": plain(changes), "lines": changes.lines})
            return
        verb = "Would release" if dry_run else "Released"
        click.echo(f"{verb} {version.name} (version {version.number}) of activity #{version.activity_id}:"
                   f" {len(changes.lines)} change(s) since {changes.source}.")
        for line in changes.lines:
            click.echo(f"  {line}")

    result = env.write(action, dry_run=dry_run, report=report)
    if dry_run:
        report(result)


@click.command()
@click.argument("activity", shell_complete=complete_activity)
@json_option
@pass_env
def versions(env, activity, as_json) -> None:
    """List the released versions of an activity's programme, with what changed in each."""
    from ..registry import activities
    from ..schedules import announce, diff
    from ..schedules import versions as lib

    with env.registry() as registry:
        found = activities.get(registry, activity)
        rows, before = [], None
        for version in lib.list_versions(registry, found.id):
            programme = lib.load(registry, found, version.number)
            changes = diff.compare(before, programme)
            rows.append({"number": version.number, "name": version.name,
                         "released_at": version.released_at.isoformat(), "actor": version.actor,
                         "sessions": len(programme.sessions), "changes": changes.counts,
                         "summary": announce.summary(changes)})
            before = programme
    echo_rows(rows, as_json, ["number", "name", "released_at", "actor", "sessions", "summary"],
              empty=f"No released version of activity #{activity} yet (see 'peerlearn agenda release').")


@click.command()
@click.argument("activity", shell_complete=complete_activity)
@click.argument("source", metavar="[FROM]", required=False)
@click.argument("target", metavar="[TO]", required=False)
@json_option
@pass_env
def diff(env, activity, source, target, as_json) -> None:
    """What changed in an activity's programme between two versions.

    \b
    FROM and TO name a released version (name, number or 'latest') or
    'working' (the working programme). Without TO, up to the working
    programme; without FROM either, from the latest release (what the next
    release would announce; everything, before the first).

    \b
    Examples:
        peerlearn agenda diff 13
        peerlearn agenda diff 13 v1 v2 --json
    """
    from ..registry import activities
    from ..registry.records import plain
    from ..schedules import diff as lib
    from ..schedules import versions

    with env.registry() as registry:
        found = activities.get(registry, activity)
        if source is None:
            before = versions.load(registry, found, versions.LATEST) \
                if versions.list_versions(registry, found.id) else None
        else:
            before = versions.load(registry, found, source)
        after = versions.load(registry, found, target)
    changes = lib.compare(before, after)
    if as_json:
        echo_json({**plain(changes), "counts": changes.counts, "lines": changes.lines})
        return
    note(f"Changes in activity #{found.id} from {changes.source} to {changes.target}:")
    for line in changes.lines:
        click.echo(line)
    if not changes:
        note("No changes.")
