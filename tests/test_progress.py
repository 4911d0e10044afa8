"""Long work shows a progress bar on stderr when it is a terminal, and nothing more in a pipe.

The real command runs in a child process whose stderr is a pseudo-terminal
(``os.openpty``) and whose stdout is a pipe: the bar must reach the terminal
and stdout must be exactly what it is without one. The library never
prints: it calls the ``progress`` it is given, and these calls are checked too.
"""

from __future__ import annotations

import csv
import os
import re
import select
import subprocess
from pathlib import Path

import pytest

import faults

#: What a drawn bar looks like: click's bar, filled, with a percentage, after a carriage return.
BAR = re.compile(r"\r.*\[[#-]+\]\s+\d+%")


def _members_csv(path: Path, count: int) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "country"])
        writer.writerows([f"Member {number}", "BE"] for number in range(count))
    return path


def run_on_a_terminal(db: Path, *args: str, cwd: Path) -> tuple[str, str, int]:
    """Run ``peerlearn ARGS`` with stderr on a pseudo-terminal; return (stdout, what the terminal got, status)."""
    leader, follower = os.openpty()
    child = subprocess.Popen(faults.command(db, *args), env=faults.child_environment(COLUMNS="100"), cwd=cwd,
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower)
    os.close(follower)
    terminal, out = b"", b""
    streams = {leader: "terminal", child.stdout.fileno(): "out"}
    while streams:
        ready, _, _ = select.select(list(streams), [], [], 120)
        assert ready, "the command hung"
        for stream in ready:
            try:
                data = os.read(stream, 65536)
            except OSError:  # EIO: the child closed the terminal
                data = b""
            if not data:
                del streams[stream]
            elif streams[stream] == "terminal":
                terminal += data
            else:
                out += data
    os.close(leader)
    return out.decode(), terminal.decode(), child.wait(timeout=60)


def run_in_a_pipe(db: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(faults.command(db, *args), env=faults.child_environment(), cwd=cwd, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


def test_a_large_import_shows_a_bar_on_a_terminal_and_nothing_in_a_pipe(env, tmp_path):
    file = _members_csv(tmp_path / "members.csv", 3000)
    for db in (tmp_path / "tty.db", tmp_path / "pipe.db"):
        assert run_in_a_pipe(db, "init", cwd=tmp_path).returncode == 0
    out, terminal, status = run_on_a_terminal(tmp_path / "tty.db", "members", "import", str(file), cwd=tmp_path)
    assert status == 0, terminal
    assert out == f"Imported 3000 member(s) from {file}.\n"
    assert f"Importing {file}" in terminal and BAR.search(terminal) and "100%" in terminal
    piped = run_in_a_pipe(tmp_path / "pipe.db", "members", "import", str(file), cwd=tmp_path)
    assert piped.returncode == 0 and piped.stdout == out
    assert piped.stderr == "" and "\x1b" not in piped.stdout


@pytest.mark.parametrize("args, label", [
    (("feeds", "build", "FOLDER"), "Building feeds"),
    (("site", "build", "FOLDER"), "Building the site"),
    (("publish", "FOLDER"), "Publishing"),
    (("log", "--network", "pes", "--format", "csv"), "Activity log of pes"),
    (("report", "--network", "pes", "--year", "YEAR", "--format", "md"), "Report"),
], ids=lambda value: " ".join(value[:2]) if isinstance(value, tuple) else "")
def test_builds_and_exports_show_a_bar_only_on_a_terminal(demo_env, tmp_path, args, label):
    import datetime as dt

    def with_folder(name: str) -> list[str]:
        year = str(dt.date.today().year)
        return [str(tmp_path / name) if arg == "FOLDER" else year if arg == "YEAR" else arg for arg in args]

    out, terminal, status = run_on_a_terminal(demo_env.db, *with_folder("tty"), cwd=tmp_path)
    assert status == 0, terminal
    assert label in terminal and BAR.search(terminal), terminal
    piped = run_in_a_pipe(demo_env.db, *with_folder("pipe"), cwd=tmp_path)
    assert piped.returncode == 0, piped.stderr
    assert label not in piped.stderr and "\r" not in piped.stderr and "\x1b" not in piped.stderr
    assert out == piped.stdout.replace(str(tmp_path / "pipe"), str(tmp_path / "tty"))
    assert "\x1b" not in out and "\r" not in out


def test_the_library_reports_progress_without_printing(env, tmp_path, capfd):
    from peerlearn.registry.member_csv import import_members

    file = _members_csv(tmp_path / "members.csv", 1600)
    calls: list[tuple[int, int]] = []
    assert env.run("init").exit_code == 0
    capfd.readouterr()
    with env.open() as registry, registry.transaction():
        result = import_members(registry, file, progress=lambda done, total: calls.append((done, total)))
    assert result.added == 1600
    assert capfd.readouterr() == ("", "")
    totals = {total for _, total in calls}
    assert len(totals) == 1 and calls[-1] == (totals.pop(),) * 2
    assert [done for done, _ in calls] == sorted(done for done, _ in calls) and len(calls) > 3


def test_feeds_build_calls_progress_once_per_feed(demo_env, tmp_path):
    from peerlearn.feeds import publish

    calls: list[tuple[int, int]] = []
    with demo_env.open() as registry:
        report = publish.build(registry, tmp_path / "feeds", private_folder=tmp_path / "private",
                               progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (report.feeds, report.feeds)
    done = [done for done, _ in calls]
    # a call per feed, in order (the last may be repeated as the build ends)
    assert done[0] in (0, 1) and done == sorted(done) and set(done) == set(range(done[0], report.feeds + 1))


def test_without_a_terminal_commands_get_no_progress(demo_env):
    from peerlearn.cli.common import progress_bar

    with progress_bar("anything") as progress:  # pytest captures stderr: not a terminal
        assert progress is None
