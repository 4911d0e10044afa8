"""``peerlearn init``, ``migrate`` and ``info``: the registry as a whole."""

from __future__ import annotations

import click

from .common import echo_json, echo_record, json_option, pass_env


@click.command()
@pass_env
def init(env) -> None:
    """Create the registry (or upgrade its schema) and store the plugins' networks.

    An empty file given with --db becomes a registry; any other command
    refuses one.

    \b
    Examples:
        peerlearn init
        peerlearn --db registry.db init
    """
    from ..registry import networks

    def action(registry):
        return registry.path, registry.schema_version, networks.sync_plugins(registry)

    def report(result) -> None:
        path, version, stored = result
        click.echo(f"Registry {path} is ready (schema {version}, {len(stored)} network(s)).")

    env.write(action, initialise_empty=True, report=report)


@click.command()
@pass_env
def migrate(env) -> None:
    """Upgrade the registry's schema to this peerlearn's, keeping a copy of the file first.

    Commands that write upgrade an older registry the same way; commands
    that only read refuse it until it is upgraded. The copy is written
    beside the registry as NAME.SCHEMA.bak, and its path is printed.

    \b
    Examples:
        peerlearn migrate
        peerlearn --db registry.db migrate
    """
    with env.registry(upgrade=True) as registry:
        upgraded = registry.upgraded_from is not None
        version = registry.schema_version
    state = "upgraded to" if upgraded else "already at"
    click.echo(f"Registry {registry.path} is {state} schema {version}.")


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


COMMANDS = [init, migrate, info]
