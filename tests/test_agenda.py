"""Agendas: sessions, roles, programme files, checks and the timetable."""

import json

import pytest
from peerlearn_plugins.demo import data as demo


def mlc_id(env):
    activities = json.loads(env.run("activities", "list", "--json").stdout)
    return str(next(a["id"] for a in activities if a["title"] == demo.MLC_TITLE))


def sessions(env, activity):
    return {s["key"]: s for s in json.loads(env.run("sessions", "list", activity, "--json").stdout)}


def refused(env, *args, expect):
    """Run a command that must fail: exit 1, one line naming ``expect``, registry unchanged."""
    before = env.fingerprint()
    result = env.run(*args)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1].startswith("Error: ") and expect in lines[-1], result.stderr
    assert env.fingerprint() == before
    return lines[-1]


@pytest.fixture
def mlc(demo_env):
    return demo_env, mlc_id(demo_env)


# -- the seed conference ---------------------------------------------------------


def test_seed_conference_imports_from_its_programme_file(mlc):
    env, activity = mlc
    found = sessions(env, activity)
    assert len(found) == 14
    assert [found[f"workshop-{n}"]["track"] for n in range(1, 6)] == ["A", "B", "C", "A", "B"]
    roles = json.loads(env.run("roles", "list", activity, "--session", "opening-panel", "--json").stdout)
    assert [r["role"] for r in roles] == ["chair"] + ["panellist"] * 6
    assert [r["status"] for r in roles] == ["tbc", "tbc", "tbc", "tbd", "tbd", "tbc", "tbc"]
    assert roles[1]["name"] == "Thomas Liebig" and roles[1]["speaking_minutes"] == 10
    confirmed = json.loads(env.run("roles", "list", activity, "--status", "confirmed", "--json").stdout)
    assert {r["name"] for r in confirmed} == {"Nicolas Schmit", "Ylva Johansson"}
    # round trip: exporting gives back the shipped file byte for byte
    exported = env.run("agenda", "export", activity).stdout
    assert exported == demo.programme_text()


def test_export_import_export_is_exact(mlc, tmp_path):
    env, activity = mlc
    first = env.run("agenda", "export", activity).stdout
    path = tmp_path / "p.yaml"
    path.write_text(first, encoding="utf-8")
    assert env.run("agenda", "import", activity, str(path)).exit_code == 0
    assert env.run("agenda", "export", activity).stdout == first


def test_agenda_show_draws_three_then_two_parallel_workshops_side_by_side(mlc):
    env, activity = mlc
    result = env.run("agenda", "show", activity, "--width", "120")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    three = [line for line in lines if "Workshop 1" in line]
    assert len(three) == 1 and "Workshop 2" in three[0] and "Workshop 3" in three[0]
    two = [line for line in lines if "Workshop 4" in line]
    assert len(two) == 1 and "Workshop 5" in two[0] and "Workshop 3" not in two[0]
    assert lines.index(three[0]) < lines.index(two[0])
    assert any(line.count("Track ") == 3 for line in lines)
    data = json.loads(env.run("agenda", "show", activity, "--json").stdout)
    parallel = [block["tracks"] for block in data["blocks"] if block["parallel"]]
    assert parallel == [["A", "B", "C"], ["A", "B"]]


