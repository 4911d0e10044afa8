"""Benchmark: schedule.json / schedule.xml of a 2,000-session, 30-room conference; the diff of two versions.

Run by hand: ``python benchmarks/bench_schedules.py [--sessions N] [--rooms N]``.
Builds a five-day conference with bulk inserts (two people per session),
then times, each against a reference doing the plainest version of the same
work on the same data in the same run (so the figures are ratios that do not
depend on the machine):

- export as schedule.json, against ``json.dumps`` of the exported document;
- export as schedule.xml, against ``ElementTree.tostring`` of the exported tree;
- import of each into a fresh activity of another registry (every session
  added, checked for clashes, recorded), against ``json.loads`` /
  ``ElementTree.fromstring`` of the same file;
- re-import of the same file (everything matched by guid, nothing written);
- the diff between two released versions, a tenth of the sessions moved,
  retitled or cancelled between them, against ``json.loads`` of the two
  stored snapshots.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

DAYS = 5


def build(path: Path, sessions: int, rooms: int) -> int:
    """A registry holding one conference with ``sessions`` sessions in ``rooms`` parallel rooms; its id."""
    from peerlearn.registry import networks
    from peerlearn.registry.store import Registry
    from peerlearn.timeutil import localize, to_local_text, to_utc_text

    tz = "Europe/Brussels"
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    begin = localize(dt.datetime(2031, 3, 10, 8, 0), tz)
    end = localize(dt.datetime(2031, 3, 10 + DAYS - 1, 20, 0), tz)
    per_room_day = -(-sessions // (rooms * DAYS))
    length = dt.timedelta(minutes=min(45, (11 * 60) // per_room_day - 5))
    rows, roles = [], []
    with Registry.open(path, actor="bench") as registry:
        with registry.transaction():
            networks.sync_plugins(registry)
            registry.db.conn.execute(
                "INSERT INTO activities (id, uid, network, kind, title, status, start_utc, end_utc, start_local,"
                " end_local, timezone, created_at, updated_at) VALUES (1, 'bench-1@peerlearn', 'mutual_learning',"
                " 'conference', 'Benchmark conference', 'confirmed', ?, ?, ?, ?, ?, ?, ?)",
                [to_utc_text(begin), to_utc_text(end), to_local_text(begin, tz), to_local_text(end, tz), tz, now, now])
            for number in range(sessions):
                room, slot = number % rooms, number // rooms
                day, index = slot // per_room_day, slot % per_room_day
                start = localize(dt.datetime(2031, 3, 10 + day, 8, 30) + index * (length + dt.timedelta(minutes=5)),
                                 tz)
                finish = start + length
                track = f"T{room + 1:02d}"
                rows.append((number + 1, 1, f"s-{number + 1}", f"Session {number + 1}: a topic worth an hour",
                             "workshop" if room else "plenary", f"What session {number + 1} is about.",
                             to_utc_text(start), to_utc_text(finish), to_local_text(start, tz),
                             to_local_text(finish, tz), tz, track, f"Room {room + 1:02d}", now, now))
                roles.append((number + 1, "chair", "confirmed", f"Chair {number + 1}", f"chair {number + 1}",
                              "Agency", 1))
                roles.append((number + 1, "speaker", "tbc", f"Speaker {number + 1}", f"speaker {number + 1}",
                              "Ministry", 2))
            db = registry.db.conn
            db.executemany("INSERT INTO sessions (id, activity_id, key, title, kind, description, start_utc, end_utc,"
                           " start_local, end_local, timezone, track, room, created_at, updated_at)"
                           " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            db.executemany("INSERT INTO roles (session_id, role, status, name, person_key, affiliation, position)"
                           " VALUES (?,?,?,?,?,?,?)", roles)
    return 1


def timed(function, repeat: int = 3) -> tuple[float, object]:
    best, result = None, None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - began
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def report(label: str, seconds: float, reference: float, what: str) -> None:
    print(f"{label:<44} {seconds * 1000:9.1f} ms   {seconds / reference:7.1f} x {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2_000)
    parser.add_argument("--rooms", type=int, default=30)
    options = parser.parse_args()

    from peerlearn.agenda.reading import sessions_of
    from peerlearn.agenda.sessions import write_session
    from peerlearn.registry import activities
    from peerlearn.registry.store import Registry
    from peerlearn.schedules import diff, files, versions

    with tempfile.TemporaryDirectory() as folder:
        source_db = Path(folder) / "source.db"
        began = time.perf_counter()
        activity_id = build(source_db, options.sessions, options.rooms)
        print(f"{options.sessions} sessions in {options.rooms} rooms over {DAYS} days, built in"
              f" {time.perf_counter() - began:.1f} s\n")
        print(f"{'':<44} {'time':>12}   {'ratio':>9}")
        with Registry.open(source_db, actor="bench") as registry:
            json_time, json_text = timed(lambda: files.export_text(registry, activity_id, "schedule-json"))
            xml_time, xml_text = timed(lambda: files.export_text(registry, activity_id, "schedule-xml"))
        document, tree = json.loads(json_text), ET.fromstring(xml_text.encode("utf-8"))
        dumps_time, _ = timed(lambda: json.dumps(document, ensure_ascii=False, separators=(",", ":")))
        tostring_time, _ = timed(lambda: ET.tostring(tree, encoding="unicode"))
        report("export schedule.json", json_time, dumps_time, "json.dumps of the document")
        report("export schedule.xml", xml_time, tostring_time, "ElementTree.tostring of the tree")

        for label, text, reference_time, what in (
                ("json", json_text, timed(lambda: json.loads(json_text))[0], "json.loads of the file"),
                ("xml", xml_text, timed(lambda: ET.fromstring(xml_text.encode("utf-8")))[0],
                 "ElementTree.fromstring of the file")):
            data = text.encode("utf-8")
            target_db = Path(folder) / f"target-{label}.db"
            target = _fresh_activity(target_db, source_db, activity_id)
            with Registry.open(target_db, actor="bench") as registry:
                def import_once():
                    with registry.transaction():
                        return files.import_data(registry, target, data, f"schedule.{label}")

                first, done = timed(import_once, repeat=1)
                assert len(done.added) == options.sessions, done
                again, done = timed(import_once, repeat=1)
                assert done.unchanged == options.sessions and not done.changed, done
            report(f"import schedule.{label} into a fresh activity", first, reference_time, what)
            report(f"re-import schedule.{label} (nothing changed)", again, reference_time, what)

        with Registry.open(source_db, actor="bench") as registry:
            activity = activities.get(registry, activity_id)
            with registry.transaction():
                versions.release(registry, activity_id)
            sessions = sessions_of(registry, activity_id)
            with registry.transaction():
                for session in sessions[::30]:
                    write_session(registry, activity, session, "move", start=session.start + dt.timedelta(
                        minutes=5), end=session.end + dt.timedelta(minutes=5))
                for session in sessions[10::30]:
                    write_session(registry, activity, session, "update", title=session.title + " (new)")
                for session in sessions[20::30]:
                    write_session(registry, activity, session, "cancel", status="cancelled")
                versions.release(registry, activity_id)
            snapshots = [row["snapshot"] for row in registry.query(
                "SELECT snapshot FROM programme_versions WHERE activity_id = ? ORDER BY number", [activity_id])]
            load_time, _ = timed(lambda: [json.loads(text) for text in snapshots])
            diff_time, changes = timed(lambda: diff.compare(versions.load(registry, activity, "v1"),
                                                            versions.load(registry, activity, "v2")))
            report(f"diff v1 → v2 ({len(changes.lines)} changes, loads included)", diff_time, load_time,
                   "json.loads of the two snapshots")


def _fresh_activity(target_db: Path, source_db: Path, activity_id: int) -> int:
    """A new registry at ``target_db`` with one activity at the source activity's times; its id."""
    from peerlearn.models import Activity
    from peerlearn.registry import activities, networks
    from peerlearn.registry.store import Registry

    with Registry.open(source_db, actor="bench") as registry:
        source = activities.get(registry, activity_id)
    with Registry.open(target_db, actor="bench") as registry:
        with registry.transaction():
            networks.sync_plugins(registry)
            return activities.add(registry, Activity(network=source.network, kind=source.kind, title="Copy",
                                                     start=source.start, end=source.end,
                                                     timezone=source.timezone)).id


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    main()
