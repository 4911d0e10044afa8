"""``peerlearn check``: every integrity check of the registry, on request."""

from __future__ import annotations

import click

from .common import echo_json, for_terminal, json_option, pass_env


@click.command()
@json_option
@pass_env
def check(env, as_json: bool) -> None:
    """Check the registry whole: its pages and indexes, its foreign keys, its schema, its times.

    Runs SQLite's full integrity_check and foreign_key_check, compares the
    schema with this peerlearn's, looks for writes cut short, and reads
    every activity's and session's times (a row edited by hand may hold one
    no command can read). Opening a
    registry for other commands checks it only after a write was cut short;
    run this after copying a registry, restoring a backup or a failing disk.
    It only reads, and it reports on a registry other commands refuse.
    Exits 1 where anything is wrong.
    """
    import attrs

    from ..registry.checking import check as run_check

    result = run_check(env.path)
    if as_json:
        echo_json({**attrs.asdict(result), "ok": result.ok})
    else:
        _echo(result)
    if not result.ok:
        raise click.ClickException(f"{result.path} failed its check: {', '.join(result.problems())}")


def _echo(result) -> None:
    integrity = "ok" if result.integrity == ["ok"] else f"{len(result.integrity)} problem(s)"
    foreign = "ok" if not result.foreign_key_count else f"{result.foreign_key_count} row(s) name a missing row"
    schema = f"{result.schema} ({result.schema_status})"
    if result.pending and result.schema_status == "older":
        schema += f"; the next command that writes applies {', '.join(result.pending)}"
    if result.unknown:
        schema += f"; unknown to this peerlearn: {', '.join(result.unknown)}"
    writes = "none cut short" if not result.stale_markers else f"{len(result.stale_markers)} cut short"
    times = "ok" if not result.unreadable_time_count else \
        f"{result.unreadable_time_count} row(s) hold a time peerlearn cannot read"
    lines = [("registry", result.path), ("integrity", integrity), ("foreign keys", foreign), ("schema", schema),
             ("writes", writes), ("times", times)]
    width = max(len(key) for key, _ in lines)
    for key, value in lines:
        click.echo(f"{key.ljust(width)}  {value}")
    for line in result.integrity if result.integrity != ["ok"] else []:
        click.echo(f"  integrity: {line}")
    for problem in result.foreign_keys:
        click.echo(f"  foreign key: {problem.table} row {problem.rowid} names a missing {problem.parent}")
    for problem in result.unreadable_times:
        click.echo(f"  time: {for_terminal(problem)}")


COMMANDS = [check]