def test_seed_programme_passes_its_checks(mlc):
    env, activity = mlc
    result = env.run("agenda", "check", activity, "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


# -- clashes ---------------------------------------------------------------------


def test_panellist_confirmed_in_two_parallel_workshops_is_refused_naming_both(mlc):
    env, activity = mlc
    assert env.run("roles", "add", activity, "workshop-1", "--role", "speaker", "--name", "Thomas Liebig",
                   "--status", "confirmed").exit_code == 0
    line = refused(env, "roles", "add", activity, "workshop-2", "--role", "speaker", "--name", "thomas  liebig",
                   "--status", "confirmed", expect="Thomas Liebig")
    assert "Workshop 1: Skills intelligence" in line and "Workshop 2: Sustainable housing" in line


def test_double_booking_while_tbc_is_a_warning_and_check_names_both_sessions(mlc):
    env, activity = mlc
    env.run("roles", "add", activity, "workshop-1", "--role", "speaker", "--name", "Olga Stachova")
    result = env.run("roles", "add", activity, "workshop-3", "--role", "panellist", "--name", "Olga Stachova")
    assert result.exit_code == 0 and "Warning:" in result.stderr and "Workshop 3" in result.stderr
    findings = json.loads(env.run("agenda", "check", activity, "--json").stdout)
    clash = [f for f in findings if f["code"] == "person-clash"]
    assert len(clash) == 1 and clash[0]["severity"] == "warning"
    assert clash[0]["people"] == ["Olga Stachova"]
    assert clash[0]["sessions"] == ["Workshop 1: Skills intelligence against skills shortages",
                                    "Workshop 3: Employment opportunities for migrant women"]
    # confirming both turns it into an error that refuses the second confirmation
    roles = json.loads(env.run("roles", "list", activity, "--json").stdout)
    ids = [str(r["id"]) for r in roles if r["name"] == "Olga Stachova" and r["session"].startswith("Workshop")]
    assert env.run("roles", "confirm", ids[0]).exit_code == 0
    refused(env, "roles", "confirm", ids[1], expect="Workshop 1")
    assert env.run("roles", "decline", ids[1]).exit_code == 0
    assert not [f for f in json.loads(env.run("agenda", "check", activity, "--json").stdout)
                if f["code"] == "person-clash"]


def test_clash_across_activities_of_different_networks(mlc):
    env, activity = mlc
    conference = json.loads(env.run("activities", "show", activity, "--json").stdout)
    day = conference["start"][:10]
    result = env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "PES board",
                     "--start", f"{day} 09:00", "--end", "12:30", "--json")
    other = str(json.loads(result.stdout)["id"])
    assert env.run("sessions", "add", other, "--title", "Board meeting", "--start", "09:45", "--end", "10:30",
                   "--kind", "plenary").exit_code == 0
    assert env.run("roles", "add", other, "board-meeting", "--role", "speaker", "--name", "Nicolas Schmit",
                   "--status", "tbc").exit_code == 0
    findings = json.loads(env.run("agenda", "check", activity, "--json").stdout)
    clash = [f for f in findings if f["code"] == "person-clash"]
    assert clash and "PES board" in clash[0]["message"] and "Nicolas Schmit" in clash[0]["message"]
    assert "Opening speech" in clash[0]["message"]
    # the whole registry sees it too, once
    everything = json.loads(env.run("agenda", "check", "--all", "--json").stdout)
    assert len([f for f in everything if f["code"] == "person-clash"]) == 1


def test_room_clash_refused_and_same_track_overlap_warned(mlc):
    env, activity = mlc
    refused(env, "sessions", "add", activity, "--title", "Side event", "--start", "12:00", "--end", "12:30",
            "--track", "D", "--room", "room a", "--kind", "workshop", expect="Room A")
    result = env.run("sessions", "add", activity, "--title", "Side event", "--start", "12:00", "--end", "12:30",
                     "--track", "A", "--room", "Room D", "--kind", "workshop")
    assert result.exit_code == 0
    assert "track 'A' has two sessions at once" in result.stderr
    assert "'Side event'" in result.stderr and "has no chair" in result.stderr


def test_panel_overrun_pending_roles_and_no_chair(mlc):
    env, activity = mlc
    result = env.run("roles", "add", activity, "opening-panel", "--role", "panellist", "--name", "Extra Speaker",
                     "--speaking-minutes", "30")
    assert result.exit_code == 0 and "65 minutes of speaking in a 60-minute slot" in result.stderr
    findings = json.loads(env.run("agenda", "check", activity, "--pending-days", "400", "--json").stdout)
    codes = {f["code"] for f in findings}
    assert {"panel-overrun", "pending"} <= codes
    pending = [f for f in findings if f["code"] == "pending"]
    assert any("Thomas Liebig" in f["people"] for f in pending)
    assert any("still tbd (no one yet)" in f["message"] for f in pending)
    assert "pending" not in {f["code"] for f in json.loads(
        env.run("agenda", "check", activity, "--pending-days", "0", "--json").stdout)}
    # the variable sets N for checks after changes too
    result = env.run("sessions", "edit", activity, "lunch", "--room", "Foyer", env={"PEERLEARN_PENDING_DAYS": "400"})
    assert result.exit_code == 0 and "is still tbd" in result.stderr
    bad = env.run("agenda", "check", activity, env={"PEERLEARN_PENDING_DAYS": "soon"})
    assert bad.exit_code == 1 and "Error: $PEERLEARN_PENDING_DAYS must be a whole number" in bad.stderr



