"""Bad input: exit 1, one line that says what and where, and the registry byte for byte as before."""

import json

import pytest

from refusals import refused

ADD = ["activities", "add", "--network", "pes", "--kind", "event", "--title", "PES event"]


@pytest.fixture
def ready(env):
    assert env.run("members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service").exit_code == 0
    assert env.run(*ADD, "--start", "2026-06-10 09:00", "--end", "17:00").exit_code == 0
    return env


@pytest.mark.parametrize(
    "args, expect",
    [
        (["--start", "2026-06-10 17:00", "--end", "2026-06-10 09:00"], "before it starts"),
        (["--start", "2026-03-29 02:30", "--end", "04:00"], "2026-03-29 02:30 does not exist in Europe/Brussels"),
        (["--start", "2026-10-25 02:30", "--end", "04:00"], "2026-10-25 02:30 is ambiguous in Europe/Brussels"),
        (["--start", "2026-06-10 09:00", "--end", "10:00", "--tz", "Europe/Atlantis"], "unknown timezone 'Europe/Atlantis'"),
        (["--start", "10/06/2026", "--end", "10:00"], "--start/--end: '10/06/2026' is not a date"),
    ],
)
def test_bad_times_are_refused(ready, args, expect):
    refused(ready, *ADD, *args, expect=expect)


def test_unknown_network_is_refused(ready):
    message = refused(ready, "activities", "add", "--network", "atlantis", "--kind", "event", "--title", "X",
                      "--start", "2026-06-10", expect="unknown network 'atlantis'")
    assert "known networks: esf_migration, integration_network, mutual_learning, pes" in message
    refused(ready, "members", "join", "VDAB", "atlantis", expect="unknown network 'atlantis'")


def test_unknown_member_and_activity_are_refused(ready):
    refused(ready, "members", "join", "Nobody", "pes", expect="unknown member 'Nobody'")
    refused(ready, "activities", "cancel", "99", expect="unknown activity '99'")
    refused(ready, "participants", "invite", "99", "VDAB", expect="unknown activity '99'")
    refused(ready, "participants", "invite", "1", "#42", expect="unknown member '#42'")
    refused(ready, *ADD, "--start", "2026-06-11", "--host", "Nobody", expect="unknown member 'Nobody'")


def test_duplicate_member_is_refused(ready):
    refused(ready, "members", "add", "vdab", "--country", "BE", expect="member 'vdab' (BE) already exists as #1")


def test_country_that_is_not_iso_is_refused(ready):
    refused(ready, "members", "add", "Ministry", "--country", "XX", expect="'XX' is not an ISO 3166-1 alpha-2")
    refused(ready, "members", "edit", "VDAB", "--country", "Belgium", expect="'Belgium' is not an ISO")


def test_member_from_a_country_the_network_does_not_admit_is_refused(ready):
    refused(ready, "members", "add", "Ministry", "--country", "US", "--network", "pes", "--category", "public employment service",
            expect="PES Network admits only the public employment services of the EU countries, Norway and Iceland")


def test_csv_whose_500th_row_is_malformed_imports_nothing(ready, tmp_path):
    rows = ["name,country,category,network"]
    rows += [f"Organisation {i},BE,public employment service,pes" for i in range(1, 500)]
    rows.append("Organisation 500,ZZ,public employment service,pes")
    rows += [f"Organisation {i},FR,,pes" for i in range(501, 600)]
    path = tmp_path / "members.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    message = refused(ready, "members", "import", str(path), expect=f"{path} line 501")
    assert "'ZZ' is not an ISO 3166-1 alpha-2 country code" in message


def test_csv_with_a_short_row_names_its_line(ready, tmp_path):
    path = tmp_path / "short.csv"
    path.write_text("name,country,email\nA,BE,a@example.org\nB\n", encoding="utf-8")
    refused(ready, "members", "import", str(path), expect=f"{path} line 3: fewer cells")


