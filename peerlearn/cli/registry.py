"""``peerlearn init``, ``info`` and ``demo``: the registry as a whole."""

from __future__ import annotations

import click

from .common import echo_json, echo_record, json_option, note, pass_env


@click.command()
@pass_env
def init(env) -> None:
    """Create the registry (or upgrade its schema) and store the plugins' networks."""
    from .. import networks

    stored = env.write(networks.sync_plugins)
    with env.registry() as registry:
        click.echo(f"Registry {registry.path} is ready (schema {registry.schema_version}, {len(stored)} network(s)).")


@click.command()
@json_option
@pass_env
def info(env, as_json: bool) -> None:
    """Show the registry's path, schema version, counts and loaded plugins."""
    from .. import plugins

    with env.registry() as registry:
        data = {
            "database": str(registry.path.resolve()),
            "schema_version": registry.schema_version,
            "read_only": registry.readonly,
            "counts": registry.counts(),
            "plugins": [info.name for info in plugins.describe()],
        }
    if as_json:
        echo_json(data)
    else:
        echo_record({**{k: v for k, v in data.items() if k != "counts"}, **data["counts"]})


@click.command()
@click.option("--force", is_flag=True, help="Replace the registry file if it already exists.")
@pass_env
def demo(env, force: bool) -> None:
    """Build a demo registry from the seed documents and show what to try next.

    The demo holds the four networks, a few dozen members from many
    countries, two years of activities of every kind (one cancelled, one
    completed with outputs) and the Mutual Learning Conference's programme.
    """
    from pathlib import Path

    from ..demo import build_demo
    from ..errors import RegistryError
    from ..store import default_path

    path = Path(env.db_path) if env.db_path else default_path()
    if path.exists():
        if not force:
            raise RegistryError(f"{path} already exists; use --force to replace it, or --db to choose another file")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    summary = env.write(lambda registry: build_demo(registry))
    click.echo(f"Demo registry written to {path}:")
    for key, value in summary.items():
        click.echo(f"  {value:>4} {key}")
    with env.registry() as registry:
        from ..demo import MLC_TITLE

        conference = registry.one("SELECT id FROM activities WHERE title = ?", [MLC_TITLE])["id"]
    note("")
    note("Try next:")
    for line in (
        f"peerlearn agenda show {conference}",
        f"peerlearn agenda check {conference}",
        "peerlearn networks list",
        "peerlearn activities list --network mutual_learning",
        "peerlearn activities show 1",
        "peerlearn members list --country BE",
        "peerlearn changes --since 2020-01-01 --json",
    ):
        note("  peerlearn " + (f"--db {path} " if env.db_path else "") + line.removeprefix("peerlearn "))


COMMANDS = [init, info, demo]
