"""Calendar feed benchmark: ``feeds build`` at a given registry size, each figure against a reference run beside it.

    python benchmarks/bench_feeds.py [--sizes 1000,10000]      # or through benchmarks/run.py

On a registry of N activities from ``registry_factory`` (5 sessions each,
N/5 members, 10 participations each) it measures, each in fresh processes
through the real CLI:

1. the cold build (nothing cached, empty folders) against a plain icalendar
   script building and serializing each distinct event once, plus the warm
   build (target <= 1.3);
2. the warm build (blocks cached) into empty folders against a plain script
   writing the same files from the same blocks (target <= 3): a Python process
   that reads each feed's parts (its header, the keys of its VTIMEZONEs, its
   events' UIDs: taken from the build's own files) from an SQLite table, and
   the blocks and VTIMEZONEs from the registry's cache, and writes each feed
   where the build put it (its files must equal the build's, byte for byte);
   the row's note gives the ratio against a script writing the finished
   files' bytes; each the median of three runs in turn up to 10,000
   activities, each run after the disk has written back what the one before
   left (creating thousands of files right after another program did costs
   several times as much, whichever program it is);
3. the rebuild with nothing changed against the start-up of a command that
   opens the registry, ``peerlearn networks list`` (target <= 1.5);
4. the rebuild after one activity is rescheduled, and after one is retitled
   (its title is in the index and in its feed's name), against the same
   start-up (target <= 1.5).

The rebuilds and their start-ups are compared in CPU time (user and system,
medians of seven runs in turn): on a shared machine CPU time moves far less
with the load than wall time, which each row's note gives as a ratio too.

Each row carries the peak memory of the peerlearn process. Nothing is
asserted: ``benchmarks/run.py`` prints the table with every benchmark's rows.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from registry_factory import ZONE  # noqa: E402
from run import child, measured, peerlearn, table  # noqa: E402

BASE_URL = "https://feeds.example.org"
START_UP = "start-up (peerlearn networks list)"
#: The measures of whole builds (skipped, but for the cold build the rebuilds start from, when --only names
#: another measure).
WHOLE = ("feeds build, cold (nothing cached)", "feeds build, warm, empty folders")


def plain_programmes(registry) -> dict[str, str]:
    """Each activity's programme as its event describes it, by UID, read into memory (not timed)."""
    found: dict[str, list[str]] = {}
    zones = {}
    for uid, zone, start, end, title, room in registry.db.execute(
            "SELECT a.uid, a.timezone, s.start_local, s.end_local, s.title, s.room FROM sessions s"
            " JOIN activities a ON a.id = s.activity_id ORDER BY s.activity_id, s.start_utc, s.track, s.id"):
        zones[uid] = zone
        found.setdefault(uid, []).append(f"{start[11:16]}-{end[11:16]} {title}" + (f" ({room})" if room else ""))
    return {uid: f"Programme ({zones[uid]} time):\n" + "\n".join(lines) for uid, lines in found.items()}