def test_csv_that_is_not_utf8_is_refused(ready, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("name,country\nMinistère du Travail,FR\n".encode("latin-1"))
    refused(ready, "members", "import", str(path), expect="is not UTF-8 text")


def test_csv_with_unknown_column_is_refused(ready, tmp_path):
    path = tmp_path / "columns.csv"
    path.write_text("name,country,colour\nA,BE,blue\n", encoding="utf-8")
    refused(ready, "members", "import", str(path), expect="line 1: unknown column(s) 'colour'")


def test_database_that_is_not_sqlite_is_refused_and_untouched(env, tmp_path):
    path = tmp_path / "agenda.txt"
    path.write_text("Monday: workshop\n")
    result = env.run("--db", str(path), "members", "add", "VDAB", "--country", "BE")
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {path} is not an SQLite database; refusing to open it"
    assert path.read_text() == "Monday: workshop\n"


def test_missing_registry_for_a_read_says_how_to_create_one(env):
    result = env.run("activities", "list")
    assert result.exit_code == 1
    assert "no registry at" in result.stderr and "peerlearn init" in result.stderr
    assert not env.db.exists()


def test_usage_errors_exit_2(ready):
    assert ready.run("activities", "add", "--network", "pes").exit_code == 2
    assert ready.run("activities", "list", "--status", "postponed").exit_code == 2


def test_no_traceback_for_unexpected_errors_without_debug(ready, monkeypatch):
    from peerlearn.registry import activities

    def explode(*args, **kwargs):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(activities, "list_activities", explode)
    result = ready.run("activities", "list")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("Error: unexpected ZeroDivisionError: division by zero"
                                     " (run with --debug for details)")
    with pytest.raises(ZeroDivisionError):
        ready.run("--debug", "activities", "list")


def test_export_into_a_folder_that_does_not_exist_is_refused(ready, tmp_path):
    target = tmp_path / "missing" / "log.csv"
    refused(ready, "log", "--network", "pes", "--format", "csv", "-o", str(target),
            expect=f"--output: folder {target.parent} does not exist")
    assert not target.parent.exists()


#: digits to ``str.isdigit`` that are not 0-9: "²" and "①", which int() refuses, and "١" (Arabic-Indic one),
#: which int() reads as 1
NOT_ASCII_DIGITS = ["²", "①", "١"]


@pytest.mark.parametrize("typed", NOT_ASCII_DIGITS)
@pytest.mark.parametrize("args, expect", [
    (["members", "show", "{}"], "unknown member"),
    (["members", "show", "#{}"], "unknown member"),
    (["activities", "show", "{}"], "unknown activity"),
    (["sessions", "list", "#{}"], "unknown activity"),
    (["changes", "--activity", "{}"], "unknown activity"),
    (["roles", "confirm", "{}"], "unknown role"),
    (["notify", "preview", "{}"], "unknown message"),
])
def test_a_number_is_written_in_the_digits_0_to_9(ready, typed, args, expect):
    # member 1 and activity 1 exist: "١" is not their number, and "²" is no error of Python's
    refused(ready, *[arg.format(typed) for arg in args], expect=expect,
            environment={"PEERLEARN_MAIL_FROM": "secretariat@example.org"})


@pytest.mark.parametrize("typed", NOT_ASCII_DIGITS)
def test_numbers_in_the_environment_and_in_files_are_written_in_the_digits_0_to_9(ready, tmp_path, typed):
    refused(ready, "agenda", "check", "1", environment={"PEERLEARN_PENDING_DAYS": typed},
            expect=f"$PEERLEARN_PENDING_DAYS must be a whole number of days; got {typed!r}")
    members = tmp_path / "members.csv"
    members.write_text(f"id,name,country,network,category\n{typed},VDAB,BE,pes,public employment service\n",
                       encoding="utf-8")
    refused(ready, "members", "import", str(members), expect=f"line 2: id must be a member's number; got {typed!r}")
    refused(ready, *ADD, "--start", "2026-07-06 09:00", "--end", "10:00", "--rrule", f"FREQ=WEEKLY;COUNT={typed}",
            expect=f"COUNT={typed} must be a whole number of at least 1")
    # $COLUMNS that is no number is left aside, as an empty one is
    listed = ready.run("networks", "list", env={"COLUMNS": typed})
    assert listed.exit_code == 0 and "pes" in listed.stdout, listed.output


def test_a_member_named_by_a_number_is_found_by_its_name(ready):
    added = ready.run("members", "add", "2030", "--country", "BE", "--json")
    assert added.exit_code == 0, added.output
    number = json.loads(added.stdout)["id"]
    assert number != 2030
    shown = ready.run("members", "show", "2030", "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == number, shown.output
    # a member's number comes first, and "#2030" is a number only
    assert json.loads(ready.run("members", "show", "1", "--json").stdout)["name"] == "VDAB"
    refused(ready, "members", "show", "#2030", expect="unknown member '#2030'")


@pytest.mark.parametrize("zone_name", ["Europe/Atlantis", "Europe"])
def test_a_wrong_tz_is_refused_naming_tz_not_the_times(ready, zone_name):
    """The times typed are right; the zone they are read in is not, and the error says so."""
    expect = f"--tz: unknown timezone '{zone_name}'"
    refused(ready, *ADD, "--start", "2026-06-11 09:00", "--end", "10:00", "--tz", zone_name, expect=expect)
    refused(ready, "activities", "reschedule", "1", "--start", "2026-06-12 09:00", "--tz", zone_name, expect=expect)
    refused(ready, "activities", "reschedule", "1", "--start", "2026-06-12 09:00", "--end", "10:00",
            "--tz", zone_name, expect=expect)
    assert ready.run("activities", "edit", "1", "--rrule", "FREQ=WEEKLY;COUNT=3").exit_code == 0
    refused(ready, "activities", "cancel-occurrence", "1", "2026-06-17 09:00", "--tz", zone_name, expect=expect)
