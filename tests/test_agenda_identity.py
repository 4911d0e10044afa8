"""Editing that keeps identity (``roles edit``, re-imports), the change log per activity, and stable columns."""

import json

import peerlearn_plugins.site
import pytest
from peerlearn_plugins.demo import data as demo


def _ok(result):
    assert result.exit_code == 0, result.output
    return result


def _json(env, *args):
    return json.loads(_ok(env.run(*args, "--json")).stdout)


@pytest.fixture
def mlc(demo_env):
    conference = next(a for a in _json(demo_env, "activities", "list") if a["title"] == demo.MLC_TITLE)
    return demo_env, str(conference["id"])


def _role(env, activity, name, role=None):
    return next(r for r in _json(env, "roles", "list", activity) if r["name"] == name and role in (None, r["role"]))


def test_roles_edit_changes_a_role_in_place(mlc):
    env, activity = mlc
    liebig = _role(env, activity, "Thomas Liebig")
    done = _json(env, "roles", "edit", str(liebig["id"]), "--status", "confirmed", "--speaking-minutes", "12",
                 "--prerecorded-minutes", "0", "--affiliation", "OECD Paris", "--note", "Trends")
    assert done["id"] == liebig["id"] and done["status"] == "confirmed"
    after = _role(env, activity, "Thomas Liebig")
    assert (after["id"], after["status"], after["speaking_minutes"], after["prerecorded_minutes"],
            after["affiliation"], after["note"]) == (liebig["id"], "confirmed", 12, 0, "OECD Paris", "Trends")
    log = _json(env, "changes", "--activity", activity, "--entity", "role", "--limit", "1")
    assert log[0]["action"] == "update" and log[0]["entity_id"] == str(liebig["id"])
    assert log[0]["before"]["status"] == "tbc" and log[0]["after"]["status"] == "confirmed"
    assert env.run("roles", "edit", str(liebig["id"])).exit_code == 2  # nothing to change
    assert env.run("roles", "edit", "999", "--status", "tbc").exit_code == 1
    assert env.run("roles", "edit", str(liebig["id"]), "--status", "maybe").exit_code == 2
    before = env.fingerprint()
    _ok(env.run("roles", "edit", str(liebig["id"]), "--status", "tbd", "--dry-run"))
    assert env.fingerprint() == before


def test_a_confirmed_person_edited_into_a_clash_is_refused(mlc):
    env, activity = mlc
    _ok(env.run("roles", "add", activity, "workshop-2", "--role", "speaker", "--name", "Thomas Liebig",
                "--status", "tbc"))
    _ok(env.run("roles", "add", activity, "workshop-1", "--role", "speaker", "--name", "Thomas Liebig",
                "--status", "confirmed"))
    other = next(r for r in _json(env, "roles", "list", activity, "--session", "workshop-2")
                 if r["name"] == "Thomas Liebig")
    result = env.run("roles", "edit", str(other["id"]), "--status", "confirmed")
    assert result.exit_code == 1 and "is in two sessions at once" in result.stderr


def test_reimporting_an_unchanged_programme_changes_nothing(mlc, tmp_path):
    env, activity = mlc
    path = tmp_path / "programme.yaml"
    _ok(env.run("agenda", "export", activity, "-o", str(path)))
    roles = {r["id"] for r in _json(env, "roles", "list", activity)}
    log = len(_json(env, "changes"))
    before = env.fingerprint()
    result = _ok(env.run("agenda", "import", activity, str(path)))
    assert "Nothing changed" in result.stdout
    assert len(_json(env, "changes")) == log and env.fingerprint() == before
    assert {r["id"] for r in _json(env, "roles", "list", activity)} == roles
    # a changed status updates that one role in place, recorded once, every role keeping its number
    path.write_text(path.read_text(encoding="utf-8").replace(
        "  - role: chair\n    status: tbc\n    name: Katarina", "  - role: chair\n    status: confirmed\n    name: Katarina",
        1), encoding="utf-8")
    _ok(env.run("agenda", "import", activity, str(path)))
    new = _json(env, "changes")[log:]
    assert [(c["action"], c["entity"]) for c in new] == [("update", "role"), ("import", "programme")]
    assert {r["id"] for r in _json(env, "roles", "list", activity)} == roles


