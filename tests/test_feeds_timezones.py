"""Every calendar reads a feed's times the same: zoneinfo, vobject and Mozilla's ical.js agree.

For every timed occurrence of the feeds below, the UTC instant that zoneinfo
gives for the local time and TZID, and those that vobject and ical.js give
through the feed's own VTIMEZONE, must be equal (``feedcheck.instants``).
Fixed dates, exported with ``--from``: nothing here depends on today.
"""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import feedcheck
import icalendar
import pytest

from peerlearn.feeds import vtimezone

ZONES = ("Europe/Brussels", "America/New_York", "Asia/Kolkata", "Australia/Sydney")
#: Zones whose rules are unusual: negative DST, a Friday rule, half-hour DST, a rule crossing a month, no rule,
#: changes that follow no yearly rule (Ramadan), the southern hemisphere, no change at all.
HARD_ZONES = ("Europe/Dublin", "Asia/Jerusalem", "Australia/Lord_Howe", "Africa/Cairo", "Africa/Casablanca",
              "America/Santiago", "America/Sao_Paulo", "Pacific/Auckland", "Europe/Moscow", "America/Havana",
              "Asia/Tehran", "Pacific/Chatham", "America/St_Johns", "UTC")


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _add(env, title, start, end, tz, *extra):
    result = _ok(env.run("activities", "add", "--json", "--network", "pes", "--kind", "event", "--title", title,
                         "--start", start, "--end", end, "--tz", tz, "--city", "Somewhere", *extra))
    return json.loads(result.stdout)


def _export(env, *scope):
    return _ok(env.run("export", "ics", *scope, "--from", "2000-01-01")).stdout_bytes


@pytest.fixture
def zoned(env):
    """Activities in four zones, summer and winter of several years, one across a DST change, one yearly forever."""
    assert env.run("init").exit_code == 0
    added = {}
    for year in (2026, 2027, 2028, 2030):
        added[f"brussels-winter-{year}"] = _add(env, f"Winter {year}", f"{year}-01-20 09:30", "17:00", ZONES[0])
        added[f"brussels-summer-{year}"] = _add(env, f"Summer {year}", f"{year}-08-11 09:00", "12:00", ZONES[0])
    added["new-york-summer"] = _add(env, "New York summer", "2027-07-01 10:00", "11:00", ZONES[1])
    added["new-york-winter"] = _add(env, "New York winter", "2027-12-01 10:00", "11:00", ZONES[1])
    added["new-york-march"] = _add(env, "Before the change", "2027-03-10 10:00", "11:00", ZONES[1])  # EST until 14 March
    added["kolkata"] = _add(env, "Kolkata", "2027-06-15 10:00", "12:00", ZONES[2])
    added["sydney-summer"] = _add(env, "Sydney summer", "2027-01-15 10:00", "11:00", ZONES[3])
    added["sydney-winter"] = _add(env, "Sydney winter", "2027-07-15 10:00", "11:00", ZONES[3])
    # the clocks go forward at 02:00 on 2027-03-28: ten hours of work, nine on the wall
    added["across-dst"] = _add(env, "Night shift", "2027-03-27 22:00", "2027-03-28 08:00", ZONES[0])
    added["yearly"] = _add(env, "Anniversary", "2026-08-11 09:00", "10:00", ZONES[0], "--rrule", "FREQ=YEARLY")
    added["sydney-monthly"] = _add(env, "Sydney monthly", "2026-09-06 18:00", "19:00", ZONES[3],
                                   "--rrule", "FREQ=MONTHLY;BYDAY=1SU")
    return env, added


