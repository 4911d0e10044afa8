"""Released versions: ``agenda release``, ``versions``, ``diff``; the website's released programme and release feed."""

import json

import pytest
from peerlearn_plugins.demo import data as demo


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _json(env, *args):
    return json.loads(_ok(env.run(*args, "--json")).stdout)


@pytest.fixture
def mlc(demo_env):
    conference = next(a for a in json.loads(demo_env.run("activities", "list", "--json").stdout)
                      if a["title"] == demo.MLC_TITLE)
    return demo_env, str(conference["id"])


def _change_the_programme(env, activity):
    """Exactly: one session added, one cancelled, one moved, one retitled, one person added, one confirmed."""
    _ok(env.run("sessions", "add", activity, "--title", "Workshop 6: Language learning", "--kind", "workshop",
                "--start", "16:00", "--end", "16:40", "--track", "C", "--room", "Room C"))
    _ok(env.run("sessions", "cancel", activity, "workshop-3"))
    _ok(env.run("sessions", "move", activity, "workshop-5", "--start", "14:45"))
    _ok(env.run("sessions", "edit", activity, "workshop-1", "--title", "Workshop 1: Skills intelligence"))
    _ok(env.run("roles", "add", activity, "workshop-4", "--role", "speaker", "--name", "Mia Berg",
                "--status", "tbc"))
    chair = next(r for r in _json(env, "roles", "list", activity) if r["name"] == "Katarina Ivankovic Knezevic"
                 and r["role"] == "chair")
    _ok(env.run("roles", "edit", str(chair["id"]), "--status", "confirmed"))


def test_release_change_release_diff_shows_exactly_the_changes_made(mlc):
    env, activity = mlc
    first = _json(env, "agenda", "release", activity)
    assert first["name"] == "v1" and first["number"] == 1 and len(first["lines"]) == 14
    _change_the_programme(env, activity)
    pending = _json(env, "agenda", "diff", activity)
    assert pending["source"] == "v1" and pending["target"] == "working programme"
    second = _json(env, "agenda", "release", activity, "--name", "final")
    assert second["name"] == "final" and second["number"] == 2
    found = _json(env, "agenda", "diff", activity, "v1", "final")
    assert found["lines"] == second["lines"] == pending["lines"]
    by_kind = {}
    for change in found["sessions"]:
        by_kind.setdefault(change["what"], []).append(change)
    assert {what: [c["session"]["title"] for c in changes] for what, changes in by_kind.items()} == {
        "added": ["Workshop 6: Language learning"],
        "cancelled": ["Workshop 3: Employment opportunities for migrant women"],
        "moved": ["Workshop 5: Education as a driver of social inclusion of migrant children"],
        "retitled": ["Workshop 1: Skills intelligence"],
    }
    moved = by_kind["moved"][0]
    start = _json(env, "activities", "show", activity)["start"]  # the demo is dated from today
    day, offset = start[:10], start[19:]
    assert moved["before"]["start"] == f"{day}T14:30:00{offset}" and moved["after"]["start"] == \
        f"{day}T14:45:00{offset}"
    assert moved["before"]["room"] == moved["after"]["room"] == "Room B"
    assert by_kind["retitled"][0]["before"] == {"title": "Workshop 1: Skills intelligence against skills shortages"}
    people = [(p["what"], p["role"], p["name"], p["before"], p["after"]) for p in found["people"]]
    assert sorted(people) == [("added", "speaker", "Mia Berg", None, "tbc"),
                              ("status", "chair", "Katarina Ivankovic Knezevic", "tbc", "confirmed")]
    assert f"Moved: Workshop 5: Education as a driver of social inclusion of migrant children: {day} 14:30-15:30," \
           f" Room B → {day} 14:45-15:45, Room B" in found["lines"]
    text = _ok(env.run("agenda", "diff", activity, "1", "2")).stdout.splitlines()
    assert text == found["lines"]
    assert _json(env, "agenda", "diff", activity)["lines"] == []  # nothing since the latest release
    backwards = _json(env, "agenda", "diff", activity, "final", "v1")
    assert sorted(c["what"] for c in backwards["sessions"]) == ["moved", "reinstated", "removed", "retitled"]
    assert sorted((p["what"], p["name"]) for p in backwards["people"]) == [
        ("removed", "Mia Berg"), ("status", "Katarina Ivankovic Knezevic")]