def test_travel_day_between_site_visits_in_different_cities(env):
    ids = []
    for city, start, end in (("Lisbon", "2026-03-04", "2026-03-05"), ("Warsaw", "2026-03-06", "2026-03-06"),
                             ("Berlin", "2026-03-08", "2026-03-08")):
        result = env.run("activities", "add", "--network", "esf_migration", "--kind", "site_visit", "--title",
                         f"Visit {city}", "--start", start, "--end", end, "--city", city, "--json")
        assert result.exit_code == 0, result.output
        ids.append(str(json.loads(result.stdout)["id"]))
    for activity, day in zip(ids, ("2026-03-04", "2026-03-06", "2026-03-08")):
        env.run("sessions", "add", activity, "--title", "Visit", "--start", f"{day} 10:00", "--end", "12:00")
        env.run("roles", "add", activity, "visit", "--role", "rapporteur", "--name", "Ana Costa")
    findings = json.loads(env.run("agenda", "check", "--all", "--json").stdout)
    travel = [f for f in findings if f["code"] == "travel"]
    assert len(travel) == 1
    assert "Visit Lisbon" in travel[0]["message"] and "Visit Warsaw" in travel[0]["message"]
    assert travel[0]["people"] == ["Ana Costa"]


def test_a_name_spelled_like_a_member_number_is_not_that_member(env):
    # travel: "#<id>" speaks at the Lisbon visit, member <id> (Ana Costa) at the Warsaw visit the next day
    member = json.loads(env.run("members", "add", "Ana Costa", "--country", "PT", "--type", "person",
                                "--json").stdout)["id"]
    ids = []
    for city, day in (("Lisbon", "2026-03-04"), ("Warsaw", "2026-03-05")):
        result = env.run("activities", "add", "--network", "esf_migration", "--kind", "site_visit", "--title",
                         f"Visit {city}", "--start", day, "--end", day, "--city", city, "--json")
        assert result.exit_code == 0, result.output
        ids.append(str(json.loads(result.stdout)["id"]))
        assert env.run("sessions", "add", ids[-1], "--title", "Visit", "--start", f"{day} 10:00",
                       "--end", "12:00").exit_code == 0
    assert env.run("roles", "add", ids[0], "visit", "--role", "rapporteur", "--name", f"#{member}").exit_code == 0
    assert env.run("roles", "add", ids[1], "visit", "--role", "rapporteur", "--member", str(member)).exit_code == 0
    findings = json.loads(env.run("agenda", "check", "--all", "--json").stdout)
    assert not [f for f in findings if f["code"] == "travel"], findings
    # the same person does travel: member <id> in Lisbon too
    assert env.run("roles", "add", ids[0], "visit", "--role", "speaker", "--member", str(member)).exit_code == 0
    findings = json.loads(env.run("agenda", "check", "--all", "--json").stdout)
    assert [f["people"] for f in findings if f["code"] == "travel"] == [["Ana Costa"]]


# -- moving, cancelling, the change log ----------------------------------------------


def test_rescheduling_moves_sessions_and_cancelling_keeps_them(mlc):
    env, activity = mlc
    before = sessions(env, activity)
    conference = json.loads(env.run("activities", "show", activity, "--json").stdout)
    new_day = "2031-07-08"
    assert env.run("activities", "reschedule", activity, "--start", new_day).exit_code == 0
    after = sessions(env, activity)
    assert after["workshop-1"]["start"].startswith(f"{new_day}T11:45:00+02:00")
    assert [s["key"] for s in after.values()] == list(before)
    changes = json.loads(env.run("changes", "--since", "2000-01-01", "--json").stdout)
    moved = [c for c in changes if c["entity"] == "session" and c["action"] == "reschedule"]
    assert len(moved) == 14
    assert conference["start"][:10] != new_day
    assert env.run("activities", "cancel", activity).exit_code == 0
    assert sessions(env, activity) == after
    refused(env, "sessions", "add", activity, "--title", "Late", "--start", "10:00", "--end", "10:30",
            expect="cancelled")
    assert "CANCELLED" in env.run("agenda", "show", activity).stdout


def test_shortening_an_activity_below_its_programme_is_refused(mlc):
    env, activity = mlc
    conference = json.loads(env.run("activities", "show", activity, "--json").stdout)
    day = conference["start"][:10]
    refused(env, "activities", "reschedule", activity, "--start", f"{day} 09:30", "--end", "16:00",
            expect="Closing panel")