def test_every_timed_occurrence_is_the_same_instant_in_zoneinfo_vobject_and_ical_js(zoned):
    env, added = zoned
    feeds = {"network": _export(env, "--network", "pes")}
    for key in ("yearly", "across-dst", "sydney-monthly", "kolkata"):
        feeds[f"activity {key}"] = _export(env, "--activity", str(added[key]["id"]))
    for data in feeds.values():
        feedcheck.events(data)
    until = dt.date(2037, 1, 1)  # the yearly rule, checked ten years past its start
    read = feedcheck.instants(feeds, until)["network"]

    # what was checked: each zone, summer and winter, the change, the rule ten years out
    by_uid = {event["uid"]: key for key, event in added.items()}
    seen = {by_uid[uid]: event for uid, event in read.items()}
    assert set(seen) == set(added)
    assert {event["tzid"] for event in seen.values()} == set(ZONES)
    yearly = [wall for wall, _ in seen["yearly"]["occurrences"]]
    assert yearly == [f"{year}-08-11T09:00:00" for year in range(2026, 2037)]
    for key, hours in (("brussels-summer-2030", 7), ("brussels-winter-2030", 8.5), ("new-york-summer", 14),
                       ("new-york-winter", 15), ("kolkata", 4.5), ("sydney-summer", -1), ("sydney-winter", 0)):
        wall, ms = seen[key]["occurrences"][0]
        utc = dt.datetime.fromtimestamp(ms / 1000, dt.timezone.utc)
        assert utc.hour + utc.minute / 60 == hours % 24, (key, wall, utc)  # the right offset, not just agreement
    (start,), end = seen["across-dst"]["occurrences"], seen["across-dst"]["end"]
    assert (end[1] - start[1]) / 3_600_000 == 9  # 22:00 CET to 08:00 CEST
    sydney = [wall for wall, _ in seen["sydney-monthly"]["occurrences"]]
    assert len(sydney) > 120 and sydney[0] == "2026-09-06T18:00:00"  # both sides of each change, for ten years


def test_a_feed_with_the_old_rdate_vtimezone_is_caught(zoned):
    """The check is not vacuous: icalendar's DTSTART+RDATE observances put ical.js an hour off (issue's symptom)."""
    env, added = zoned
    data = _export(env, "--activity", str(added["brussels-summer-2026"]["id"]))
    calendar = icalendar.Calendar.from_ical(data)
    old = icalendar.Timezone.from_tzid("Europe/Brussels", first_date=dt.date(2026, 1, 1),
                                       last_date=dt.date(2028, 1, 1))
    calendar.subcomponents = [old if part.name == "VTIMEZONE" else part for part in calendar.subcomponents]
    with pytest.raises(AssertionError, match="ical.js and zoneinfo disagree") as caught:
        feedcheck.instants({"old": calendar.to_ical()}, dt.date(2028, 1, 1))
    assert "2026-08-11T09:00:00', 1786435200000" in str(caught.value)  # 08:00 UTC instead of 07:00


def test_vtimezones_write_yearly_rules_and_history_as_the_big_calendars_do():
    brussels = vtimezone.vtimezone("Europe/Brussels", 2027)
    assert "RDATE" not in brussels and brussels.count("BEGIN:") == 3
    # the EU's rules since 1996, written from where they started, without end
    assert "BEGIN:DAYLIGHT\r\nDTSTART:19960331T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n" in brussels
    assert "BEGIN:STANDARD\r\nDTSTART:19961027T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\n" in brussels
    assert "TZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n" in brussels
    assert vtimezone.vtimezone("Europe/Brussels") == brussels  # a feed with no event carries the same
    kolkata = vtimezone.vtimezone("Asia/Kolkata", 2027)
    assert kolkata.count("BEGIN:STANDARD") == 1 and "DAYLIGHT" not in kolkata and "RRULE" not in kolkata
    assert "TZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\n" in kolkata
    # New York changed its rules in 2007: a feed from 2005 spells out the changes until then
    new_york = vtimezone.vtimezone("America/New_York", 2005)
    assert new_york.count("RRULE:") == 2 and "DTSTART:20050403T020000\r\nTZNAME:EDT" in new_york
    assert "DTSTART:20070311T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n" in new_york
    assert "DTSTART:20041031T020000" in new_york and "DTSTART:20040404" not in new_york  # from the one in force
    # Sydney: the southern summer is DAYLIGHT, from October to April
    sydney = vtimezone.vtimezone("Australia/Sydney", 2027)
    assert "BEGIN:DAYLIGHT\r\nDTSTART:20081005T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r\n" in sydney
    # Ireland's winter is a negative DST in zoneinfo: its summer is still written as DAYLIGHT
    assert "BEGIN:DAYLIGHT\r\nDTSTART:19960331T010000" in vtimezone.vtimezone("Europe/Dublin", 2027)
    # only the zone and the first year shape the text, never today
    vtimezone.vtimezone.cache_clear()
    assert vtimezone.vtimezone("Europe/Brussels", 2027) == brussels


