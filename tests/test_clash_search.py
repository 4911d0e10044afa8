"""The clash search against a naive search of every pair, on random programmes.

The whole-registry check finds exactly the person clashes, room clashes,
track overlaps and panel overruns that comparing every pair of roles (or
sessions), and adding up each panel's speaking minutes, finds, on
programmes with many people, shared rooms, cancelled and declined entries;
and it hands findings out one at a time (an iterator), so that a caller can
print them as they come.
"""

import collections
import datetime as dt
import itertools
import random

import pytest

from peerlearn.agenda import checks, clashes
from peerlearn.registry.store import Registry

NOW = "2026-01-01T00:00:00+00:00"


def build(registry: Registry, seed: int) -> None:
    rng = random.Random(seed)
    conn = registry.conn
    conn.execute("BEGIN")
    conn.execute("INSERT INTO networks (slug, name, timezone) VALUES ('n', 'N', 'UTC')")
    conn.executemany("INSERT INTO members (id, name, name_key, country, feed_token, created_at)"
                     " VALUES (?, ?, ?, 'BE', ?, ?)", [(i, f"M{i}", f"m{i}", f"t{i}", NOW) for i in range(1, 6)])
    base = dt.datetime(2027, 3, 1, 8, 0)
    session_id = role_id = 0
    for activity_id in range(1, 16):
        day = base + dt.timedelta(days=rng.randrange(4))
        status = "cancelled" if rng.random() < 0.1 else "confirmed"
        text = lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S")  # noqa: E731
        conn.execute("INSERT INTO activities (id, uid, network, kind, title, status, start_utc, end_utc, start_local,"
                     " end_local, timezone, created_at, updated_at) VALUES (?, ?, 'n', 'conference', ?, ?, ?, ?, ?, ?,"
                     " 'UTC', ?, ?)", [activity_id, f"a{activity_id}", f"Activity {activity_id}", status,
                                       text(day) + "Z", text(day + dt.timedelta(hours=12)) + "Z", text(day),
                                       text(day + dt.timedelta(hours=12)), NOW, NOW])
        for index in range(rng.randrange(1, 12)):
            session_id += 1
            start = day + dt.timedelta(minutes=15 * rng.randrange(40))
            end = start + dt.timedelta(minutes=15 * rng.randrange(1, 9))
            conn.execute(
                "INSERT INTO sessions (id, activity_id, key, title, kind, start_utc, end_utc, start_local, end_local,"
                " timezone, track, room, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'UTC', ?, ?, ?, ?, ?)",
                [session_id, activity_id, f"s{index}", f"Session {session_id}", rng.choice(["talk", "panel"]),
                 text(start) + "Z", text(end) + "Z",
                 text(start), text(end), rng.choice(["", "A", "B"]), rng.choice(["", "Room 1", "room 1", "Room 2"]),
                 "cancelled" if rng.random() < 0.1 else "confirmed", NOW, NOW])
            for position in range(rng.randrange(0, 4)):
                role_id += 1
                # "#1": a name spelled like a member's number is still no member
                name = rng.choice(["Ana", "Bo", "Cy", "Di", "Ed", "Flo", "", "#1", "#2"])
                conn.execute(
                    "INSERT INTO roles (id, session_id, role, status, name, person_key, member_id, position,"
                    " speaking_minutes) VALUES (?, ?, 'speaker', ?, ?, ?, ?, ?, ?)",
                    [role_id, session_id, rng.choice(["confirmed", "tbc", "declined"]), name, name.lower(),
                     rng.choice([None, None, 1, 2, 3]), position, rng.choice([None, 15, 30, 60])])
    conn.execute("COMMIT")