def plain_events(activities, network_objects, programmes):
    """The same VEVENTs as the feeds, written as a plain icalendar script from in-memory objects."""
    import icalendar
    from peerlearn_networks import esf_migration, integration_network, mutual_learning, pes

    stamp = None
    blocks = []
    for activity, updated_at in activities:
        network = network_objects[activity.network]
        if stamp is None:
            stamp = dt.datetime.fromisoformat(updated_at).astimezone(dt.timezone.utc).replace(microsecond=0)
        event = icalendar.Event()
        event.add("uid", activity.uid)
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("created", stamp)
        event.add("sequence", activity.sequence)
        event.add("summary", activity.title)
        if activity.all_day:
            event.add("dtstart", activity.local_start.date())
            event.add("dtend", activity.local_end.date())
        else:
            event.add("dtstart", activity.local_start)
            event.add("dtend", activity.local_end)
        event.add("status", "CANCELLED" if activity.status == "cancelled" else "CONFIRMED")
        event.add("description", "\n\n".join(part for part in (activity.description, programmes.get(activity.uid))
                                              if part))
        event.add("location", ", ".join((activity.venue, activity.city, activity.country)))
        categories = [activity.kind.replace("_", " "), network.acronym, *activity.themes]  # one list, as feeds write
        event.add("class", "PUBLIC")
        event.add("transp", "OPAQUE")
        if network.slug == "esf_migration":
            period = esf_migration.programming_period(activity.local_start.date())
            event.add("x-esf-programming-period", period)
            categories.append(esf_migration.period_label(period))
        elif network.slug == "integration_network":
            event.add("color", integration_network.COLOUR)
            categories.append("targeted mutual-learning activity")
            event.add("x-ein-host-country", activity.country)
        elif network.slug == "pes":
            event.add("color", pes.COLOUR)
            event.add("url", network.url)
            event.add("x-pes-follow-up", "paper with key considerations")
        else:
            event.add("color", mutual_learning.COLOUR)
            event.add("x-mlp-activity-type", mutual_learning.LABELS[activity.kind])
        event.add("categories", categories)
        blocks.append(event.to_ical())
    return blocks


def plain_sessions(registry, network_objects) -> list[tuple]:
    """Every session in the window as (activity, session row), read into memory (not timed)."""
    from peerlearn.registry.records import activity_from_row

    window = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=183)).strftime("%Y-%m-%dT%H:%M:%SZ")
    activities = {row["id"]: activity_from_row(row) for row in registry.query(
        "SELECT * FROM activities WHERE end_utc > ?", [window])}
    return [(activities[row["activity_id"]], row) for row in registry.query(
        "SELECT * FROM sessions WHERE end_utc > ? ORDER BY id", [window]) if row["activity_id"] in activities]


def plain_session_events(sessions, network_objects) -> list[bytes]:
    """The sessions' VEVENTs, as a plain icalendar script writes them (each once)."""
    import icalendar

    blocks = []
    for activity, row in sessions:
        network = network_objects[activity.network]
        stamp = dt.datetime.fromisoformat(row["updated_at"]).astimezone(dt.timezone.utc).replace(microsecond=0)
        zone = activity.local_start.tzinfo
        event = icalendar.Event()
        event.add("uid", f"session-{row['id']}.{activity.uid}")
        event.add("dtstamp", stamp)
        event.add("last-modified", stamp)
        event.add("sequence", 0)
        event.add("summary", f"{row['title']} ({activity.title})")
        event.add("dtstart", dt.datetime.fromisoformat(row["start_utc"].replace("Z", "+00:00")).astimezone(zone))
        event.add("dtend", dt.datetime.fromisoformat(row["end_utc"].replace("Z", "+00:00")).astimezone(zone))
        event.add("status", "CANCELLED" if activity.status == "cancelled" else "CONFIRMED")
        event.add("location", ", ".join((row["room"], activity.venue, activity.city, activity.country)))
        event.add("related-to", activity.uid, parameters={"RELTYPE": "PARENT"})
        event.add("categories", [row["kind"], network.acronym, row["track"]])
        event.add("class", "PUBLIC")
        blocks.append(event.to_ical())
    return blocks


#: How both plain scripts below write a file: ``put(path, body)`` under ``root`` (the last argument), each
#: folder made once.
_PUT = """
import os, sqlite3, sys
root = sys.argv[-1]
made = set()
def put(path, body):
    target = os.path.join(root, path)
    folder = os.path.dirname(target)
    if folder not in made:
        os.makedirs(folder, exist_ok=True)
        made.add(folder)
    with open(target, "wb") as out:
        out.write(body)
"""

