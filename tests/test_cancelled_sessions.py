"""Cancelling a session keeps it everywhere, marked; a programme change reaches every calendar holding the activity."""

import datetime as dt
import json
import unicodedata

import feedcheck
import icalendar
import pytest
import vobject
from peerlearn_plugins.demo import data as demo

#: A member registered for the demo conference who holds no role on any of its sessions.
PARTICIPANT = "Bundesministerium für Arbeit und Soziales"


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _conference(env):
    return next(a for a in json.loads(env.run("activities", "list", "--json").stdout) if a["title"] == demo.MLC_TITLE)


def _sessions(env, activity):
    return {s["key"]: s for s in json.loads(_ok(env.run("sessions", "list", str(activity), "--json")).stdout)}


def _export(env, *scope):
    return _ok(env.run("export", "ics", *scope)).stdout_bytes


def _uid(conference, session):
    return f"session-{session['id']}.{conference['uid']}"


def _descriptions(data):
    """uid -> DESCRIPTION, read by icalendar and by vobject, which must agree."""
    found = {str(event["UID"]): str(event.get("DESCRIPTION", ""))
             for event in icalendar.Calendar.from_ical(data).walk("VEVENT")}
    vars(vobject.icalendar)["__tzidMap"].clear()
    other = {event.uid.value: getattr(getattr(event, "description", None), "value", "")
             for event in vobject.readOne(data.decode("utf-8")).vevent_list}
    assert other == found
    return found


@pytest.fixture
def mlc(demo_env):
    return demo_env, _conference(demo_env)


