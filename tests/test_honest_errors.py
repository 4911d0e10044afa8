"""Errors that say the right thing: click's usage error for a value off a fixed list, the right line of a file."""

from __future__ import annotations

import json

import click
import pytest

from peerlearn import hookimpl


@pytest.fixture
def ready(env):
    for args in (["members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service"],
                 ["activities", "add", "--network", "pes", "--kind", "event", "--title", "PES event",
                  "--start", "2027-06-10 09:00", "--end", "17:00"],
                 ["sessions", "add", "1", "--title", "Opening", "--start", "09:30", "--end", "10:00",
                  "--key", "opening"]):
        result = env.run(*args)
        assert result.exit_code == 0, result.output
    return env


BOGUS = [
    ("--role", ["members", "add", "Forem", "--country", "BE", "--network", "pes", "--category", "public employment service", "--role", "bogus"]),
    ("--role", ["members", "add", "Forem", "--country", "BE", "--role", "bogus"]),
    ("--role", ["members", "join", "VDAB", "mutual_learning", "--role", "bogus"]),
    ("--type", ["members", "add", "Forem", "--country", "BE", "--type", "bogus"]),
    ("--status", ["activities", "add", "--network", "pes", "--kind", "event", "--title", "T", "--start",
                  "2027-07-01", "--status", "bogus"]),
    ("--status", ["activities", "edit", "1", "--status", "cancelled"]),
    ("--status", ["activities", "list", "--status", "bogus"]),
    ("--kind", ["outputs", "add", "1", "--kind", "bogus", "--title", "T"]),
    ("--kind", ["outputs", "list", "--kind", "bogus"]),
    ("--kind", ["sessions", "add", "1", "--title", "T", "--start", "11:00", "--end", "12:00", "--kind", "bogus"]),
    ("--kind", ["sessions", "edit", "1", "opening", "--kind", "bogus"]),
    ("--role", ["roles", "add", "1", "opening", "--role", "bogus"]),
    ("--status", ["roles", "add", "1", "opening", "--role", "chair", "--status", "bogus"]),
    ("--status", ["roles", "list", "1", "--status", "bogus"]),
    ("--status", ["export", "ics", "--network", "pes", "--status", "bogus"]),
    ("--entity", ["changes", "--entity", "bogus"]),
]


@pytest.mark.parametrize("option, args", BOGUS, ids=[" ".join(args[:2]) + " " + option for option, args in BOGUS])
def test_a_value_off_a_fixed_list_is_a_usage_error(ready, option, args):
    before = ready.fingerprint()
    result = ready.run(*args)
    assert result.exit_code == 2, result.output
    assert f"Error: Invalid value for '{option}'" in result.stderr and "unexpected" not in result.stderr
    assert ready.fingerprint() == before


def test_change_log_entities_are_all_offered(ready):
    assert ready.run("roles", "add", "1", "opening", "--role", "chair", "--name", "Ana").exit_code == 0
    result = ready.run("changes", "--entity", "role", "--json")
    assert result.exit_code == 0, result.output
    assert [change["entity"] for change in json.loads(result.stdout)] == ["role"]
    for entity in ("session", "programme"):
        assert ready.run("changes", "--entity", entity).exit_code == 0


#: Options whose values plugins and networks define (kinds of activity): checked when the command runs.
OPEN_LISTS = {("activities add", "kind"), ("activities edit", "kind"), ("activities list", "kind"),
              ("export ics", "kind")}


def _options(group: click.Group, prefix: tuple[str, ...] = ()):
    for name, command in group.commands.items():
        if isinstance(command, click.Group):
            yield from _options(command, (*prefix, name))
        else:
            for param in command.params:
                if isinstance(param, click.Option):
                    yield " ".join((*prefix, name)), param


def test_every_option_from_a_fixed_list_is_a_choice(env):
    """Roles, statuses, kinds, types and entities come from fixed lists; each such option is a click.Choice."""
    from peerlearn import models
    from peerlearn.cli import cli

    env.run("--help")
    fixed = {"role", "role_kind", "status", "kind", "member_type", "entity"}
    found = [(command, param) for command, param in _options(cli) if param.name in fixed]
    assert len(found) >= 15
    for command, param in found:
        if (command, param.name) in OPEN_LISTS:
            continue
        assert isinstance(param.type, click.Choice), (command, param.name)
    choices = {(command, param.name): list(param.type.choices) for command, param in found
               if isinstance(param.type, click.Choice)}
    assert choices[("members add", "role")] == list(models.MEMBERSHIP_ROLES)
    assert choices[("outputs add", "kind")] == choices[("outputs list", "kind")] == list(models.OUTPUT_KINDS)
    assert choices[("sessions add", "kind")] == list(models.SESSION_KINDS)
    assert choices[("roles add", "role_kind")] == list(models.ROLE_KINDS)
    assert choices[("roles add", "status")] == list(models.ROLE_STATUSES)
    assert choices[("activities list", "status")] == list(models.ACTIVITY_STATUSES)


# -- where in a file ------------------------------------------------------


def refused(env, *args, expect):
    before = env.fingerprint()
    result = env.run(*args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert expect in lines[0], lines[0]
    assert env.fingerprint() == before
    return lines[0]


def test_an_unclosed_quote_is_reported_where_it_opens(ready, tmp_path):
    rows = ["name,country,network", ""]  # a blank line: physical lines and data rows differ
    rows += [f"Agency {i},BE,pes" for i in range(1, 500)]
    rows.append('"Agency 500,BE,pes')  # data row 500, physical line 502
    rows += [f"Agency {i},BE,pes" for i in range(501, 1001)]
    path = tmp_path / "members.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    refused(ready, "members", "import", str(path), expect=f"{path} line 502: a quote opened on this line is never closed")


def test_a_bad_row_after_blank_lines_is_named_by_its_physical_line(ready, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("name,country\n\nForem,BE\n\n\nActiris,ZZ\n", encoding="utf-8")
    refused(ready, "members", "import", str(path), expect=f"{path} line 6: ")


def test_a_plugin_that_raises_on_a_row_is_named_with_the_file_and_line(ready, tmp_path):
    class Fussy:
        @hookimpl
        def peerlearn_validate_member(self, network, member, membership):
            if member.name == "Boom":
                raise RuntimeError("registry of agencies unreachable")

    ready.register(Fussy(), name="fussy")
    path = tmp_path / "members.csv"
    path.write_text("name,country,network,category\nForem,BE,pes,public employment service\n"
                    "Actiris,BE,pes,public employment service\nBoom,BE,pes,public employment service\n",
                    encoding="utf-8")
    message = refused(ready, "members", "import", str(path), expect=f"{path} line 4: ")
    assert "plugin 'fussy' in hook peerlearn_validate_member: raised RuntimeError: registry of agencies" in message