#: The plain script of the warm build's reference (the issue's): write every file of the build from the same
#: cached blocks and VTIMEZONEs the build reads, by a list of each feed's parts (its header, its zones' keys
#: in ``feed_settings``, its events' UIDs in ``ical_blocks``) and, for the files that are no feed, their bytes.
PLAIN_ASSEMBLER = _PUT + """
parts, registry = sys.argv[1:3]
db = sqlite3.connect(parts)
db.execute("ATTACH DATABASE ? AS registry", [registry])
zones = dict(db.execute("SELECT name, value FROM registry.feed_settings WHERE name LIKE 'vtimezone/%'"))
blocks = db.execute("SELECT f.path, b.block FROM feed_blocks f JOIN registry.ical_blocks b ON b.uid = f.uid"
                    " ORDER BY f.path, f.position")
pending = next(blocks, None)
for path, head, names in db.execute("SELECT path, head, zones FROM feeds ORDER BY path"):
    texts = [head]
    texts += [zones[name] for name in names.split() if name]
    while pending is not None and pending[0] == path:
        texts.append(pending[1])
        pending = next(blocks, None)
    texts.append("END:VCALENDAR\\r\\n")
    put(path, "".join(texts).encode())
for path, body in db.execute("SELECT path, body FROM files ORDER BY path"):
    put(path, body)
"""

#: The plain script the warm build is also compared with, in the row's note: it writes every file's finished
#: bytes, read from an SQLite table (no assembling at all).
PLAIN_WRITER = _PUT + """
for path, body in sqlite3.connect(sys.argv[1]).execute("SELECT path, body FROM files ORDER BY path"):
    put(path, body)
"""


def _plain_source(data: dict[Path, bytes], path: Path) -> Path:
    """The files' bytes in an SQLite table, for :data:`PLAIN_WRITER`."""
    import sqlite3

    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE files (path TEXT PRIMARY KEY, body BLOB)")
        connection.executemany("INSERT INTO files VALUES (?, ?)", ((str(name), body) for name, body in data.items()))
    connection.close()
    return path


def _plain_parts(data: dict[Path, bytes], registry: Path, path: Path) -> Path:
    """Each feed of ``data`` as its parts, for :data:`PLAIN_ASSEMBLER`: its header (the text before its first
    component), the keys of its VTIMEZONEs as the registry keeps them, the UIDs of its events; the other
    files' bytes. Fails where a part is not kept as the feed holds it."""
    import re
    import sqlite3

    with sqlite3.connect(registry) as connection:
        zone_keys = {value: name for name, value in connection.execute(
            "SELECT name, value FROM feed_settings WHERE name LIKE 'vtimezone/%'")}
    connection.close()
    component = re.compile(r"BEGIN:(VTIMEZONE|VEVENT)\r\n.*?END:\1\r\n", re.S)
    uid_line = re.compile(r"^UID:(.*)$", re.M)
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE files (path TEXT PRIMARY KEY, body BLOB)")
        connection.execute("CREATE TABLE feeds (path TEXT PRIMARY KEY, head TEXT, zones TEXT)")
        connection.execute("CREATE TABLE feed_blocks (path TEXT, position INTEGER, uid TEXT,"
                           " PRIMARY KEY (path, position)) WITHOUT ROWID")
        for name, body in data.items():
            if name.suffix != ".ics":
                connection.execute("INSERT INTO files VALUES (?, ?)", (str(name), body))
                continue
            text = body.decode()
            found = list(component.finditer(text))
            head = text[:found[0].start()] if found else text[:-len("END:VCALENDAR\r\n")]
            zones, uids = [], []
            for match in found:
                if match.group(1) == "VTIMEZONE":
                    zones.append(zone_keys[match.group(0)])
                else:
                    uids.append(uid_line.search(match.group(0).replace("\r\n ", "")).group(1).strip())
            connection.execute("INSERT INTO feeds VALUES (?, ?, ?)", (str(name), head, " ".join(zones)))
            connection.executemany("INSERT INTO feed_blocks VALUES (?, ?, ?)",
                                   [(str(name), position, uid) for position, uid in enumerate(uids)])
    connection.close()
    return path