def test_session_changes_land_in_the_change_log(mlc):
    env, activity = mlc
    assert env.run("sessions", "move", activity, "coffee-2", "--start", "15:35").exit_code == 0
    assert env.run("sessions", "edit", activity, "lunch", "--room", "Foyer").exit_code == 0
    assert env.run("sessions", "remove", activity, "coffee").exit_code == 0
    changes = json.loads(env.run("changes", "--since", "2000-01-01", "--json").stdout)
    actions = [(c["action"], c["entity"]) for c in changes[-3:]]
    assert actions == [("move", "session"), ("update", "session"), ("delete", "session")]
    assert "coffee" not in sessions(env, activity)


# -- bad input ---------------------------------------------------------------------


def test_bad_sessions_and_roles_are_refused(mlc):
    env, activity = mlc
    refused(env, "sessions", "add", activity, "--title", "Backwards", "--start", "12:00", "--end", "11:00",
            expect="ends")
    refused(env, "sessions", "add", activity, "--title", "Evening", "--start", "17:30", "--end", "18:00",
            expect="lies outside activity")
    refused(env, "sessions", "add", activity, "--title", "No time", "--start", "2030-01-01", "--end", "11:00",
            expect="needs a time")
    refused(env, "roles", "add", activity, "no-such-session", "--role", "speaker", "--name", "X",
            expect="has no session 'no-such-session'")
    refused(env, "roles", "add", activity, "workshop-1", "--role", "speaker", "--status", "confirmed",
            expect="needs a person's name")
    refused(env, "roles", "confirm", "9999", expect="unknown role")


PROGRAMME_OK = """\
tracks: [A, B]
sessions:
- id: one
  title: First
  kind: workshop
  start: 10:00
  end: "11:00"
  track: A
  roles:
  - {role: chair, status: confirmed, name: Mia Berg}
"""


@pytest.mark.parametrize("replace, expect", [
    (("  kind: workshop", "  knid: workshop"), "p.yaml:5: unknown key 'knid' in a session"),
    (("  start: 10:00", "  start: 25:00"), "p.yaml:6: start '25:00' is not a time of day"),
    (("  track: A", "  track: Z"), "p.yaml:8: unknown track 'Z'"),
    (("sessions:\n", "sessions:\n- {id: one, title: Again, start: '09:40', end: '09:50'}\n"),
     "p.yaml:4: duplicate session id 'one' (first at line 3)"),
    (("  end: \"11:00\"", "  end: \"09:00\""), "p.yaml:7: session 'one' ends (09:00) before it starts"),
    (("status: confirmed", "status: maybe"), "p.yaml:10: unknown status 'maybe'"),
    (("title: First", "title: [First"), "p.yaml:"),
])
def test_bad_programme_files_name_file_and_line_and_import_nothing(mlc, tmp_path, replace, expect):
    env, activity = mlc
    path = tmp_path / "p.yaml"
    path.write_text(PROGRAMME_OK.replace(*replace), encoding="utf-8")
    line = refused(env, "agenda", "import", activity, str(path), expect=expect)
    assert str(path) in line


def test_good_programme_file_with_unquoted_times_imports(mlc, tmp_path):
    env, activity = mlc
    path = tmp_path / "p.yaml"
    path.write_text(PROGRAMME_OK, encoding="utf-8")
    result = env.run("agenda", "import", activity, str(path))
    assert result.exit_code == 0, result.output
    found = sessions(env, activity)
    assert list(found) == ["one"] and "T10:00:00" in found["one"]["start"]


# -- plugins -------------------------------------------------------------------------


class NoBreaksPlugin:
    """An in-test plugin: the agenda of a conference may not have breaks longer than an hour."""

    from peerlearn import hookimpl

    @hookimpl
    def peerlearn_agenda_checks(self, activity, sessions, roles):
        from peerlearn import Problem

        return [Problem(f"break {s.title!r} is longer than an hour") for s in sessions
                if s.kind == "break" and s.minutes > 60]


class SessionCounter:
    from peerlearn import hookimpl

    seen: list = []

    @hookimpl
    def peerlearn_validate_activity(self, activity, sessions):
        self.seen.append(len(sessions))


def test_peerlearn_agenda_checks_plugin_adds_a_check(mlc):
    env, activity = mlc
    env.register(NoBreaksPlugin(), name="no-breaks")
    result = env.run("agenda", "check", activity)
    assert result.exit_code == 1
    assert "[plugin:no-breaks] break 'Lunch' is longer than an hour" in result.stdout
    refused(env, "sessions", "edit", activity, "coffee", "--title", "Coffee", expect="break 'Lunch'")


