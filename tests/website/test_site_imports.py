"""A site rebuild pays only for what it renders: the modules a rebuild after one change, and one after none, load.

Each build runs in a fresh interpreter, with every installed plugin loaded
as a user has them, and reports the modules it imported. A rebuild where
nothing changed renders nothing: no Jinja2, no page content, no programme.
One after an activity is retitled renders its pages and files: Jinja2, the
schedule writer and the release feed, but not what only releases, imports
or other commands need (the diff of versions, the schedule reader, the
feeds' iCalendar, notices, sqlite-utils, charts).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import subprocess
import sys

import pytest

PROBE = (
    "import sys\n"
    "from peerlearn.cli import main\n"
    "sys.argv = ['peerlearn', *sys.argv[1:]]\n"
    "try:\n    main()\nexcept SystemExit as exit:\n    status = exit.code\n"
    "print('MODULES', status or 0, sorted(sys.modules))\n"
)

#: Loaded by no site rebuild: what releases, schedule imports, notices, the feeds and charts need.
NEVER = {"peerlearn.schedules.diff", "peerlearn.schedules.reader", "peerlearn.schedules.importer",
         "peerlearn.notify", "peerlearn.feeds.ical", "peerlearn.feeds.publish", "icalendar", "sqlite_utils",
         "matplotlib", "numpy", "html.entities"}


def _environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in ("PEERLEARN_LOAD_PLUGINS", "PEERLEARN_DB")}


def _run(db, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "peerlearn", "--db", str(db), *args], capture_output=True,
                          text=True, check=True, env=_environment())


def _built(db, folder) -> tuple[str, set[str]]:
    """Build the site into ``folder`` in a fresh interpreter: what it said, and the modules it imported."""
    out = subprocess.run([sys.executable, "-c", PROBE, "--db", str(db), "site", "build", str(folder)],
                         capture_output=True, text=True, check=True, env=_environment()).stdout
    *said, modules_line = out.splitlines()
    _, status, modules = modules_line.split(" ", 2)
    assert status == "0", out
    return "\n".join(said), set(eval(modules))  # noqa: S307 - a list of names the probe printed


@pytest.fixture
def built(tmp_path):
    """The demo registry, its site built once: (registry, folder)."""
    db, folder = tmp_path / "demo.db", tmp_path / "site"
    environment = _environment()
    environment["PEERLEARN_LOAD_PLUGINS"] = "esf_migration,integration_network,mutual_learning,pes,demo"
    subprocess.run([sys.executable, "-m", "peerlearn", "--db", str(db), "demo"], capture_output=True, check=True,
                   env=environment)
    _run(db, "site", "build", str(folder))
    return db, folder


def test_an_unchanged_rebuild_loads_no_template_engine_and_no_page_content(built):
    db, folder = built
    said, modules = _built(db, folder)
    assert said.startswith("Built 0 page(s)")
    assert not modules & (NEVER | {"jinja2", "peerlearn_plugins.site.content", "peerlearn.schedules.writer",
                                   "peerlearn.schedules.announce", "peerlearn.models.activities",
                                   "peerlearn.models.agenda"})


def test_a_rebuild_after_one_change_loads_what_renders_its_pages_only(built):
    db, folder = built
    with sqlite3.connect(db) as conn:  # a past activity: the index, which lists those coming next, stays
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        (activity,) = conn.execute("SELECT id FROM activities WHERE status != 'draft' AND end_utc < ?"
                                   " AND id NOT IN (SELECT activity_id FROM programme_versions)"
                                   " ORDER BY end_utc DESC LIMIT 1", [now]).fetchone()
    conn.close()
    _run(db, "activities", "edit", str(activity), "--title", "Retitled")
    said, modules = _built(db, folder)
    assert said.startswith("Built 2 page(s)"), said
    assert "Retitled" in (folder / "activities" / f"{activity}.html").read_text("utf-8")
    assert {"jinja2", "peerlearn_plugins.site.content", "peerlearn.schedules.announce"} <= modules
    assert not modules & NEVER, sorted(modules & NEVER)
