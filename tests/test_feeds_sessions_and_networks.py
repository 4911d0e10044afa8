"""Sessions plug into activity and member feeds; each network plugin shapes its events."""

import datetime as dt
import json
import re

import feedcheck
from peerlearn_plugins.demo import data as demo


def _conference(env):
    return next(a for a in json.loads(env.run("activities", "list", "--json").stdout) if a["title"] == demo.MLC_TITLE)


def _sessions(env, activity):
    """The conference's sessions by key: the demo imports its programme (the demo plugin's mlc-programme.yaml)."""
    result = env.run("sessions", "list", str(activity["id"]), "--json")
    assert result.exit_code == 0, result.output
    return {session["key"]: session for session in json.loads(result.stdout)}


def _roles(env, activity):
    return json.loads(env.run("roles", "list", str(activity["id"]), "--json").stdout)


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _uid(activity, session):
    return f"session-{session['id']}.{activity['uid']}"


def _export(env, *scope):
    return _ok(env.run("export", "ics", *scope)).stdout_bytes


def test_activity_feed_holds_each_session_related_to_the_activity(demo_env):
    conference = _conference(demo_env)
    sessions = _sessions(demo_env, conference)
    assert len(sessions) == 14
    _ok(demo_env.run("roles", "add", str(conference["id"]), "workshop-1", "--role", "speaker", "--name", "Jana Novak",
                     "--email", "jana@example.org", "--status", "confirmed", "--note", "private: call her mobile"))
    data = _export(demo_env, "--activity", str(conference["id"]))
    events = feedcheck.events(data)
    assert set(events) == {conference["uid"], *(_uid(conference, session) for session in sessions.values())}
    workshop = sessions["workshop-1"]
    event = events[_uid(conference, workshop)]
    assert event["summary"] == f"{workshop['title']} ({demo.MLC_TITLE})"
    assert workshop["start"][11:16] == "11:45"  # in Brussels, as the programme says
    assert event["start"] == dt.datetime.fromisoformat(workshop["start"]) and event["start"].tzinfo == dt.timezone.utc
    text = feedcheck.unfold(data)
    assert text.count(f"RELATED-TO;RELTYPE=PARENT:{conference['uid']}") == len(sessions)
    assert "speaker: Jana Novak (confirmed)" in text  # added through the CLI
    assert "panellist: Thomas Liebig (tbc)" in text  # imported with the programme
    assert "call her mobile" not in text  # a role's note is private
    assert not re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text)  # no email address in a public feed
    assert "X-MLP-TRACK:A" in text  # the MLP plugin marks parallel workshops by track


def test_a_declined_role_leaves_every_feed(demo_env):
    conference = _conference(demo_env)
    panel = _uid(conference, _sessions(demo_env, conference)["opening-panel"])
    assert panel in feedcheck.events(_export(demo_env, "--member", "32"))  # Armelle Ledan is a panellist (tbc)
    assert "panellist: Armelle Ledan (tbc)" in feedcheck.unfold(_export(demo_env, "--activity", str(conference["id"])))
    role = next(role for role in _roles(demo_env, conference) if role["member_id"] == 32)
    _ok(demo_env.run("roles", "decline", str(role["id"])))
    assert panel not in feedcheck.events(_export(demo_env, "--member", "32"))
    text = feedcheck.unfold(_export(demo_env, "--activity", str(conference["id"])))
    assert "Armelle Ledan" not in text and "panellist: Thomas Liebig (tbc)" in text


def test_member_feed_holds_the_sessions_where_it_holds_a_role(demo_env):
    conference = _conference(demo_env)
    sessions = _sessions(demo_env, conference)
    events = feedcheck.events(_export(demo_env, "--member", "31"))
    assert _uid(conference, sessions["opening-panel"]) in events  # panellist in the imported programme
    assert _uid(conference, sessions["welcome"]) not in events
    assert _uid(conference, sessions["workshop-2"]) not in events
    _ok(demo_env.run("roles", "add", str(conference["id"]), "workshop-2", "--role", "speaker", "--member", "31",
                     "--status", "confirmed"))
    data = _export(demo_env, "--member", "31")
    events = feedcheck.events(data)
    assert _uid(conference, sessions["workshop-2"]) in events
    assert _uid(conference, sessions["welcome"]) not in events
    assert "speaker: Thomas Liebig (OECD) (confirmed)" in feedcheck.unfold(data)  # named after the member
    assert _uid(conference, sessions["workshop-2"]) not in feedcheck.events(_export(demo_env, "--member", "32"))