class Sweeper:
    """Takes a scope: asked once for the whole registry, with the registry to read."""

    from peerlearn import hookimpl

    def __init__(self):
        self.calls = []

    @hookimpl
    def peerlearn_agenda_checks(self, activity, registry, scope):
        from peerlearn import Problem

        self.calls.append((scope, activity.id if activity else None))
        count = registry.db.execute("SELECT count(*) FROM sessions WHERE kind = 'break'").fetchone()[0]
        return [Problem(f"{count} break(s) in {scope}", severity="warning")]


class OneAtATime:
    """Takes no scope: asked about one activity at a time, even by agenda check --all."""

    from peerlearn import hookimpl

    def __init__(self):
        self.calls = []

    @hookimpl
    def peerlearn_agenda_checks(self, activity, sessions):
        self.calls.append(activity.id)


def test_peerlearn_agenda_checks_with_a_scope_sweeps_the_registry_once(mlc):
    env, activity = mlc
    sweeper, single = Sweeper(), OneAtATime()
    env.register(sweeper, name="sweeper")
    env.register(single, name="single")
    everything = json.loads(env.run("agenda", "check", "--all", "--json").stdout)
    assert sweeper.calls == [("registry", None)]  # one call, for every programme
    assert single.calls == [int(activity)]  # the demo's one programme: asked about it alone
    swept = [finding for finding in everything if finding["code"] == "plugin:sweeper"]
    assert len(swept) == 1 and swept[0]["message"].endswith("break(s) in registry") and swept[0]["activity_ids"] == []
    sweeper.calls.clear()
    one = json.loads(env.run("agenda", "check", activity, "--json").stdout)
    assert sweeper.calls == [("activity", int(activity))]
    assert [f["code"] for f in one if f["code"].startswith("plugin:")] == ["plugin:sweeper"]


def test_peerlearn_agenda_checks_of_the_core_are_a_default_plugin_asked_first(mlc):
    env, activity = mlc
    plugins = {row["name"]: row for row in json.loads(env.run("plugins", "--all", "--json").stdout)}
    assert "peerlearn_agenda_checks" in plugins["peerlearn.default_plugins.agenda_checks"]["hooks"]
    env.register(NoBreaksPlugin(), name="no-breaks")
    codes = [f["code"] for f in json.loads(env.run("agenda", "check", activity, "--pending-days", "400",
                                                    "--json").stdout)]
    assert codes[-1] == "plugin:no-breaks" and "pending" in codes  # the core's findings, then the plugin's
    assert codes.index("pending") < codes.index("plugin:no-breaks")


def test_validate_activity_receives_the_sessions(mlc):
    env, activity = mlc
    counter = SessionCounter()
    counter.seen = []
    env.register(counter, name="counter")
    assert env.run("activities", "edit", activity, "--venue", "Charlemagne").exit_code == 0
    assert env.run("sessions", "remove", activity, "coffee").exit_code == 0
    assert counter.seen == [14, 13]


# -- participation ---------------------------------------------------------------


def test_country_quota_waitlists_and_counts_by_country(env):
    for name, country in (("Ministry A", "DE"), ("Ministry B", "DE"), ("Ministry C", "DE"), ("Ministry D", "FR")):
        assert env.run("members", "add", name, "--country", country, "--category", "ministry",
                       "--network", "mutual_learning").exit_code == 0, name
    added = env.run("activities", "add", "--network", "mutual_learning", "--kind", "thematic_event", "--title",
                    "Thematic event", "--start", "2030-05-07 09:00", "--end", "17:00", "--country-quota", "2",
                    "--json")
    activity = str(json.loads(added.stdout)["id"])
    result = env.run("participants", "register", activity, "Ministry A", "Ministry B", "Ministry C", "Ministry D")
    assert result.exit_code == 0
    assert "admits 2 per country and DE has 2; 'Ministry C' is waitlisted" in result.stderr
    listed = {r["name"]: r["status"] for r in json.loads(env.run("participants", "list", activity, "--json").stdout)}
    assert listed == {"Ministry A": "registered", "Ministry B": "registered", "Ministry C": "waitlisted",
                      "Ministry D": "registered"}
    counts = {r["country"]: r for r in json.loads(env.run("participants", "counts", activity, "--json").stdout)}
    assert counts["DE"]["registered"] == 2 and counts["DE"]["waitlisted"] == 1 and counts["DE"]["total"] == 3
    assert counts["FR"]["registered"] == 1
    # a DE place frees up: Ministry C moves up from the waiting list
    result = env.run("participants", "decline", activity, "Ministry A")
    assert result.exit_code == 0 and "'Ministry C' moves up from the waiting list" in result.stderr
    listed = {r["name"]: r["status"] for r in json.loads(env.run("participants", "list", activity, "--json").stdout)}
    assert listed["Ministry C"] == "registered"