def test_versions_lists_each_release_and_nothing_to_release_is_refused(mlc):
    env, activity = mlc
    assert _json(env, "agenda", "versions", activity) == []
    empty = env.run("agenda", "versions", activity)
    assert empty.exit_code == 0 and "No released version" in empty.stderr
    _ok(env.run("agenda", "release", activity))
    again = env.run("agenda", "release", activity)
    assert again.exit_code == 1
    assert again.stderr == f"Error: nothing changed in activity #{activity}'s programme since v1; nothing to release\n"
    _change_the_programme(env, activity)
    before = env.fingerprint()
    dry = _ok(env.run("agenda", "release", activity, "--dry-run"))
    assert "Would release v2" in dry.stdout and env.fingerprint() == before
    _ok(env.run("agenda", "release", activity))
    rows = _json(env, "agenda", "versions", activity)
    assert [(r["number"], r["name"], r["sessions"]) for r in rows] == [(1, "v1", 14), (2, "v2", 15)]
    assert rows[1]["changes"] == {"added": 1, "cancelled": 1, "moved": 1, "retitled": 1, "people": 2}
    assert rows[0]["actor"] == "tester"
    for name in ("v1", "working", "latest", "3", " "):
        assert env.run("agenda", "release", activity, "--name", name).exit_code == 1


def test_diff_of_versions_that_do_not_exist_says_which_exist(mlc):
    env, activity = mlc
    none_yet = env.run("agenda", "diff", activity, "v1")
    assert none_yet.exit_code == 1
    assert none_yet.stderr == f"Error: activity #{activity} has no released version 'v1' (versions: none yet;" \
                              " see 'agenda release')\n"
    _ok(env.run("agenda", "release", activity))
    missing = env.run("agenda", "diff", activity, "v1", "v7")
    assert missing.stderr == f"Error: activity #{activity} has no released version 'v7' (versions: v1)\n"
    assert env.run("agenda", "diff", "999").exit_code == 1
    everything = _json(env, "agenda", "diff", activity, "working", "v1")
    assert everything["lines"] == []


def test_a_release_is_frozen(mlc):
    env, activity = mlc
    _ok(env.run("agenda", "release", activity))
    with env.open() as registry:
        with pytest.raises(Exception, match="never changes"):
            registry.db.execute("UPDATE programme_versions SET name = 'x'")
    changes = _json(env, "changes", "--activity", activity, "--entity", "programme")
    assert [c["action"] for c in changes][-1] == "release"


def test_a_change_no_one_sees_is_nothing_to_release_and_details_of_people_are_listed(mlc):
    env, activity = mlc
    _ok(env.run("agenda", "release", activity))
    liebig = next(r for r in _json(env, "roles", "list", activity) if r["name"] == "Thomas Liebig")
    _ok(env.run("roles", "edit", str(liebig["id"]), "--note", "A private note", "--speaking-minutes", "15"))
    refused = env.run("agenda", "release", activity)
    assert refused.exit_code == 1 and "nothing to release" in refused.stderr
    _ok(env.run("roles", "edit", str(liebig["id"]), "--affiliation", "OECD, Paris"))
    assert _json(env, "agenda", "diff", activity)["lines"] == [
        "Panellist Thomas Liebig (OECD, Paris): affiliation changed, in Opening panel: international trends in"
        " integration and evidence from the EaSI projects"]
    assert _json(env, "agenda", "release", activity)["name"] == "v2"
