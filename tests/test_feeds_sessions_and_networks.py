"""Sessions plug into activity and member feeds; each network plugin shapes its events."""

import json

import feedcheck

from peerlearn import demo


def _conference(env):
    return next(a for a in json.loads(env.run("activities", "list", "--json").stdout) if a["title"] == demo.MLC_TITLE)


def _add_agenda(env, activity):
    """Sessions and roles as the agenda stores them (the feeds read whatever columns exist)."""
    day = activity["start"][:10]
    registry = env.open()
    try:
        registry.db.executescript("""
            CREATE TABLE sessions (id INTEGER PRIMARY KEY, activity_id INTEGER, title TEXT, kind TEXT,
                                   start_utc TEXT, end_utc TEXT, track TEXT, room TEXT);
            CREATE TABLE roles (id INTEGER PRIMARY KEY, session_id INTEGER, member_id INTEGER, person TEXT,
                                role TEXT, status TEXT, email TEXT);
        """)
        registry.db["sessions"].insert_all([
            {"id": 1, "activity_id": activity["id"], "title": "Opening panel", "kind": "panel",
             "start_utc": f"{day}T08:30:00Z", "end_utc": f"{day}T10:00:00Z", "track": "", "room": "Plenary"},
            {"id": 2, "activity_id": activity["id"], "title": "Workshop 1: skills intelligence", "kind": "workshop",
             "start_utc": f"{day}T10:30:00Z", "end_utc": f"{day}T12:00:00Z", "track": "A", "room": "Room 1"},
        ])
        registry.db["roles"].insert({"session_id": 2, "member_id": 31, "person": "Thomas Liebig", "role": "speaker",
                                     "status": "tbc", "email": "thomas@example.org"})
    finally:
        registry.close()


def test_activity_feed_holds_each_session_related_to_the_activity(demo_env):
    conference = _conference(demo_env)
    _add_agenda(demo_env, conference)
    data = demo_env.run("export", "ics", "--activity", str(conference["id"])).stdout_bytes
    events = feedcheck.events(data)
    assert len(events) == 3
    session = events[f"session-2.{conference['uid']}"]
    assert session["summary"] == f"Workshop 1: skills intelligence ({demo.MLC_TITLE})"
    assert session["start"].isoformat() == f"{conference['start'][:10]}T10:30:00+00:00"
    text = feedcheck.unfold(data)
    assert f"RELATED-TO;RELTYPE=PARENT:{conference['uid']}" in text
    assert "speaker: Thomas Liebig (tbc)" in text and "thomas@example.org" not in text
    assert "X-MLP-TRACK:A" in text  # the MLP plugin marks parallel workshops by track


def test_member_feed_holds_the_sessions_where_it_holds_a_role(demo_env):
    conference = _conference(demo_env)
    _add_agenda(demo_env, conference)
    events = feedcheck.events(demo_env.run("export", "ics", "--member", "31").stdout_bytes)
    assert f"session-2.{conference['uid']}" in events
    assert f"session-1.{conference['uid']}" not in events


def _network_text(env, slug):
    result = env.run("export", "ics", "--network", slug, "--from", "2000-01-01")
    assert result.exit_code == 0, result.output
    feedcheck.events(result.stdout_bytes)
    return feedcheck.unfold(result.stdout_bytes)


def test_esf_plugin_tags_the_programming_period(demo_env):
    text = _network_text(demo_env, "esf_migration")
    assert "X-ESF-PROGRAMMING-PERIOD:2021-2027" in text and "CATEGORIES:ESF+ 2021-2027" in text
    assert "X-ESF" not in _network_text(demo_env, "pes")


def test_ein_plugin_adds_colour_category_and_host_country(demo_env):
    text = _network_text(demo_env, "integration_network")
    assert "COLOR:seagreen" in text and "CATEGORIES:targeted mutual-learning activity" in text
    assert "X-EIN-HOST-COUNTRY:PL" in text


def test_pes_plugin_links_events_without_a_url_to_the_network(demo_env):
    text = _network_text(demo_env, "pes")
    assert "COLOR:steelblue" in text
    assert "URL:https://ec.europa.eu/social/main.jsp?catId=1100" in text  # the Helsinki peer review has no link
    assert "URL:https://example.org/pes-webinar" in text  # an event's own link is kept
    assert "X-PES-FOLLOW-UP:paper with key considerations" in text


def test_mlp_plugin_names_the_activity_type(demo_env):
    text = _network_text(demo_env, "mutual_learning")
    assert "X-MLP-ACTIVITY-TYPE:Mutual Learning Conference" in text and "COLOR:rebeccapurple" in text
    assert "X-MLP-ACTIVITY-TYPE:MLP Peer Review" in text


def test_a_network_plugin_left_out_no_longer_shapes_its_events(demo_env):
    demo_env.load("esf_migration", "integration_network", "mutual_learning")
    text = _network_text(demo_env, "pes")
    assert "COLOR:steelblue" not in text  # the cached blocks were rebuilt without the pes plugin


def test_moving_a_session_raises_its_sequence_even_without_one_in_the_agenda(demo_env):
    conference = _conference(demo_env)
    _add_agenda(demo_env, conference)
    uid = f"session-2.{conference['uid']}"
    before = feedcheck.events(demo_env.run("export", "ics", "--activity", str(conference["id"])).stdout_bytes)[uid]
    registry = demo_env.open()
    try:
        registry.db.execute("UPDATE sessions SET start_utc = replace(start_utc, 'T10:30', 'T11:00') WHERE id = 2")
    finally:
        registry.close()
    for scope in (("--activity", str(conference["id"])), ("--member", "31")):
        after = feedcheck.events(demo_env.run("export", "ics", *scope).stdout_bytes)[uid]
        assert after["start"] != before["start"] and after["sequence"] == before["sequence"] + 1