def test_invite_a_whole_network_or_one_category(demo_env):
    env = demo_env
    added = env.run("activities", "add", "--network", "mutual_learning", "--kind", "thematic_event", "--title",
                    "Experts' seminar", "--start", "2030-05-07 09:00", "--end", "17:00", "--json")
    activity = str(json.loads(added.stdout)["id"])
    result = env.run("participants", "invite", activity, "--all-members", "--category", "expert")
    assert result.exit_code == 0, result.output
    names = {r["name"] for r in json.loads(env.run("participants", "list", activity, "--json").stdout)}
    assert names == {"Thomas Liebig (OECD)", "Armelle Ledan (AEIDL)", "Olga Stachova (MOSAIC)",
                     "Anila Noor (New Women Connectors)"}
    assert env.run("participants", "invite", activity, "--network", "mutual_learning").exit_code == 0
    everyone = json.loads(env.run("participants", "list", activity, "--json").stdout)
    assert len(everyone) > 4 and {r["status"] for r in everyone} == {"invited"}
    refused(env, "participants", "invite", activity, "--network", "pes", "--category", "astronaut",
            expect="no members in category 'astronaut'")


def test_a_member_is_the_same_person_under_another_spelling(mlc):
    env, activity = mlc
    # Thomas Liebig sits on the opening panel (10:00-11:00) linked to his member record
    result = env.run("sessions", "add", activity, "--title", "Press briefing", "--start", "10:30", "--end", "10:45",
                     "--track", "press")
    assert result.exit_code == 0
    result = env.run("roles", "add", activity, "press-briefing", "--role", "speaker", "--name", "T. Liebig",
                     "--member", "Thomas Liebig (OECD)")
    assert result.exit_code == 0
    findings = json.loads(env.run("agenda", "check", activity, "--json").stdout)
    clash = [f for f in findings if f["code"] == "person-clash"]
    assert len(clash) == 1
    assert clash[0]["sessions"][0].startswith("Opening panel") and clash[0]["sessions"][1] == "Press briefing"
    assert set(clash[0]["people"]) == {"Thomas Liebig", "T. Liebig"}


def test_a_session_whose_key_is_a_number_is_found_by_its_key(mlc):
    env, activity = mlc
    # a title that is a number gives the session that number as its key
    added = env.run("sessions", "add", activity, "--title", "2030", "--start", "16:30", "--end", "16:45", "--track",
                    "outlook", "--json")
    assert added.exit_code == 0, added.output
    session = json.loads(added.stdout)
    assert session["key"] == "2030" and session["id"] != 2030
    result = env.run("roles", "add", activity, "2030", "--role", "speaker", "--name", "Ann Lee", "--json")
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(env.run("roles", "list", activity, "--session", "2030", "--json").stdout)] \
        == ["Ann Lee"]
    # a session's number still comes first, and "#2030" is a number only
    assert env.run("roles", "add", activity, str(session["id"]), "--role", "chair", "--name", "Bo Lee").exit_code == 0
    refused(env, "roles", "add", activity, "#2030", "--role", "chair", "--name", "Cy Lee",
            expect=f"activity #{activity} has no session '#2030'")


def test_a_speaker_named_like_a_member_number_does_not_clash_with_that_member(mlc):
    env, activity = mlc
    # Thomas Liebig sits on the opening panel (10:00-11:00) linked to his member record, confirmed
    panel = [r for r in json.loads(env.run("roles", "list", activity, "--session", "opening-panel", "--json").stdout)
             if r["name"] == "Thomas Liebig"]
    assert panel and panel[0]["member_id"] and env.run("roles", "confirm", str(panel[0]["id"])).exit_code == 0
    assert env.run("sessions", "add", activity, "--title", "Press briefing", "--start", "10:30", "--end", "10:45",
                   "--track", "press").exit_code == 0
    result = env.run("roles", "add", activity, "press-briefing", "--role", "speaker", "--name",
                     f"#{panel[0]['member_id']}", "--status", "confirmed")
    assert result.exit_code == 0 and "two sessions at once" not in result.stderr, result.output
    findings = json.loads(env.run("agenda", "check", "--all", "--json").stdout)
    assert not [f for f in findings if f["code"] == "person-clash"], findings


