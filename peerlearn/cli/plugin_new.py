"""``peerlearn plugin new``: start a plugin project."""

from __future__ import annotations

import click

from .common import dry_run_option, note, pass_env


@click.group()
def plugin() -> None:
    """Write plugins: start a new plugin project."""


@plugin.command()
@click.argument("name")
@click.option("--dir", "parent", metavar="FOLDER", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Folder in which to create peerlearn-NAME/.")
@dry_run_option
@pass_env
def new(env, name: str, parent: str, dry_run: bool) -> None:
    """Write a plugin project for NAME into peerlearn-NAME/.

    \b
    The project holds a pyproject.toml with the entry point, a module with
    one example network and its rule, passing tests and a README. It never
    overwrites: an existing folder is refused.

    \b
    Examples:
        peerlearn plugin new nordic-network
        cd peerlearn-nordic-network && pip install -e '.[test]' && python -m pytest
    """
    from ..authoring.scaffold import names, write

    folder, paths = write(name, parent, dry_run=dry_run)
    if dry_run:
        click.echo(f"Dry run: nothing written; would create {folder}/ with:")
    else:
        click.echo(f"Created {folder}/ with:")
    for path in paths:
        click.echo(f"  {path.relative_to(folder)}")
    if not dry_run:
        note("")
        note("Next:")
        note(f"  cd {folder}")
        note("  pip install -e '.[test]'")
        note("  python -m pytest")
        note(f"  peerlearn plugins            # lists {names(name).plugin}")


COMMANDS = [plugin]