def _network_text(env, slug):
    result = env.run("export", "ics", "--network", slug, "--from", "2000-01-01")
    assert result.exit_code == 0, result.output
    feedcheck.events(result.stdout_bytes)
    return feedcheck.unfold(result.stdout_bytes)


def _categories(data):
    """uid -> the event's CATEGORIES, from its one list (feedcheck checks there is one, without duplicates)."""
    return {str(event["UID"]): feedcheck.categories(event) for event in feedcheck.check(data).walk("VEVENT")}


def test_esf_plugin_tags_the_programming_period(demo_env):
    text = _network_text(demo_env, "esf_migration")
    assert re.search(r"X-ESF-PROGRAMMING-PERIOD:(2021-2027|no period yet)\r\n", text)
    data = _export(demo_env, "--network", "esf_migration", "--from", "2000-01-01")
    labels = _categories(data)
    # each event's period follows its year (the demo is dated from today: past 2027, "no period yet")
    expected = {str(event["UID"]): "ESF 2014-2020" if event["DTSTART"].dt.year <= 2020 else
                "ESF+ 2021-2027" if event["DTSTART"].dt.year <= 2027 else "ESF: no period yet"
                for event in feedcheck.check(data).walk("VEVENT")}
    assert labels and {uid: label[-1] for uid, label in labels.items()} == expected  # in the one list
    assert "ESF+ 2021-2027" in expected.values() or "ESF: no period yet" in expected.values()
    assert "X-ESF" not in _network_text(demo_env, "pes")


def test_ein_plugin_adds_colour_category_and_host_country(demo_env):
    text = _network_text(demo_env, "integration_network")
    assert "COLOR:seagreen" in text and "X-EIN-HOST-COUNTRY:PL" in text
    labels = _categories(_export(demo_env, "--network", "integration_network", "--from", "2000-01-01")).values()
    assert labels and all(label[1] == "EIN" and label[-1] == "targeted mutual-learning activity" for label in labels)


def test_pes_plugin_links_events_without_a_url_to_the_network(demo_env):
    text = _network_text(demo_env, "pes")
    assert "COLOR:steelblue" in text
    assert "URL:https://ec.europa.eu/social/main.jsp?catId=1100" in text  # the Helsinki peer review has no link
    assert "URL:https://example.org/pes-webinar" in text  # an event's own link is kept
    assert "X-PES-FOLLOW-UP:paper with key considerations" in text


def test_mlp_plugin_files_only_sessions_that_run_beside_another_as_parallel_workshops(demo_env):
    conference = _conference(demo_env)
    sessions = _sessions(demo_env, conference)
    labels = _categories(_export(demo_env, "--activity", str(conference["id"])))
    parallel = {key for key, session in sessions.items() if "parallel workshop" in labels[_uid(conference, session)]}
    # the programme runs workshops 1-3 side by side, then 4 and 5 (the demo plugin's mlc-programme.yaml)
    assert parallel == {f"workshop-{n}" for n in range(1, 6)}
    assert sessions["lunch"]["track"] == "plenary" and "parallel workshop" not in labels[_uid(conference, sessions["lunch"])]
    assert labels[_uid(conference, sessions["workshop-1"])][:2] == ["workshop", "MLP"]
    # without workshop 4, workshop 5 runs beside nothing: its cached event is rebuilt without the label
    _ok(demo_env.run("sessions", "remove", str(conference["id"]), "workshop-4"))
    labels = _categories(_export(demo_env, "--activity", str(conference["id"])))
    assert "parallel workshop" not in labels[_uid(conference, sessions["workshop-5"])]
    assert "parallel workshop" in labels[_uid(conference, sessions["workshop-1"])]


def test_mlp_plugin_names_the_activity_type(demo_env):
    text = _network_text(demo_env, "mutual_learning")
    assert "X-MLP-ACTIVITY-TYPE:Mutual Learning Conference" in text and "COLOR:rebeccapurple" in text
    assert "X-MLP-ACTIVITY-TYPE:MLP Peer Review" in text


def test_a_network_plugin_left_out_no_longer_shapes_its_events(demo_env):
    demo_env.load("esf_migration", "integration_network", "mutual_learning")
    text = _network_text(demo_env, "pes")
    assert "COLOR:steelblue" not in text  # the cached blocks were rebuilt without the pes plugin


