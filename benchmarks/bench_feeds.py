"""Calendar feed benchmark: run by hand, prints figures (no assertion).

    python benchmarks/bench_feeds.py [--activities 10000] [--sessions-per 5] [--members 2000]

On a registry of N activities (with 5 sessions each) and M members it measures,
each against a plain script in the same run:

1. cold network-feed export (nothing cached) vs a plain icalendar script that
   builds and serializes the same events from in-memory objects (target <= 1.2x);
2. warm export (blocks cached) vs a plain script writing the same bytes (<= 3x);
3. ``feeds build`` for every network, activity and member feed, then the rebuild
   after changing one activity (target: rebuild <= 10% of the build, and only
   the files that changed rewritten);
4. peak memory of a warm export at N/4 and N activities (should stay flat).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import random
import secrets
import shutil
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

NETWORKS = ("esf_migration", "integration_network", "mutual_learning", "pes")
KINDS = {"esf_migration": "workshop", "integration_network": "study_visit", "mutual_learning": "peer_review",
         "pes": "event"}
ZONE = "Europe/Brussels"


def make_registry(path: Path, activities: int, sessions_per: int, members: int, seed: int = 5):
    from peerlearn.models import Activity
    from peerlearn.registry import networks
    from peerlearn.registry.records import activity_row
    from peerlearn.registry.store import Registry
    from peerlearn.timeutil import localize, to_local_text, to_utc_text

    rng = random.Random(seed)
    registry = Registry.open(path, actor="bench")
    with registry.transaction():
        networks.sync_plugins(registry)
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    db = registry.db
    with registry.transaction():
        db["members"].insert_all(({
            "id": i, "name": f"Member {i}", "name_key": f"member {i}", "country": "BE",
            "email": f"m{i}@example.org", "type": "organisation", "feed_token": secrets.token_urlsafe(16),
            "created_at": now} for i in range(1, members + 1)), batch_size=1000)
        db["memberships"].insert_all(({"member_id": i, "network": NETWORKS[i % 4], "role": "member"}
                                      for i in range(1, members + 1)), batch_size=1000)
        today = dt.date.today()
        rows = []
        for i in range(1, activities + 1):
            network = NETWORKS[i % 4]
            day = today + dt.timedelta(days=rng.randrange(-150, 400))
            all_day = i % 10 == 0
            if all_day:
                start = localize(dt.datetime.combine(day, dt.time()), ZONE)
                end = localize(dt.datetime.combine(day + dt.timedelta(days=2), dt.time()), ZONE)
            else:
                start = localize(dt.datetime.combine(day, dt.time(9, 30)), ZONE)
                end = start + dt.timedelta(hours=7, minutes=30)
            activity = Activity(
                network=network, kind=KINDS[network], title=f"Activity {i}: mutual learning, peer review; day {i}",
                start=start, end=end, timezone=ZONE, all_day=all_day, city="Brussels", country="BE",
                venue="Conference centre", description=f"Programme of activity {i}.\nSecond line.",
                status="cancelled" if i % 50 == 0 else "confirmed", themes=["integration of migrants"],
                uid=f"bench-{i}@peerlearn", id=i,
            )
            row = activity_row(activity)
            row.update(created_at=now, updated_at=now)
            rows.append(row)
        db["activities"].insert_all(rows, batch_size=1000)

        def sessions():  # the agenda's own tables (migration m003_agenda)
            number = 0
            for row in rows:
                start = dt.datetime.fromisoformat(row["start_utc"].replace("Z", "+00:00"))
                for j in range(sessions_per):
                    number += 1
                    begin = start + dt.timedelta(hours=j)
                    finish = begin + dt.timedelta(minutes=50)
                    yield {"id": number, "activity_id": row["id"], "key": f"s{j + 1}", "title": f"Session {j + 1}",
                           "kind": "workshop", "start_utc": to_utc_text(begin), "end_utc": to_utc_text(finish),
                           "start_local": to_local_text(begin, ZONE), "end_local": to_local_text(finish, ZONE),
                           "timezone": ZONE, "track": "ABC"[j % 3], "room": f"Room {j}", "created_at": now,
                           "updated_at": now}

        db["sessions"].insert_all(sessions(), batch_size=2000)
        total_sessions = activities * sessions_per
        db["roles"].insert_all(({"session_id": s, "member_id": rng.randrange(1, members + 1), "name": f"Speaker {s}",
                                 "person_key": f"speaker {s}", "role": "speaker", "status": "confirmed",
                                 "position": 1} for s in range(1, total_sessions + 1, 10)), batch_size=2000)
        by_network: dict[str, list[int]] = {}
        for row in rows:
            by_network.setdefault(row["network"], []).append(row["id"])
        db["participations"].insert_all(({
            "activity_id": activity_id, "member_id": member, "status": "registered", "updated_at": now}
            for member in range(1, members + 1)
            for activity_id in rng.sample(by_network[NETWORKS[member % 4]], min(20, len(by_network[NETWORKS[member % 4]])))), batch_size=5000)
    return registry


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


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> bytes:
    data = line.encode("utf-8")
    if len(data) <= 75:
        return data + b"\r\n"
    parts, start, limit = [], 0, 75
    while start < len(data):
        end = min(start + limit, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:  # never split a character
            end -= 1
        parts.append(data[start:end])
        start, limit = end, 74
    return b"\r\n ".join(parts) + b"\r\n"


def plain_text(activities, network_objects, path: Path, programmes) -> int:
    """The same events written as RFC 5545 text directly, without icalendar (the issue's "text itself")."""
    stamp = "19700101T000000Z"
    with path.open("wb") as out:
        out.write(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nMETHOD:PUBLISH\r\n")
        for activity, updated_at in activities:
            network = network_objects[activity.network]
            stamp = dt.datetime.fromisoformat(updated_at).astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
            if activity.all_day:
                when = (f"DTSTART;VALUE=DATE:{activity.local_start:%Y%m%d}", f"DTEND;VALUE=DATE:{activity.local_end:%Y%m%d}")
            else:
                when = (f"DTSTART;TZID={activity.timezone}:{activity.local_start:%Y%m%dT%H%M%S}",
                        f"DTEND;TZID={activity.timezone}:{activity.local_end:%Y%m%dT%H%M%S}")
            lines = ["BEGIN:VEVENT", f"SUMMARY:{_escape(activity.title)}", *when, f"DTSTAMP:{stamp}",
                     f"UID:{activity.uid}", f"SEQUENCE:{activity.sequence}",
                     "CATEGORIES:" + ",".join(_escape(c) for c in (activity.kind, network.acronym, *activity.themes)),
                     "CLASS:PUBLIC", f"CREATED:{stamp}", "DESCRIPTION:" + _escape("\n\n".join(
                         part for part in (activity.description, programmes.get(activity.uid)) if part)),
                     f"LAST-MODIFIED:{stamp}",
                     f"LOCATION:{_escape(', '.join((activity.venue, activity.city, activity.country)))}",
                     f"STATUS:{'CANCELLED' if activity.status == 'cancelled' else 'CONFIRMED'}", "TRANSP:OPAQUE",
                     "END:VEVENT"]
            for line in lines:
                out.write(_fold(line))
        out.write(b"END:VCALENDAR\r\n")
    return path.stat().st_size


def timed(function, repeat=1):
    best = None
    for _ in range(repeat):
        gc.collect()
        began = time.perf_counter()
        result = function()
        elapsed = time.perf_counter() - began
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def export_networks(registry, folder: Path) -> int:
    from peerlearn.atomic import AtomicFile
    from peerlearn.feeds import blocks, selection

    cache = blocks.BlockCache(registry)
    count = 0
    for slug in NETWORKS:
        feed = selection.resolve(registry, selection.FeedQuery("network", slug))
        with AtomicFile(folder / f"{slug}.ics") as out:
            count += blocks.write(registry, feed, out, cache=cache)
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--activities", type=int, default=10_000)
    parser.add_argument("--sessions-per", type=int, default=5)
    parser.add_argument("--members", type=int, default=2_000)
    args = parser.parse_args()
    os.environ.pop("PEERLEARN_LOAD_PLUGINS", None)

    import icalendar  # noqa: F401 - imported before any timing, for both sides

    from peerlearn.feeds import blocks, publish, selection  # noqa: F401 - loaded before any timing
    from peerlearn.registry import activities as activity_lib
    from peerlearn.registry import networks
    from peerlearn.registry.records import activity_from_row
    from peerlearn.timeutil import localize

    work = Path(tempfile.mkdtemp(prefix="bench-feeds-"))
    try:
        began = time.perf_counter()
        registry = make_registry(work / "registry.db", args.activities, args.sessions_per, args.members)
        print(f"registry: {args.activities} activities, {args.activities * args.sessions_per} sessions,"
              f" {args.members} members (built in {time.perf_counter() - began:.1f} s)")

        # 1. cold export vs plain icalendar
        out = work / "export"
        out.mkdir()
        def cold_export():
            registry.db.execute("DELETE FROM ical_blocks")
            began = time.perf_counter()
            count = export_networks(registry, out)
            return time.perf_counter() - began, count

        network_objects = {slug: known.network for slug, known in networks.known(registry).items()}
        rows = registry.query("SELECT * FROM activities ORDER BY start_utc, id")
        objects = [(activity_from_row(row), row["updated_at"]) for row in rows
                   if row["end_utc"] > (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=183)).strftime(
                       "%Y-%m-%dT%H:%M:%SZ")]
        programmes = plain_programmes(registry)
        colds, plains = [], []
        for _ in range(3):  # interleaved, best of 3 each: the machine is shared
            colds.append(cold_export())
            plains.append(timed(lambda: plain_events(objects, network_objects, programmes)))
        cold, count = min(colds)
        plain, blocks = min(plains, key=lambda pair: pair[0])
        cached = {row["uid"]: row["block"] for row in registry.query("SELECT uid, block FROM ical_blocks")}
        same = sum(cached.get(activity.uid, "").encode() == block for (activity, _), block in zip(objects, blocks))
        if os.environ.get("BENCH_DIFF"):
            for (activity, _), block in zip(objects, blocks):
                if cached.get(activity.uid, "").encode() != block:
                    print(cached.get(activity.uid), block.decode())
                    break
        print(f"1. cold export of the 4 network feeds (best of 3, interleaved): {count} events in {cold:.2f} s"
              f" ({count / cold:,.0f} events/s); plain icalendar script: {plain:.2f} s"
              f" -> ratio {cold / plain:.2f} (target <= 1.2); identical blocks: {same}/{len(blocks)}")

        # 2. warm export vs writing the same bytes
        warm, _ = timed(lambda: export_networks(registry, out), repeat=5)
        data = {path.name: path.read_bytes() for path in out.glob("*.ics")}

        def write_bytes():
            for name, payload in data.items():
                (work / f"plain-{name}").write_bytes(payload)

        plain_write, _ = timed(write_bytes, repeat=5)
        direct, direct_size = timed(lambda: plain_text(objects, network_objects, work / "direct.ics", programmes), repeat=3)
        size = sum(len(payload) for payload in data.values())
        print(f"2. warm export (blocks cached): {warm * 1000:.0f} ms for {size / 1e6:.1f} MB;"
              f" a plain script writing the RFC 5545 text directly: {direct * 1000:.0f} ms"
              f" ({direct_size / 1e6:.1f} MB) -> ratio {warm / direct:.2f} (target <= 3);"
              f" copying the finished bytes alone: {plain_write * 1000:.1f} ms -> ratio {warm / plain_write:.1f}")

        # 3. feeds build, then rebuild after one change
        registry.db.execute("DELETE FROM ical_blocks")
        site = work / "site"
        full, report = timed(lambda: publish.build(registry, site, private_folder=work / "site-private",
                                                      base_url="https://feeds.example.org"))
        print(f"3. feeds build (cold cache): {report.feeds} feeds, {len(report.written)} files in {full:.1f} s")
        warm_site = work / "site-warm"
        warm_full, _ = timed(lambda: publish.build(registry, warm_site, private_folder=work / "site-warm-private",
                                                           base_url="https://feeds.example.org"))
        print(f"   feeds build into an empty folder with blocks cached: {warm_full:.1f} s")
        noop, report = timed(lambda: publish.build(registry, site, private_folder=work / "site-private",
                                                      base_url="https://feeds.example.org"))
        print(f"   rebuild with nothing changed: {noop:.2f} s, {len(report.written)} files written")
        target = registry.one("SELECT id FROM activities WHERE status = 'confirmed' AND start_utc > ? LIMIT 1",
                              [dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")])["id"]
        holders = 1 + 1 + registry.db.execute(
            "SELECT count(*) FROM participations WHERE activity_id = ?", [target]).fetchone()[0]
        with registry.transaction():
            activity_lib.reschedule(registry, target, localize(dt.datetime(2027, 5, 11, 9, 30), ZONE))
        rebuild, report = timed(lambda: publish.build(registry, site, private_folder=work / "site-private",
                                                      base_url="https://feeds.example.org"))
        print(f"   rebuild after rescheduling activity #{target}: {rebuild:.2f} s = {rebuild / full:.1%} of the"
              f" cold build, {rebuild / warm_full:.1%} of the warm build (target <= 10%);"
              f" files rewritten: {len(report.written)} ({', '.join(sorted(report.written)[:3])}, ...);"
              f" feeds holding it: {holders} (network, activity, members)")

        # 4. memory
        peaks = []
        registry.close()
        for limit in (args.activities // 4, args.activities):
            smaller = work / f"mem-{limit}.db"
            registry = make_registry(smaller, limit, 1, 10)
            export_networks(registry, out)
            gc.collect()
            tracemalloc.start()
            export_networks(registry, out)
            peaks.append((limit, tracemalloc.get_traced_memory()[1]))
            tracemalloc.stop()
            registry.close()
        print("4. peak memory of a warm export of the 4 network feeds: "
              + ", ".join(f"{limit} activities: {peak / 1e6:.2f} MB" for limit, peak in peaks))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