def test_confirming_a_tbd_role_needs_a_name_and_emails_stay_private(mlc, tmp_path):
    env, activity = mlc
    roles = json.loads(env.run("roles", "list", activity, "--session", "welcome", "--json").stdout)
    moderator = str(roles[0]["id"])
    refused(env, "roles", "confirm", moderator, expect="needs a person's name")
    assert env.run("roles", "confirm", moderator, "--name", "Mia Berg").exit_code == 0
    added = env.run("roles", "add", activity, "lunch", "--role", "speaker", "--name", "Eva Secret",
                    "--email", "eva@example.org", "--json")
    assert json.loads(added.stdout)["email"] == "(private)"
    assert "eva@example.org" not in env.run("agenda", "export", activity).stdout
    assert "eva@example.org" in env.run("agenda", "export", activity, "--include-private").stdout
    changes = env.run("changes", "--since", "2000-01-01", "--json").stdout
    assert "eva@example.org" not in changes and "Mia Berg" in changes


def test_import_dry_run_writes_nothing(mlc, tmp_path):
    env, activity = mlc
    path = tmp_path / "p.yaml"
    path.write_text(PROGRAMME_OK, encoding="utf-8")
    before = env.fingerprint()
    result = env.run("agenda", "import", activity, str(path), "--dry-run")
    assert result.exit_code == 0 and "Dry run" in result.stdout and "delete session" in result.stdout
    assert env.fingerprint() == before


def test_deleting_an_activity_records_its_sessions_and_roles_leaving(mlc):
    env, activity = mlc
    assert env.run("activities", "delete", activity).exit_code == 0
    changes = json.loads(env.run("changes", "--since", "2000-01-01", "--json").stdout)
    deleted = {(c["entity"], c["action"]) for c in changes if c["action"] == "delete"}
    assert {("session", "delete"), ("role", "delete"), ("activity", "delete")} <= deleted
    assert len([c for c in changes if c["entity"] == "session" and c["action"] == "delete"]) == 14
    with env.open() as registry:
        assert registry.counts()["sessions"] == 0 and registry.counts()["roles"] == 0


def test_agenda_commands_document_themselves():
    from peerlearn.cli import agenda, roles, sessions

    for group in (sessions.sessions, roles.roles, agenda.agenda):
        assert group.help
        for command in group.commands.values():
            assert command.help, command.name
            for param in command.params:
                if param.param_type_name == "option":
                    assert param.help, f"{command.name} {param.name}"


def test_multi_day_programme_keeps_wall_clock_times_across_dst(env, tmp_path):
    added = env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Two days",
                    "--start", "2027-03-20", "--end", "2027-03-21", "--json")
    activity = str(json.loads(added.stdout)["id"])
    path = tmp_path / "two.yaml"
    path.write_text("sessions:\n- {id: a, title: Morning, start: '09:00', end: '12:00'}\n"
                    "- {id: b, title: Second day, day: 2, start: '09:00', end: '10:00'}\n"
                    "- {id: c, title: Third day, day: 3, start: '09:00', end: '10:00'}\n", encoding="utf-8")
    refused(env, "agenda", "import", activity, str(path), expect="two.yaml:4: day 3 is not a day of activity")
    path.write_text("\n".join(path.read_text().splitlines()[:3]) + "\n", encoding="utf-8")
    assert env.run("agenda", "import", activity, str(path)).exit_code == 0
    assert "day: 2" in env.run("agenda", "export", activity).stdout
    show = env.run("agenda", "show", activity, "--width", "60").stdout
    assert "Saturday 20 March 2027 to Sunday 21 March 2027" in show and "Sunday 21 March 2027\n" in show
    assert env.run("activities", "reschedule", activity, "--start", "2027-04-03").exit_code == 0
    found = sessions(env, activity)
    assert found["a"]["start"] == "2027-04-03T09:00:00+02:00"
    assert found["b"]["start"] == "2027-04-04T09:00:00+02:00"
