"""One time window on every command that takes one: --from/--to read in --tz, by default the network's zone, else UTC.

The network below is in Pacific/Auckland (UTC+13 in March), so a date read
in its zone and the same date read in UTC are half a day apart: an activity
just after midnight there is on the previous day in UTC.
"""

from __future__ import annotations

import json

import pytest

from peerlearn.cli.common import TZ_HELP

WINDOW_COMMANDS = [("activities", "list"), ("log",), ("export", "ics"), ("changes",)]


@pytest.fixture
def kiwi(env):
    assert env.run("init").exit_code == 0
    added = env.run("networks", "add", "kiwi", "--name", "Kiwi network", "--timezone", "Pacific/Auckland")
    assert added.exit_code == 0, added.output
    for title, start, end in (("Early", "2027-03-01 00:30", "01:30"), ("Tenth", "2027-03-10 15:00", "16:00")):
        result = env.run("activities", "add", "--network", "kiwi", "--kind", "workshop", "--title", title,
                         "--start", start, "--end", end)
        assert result.exit_code == 0, result.output
    return env


def _titles(env, *args) -> list[str]:
    result = env.run("activities", "list", *args, "--json")
    assert result.exit_code == 0, result.output
    return [row["title"] for row in json.loads(result.stdout)]


def test_dates_are_read_in_the_networks_zone_when_one_network_is_named(kiwi):
    assert _titles(kiwi, "--network", "kiwi", "--from", "2027-03-01") == ["Early", "Tenth"]
    assert _titles(kiwi, "--network", "kiwi", "--from", "2027-03-01", "--tz", "UTC") == ["Tenth"]
    assert _titles(kiwi, "--from", "2027-03-01") == ["Tenth"]  # no network named: UTC
    assert _titles(kiwi, "--from", "2027-03-01", "--tz", "Pacific/Auckland") == ["Early", "Tenth"]


def test_a_date_alone_to_to_takes_its_whole_day_in(kiwi):
    assert _titles(kiwi, "--network", "kiwi", "--to", "2027-03-10") == ["Early", "Tenth"]
    assert _titles(kiwi, "--network", "kiwi", "--to", "2027-03-10 15:00") == ["Early"]
    assert _titles(kiwi, "--network", "kiwi", "--to", "2027-03-09") == ["Early"]


def test_the_log_and_the_feed_read_the_window_the_same_way(kiwi):
    log = kiwi.run("log", "--network", "kiwi", "--from", "2027-03-01", "--to", "2027-03-01", "--format", "jsonl")
    assert [json.loads(line)["title"] for line in log.stdout.splitlines()] == ["Early"]
    utc = kiwi.run("log", "--network", "kiwi", "--from", "2027-03-01", "--tz", "UTC", "--format", "jsonl")
    assert [json.loads(line)["title"] for line in utc.stdout.splitlines()] == ["Tenth"]
    feed = kiwi.run("export", "ics", "--network", "kiwi", "--from", "2027-03-01", "--to", "2027-03-01").stdout
    assert "SUMMARY:Early" in feed and "SUMMARY:Tenth" not in feed
    feed = kiwi.run("export", "ics", "--network", "kiwi", "--from", "2027-03-01", "--tz", "UTC").stdout
    assert "SUMMARY:Early" not in feed and "SUMMARY:Tenth" in feed


def test_changes_takes_from_and_to_and_its_former_names_with_a_warning(kiwi):
    every = json.loads(kiwi.run("changes", "--json").stdout)
    assert json.loads(kiwi.run("changes", "--from", "2000-01-01", "--json").stdout) == every
    assert json.loads(kiwi.run("changes", "--to", "2000-01-01", "--json").stdout) == []
    old = kiwi.run("changes", "--since", "2000-01-01", "--json")
    assert old.exit_code == 0 and json.loads(old.stdout) == every
    assert "Warning: --since is now --from" in old.stderr
    old = kiwi.run("changes", "--until", "2000-01-01", "--json")
    assert json.loads(old.stdout) == [] and "--until is now --to" in old.stderr
    both = kiwi.run("changes", "--since", "2000-01-01", "--from", "2000-01-01")
    assert both.exit_code == 2 and "give --from only" in both.stderr
    help_text = kiwi.run("changes", "--help").stdout
    assert "--since" not in help_text and "--until" not in help_text


@pytest.mark.parametrize("command", WINDOW_COMMANDS, ids=" ".join)
def test_every_window_command_words_it_the_same_and_refuses_a_bad_zone(kiwi, command):
    help_text = " ".join(kiwi.run(*command, "--help").stdout.split())
    assert "--from DATE[ HH:MM]" in help_text and "--to DATE[ HH:MM]" in help_text
    assert TZ_HELP in help_text and "a date alone includes that day" in help_text
    result = kiwi.run(*command, "--network", "kiwi", "--from", "2027-03-01", "--tz", "Mars/Olympus")
    assert result.exit_code == 1 and result.stderr.startswith("Error: --tz: unknown timezone 'Mars/Olympus'")
    result = kiwi.run(*command, "--network", "kiwi", "--from", "2027-03-02", "--to", "2027-03-01 12:00")
    assert result.exit_code == 1 and result.stderr == "Error: --to: the window ends before it starts\n"