def _calendar(zones, years):
    """A calendar with each zone's VTIMEZONE and an event at noon the day before and after each change."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//peerlearn tests//EN"]
    events = []
    for name in zones:
        lines.append(vtimezone.vtimezone(name, years[0]).rstrip("\r\n"))
        tz = ZoneInfo(name)
        walls = [dt.datetime(year, month, 15, 12) for year in years for month in (1, 4, 7, 10)]
        for change in vtimezone.changes(name, years[0], years[-1]):
            onset = change.onset
            walls += [onset - dt.timedelta(days=1), onset + dt.timedelta(days=1), onset + dt.timedelta(hours=3)]
        for number, wall in enumerate(sorted(set(walls))):
            wall = wall.replace(minute=0, second=0)
            if wall.replace(tzinfo=tz, fold=0).utcoffset() != wall.replace(tzinfo=tz, fold=1).utcoffset():
                continue  # skipped or repeated by a change: no single instant to agree on
            events += ["BEGIN:VEVENT", f"UID:{name}-{number}", "DTSTAMP:20260101T000000Z",
                       f"DTSTART;TZID={name}:{wall:%Y%m%dT%H%M%S}",
                       f"DTEND;TZID={name}:{wall + dt.timedelta(minutes=30):%Y%m%dT%H%M%S}", "END:VEVENT"]
    return "\r\n".join([*lines, *events, "END:VCALENDAR", ""]).encode()


@pytest.mark.parametrize("zones", [ZONES, HARD_ZONES])
def test_around_every_change_of_many_zones_the_parsers_agree_with_zoneinfo(zones):
    years = list(range(2026, 2046))
    data = _calendar(zones, years)
    # vobject takes Casablanca's VTIMEZONE (no change in 2000-2020 as written, +0000 in 2000) for UTC
    read = feedcheck.instants({"zones": data}, dt.date(years[-1] + 1, 1, 1),
                              skip_vobject=frozenset({"Africa/Casablanca"}))["zones"]
    assert len(read) > 100 * len(zones) // 2
    assert {event["tzid"] for event in read.values()} == set(zones)


def test_feeds_are_the_same_whatever_the_day_they_are_built(zoned, tmp_path):
    """VTIMEZONEs depend on the zone and the first year only: a clock moved on, over a new year, changes no byte.

    (The window still holds the same events at both moments.)
    """
    from peerlearn.feeds import publish

    env, _added = zoned
    registry = env.open()
    try:
        built = {}
        for now in (dt.datetime(2025, 12, 1, tzinfo=dt.timezone.utc), dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc)):
            folder = tmp_path / f"{now:%Y}"
            publish.build(registry, folder, now=now)
            built[now.year] = {path.relative_to(folder): path.read_bytes() for path in folder.rglob("*.ics")}
        again = tmp_path / "2025"  # the 2025 folder rebuilt incrementally in 2026 equals a fresh 2026 build
        publish.build(registry, again, now=dt.datetime(2026, 7, 1, tzinfo=dt.timezone.utc))
    finally:
        registry.close()
    assert built[2025] == built[2026] and len(built[2026]) > 10
    assert {path.relative_to(again): path.read_bytes() for path in again.rglob("*.ics")} == built[2026]


def test_without_node_the_ical_js_check_skips_with_a_reason_but_fails_under_tox(monkeypatch, tmp_path):
    monkeypatch.delenv(feedcheck.REQUIRE_NODE, raising=False)
    with monkeypatch.context() as patched:
        patched.setenv("PATH", str(tmp_path))  # no node here
        with pytest.raises(pytest.skip.Exception, match="node is not installed"):
            feedcheck.node_or_skip()
        patched.setenv(feedcheck.REQUIRE_NODE, "1")  # tox sets it: CI never skips the check silently
        with pytest.raises(pytest.fail.Exception, match="PEERLEARN_REQUIRE_NODE=1 requires the ical.js check"):
            feedcheck.node_or_skip()
    if feedcheck.shutil.which("node"):  # node, but ical.js not installed
        monkeypatch.setattr(feedcheck, "JS", tmp_path)
        with pytest.raises(pytest.skip.Exception, match="ical.js is not installed: run `npm ci"):
            feedcheck.node_or_skip()
