"""The website of a programme with released versions: the latest release, a page of what changed, the release feed."""

import datetime as dt
import json
import sys
from pathlib import Path

import feedparser
import icalendar
import peerlearn_plugins.site
import pytest
from peerlearn_plugins.demo import data as demo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import schedulecheck  # noqa: E402 - the schema checks shared with tests/
from test_schedule_versions import _change_the_programme, _json, _ok  # noqa: E402


@pytest.fixture
def mlc(demo_env):
    demo_env.register(peerlearn_plugins.site, name="site")
    conference = next(a for a in json.loads(demo_env.run("activities", "list", "--json").stdout)
                      if a["title"] == demo.MLC_TITLE)
    return demo_env, str(conference["id"])


def _site(env, out, *options):
    _ok(env.run("site", "build", str(out), *options))
    return out


def test_the_site_shows_the_latest_release_and_a_page_of_what_changed_while_feeds_follow_the_working_programme(
        mlc, tmp_path, parse):
    env, activity = mlc
    out = tmp_path / "site"
    _site(env, out)
    page = parse(out / "activities" / f"{activity}.html")
    assert "No version of the programme has been released yet" in page.text
    assert "Workshop 1: Skills intelligence against skills shortages" in page.text  # the working programme
    _ok(env.run("agenda", "release", activity))
    _ok(env.run("sessions", "edit", activity, "workshop-1", "--title", "Workshop 1: Renamed after v1"))
    _site(env, out)
    page = parse(out / "activities" / f"{activity}.html")
    assert "Renamed after v1" not in page.text and "Skills intelligence against skills shortages" in page.text
    assert "Programme v1, released" in page.text
    feed = _ok(env.run("export", "ics", "--activity", activity)).stdout_bytes
    summaries = [str(e["SUMMARY"]) for e in icalendar.Calendar.from_ical(feed).walk("VEVENT")]
    assert any("Renamed after v1" in summary for summary in summaries)  # calendars get the change at once
    xml = schedulecheck.check_xml((out / "activities" / activity / "schedule.xml").read_text(encoding="utf-8"))
    assert xml.findtext("version") == "v1"
    assert "Renamed after v1" not in (out / "activities" / activity / "schedule.json").read_text(encoding="utf-8")
    _ok(env.run("agenda", "release", activity))
    _site(env, out)
    page = parse(out / "activities" / f"{activity}.html")
    assert "Renamed after v1" in page.text and "Programme v2, released" in page.text
    changes = parse(out / "activities" / activity / "versions" / "2.html")
    assert changes.headings[0] == (1, "What changed in v2")
    assert "Retitled: 'Workshop 1: Skills intelligence against skills shortages' → 'Workshop 1: Renamed after v1'" \
        in changes.text
    assert (out / "activities" / activity / "versions" / "1.html").exists()
    links = [a["href"] for a in page.all("a")]
    assert f"../activities/{activity}/versions/2.html" in links
    assert f"../activities/{activity}/releases.atom" in links
    assert f"../activities/{activity}/schedule.xml" in links


def test_the_release_feed_is_valid_atom_announcing_each_release_with_its_changes(mlc, tmp_path):
    env, activity = mlc
    _ok(env.run("agenda", "release", activity))
    _change_the_programme(env, activity)
    _ok(env.run("agenda", "release", activity, "--name", "final"))
    out = _site(env, tmp_path / "site", "--base-url", "https://events.example.org")
    atom = out / "activities" / activity / "releases.atom"
    feed = feedparser.parse(atom.read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == f"Programme releases: {demo.MLC_TITLE}"
    assert feed.feed.links[0].href == f"https://events.example.org/activities/{activity}.html"
    assert [e.title for e in feed.entries] == ["Programme final released", "Programme v1 released"]
    latest = feed.entries[0]
    assert latest.link == f"https://events.example.org/activities/{activity}/versions/2.html"
    assert latest.id.startswith("urn:uuid:") and latest.id != feed.entries[1].id
    assert "Cancelled: Workshop 3: Employment opportunities for migrant women" in latest.content[0].value
    assert "6 change(s): 1 added, 1 cancelled, 1 moved, 1 retitled, 2 change(s) to people" in latest.summary
    released = dt.datetime.fromisoformat(_json(env, "agenda", "versions", activity)[1]["released_at"])
    assert dt.datetime(*latest.published_parsed[:6], tzinfo=dt.timezone.utc) == released.replace(microsecond=0)
    before = atom.read_bytes()
    _site(env, out, "--base-url", "https://events.example.org")
    assert atom.read_bytes() == before  # an unchanged feed is the same bytes