def _files(*roots: Path) -> dict[Path, bytes]:
    return {path.relative_to(root.parent): path.read_bytes() for root in roots for path in root.rglob("*")
            if path.is_file()}


def _timed(function) -> float:
    gc.collect()
    began = time.perf_counter()
    function()
    return time.perf_counter() - began


def interleaved(command: list[str], reference: list[str], runs: int = 7, before=None) -> tuple[float, float, float, str]:
    """Median CPU times of ``command`` and ``reference`` run in turn (so that both meet the same load), the
    command's highest peak memory, and a note giving the ratio of their median wall times; ``before(n)`` runs
    untimed before the n-th run of the command."""
    walls, cpus, reference_walls, reference_cpus, peaks = [], [], [], [], []
    for number in range(runs):
        elapsed, cpu, _peak = measured(reference)
        reference_walls.append(elapsed)
        reference_cpus.append(cpu)
        if before is not None:
            before(number)
        elapsed, cpu, peak = measured(command)
        walls.append(elapsed)
        cpus.append(cpu)
        peaks.append(peak)
    median = statistics.median
    note = (f"CPU seconds (user and system), medians of {runs}; wall {median(walls):.3f} s against"
            f" {median(reference_walls):.3f} s, ratio {median(walls) / median(reference_walls):.2f}")
    return median(cpus), median(reference_cpus), max(peaks), note


def _whole_builds(folder: Path, build, db: Path, common: dict, cold: float, cold_peak: float):
    """The rows of the whole builds: cold (just run) and warm, each against its plain script."""
    from peerlearn.registry import networks
    from peerlearn.registry.records import activity_from_row
    from peerlearn.registry.store import Registry

    # the warm build and the plain scripts writing its files, in turn, each into folders of its own (medians of
    # three up to 10,000 activities: a single write of thousands of small files varies by a factor of two or more)
    warms, peaks, assembled, plain_writes = [], [], [], []
    for number in range(3 if common["size"] <= 10_000 else 1):
        os.sync()  # (untimed) each writer starts with nothing of the other's left to write back to the disk
        elapsed, peak = child(build(f"warm{number}", f"warm{number}-private"))
        warms.append(elapsed)
        peaks.append(peak)
        data = _files(folder / f"warm{number}", folder / f"warm{number}-private")
        parts = _plain_parts(data, db, folder / f"parts{number}.db")
        os.sync()
        assembled.append(child([sys.executable, "-c", PLAIN_ASSEMBLER, parts, db, folder / f"assembled{number}"])[0])
        if number == 0 and _files(folder / "assembled0" / f"warm{number}",
                                  folder / "assembled0" / f"warm{number}-private") != data:
            raise RuntimeError("the plain script's files differ from the build's")
        source = _plain_source(data, folder / f"plain{number}.db")
        os.sync()
        plain_writes.append(child([sys.executable, "-c", PLAIN_WRITER, source, folder / f"copy{number}"])[0])
    warm, warm_peak = statistics.median(warms), max(peaks)
    plain_assembly, plain_write = statistics.median(assembled), statistics.median(plain_writes)
    registry = Registry.open(db)
    network_objects = {slug: known.network for slug, known in networks.known(registry).items()}
    window = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=183)).strftime("%Y-%m-%dT%H:%M:%SZ")
    objects = [(activity_from_row(row), row["updated_at"]) for row in registry.query(
        "SELECT * FROM activities WHERE end_utc > ? ORDER BY start_utc, id", [window])]
    programmes = plain_programmes(registry)
    sessions = plain_sessions(registry, network_objects)
    registry.close()
    plain_ical = _timed(lambda: (plain_events(objects, network_objects, programmes),
                                 plain_session_events(sessions, network_objects)))
    del objects, sessions, programmes, data
    yield {**common, "measure": "feeds build, cold (nothing cached)", "peerlearn": cold,
           "reference": plain_ical + warm, "reference_name": "icalendar, each event once + warm build",
           "target": 1.3, "peak_mb": cold_peak}
    yield {**common, "measure": "feeds build, warm, empty folders", "peerlearn": warm,
           "reference": plain_assembly,
           "reference_name": "a script writing the same files from the same blocks", "target": 3.0,
           "peak_mb": warm_peak,
           "note": (f"wall, medians; against a script writing the finished files' bytes from SQLite"
                    f" ({plain_write:.3f} s): {warm / plain_write:.2f}")}