def naive(registry: Registry) -> collections.Counter:
    """Every clash found by comparing every pair: (code, sessions) for each finding."""
    sessions = {row["id"]: row for row in registry.query(
        "SELECT s.* FROM sessions s JOIN activities a ON a.id = s.activity_id"
        " WHERE s.status != 'cancelled' AND a.status != 'cancelled'")}
    roles = [row for row in registry.query("SELECT * FROM roles WHERE status != 'declined'")
             if row["session_id"] in sessions]

    def overlap(one, two):
        return one["start_utc"] < two["end_utc"] and two["start_utc"] < one["end_utc"]

    found = collections.Counter()
    for first, second in itertools.combinations(roles, 2):
        one, two = sessions[first["session_id"]], sessions[second["session_id"]]
        same = (first["person_key"] and first["person_key"] == second["person_key"]) or \
            (first["member_id"] is not None and first["member_id"] == second["member_id"])
        if same and one["id"] != two["id"] and overlap(one, two):
            found["person-clash", frozenset((one["id"], two["id"]))] += 1
    for one, two in itertools.combinations(sessions.values(), 2):
        if one["activity_id"] != two["activity_id"] or not overlap(one, two):
            continue
        if one["room"] and one["room"].lower() == two["room"].lower():
            found["room-clash", frozenset((one["id"], two["id"]))] += 1
        elif one["track"] == two["track"]:
            found["track-overlap", frozenset((one["id"], two["id"]))] += 1
    for session in sessions.values():
        minutes = [role["speaking_minutes"] for role in roles
                   if role["session_id"] == session["id"] and role["speaking_minutes"] is not None]
        slot = (dt.datetime.fromisoformat(session["end_utc"]) - dt.datetime.fromisoformat(session["start_utc"]))
        if session["kind"] == "panel" and minutes and sum(minutes) > slot.total_seconds() / 60:
            found["panel-overrun", frozenset((session["id"],))] += 1
    return found


@pytest.mark.parametrize("seed", range(6))
def test_the_whole_registry_check_finds_what_comparing_every_pair_finds(tmp_path, seed):
    with Registry.open(tmp_path / "r.db", actor="tester") as registry:
        build(registry, seed)
        codes = ("person-clash", "room-clash", "track-overlap", "panel-overrun")
        found = collections.Counter((finding.code, frozenset(finding.session_ids))
                                    for finding in clashes.core_checks(registry) if finding.code in codes)
        expected = naive(registry)
        assert sum(expected.values()) > 10  # the programmes do clash
        assert {code for code, _sessions in expected} == set(codes)
        assert found == expected


@pytest.mark.parametrize("seed", range(3))
def test_one_activity_is_checked_as_in_the_whole_registry(tmp_path, seed):
    from peerlearn.registry import activities

    with Registry.open(tmp_path / "r.db", actor="tester") as registry:
        build(registry, seed)
        everything = list(clashes.core_checks(registry))
        for activity_id in range(1, 16):
            activity = activities.get(registry, str(activity_id))
            codes = ("room-clash", "track-overlap", "person-clash", "panel-overrun")
            mine = {(f.code, f.session_ids) for f in clashes.core_checks(registry, activity) if f.code in codes}
            theirs = {(f.code, f.session_ids) for f in everything if activity_id in f.activity_ids
                      and f.code in codes}
            assert mine == theirs


def test_findings_are_handed_out_one_at_a_time(tmp_path):
    with Registry.open(tmp_path / "r.db", actor="tester") as registry:
        build(registry, 1)
        findings = checks.check_registry(registry)
        assert iter(findings) is findings  # an iterator, not a list built whole
        first = next(findings)
        assert first.code and first.message
        assert len([first, *findings]) == len(list(clashes.core_checks(registry)))


class FailingSweep:
    """A plugin whose whole-registry check fails after its first problem."""

    @staticmethod
    def peerlearn_agenda_checks(registry, scope):
        def problems():
            yield "first problem"
            raise ZeroDivisionError("mid-sweep")

        return problems() if scope == "registry" else None


def test_a_plugin_failing_while_its_problems_stream_is_named(env, tmp_path):
    from peerlearn import hookimpl
    from peerlearn.errors import PluginError

    plugin = FailingSweep()
    plugin.peerlearn_agenda_checks = hookimpl(FailingSweep.peerlearn_agenda_checks)
    env.register(plugin, name="failing-sweep")
    with Registry.open(tmp_path / "r.db", actor="tester") as registry:
        build(registry, 2)
        found = []
        with pytest.raises(PluginError, match="failing-sweep.*ZeroDivisionError: mid-sweep"):
            for finding in checks.check_registry(registry):
                found.append(finding)
        assert any(f.code == "plugin:failing-sweep" and f.message == "first problem" for f in found)