def test_cancel_and_reinstate_from_the_command_line(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    before = env.fingerprint()
    dry = _ok(env.run("sessions", "cancel", activity, "workshop-2", "--dry-run"))
    assert "cancel session" in dry.stdout and env.fingerprint() == before
    done = json.loads(_ok(env.run("sessions", "cancel", activity, "workshop-2", "--json")).stdout)
    assert done["status"] == "cancelled" and done["key"] == "workshop-2"
    listing = _ok(env.run("sessions", "list", activity)).stdout
    assert any("workshop-2" in line and "CANCELLED" in line for line in listing.splitlines())
    roles = json.loads(_ok(env.run("roles", "list", activity, "--session", "workshop-2", "--json")).stdout)
    assert roles  # its people are kept for the record
    for args, expect in (((activity, "workshop-2"), "is already cancelled"),
                         ((activity, "no-such"), "has no session 'no-such'"),
                         (("999", "workshop-2"), "unknown activity")):
        before = env.fingerprint()
        result = env.run("sessions", "cancel", *args)
        assert result.exit_code == 1 and expect in result.stderr and env.fingerprint() == before
    result = env.run("sessions", "reinstate", activity, "workshop-1")
    assert result.exit_code == 1 and "is not cancelled" in result.stderr
    result = env.run("sessions", "edit", activity, "workshop-2", "--title", "Renamed")
    assert result.exit_code == 0  # a cancelled session can still be corrected
    assert "Reinstated session" in _ok(env.run("sessions", "reinstate", activity, "workshop-2")).stdout
    assert _sessions(env, activity)["workshop-2"]["status"] == "scheduled"
    changes = json.loads(env.run("changes", "--since", "2000-01-01", "--json").stdout)
    mine = [(c["action"], c["before"]["status"], c["after"]["status"]) for c in changes
            if c["entity"] == "session" and c["action"] in ("cancel", "reinstate")]
    assert mine == [("cancel", "scheduled", "cancelled"), ("reinstate", "cancelled", "scheduled")]
    # a cancelled activity's programme is frozen
    _ok(env.run("activities", "cancel", activity))
    result = env.run("sessions", "cancel", activity, "workshop-3")
    assert result.exit_code == 1 and "is cancelled; its programme is kept" in result.stderr


def test_a_cancelled_session_stays_in_every_feed_with_status_cancelled_and_a_raised_sequence(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    panel = _sessions(env, activity)["opening-panel"]
    uid = _uid(conference, panel)
    scopes = (("--activity", activity), ("--member", "31"))  # member 31 sits on the panel
    before = {scope: feedcheck.events(_export(env, *scope))[uid] for scope in scopes}
    assert {event["status"] for event in before.values()} == {"CONFIRMED"}
    _ok(env.run("sessions", "cancel", activity, "opening-panel"))
    for scope in scopes:
        event = feedcheck.events(_export(env, *scope))[uid]
        assert event["status"] == "CANCELLED"
        assert event["sequence"] == before[scope]["sequence"] + 1
        assert (event["start"], event["end"]) == (before[scope]["start"], before[scope]["end"])
    _ok(env.run("sessions", "reinstate", activity, "opening-panel"))
    for scope in scopes:
        event = feedcheck.events(_export(env, *scope))[uid]
        assert event["status"] == "CONFIRMED" and event["sequence"] == before[scope]["sequence"] + 2
    # removing (for mistakes) takes it out of the feeds
    _ok(env.run("sessions", "remove", activity, "opening-panel"))
    for scope in scopes:
        assert uid not in feedcheck.events(_export(env, *scope))


def test_a_participants_feed_sees_the_programme_move_and_a_cancellation(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    sessions = _sessions(env, activity)
    uid = conference["uid"]

    def member_feed():
        data = _export(env, "--member", PARTICIPANT)
        return data, feedcheck.events(data), _descriptions(data)

    first, events, descriptions = member_feed()
    assert uid in events and not any(key.startswith("session-") for key in events)  # the activity, not its sessions
    assert "11:45-13:00 Workshop 2: Sustainable housing solutions for migrants (Room B)" in descriptions[uid]
    assert "14:30-15:30 Workshop 4: New skills for migrants with the Europass portal (Room A)" in descriptions[uid]
    sequence = events[uid]["sequence"]
    session_feed = feedcheck.events(_export(env, "--activity", activity))

    _ok(env.run("sessions", "move", activity, "workshop-4", "--start", "14:45", "--end", "15:30"))
    moved, events, descriptions = member_feed()
    assert moved != first
    assert events[uid]["sequence"] == sequence + 1
    assert "14:45-15:30 Workshop 4: New skills for migrants with the Europass portal (Room A)" in descriptions[uid]
    assert "14:30-15:30 Workshop 4" not in descriptions[uid]
    # in the activity's feed only the moved session's event changed
    now = feedcheck.events(_export(env, "--activity", activity))
    changed = {key for key in now if now[key] != session_feed[key]}
    assert changed == {uid, _uid(conference, sessions["workshop-4"])}

    _ok(env.run("sessions", "cancel", activity, "workshop-2"))
    cancelled, events, descriptions = member_feed()
    assert cancelled != moved and events[uid]["sequence"] == sequence + 2
    assert "11:45-13:00 CANCELLED: Workshop 2: Sustainable housing solutions for migrants (Room B)" \
        in descriptions[uid]
    # the same event, the same programme, in the network's feed
    network = _export(env, "--network", "mutual_learning")
    assert feedcheck.events(network)[uid]["sequence"] == sequence + 2
    assert _descriptions(network)[uid] == descriptions[uid]

    # a change the programme lines do not show leaves the participant's feed byte for byte
    role = next(r for r in json.loads(env.run("roles", "list", activity, "--json").stdout) if r["status"] == "tbc")
    _ok(env.run("roles", "confirm", str(role["id"])))
    _ok(env.run("sessions", "edit", activity, "workshop-1", "--description", "Bring your data."))
    assert member_feed()[0] == cancelled

    _ok(env.run("sessions", "reinstate", activity, "workshop-2"))
    _data, events, descriptions = member_feed()
    assert events[uid]["sequence"] == sequence + 3 and "CANCELLED" not in descriptions[uid]


def test_one_command_raises_the_activitys_sequence_once(mlc, tmp_path):
    env, conference = mlc
    activity = str(conference["id"])
    exported = env.run("agenda", "export", activity).stdout
    changed = (exported.replace("start: '14:30'", "start: '14:35'")
               .replace("  kind: workshop\n  start: '11:45'", "  kind: workshop\n  status: cancelled\n  start: '11:45'", 2)
               .replace("  status: cancelled\n", "", 1))  # workshop 2 only
    assert changed.count("status: cancelled") == 1
    path = tmp_path / "programme.yaml"
    path.write_text(changed, encoding="utf-8")
    _ok(env.run("agenda", "import", activity, str(path)))
    after = _conference(env)
    assert after["sequence"] == conference["sequence"] + 1  # many sessions changed, one rise
    assert _sessions(env, activity)["workshop-2"]["status"] == "cancelled"
    assert env.run("agenda", "export", activity).stdout == changed  # the status round-trips
    path.write_text(exported, encoding="utf-8")
    _ok(env.run("agenda", "import", activity, str(path)))  # without it, the session is reinstated
    assert _sessions(env, activity)["workshop-2"]["status"] == "scheduled"
    path.write_text(exported.replace("  kind: workshop\n", "  kind: workshop\n  status: postponed\n", 1),
                    encoding="utf-8")
    before = env.fingerprint()
    result = env.run("agenda", "import", activity, str(path))
    assert result.exit_code == 1 and env.fingerprint() == before
    assert "unknown session status 'postponed' (scheduled, cancelled)" in result.stderr
    assert f"{path}:" in result.stderr


def test_incremental_feed_build_equals_a_fresh_one_after_a_cancellation(mlc, tmp_path):
    env, conference = mlc
    def build(name):
        _ok(env.run("feeds", "build", str(tmp_path / name), "--private-dir", str(tmp_path / f"{name}-private")))

    def files(name):
        return {path.relative_to(folder): path.read_bytes() for folder in (tmp_path / name, tmp_path / f"{name}-private")
                for path in folder.rglob("*.ics")}

    build("live")
    _ok(env.run("sessions", "cancel", str(conference["id"]), "workshop-3"))
    build("live")
    build("fresh")
    live, fresh = files("live"), files("fresh")
    assert live == fresh
    member_files = [data for path, data in live.items() if path.parts[0] == "members"
                    and b"CANCELLED: Workshop 3" in data.replace(b"\r\n ", b"")]
    assert len(member_files) >= 8  # every registered participant's feed, and the speakers'


def test_agenda_show_strikes_a_cancelled_session_through_and_labels_it(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    _ok(env.run("sessions", "cancel", activity, "workshop-2"))
    text = _ok(env.run("agenda", "show", activity, "--width", "100")).stdout
    lines = text.splitlines()
    label = next(index for index, line in enumerate(lines) if "CANCELLED" in line)
    assert "Workshop 1" in lines[label] and "Workshop 3" in lines[label]  # in the middle of the parallel block
    middle = [line.split("|")[2].strip() for line in lines[label + 1:label + 3]]
    assert all(line[1::2] == "\u0336" * (len(line) // 2) for line in middle)  # every character struck
    assert " ".join(line.replace("\u0336", "") for line in middle) == \
        "Workshop 2: Sustainable housing solutions for migrants"
    # the grid stays aligned: every row of the block is as wide as the rules
    width = {len(line) for line in lines if line.startswith("+")}
    assert {sum(1 for c in line if not unicodedata.combining(c)) for line in lines if line.startswith("|")} == width
    assert "Workshop 1: Skills" in text and "Workshop 2: Sustainable" not in text  # only the cancelled one struck
    data = json.loads(_ok(env.run("agenda", "show", activity, "--json")).stdout)
    statuses = {s["key"]: s["status"] for block in data["blocks"] for s in block["sessions"]}
    assert statuses["workshop-2"] == "cancelled" and statuses["workshop-1"] == "scheduled"


def test_checks_leave_cancelled_sessions_out(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    _ok(env.run("roles", "add", activity, "workshop-2", "--role", "speaker", "--name", "Thomas Liebig",
                "--status", "confirmed"))
    result = env.run("roles", "add", activity, "workshop-1", "--role", "speaker", "--name", "Thomas Liebig",
                     "--status", "confirmed")
    assert result.exit_code == 1 and "two sessions at once" in result.stderr
    _ok(env.run("sessions", "cancel", activity, "workshop-2"))
    # its room and its speaker are free now
    _ok(env.run("roles", "add", activity, "workshop-1", "--role", "speaker", "--name", "Thomas Liebig",
                "--status", "confirmed"))
    _ok(env.run("sessions", "add", activity, "--title", "Housing clinic", "--kind", "workshop", "--start", "11:45",
                "--end", "13:00", "--track", "D", "--room", "Room B"))
    findings = json.loads(env.run("agenda", "check", activity, "--json").stdout)
    involved = {sid for finding in findings for sid in finding["session_ids"]}
    assert _sessions(env, activity)["workshop-2"]["id"] not in involved  # nor its missing chair
    # reinstating it now clashes (room and person): refused, nothing changes
    before = env.fingerprint()
    result = env.run("sessions", "reinstate", activity, "workshop-2")
    assert result.exit_code == 1 and "Room B" in result.stderr and env.fingerprint() == before


def test_the_yearly_report_lists_cancelled_sessions(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    year = conference["start"][:4]
    report = _ok(env.run("report", "--network", "mutual_learning", "--year", year)).stdout
    assert "Workshop 2: Sustainable housing" not in report.split("## Cancellations")[1]
    _ok(env.run("sessions", "cancel", activity, "workshop-2"))
    cancellations = _ok(env.run("report", "--network", "mutual_learning", "--year", year)).stdout \
        .split("## Cancellations")[1]
    row = next(line for line in cancellations.splitlines() if "Workshop 2" in line)
    assert conference["start"][:10] in row and "| Workshop |" in row and "Room B, Brussels" in row
    assert f"(session of {demo.MLC_TITLE})" in row
    html = _ok(env.run("report", "--network", "mutual_learning", "--year", year, "--format", "html")).stdout
    assert "Workshop 2: Sustainable housing solutions for migrants (session of" in html


def test_the_event_website_labels_and_strikes_a_cancelled_session(mlc, tmp_path):
    from html.parser import HTMLParser

    import peerlearn_plugins.site

    env, conference = mlc
    _ok(env.run("sessions", "cancel", str(conference["id"]), "workshop-2"))
    env.register(peerlearn_plugins.site, name="site")
    _ok(env.run("site", "build", str(tmp_path / "site")))
    html = (tmp_path / "site" / "activities" / f"{conference['id']}.html").read_text(encoding="utf-8")

    class Article(HTMLParser):
        """The text of the workshop-2 article, and the text inside its <s>."""

        def __init__(self):
            super().__init__()
            self.depth, self.struck, self.inside_s, self.classes = 0, "", False, ""
            self.text = ""

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "article" and attrs.get("id") == "session-workshop-2":
                self.depth, self.classes = 1, attrs["class"]
            elif self.depth:
                self.depth += tag == "article"
                self.inside_s = self.inside_s or tag == "s"

        def handle_endtag(self, tag):
            if self.depth:
                self.inside_s = self.inside_s and tag != "s"
                self.depth -= tag == "article"

        def handle_data(self, data):
            if self.depth:
                self.text += data
                if self.inside_s:
                    self.struck += data

    article = Article()
    article.feed(html)
    assert "cancelled" in article.classes.split()
    assert "Cancelled:" in article.text  # said in words, not only drawn
    assert article.struck == "Workshop 2: Sustainable housing solutions for migrants"
    assert html.count("<s>") == 1


def test_a_session_event_of_a_cancelled_session_after_its_activity_moves(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    _ok(env.run("sessions", "cancel", activity, "workshop-5"))
    day = dt.date.fromisoformat(conference["start"][:10]) + dt.timedelta(days=7)
    _ok(env.run("activities", "reschedule", activity, "--start", f"{day} 09:30"))
    workshop = _sessions(env, activity)["workshop-5"]
    event = feedcheck.events(_export(env, "--activity", activity))[_uid(conference, workshop)]
    assert event["status"] == "CANCELLED" and event["start"].date() == day


def test_the_feeds_programme_text_is_the_one_changes_are_detected_by(mlc, tmp_path):
    """The activity's SEQUENCE rises when agenda.programme_lines_of changes; the feeds must show the same lines."""
    from peerlearn.agenda.changing import programme_lines_of
    from peerlearn.feeds import events as feed_events
    from peerlearn.registry import activities

    env, conference = mlc
    added = json.loads(_ok(env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Two days",
                                   "--start", "2027-03-27 09:00", "--end", "2027-03-28 17:00", "--json")).stdout)
    path = tmp_path / "two.yaml"
    path.write_text("sessions:\n- {id: a, title: Saturday, start: '09:00', end: '12:00', room: Hall}\n"
                    "- {id: b, title: Sunday, day: 2, start: '09:00', end: '10:00', status: cancelled}\n",
                    encoding="utf-8")  # across the change to summer time
    _ok(env.run("agenda", "import", str(added["id"]), str(path)))
    _ok(env.run("sessions", "cancel", str(conference["id"]), "lunch"))
    with env.open() as registry:
        everything = activities.list_activities(registry)
        texts = feed_events.programmes(registry, everything)
        for activity in everything:
            lines = programme_lines_of(registry, activity)
            assert texts.get(activity.id, "").splitlines()[1:] == lines
        two_days = texts[added["id"]].splitlines()
    assert two_days == ["Programme (Europe/Brussels time):", "2027-03-27 09:00-12:00 Saturday (Hall)",
                        "2027-03-28 09:00-10:00 CANCELLED: Sunday"]


def test_roles_on_a_cancelled_session_are_kept_marked_and_warned_about(mlc):
    env, conference = mlc
    activity = str(conference["id"])
    _ok(env.run("sessions", "cancel", activity, "workshop-3"))
    result = _ok(env.run("roles", "add", activity, "workshop-3", "--role", "chair", "--name", "Mia Berg"))
    assert "Warning: session" in result.stderr and "is cancelled" in result.stderr
    listed = json.loads(_ok(env.run("roles", "list", activity, "--session", "workshop-3", "--json")).stdout)
    assert {row["session_status"] for row in listed} == {"cancelled"} and len(listed) == 2
    table = _ok(env.run("roles", "list", activity)).stdout
    assert all("(CANCELLED)" in line for line in table.splitlines() if "Workshop 3" in line)
    assert not any("(CANCELLED)" in line for line in table.splitlines() if "Workshop 1" in line)