def measures(sizes: list[int], workdir: Path):
    """Yield the feed rows of ``benchmarks/run.py``'s table for each size."""
    import registry_factory

    from peerlearn.agenda import schedule
    from peerlearn.registry.store import Registry
    from peerlearn.timeutil import localize

    for size in sizes:
        folder = workdir / f"feeds-{size}"
        folder.mkdir(parents=True, exist_ok=True)
        db = folder / "registry.db"
        if db.exists():
            db.unlink()
        # the shape: 5 sessions per activity up to 10,000 activities; at 100,000, one each
        registry_factory.make(db, size, sessions_per=5 if size <= 10_000 else 1).close()
        common = {"size": size}
        only = os.environ.get("PEERLEARN_BENCH_ONLY", "")
        whole = not only or only in "feeds" or any(only in name for name in WHOLE)

        def build(public: str, private: str) -> list[str]:
            return peerlearn("--db", db, "feeds", "build", folder / public, "--private-dir", folder / private,
                             "--base-url", BASE_URL)

        cold, cold_peak = child(build("public", "private"))  # (also what the rebuilds below start from)
        if whole:
            yield from _whole_builds(folder, build, db, common, cold, cold_peak)
        else:
            del cold, cold_peak

        # (untimed) what the whole builds wrote goes to the disk first: writing back hundreds of thousands of
        # files as the rebuilds run would be timed as theirs
        os.sync()
        noop, start_up, noop_peak, note = interleaved(build("public", "private"),
                                                      peerlearn("--db", db, "networks", "list"))
        yield {**common, "measure": "feeds build, nothing changed", "peerlearn": noop, "reference": start_up,
               "reference_name": START_UP, "target": 1.5, "peak_mb": noop_peak, "note": note}

        registry = Registry.open(db)
        ahead = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        targets = [row[0] for row in registry.db.execute(
            "SELECT id FROM activities WHERE status = 'confirmed' AND all_day = 0 AND start_utc > ? ORDER BY id"
            " LIMIT 7", [ahead])]
        registry.close()

        def changing(change):
            """Before the n-th run: ``change(registry, activity, n)`` made to the n-th target, committed."""
            def before(number: int) -> None:
                registry = Registry.open(db)
                try:
                    with registry.transaction():
                        change(registry, targets[number], number)
                finally:
                    registry.close()
            return before

        changes = [
            ("feeds build, one activity changed (rescheduled)", lambda registry, activity, number: schedule.reschedule(
                registry, activity, localize(dt.datetime(2027, 5, 11 + number, 9, 30), ZONE))),
            # (its title is in the index and in its feed's name: those lists move too)
            ("feeds build, one activity retitled", lambda registry, activity, number: schedule.edit(
                registry, activity, title=f"Retitled {number} {time.time_ns()}")),
        ]
        for measure, change in changes:
            one, start_up, one_peak, note = interleaved(build("public", "private"),
                                                        peerlearn("--db", db, "networks", "list"),
                                                        before=changing(change))
            yield {**common, "measure": measure, "peerlearn": one, "reference": start_up, "reference_name": START_UP,
                   "target": 1.5, "peak_mb": one_peak, "note": note}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--keep", type=Path, help="Work in this folder and keep it.")
    args = parser.parse_args()
    os.environ.pop("PEERLEARN_LOAD_PLUGINS", None)
    import shutil
    import tempfile

    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    try:
        rows = []
        for row in measures([int(size) for size in args.sizes.split(",")], work):
            row["ratio"] = row["peerlearn"] / row["reference"]
            rows.append(row)
        print(table(rows))
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