def test_reimporting_keeps_a_roles_private_email_that_exports_leave_out(mlc, tmp_path):
    env, activity = mlc
    _ok(env.run("roles", "add", activity, "workshop-1", "--role", "speaker", "--name", "Mia Berg",
                "--email", "mia@example.org"))
    path = tmp_path / "programme.yaml"
    _ok(env.run("agenda", "export", activity, "-o", str(path)))
    assert "mia@example.org" not in path.read_text(encoding="utf-8")
    _ok(env.run("agenda", "import", activity, str(path)))
    with env.open() as registry:
        assert registry.one("SELECT email FROM roles WHERE name = 'Mia Berg'")["email"] == "mia@example.org"


def test_changes_filter_by_activity_and_entity(mlc):
    env, activity = mlc
    other = _json(env, "activities", "add", "--network", "pes", "--kind", "event", "--title", "Other",
                  "--start", "2030-05-07 09:00", "--end", "17:00")
    _ok(env.run("sessions", "add", str(other["id"]), "--title", "Elsewhere", "--start", "10:00", "--end", "11:00"))
    added = _json(env, "sessions", "add", activity, "--title", "Late talk", "--start", "16:50", "--end", "17:00")
    _ok(env.run("roles", "add", activity, str(added["id"]), "--role", "speaker", "--name", "Mia Berg"))
    _ok(env.run("sessions", "remove", activity, str(added["id"])))  # its rows are gone; its changes are not
    sessions = _json(env, "changes", "--activity", activity, "--entity", "session")
    assert sessions and all(c["entity"] == "session" for c in sessions)
    assert {c["after"]["activity_id"] if c["after"] else c["before"]["activity_id"] for c in sessions} == \
        {int(activity)}
    assert [c["action"] for c in sessions if c["entity_id"] == str(added["id"])] == ["create", "delete"]
    roles = _json(env, "changes", "--activity", activity, "--entity", "role")
    assert [c["action"] for c in roles if (c["after"] or c["before"])["name"] == "Mia Berg"] == ["create", "delete"]
    everything = _json(env, "changes", "--activity", activity)
    assert {c["entity"] for c in everything} >= {"activity", "session", "role", "participation", "programme"}
    assert not any(c["entity"] == "session" and (c["after"] or {}).get("title") == "Elsewhere" for c in everything)
    assert [c["entity"] for c in _json(env, "changes", "--activity", str(other["id"]))] == ["activity", "session"]
    exported = _ok(env.run("changes", "--activity", str(other["id"]), "--format", "csv")).stdout
    assert exported.count("\n") == 3 and "Elsewhere" in exported
    assert env.run("changes", "--activity", "no-such").exit_code == 1


def _columns(env, activity):
    show = _json(env, "agenda", "show", activity)
    return [block["tracks"] for block in show["blocks"] if block["parallel"]]


def test_tracks_keep_their_columns_whatever_the_sessions_times(mlc, tmp_path):
    env, activity = mlc
    assert _columns(env, activity) == [["A", "B", "C"], ["A", "B"]]
    # B now starts after C, and A after both: by start, the columns would read C, B, A
    _ok(env.run("sessions", "move", activity, "workshop-2", "--start", "11:55", "--end", "13:00"))
    _ok(env.run("sessions", "move", activity, "workshop-1", "--start", "12:00", "--end", "13:00"))
    assert _columns(env, activity) == [["A", "B", "C"], ["A", "B"]]
    grid = _ok(env.run("agenda", "show", activity, "--width", "120")).stdout
    header = next(line for line in grid.splitlines() if "Track A" in line)
    assert header.index("Track A") < header.index("Track B") < header.index("Track C")
    env.register(peerlearn_plugins.site, name="site")
    _ok(env.run("site", "build", str(tmp_path / "site")))
    html = (tmp_path / "site" / "activities" / f"{activity}.html").read_text(encoding="utf-8")
    thead = html[html.index("<thead>"):html.index("</thead>")]
    assert [cell.split("</th>")[0] for cell in thead.split('<th scope="col">')[1:]] == \
        ["Track A", "Track B", "Track C"]
    # an explicit order wins, and it travels with the programme file
    _ok(env.run("agenda", "tracks", activity, "C", "A"))
    assert _columns(env, activity) == [["C", "A", "B"], ["A", "B"]]
    assert _json(env, "agenda", "tracks", activity) == {"activity": int(activity), "explicit": ["C", "A"],
                                                       "tracks": ["C", "A", "B", "plenary"]}
    exported = _ok(env.run("agenda", "export", activity)).stdout
    assert "tracks:\n- C\n- A\n- B\n- plenary\n" in exported
    _ok(env.run("agenda", "tracks", activity, "--by-name"))
    assert _columns(env, activity) == [["A", "B", "C"], ["A", "B"]]
    assert _json(env, "agenda", "tracks", activity)["explicit"] == []
