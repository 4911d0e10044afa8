"""The ESF Transnational Thematic Network on Migration plugin, through the CLI."""

import datetime as dt
import json

import pytest

from peerlearn import Activity
from peerlearn_networks import esf_migration


def add_workshop(env, start, end=None, title="Workshop on skills of newcomers"):
    args = ["activities", "add", "--network", "esf_migration", "--kind", "workshop", "--title", title,
            "--start", start]
    return env.run(*args, *(["--end", end] if end else []))


def test_network_is_contributed_with_its_categories_and_kinds(env):
    result = env.run("networks", "show", "esf_migration", "--json")
    assert result.exit_code == 0, result.output
    network = json.loads(result.stdout)
    assert network["plugin"] == "esf_migration"
    assert network["timezone"] == "Europe/Brussels"
    assert {"ESF managing authority", "policy expert", "stakeholder", "academic", "social partner"} <= set(
        network["categories"])
    assert network["kinds"] == ["workshop", "peer_review", "site_visit"]


@pytest.mark.parametrize("start, end", [("2016-05-10 09:30", "17:00"), ("2025-03-04", "2025-03-05"),
                                        ("2020-12-31", None)])
def test_activity_within_a_programming_period_is_accepted(env, start, end):
    result = add_workshop(env, start, end)
    assert result.exit_code == 0, result.output


def test_activity_before_the_first_programming_period_is_refused(env):
    env.run("init")
    before = env.fingerprint()
    result = add_workshop(env, "2013-11-12")
    assert result.exit_code == 1
    assert result.stderr == ("Error: activity 'Workshop on skills of newcomers': ESF activities fall within a"
                             " programming period (2014-2020, 2021-2027 and later ones); 2013-11-12 is before the"
                             " first\n")
    assert env.fingerprint() == before


@pytest.mark.parametrize("start", ["2028-01-10", "2041-06-04"])
def test_activity_after_the_last_known_period_is_accepted_with_a_warning(env, start):
    result = add_workshop(env, start)
    assert result.exit_code == 0, result.output
    assert result.stderr == (f"Warning: activity 'Workshop on skills of newcomers': {start} is after the last ESF"
                             " programming period known (ESF+ 2021-2027, until 2027-12-31): the activity is shown as"
                             " having no period yet until its period is added\n")
    assert [a["title"] for a in json.loads(env.run("activities", "list", "--json").stdout)] == [
        "Workshop on skills of newcomers"]


def test_activity_after_the_last_known_period_is_shown_as_having_no_period_yet(env):
    import feedcheck

    assert add_workshop(env, "2028-02-08").exit_code == 0
    assert add_workshop(env, "2027-02-09", title="Within ESF+").exit_code == 0
    data = env.run("export", "ics", "--network", "esf_migration", "--from", "2000-01-01").stdout_bytes
    events = {str(event["SUMMARY"]): event for event in feedcheck.check(data).walk("VEVENT")}
    assert "ESF: no period yet" in feedcheck.categories(events["Workshop on skills of newcomers"])
    assert str(events["Workshop on skills of newcomers"]["X-ESF-PROGRAMMING-PERIOD"]) == "no period yet"
    assert "ESF+ 2021-2027" in feedcheck.categories(events["Within ESF+"])
    assert str(events["Within ESF+"]["X-ESF-PROGRAMMING-PERIOD"]) == "2021-2027"


def test_a_new_period_is_a_data_change(env, monkeypatch):
    import feedcheck

    periods = (*esf_migration.PROGRAMMING_PERIODS, esf_migration.ProgrammingPeriod(
        "2028-2034", "ESF+ 2028-2034", dt.date(2028, 1, 1), dt.date(2034, 12, 31)))
    monkeypatch.setattr(esf_migration, "PROGRAMMING_PERIODS", periods)
    result = add_workshop(env, "2028-02-08")
    assert result.exit_code == 0 and result.stderr == ""
    data = env.run("export", "ics", "--network", "esf_migration", "--from", "2000-01-01").stdout_bytes
    (event,) = feedcheck.check(data).walk("VEVENT")
    assert "ESF+ 2028-2034" in feedcheck.categories(event)
    assert "one programming period" in add_workshop(env, "2027-12-30", "2028-01-02").stderr


def test_activity_straddling_two_periods_is_refused(env):
    before = env.fingerprint()
    result = add_workshop(env, "2020-12-30", "2021-01-02")
    assert result.exit_code == 1
    assert "one programming period" in result.stderr and "ESF 2014-2020" in result.stderr
    assert env.fingerprint() == before


def test_rescheduling_out_of_the_period_is_refused(env):
    assert add_workshop(env, "2026-06-09").exit_code == 0
    before = env.fingerprint()
    result = env.run("activities", "reschedule", "1", "--start", "2012-06-12")
    assert result.exit_code == 1
    assert "programming period" in result.stderr
    assert env.fingerprint() == before


def test_the_rule_is_not_applied_to_other_networks(env):
    result = env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Old PES event",
                     "--start", "2012-03-06")
    assert result.exit_code == 0, result.output


def test_member_category_outside_the_network_is_refused(env):
    before = env.fingerprint()
    result = env.run("members", "add", "Agence X", "--country", "FR", "--category", "public employment service",
                     "--network", "esf_migration")
    assert result.exit_code == 1
    assert "no member category 'public employment service'" in result.stderr
    assert env.fingerprint() == before
    ok = env.run("members", "add", "Agence X", "--country", "FR", "--category", "ESF managing authority",
                 "--network", "esf_migration")
    assert ok.exit_code == 0, ok.output


def test_programming_period_of_a_date():
    assert esf_migration.programming_period(dt.date(2014, 1, 1)) == "2014-2020"
    assert esf_migration.programming_period(dt.date(2020, 12, 31)) == "2014-2020"
    assert esf_migration.programming_period(dt.date(2021, 1, 1)) == "2021-2027"
    assert esf_migration.programming_period(dt.date(2013, 12, 31)) is None
    assert esf_migration.programming_period(dt.date(2028, 1, 1)) is None
    assert esf_migration.after_the_last_period(dt.date(2028, 1, 1))
    assert not esf_migration.after_the_last_period(dt.date(2013, 12, 31))
    assert esf_migration.period_label(None) == "ESF: no period yet"


def _activity(start):
    brussels = dt.timezone(dt.timedelta(hours=1))
    return Activity(network="esf_migration", kind="workshop", title="W", start=start,
                    end=start + dt.timedelta(hours=8), timezone="Europe/Brussels")


def test_activity_is_tagged_with_its_period_in_local_time():
    # 23:30 UTC on 31 December 2020 is already 2021 in Brussels.
    activity = _activity(dt.datetime(2020, 12, 31, 23, 30, tzinfo=dt.timezone.utc))
    assert esf_migration.activity_period(activity) == "2021-2027"
    assert esf_migration.period_label("2021-2027") == "ESF+ 2021-2027"


def test_calendar_event_carries_the_period_as_a_category(env):
    from peerlearn.feeds import ical

    network = esf_migration.peerlearn_networks()[0]
    activity = _activity(dt.datetime(2017, 4, 4, 8, 0, tzinfo=dt.timezone.utc))
    assert esf_migration.peerlearn_event_properties(network=network, activity=activity) == {
        "x-esf-programming-period": "2014-2020", "categories": "ESF 2014-2020"}
    written = ical.activity_block(network, activity, updated_at=None, created_at=None)
    assert "X-ESF-PROGRAMMING-PERIOD:2014-2020\r\n" in written
    assert "ESF 2014-2020\r\n" in written and written.count("CATEGORIES:") == 1
