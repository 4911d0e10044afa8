"""``peerlearn plugins``: what is loaded."""

from __future__ import annotations

import click

from .common import echo_json, echo_table, json_option


@click.command(name="plugins")
@click.option("--all", "show_all", is_flag=True, help="Include the core's default plugins.")
@json_option
def plugins_command(show_all: bool, as_json: bool) -> None:
    """List the loaded plugins, their versions and the hooks they implement.

    Plugins come from the entry-point group "peerlearn". Choose them with
    PEERLEARN_LOAD_PLUGINS=a,b (empty loads none) and block some with
    PEERLEARN_DISABLE_PLUGINS=a,b. Default plugins are always loaded.
    """
    from .. import plugins

    rows = [
        {"name": info.name, "version": info.version, "default": info.default, "hooks": info.hooks,
         "loaded": True, "error": None}
        for info in plugins.describe()
        if show_all or as_json or not info.default
    ]
    rows += [
        {"name": failure.name, "version": None, "default": False, "hooks": [], "loaded": False,
         "error": failure.error}
        for failure in plugins.failures()
    ]
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        row["status"] = "loaded" if row["loaded"] else f"failed: {row['error']}"
    echo_table(rows, ["name", "version", "hooks", "status"], empty="No plugins loaded (default plugins: --all).")


COMMANDS = [plugins_command]
