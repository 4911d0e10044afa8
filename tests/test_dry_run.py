"""``--dry-run`` tells the truth: the changes it lists are exactly those the real run records.

Every command with ``--dry-run`` is run twice on the same registry: first
with ``--dry-run`` (the registry must stay byte for byte as it was), then
for real. The count in the dry run's summary, and each change it lists,
must match the rows the real run appends to the change log, read back
from the ``changes`` table.
"""

from __future__ import annotations

import json
import re

import click
import pytest

PROGRAMME = """\
tracks: [A, B]
sessions:
  - id: opening
    title: Opening
    start: '09:30'
    end: '10:00'
  - id: left
    title: Left workshop
    start: '10:00'
    end: '11:00'
    track: A
    roles:
      - {role: moderator, status: tbd}
  - id: right
    title: Right workshop
    start: '10:00'
    end: '11:00'
    track: B
"""

#: One invocation of every command that takes --dry-run and writes to the registry.
COMMANDS = {
    "members add": ["members", "add", "Arbetsförmedlingen", "--country", "SE", "--network", "pes", "--category", "public employment service"],
    "members edit": ["members", "edit", "VDAB", "--email", "new@vdab.example", "--network", "pes", "--category",
                     "European Commission"],
    "members remove": ["members", "remove", "NAV"],
    "members import": ["members", "import", "{members_csv}"],
    "members join": ["members", "join", "VDAB", "mutual_learning", "--role", "observer", "--category", "expert"],
    "members leave": ["members", "leave", "VDAB", "pes"],
    "members rotate-token": ["members", "rotate-token", "VDAB"],
    "activities add": ["activities", "add", "--network", "pes", "--kind", "event", "--title", "New event",
                       "--start", "2027-09-01"],
    "activities edit": ["activities", "edit", "1", "--venue", "Hall"],
    "activities reschedule": ["activities", "reschedule", "1", "--start", "2027-06-17 09:00"],
    "activities cancel": ["activities", "cancel", "1"],
    "activities reinstate": ["activities", "reinstate", "5"],
    "activities complete": ["activities", "complete", "3"],
    "activities delete": ["activities", "delete", "4"],
    "activities cancel-occurrence": ["activities", "cancel-occurrence", "2", "2027-08-01 09:00"],
    "participants register": ["participants", "register", "1", "Forem", "NAV"],
    "participants attend": ["participants", "attend", "3", "VDAB"],
    "participants decline": ["participants", "decline", "1", "VDAB"],
    "participants invite": ["participants", "invite", "1", "--network", "pes"],
    "outputs add": ["outputs", "add", "1", "--kind", "paper", "--title", "Paper"],
    "networks add": ["networks", "add", "nordic", "--name", "Nordic forum"],
    "networks edit": ["networks", "edit", "baltic", "--description", "Around the Baltic Sea"],
    "sessions add": ["sessions", "add", "1", "--title", "Closing", "--start", "16:00", "--end", "17:00"],
    "sessions edit": ["sessions", "edit", "1", "opening", "--room", "Hall B"],
    "sessions move": ["sessions", "move", "1", "opening", "--start", "10:30"],
    "sessions remove": ["sessions", "remove", "1", "opening"],
    "sessions cancel": ["sessions", "cancel", "1", "opening"],
    "sessions reinstate": ["sessions", "reinstate", "1", "cancelled-talk"],
    "roles add": ["roles", "add", "1", "opening", "--role", "chair", "--name", "Ana Ruiz"],
    "roles confirm": ["roles", "confirm", "1", "--name", "Jan Peeters"],
    "roles decline": ["roles", "decline", "2"],
    "roles remove": ["roles", "remove", "1"],
    "roles edit": ["roles", "edit", "2", "--affiliation", "OECD", "--speaking-minutes", "10"],
    "agenda tracks": ["agenda", "tracks", "1", "B", "A"],
    "agenda release": ["agenda", "release", "1", "--name", "first programme"],
    "agenda import": ["agenda", "import", "1", "{programme}"],
    "notify opt-out": ["notify", "opt-out", "--member", "VDAB"],
    "notify opt-in": ["notify", "opt-in", "--member", "NAV"],
}
#: Commands with --dry-run that write files, or only queue notices (tests/test_notify_remind.py), not the change log.
NOT_REGISTRY = {"plugin new", "notify remind"}