def test_moving_editing_or_restaffing_a_session_raises_its_sequence_in_every_feed(demo_env):
    conference = _conference(demo_env)
    panel = _sessions(demo_env, conference)["opening-panel"]
    uid = _uid(conference, panel)
    activity = str(conference["id"])
    scopes = (("--activity", activity), ("--member", "31"))
    before = {scope: feedcheck.events(_export(demo_env, *scope))[uid] for scope in scopes}
    assert before[scopes[0]] == before[scopes[1]]
    assert {scope: feedcheck.events(_export(demo_env, *scope))[uid] for scope in scopes} == before  # stable
    _ok(demo_env.run("sessions", "move", activity, "opening-panel", "--start", "10:05", "--end", "11:00"))
    for scope in scopes:
        after = feedcheck.events(_export(demo_env, *scope))[uid]
        assert after["start"] == before[scope]["start"] + dt.timedelta(minutes=5)
        assert after["sequence"] == before[scope]["sequence"] + 1

    def sequences():
        return {scope: feedcheck.events(_export(demo_env, *scope))[uid]["sequence"] - before[scope]["sequence"]
                for scope in scopes}

    _ok(demo_env.run("sessions", "edit", activity, "opening-panel", "--title", "Opening panel: trends"))
    assert sequences() == {scope: 2 for scope in scopes}
    assert feedcheck.events(_export(demo_env, *scopes[0]))[uid]["summary"] == f"Opening panel: trends ({demo.MLC_TITLE})"
    role = next(role for role in _roles(demo_env, conference) if role["member_id"] == 33)
    _ok(demo_env.run("roles", "confirm", str(role["id"])))
    assert sequences() == {scope: 3 for scope in scopes}
    assert "panellist: Olga Stachova (confirmed)" in feedcheck.unfold(_export(demo_env, "--member", "31"))
    # a change the event does not show (the session's key) raises nothing
    _ok(demo_env.run("sessions", "edit", activity, "opening-panel", "--key", "panel-one"))
    assert sequences() == {scope: 3 for scope in scopes}


def test_a_session_sequence_never_falls_below_its_activity_and_still_rises(demo_env):
    conference = _conference(demo_env)
    activity = str(conference["id"])
    day = dt.date.fromisoformat(conference["start"][:10])
    for weeks in (1, 2):  # sessions follow their activity
        _ok(demo_env.run("activities", "reschedule", activity, "--start", f"{day + dt.timedelta(weeks=weeks)} 09:30"))
    panel = _sessions(demo_env, conference)["opening-panel"]
    assert panel["start"].startswith(f"{day + dt.timedelta(weeks=2)}T10:00")
    events = feedcheck.events(_export(demo_env, "--activity", activity))  # the feeds see the sessions first now
    uid = _uid(conference, panel)
    assert events[uid]["sequence"] == events[conference["uid"]]["sequence"] >= 2
    _ok(demo_env.run("sessions", "move", activity, "opening-panel", "--start", "10:05", "--end", "11:00"))
    moved = feedcheck.events(_export(demo_env, "--activity", activity))[uid]
    assert moved["sequence"] == events[uid]["sequence"] + 1


def test_reimporting_a_programme_keeps_each_session_uid(demo_env, tmp_path):
    conference = _conference(demo_env)
    before = feedcheck.events(demo_env.run("export", "ics", "--activity", str(conference["id"])).stdout_bytes)
    exported = demo_env.run("agenda", "export", str(conference["id"])).stdout
    programme = tmp_path / "programme.yaml"
    programme.write_text(exported.replace("Coffee break", "Coffee and networking", 1), encoding="utf-8")
    result = demo_env.run("agenda", "import", str(conference["id"]), str(programme))
    assert result.exit_code == 0, result.output
    after = feedcheck.events(demo_env.run("export", "ics", "--activity", str(conference["id"])).stdout_bytes)
    assert set(after) == set(before)
    changed = [uid for uid in after if after[uid]["summary"] != before[uid]["summary"]]
    assert len(changed) == 1 and after[changed[0]]["sequence"] > before[changed[0]]["sequence"]
    assert demo_env.run("agenda", "export", str(conference["id"])).stdout == programme.read_text(encoding="utf-8")