@pytest.fixture
def ready(env, tmp_path):
    for args in (
        ["networks", "add", "baltic", "--name", "Baltic forum"],
        ["members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service"],
        ["members", "add", "Forem", "--country", "BE", "--network", "pes", "--category", "public employment service"],
        ["members", "add", "NAV", "--country", "NO", "--network", "pes", "--category", "public employment service"],
        ["activities", "add", "--network", "pes", "--kind", "event", "--title", "PES event",
         "--start", "2027-06-10 09:00", "--end", "17:00"],
        ["activities", "add", "--network", "pes", "--kind", "webinar", "--title", "Monthly webinar",
         "--start", "2027-07-01 09:00", "--end", "10:00", "--rrule", "FREQ=MONTHLY;COUNT=6"],
        ["activities", "add", "--network", "pes", "--kind", "event", "--title", "Past event",
         "--start", "2020-03-10 09:00", "--end", "17:00"],
        ["activities", "add", "--network", "pes", "--kind", "event", "--title", "Entered by mistake",
         "--start", "2027-10-10"],
        ["activities", "add", "--network", "pes", "--kind", "event", "--title", "Called off, then on again",
         "--start", "2027-11-10"],
        ["activities", "cancel", "5"],
        ["sessions", "add", "1", "--title", "Opening", "--start", "09:30", "--end", "10:00", "--key", "opening"],
        ["sessions", "add", "1", "--title", "Cancelled talk", "--start", "15:00", "--end", "15:30",
         "--key", "cancelled-talk"],
        ["sessions", "cancel", "1", "cancelled-talk"],
        ["roles", "add", "1", "opening", "--role", "speaker", "--status", "tbd"],
        ["roles", "add", "1", "opening", "--role", "panellist", "--name", "Ana Ruiz", "--status", "confirmed"],
        ["participants", "invite", "1", "VDAB"],
        ["participants", "invite", "3", "VDAB"],
        ["notify", "opt-out", "--member", "NAV"],
    ):
        result = env.run(*args)
        assert result.exit_code == 0, (args, result.output)
    (tmp_path / "members.csv").write_text(
        "name,country,category,network\n"
        "Arbeitsagentur,DE,public employment service,pes\n"
        "AMS,AT,public employment service,pes\n"
        "Actiris,BE,,\n", encoding="utf-8")
    (tmp_path / "programme.yaml").write_text(PROGRAMME, encoding="utf-8")
    return env


def _dry_run_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> set[str]:
    found = set()
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            found |= _dry_run_commands(command, (*prefix, name))
        elif any(param.name == "dry_run" for param in command.params):
            found.add(" ".join((*prefix, name)))
    return found


def test_every_command_with_dry_run_is_checked(env):
    from peerlearn.cli import cli

    env.run("--help")  # adds plugins' commands
    assert _dry_run_commands(cli) == set(COMMANDS) | NOT_REGISTRY


def _changes_after(env, last_id: int) -> list[dict]:
    with env.open() as registry:
        rows = registry.query("SELECT * FROM changes WHERE id > ? ORDER BY id", [last_id])
    return rows


def _last_change_id(env) -> int:
    with env.open() as registry:
        return registry.one("SELECT coalesce(max(id), 0) AS last FROM changes")["last"]


def _describe(row: dict) -> str:
    """A change row as the dry run lists it: ``action entity id [network]: title or name``."""
    values = json.loads(row["after"] or row["before"] or "null")
    label = values.get("title") or values.get("name") or "" if isinstance(values, dict) else ""
    where = f" [{row['network']}]" if row["network"] else ""
    return f"{row['action']} {row['entity']} {row['entity_id']}{where}" + (f": {label}" if label else "")


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_dry_run_lists_exactly_what_the_real_run_records(ready, tmp_path, name):
    args = [arg.format(members_csv=tmp_path / "members.csv", programme=tmp_path / "programme.yaml")
            for arg in COMMANDS[name]]
    before = ready.fingerprint()
    last = _last_change_id(ready)
    dry = ready.run(*args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert ready.fingerprint() == before
    header, *rest = dry.stdout.splitlines()
    count = int(re.fullmatch(r"Dry run: nothing written; (\d+) change\(s\) would be recorded:", header).group(1))
    listed, notices = rest[:count], rest[count:]
    assert not notices or notices[0].startswith("Would "), notices  # what else would happen follows the changes
    real = ready.run(*args)
    assert real.exit_code == 0, real.output
    recorded = _changes_after(ready, last)
    assert recorded, "the real run recorded nothing"
    assert count == len(recorded) == len(listed) and all(line.startswith("  ") for line in listed)
    assert [line.strip() for line in listed] == [_describe(row) for row in recorded]


def test_a_large_import_counts_every_change(ready, tmp_path):
    path = tmp_path / "many.csv"
    path.write_text("name,country,network,category\n"
                    + "".join(f"Agency {i},BE,pes,public employment service\n" for i in range(2000)), encoding="utf-8")
    dry = ready.run("members", "import", str(path), "--dry-run")
    assert dry.stdout.splitlines()[0] == "Dry run: nothing written; 4000 change(s) would be recorded:"
    last = _last_change_id(ready)
    assert ready.run("members", "import", str(path)).exit_code == 0
    assert len(_changes_after(ready, last)) == 4000


def test_plugins_hear_every_change_an_import_records(ready, tmp_path):
    from peerlearn import hookimpl

    heard = []

    class Listener:
        @hookimpl
        def peerlearn_changed(self, change):
            heard.append((change.id, change.action, change.entity, change.entity_id, change.after["name"]
                          if change.entity == "member" else change.network))

    ready.register(Listener(), name="listener")
    last = _last_change_id(ready)
    assert ready.run("members", "import", str(tmp_path / "members.csv")).exit_code == 0
    recorded = _changes_after(ready, last)
    assert heard == [(row["id"], row["action"], row["entity"], row["entity_id"],
                      json.loads(row["after"])["name"] if row["entity"] == "member" else row["network"])
                     for row in recorded]
    assert [entry[1:3] for entry in heard] == [("create", "member"), ("join", "membership"),
                                               ("create", "member"), ("join", "membership"), ("create", "member")]
