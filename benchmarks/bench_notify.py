"""Benchmark: notices for a change that concerns 5,000 people, queued and then sent.

Run by hand: ``python benchmarks/bench_notify.py [--people 5000]`` (needs
``aiosmtpd``, a test dependency, for the local SMTP server). Builds a
registry holding a conference with 5,000 registered participants (each
with an address) and a programme of 20 sessions, then measures, each next
to a reference taken in the same run:

1. **Queuing**: rescheduling the conference inside the command's
   transaction (``--dry-run``, so it can be repeated), with the notices
   queued for everyone it concerns, against the same reschedule with the
   notices plugin unregistered.
2. **Sending**: ``notify send`` rendering and handing every message to a
   local SMTP server (aiosmtpd, in this process), against handing the same
   number of ready-made messages of the same size over one smtplib
   connection (the cost of SMTP itself), and against rendering alone.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path


def build(path: Path, people: int) -> int:
    """A registry with one conference, ``people`` registered participants with addresses, 20 sessions."""
    from peerlearn.agenda.roles import insert_role
    from peerlearn.agenda.sessions import insert_session
    from peerlearn.models import Activity, Role, Session
    from peerlearn.registry import activities, networks
    from peerlearn.registry.store import Registry
    from peerlearn.timeutil import localize

    tz = "Europe/Brussels"
    start = localize(dt.datetime(2031, 3, 11, 9, 0), tz)
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    with Registry.open(path, actor="bench") as registry:
        with registry.transaction():
            networks.sync_plugins(registry)
            conference = activities.add(registry, Activity(
                network="mutual_learning", kind="conference", title="Mutual Learning Conference (benchmark)",
                start=start, end=start + dt.timedelta(hours=8), timezone=tz, city="Brussels", country="BE"))
            registry.db.conn.executemany(
                "INSERT INTO members (id, name, name_key, country, email, type, feed_token, created_at)"
                " VALUES (?, ?, ?, 'BE', ?, 'person', ?, ?)",
                [(i, f"Person {i}", f"person {i}", f"person{i}@example.org", f"token-{i}", now)
                 for i in range(1, people + 1)])
            registry.db.conn.executemany(
                "INSERT INTO participations (activity_id, member_id, status, updated_at) VALUES (?, ?, 'registered', ?)",
                [(conference.id, i, now) for i in range(1, people + 1)])
            for index in range(20):
                slot = start + dt.timedelta(minutes=20 * index)
                session = insert_session(registry, conference, Session(
                    activity_id=conference.id, title=f"Session {index}", start=slot,
                    end=slot + dt.timedelta(minutes=20), timezone=tz, track=f"T{index % 3}", room=f"Room {index}"))
                for position in range(3):
                    insert_role(registry, conference, Role(
                        session_id=session.id, role="speaker", status="confirmed", name=f"Speaker {index}-{position}",
                        email=f"speaker{index}.{position}@example.org"))
        with registry.transaction():
            registry.db.execute("DELETE FROM outbox")
    return conference.id


def best_of(function, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - began)
    return min(times), result


def queuing(path: Path, conference_id: int, repeat: int) -> tuple[float, float, int]:
    from peerlearn import plugins
    from peerlearn.agenda import schedule
    from peerlearn.registry import activities
    from peerlearn.registry.store import Registry

    def reschedule() -> int:
        with Registry.open(path, actor="bench") as registry:
            current = activities.get(registry, conference_id)
            with registry.transaction(dry_run=True):
                schedule.reschedule(registry, conference_id, current.start + dt.timedelta(days=7))
            told = re.match(r"Would tell (\d+)", registry.notes[0]) if registry.notes else None
            return int(told.group(1)) if told else 0

    with_notices, queued = best_of(reschedule, repeat)
    module = plugins.manager().get_plugin("peerlearn.default_plugins.notices")
    plugins.unregister("peerlearn.default_plugins.notices")
    try:
        without, _ = best_of(reschedule, repeat)
    finally:
        plugins.register(module, name="peerlearn.default_plugins.notices")
    return with_notices, without, queued


class _Counter:
    def __init__(self) -> None:
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        return "250 2.0.0 OK"


def sending(path: Path, conference_id: int) -> dict[str, float]:
    import smtplib
    import socket

    from aiosmtpd.controller import Controller

    from peerlearn.agenda import schedule
    from peerlearn.notify import outbox
    from peerlearn.notify.messages import Renderer, as_smtp_bytes, new_message_id
    from peerlearn.notify.sending import send
    from peerlearn.notify.settings import from_values
    from peerlearn.registry import activities
    from peerlearn.registry.store import Registry

    with Registry.open(path, actor="bench") as registry:
        current = activities.get(registry, conference_id)
        with registry.transaction():
            schedule.reschedule(registry, conference_id, current.start + dt.timedelta(days=7))
        messages = outbox.list_messages(registry, ["queued"])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    handler = _Counter()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings = from_values({"host": "127.0.0.1", "port": str(port), "security": "none",
                                "from": "MLP <mlp@example.org>"})
        figures: dict[str, float] = {"messages": len(messages)}
        with Registry.open(path, actor="bench") as registry:
            renderer = Renderer(registry)
            began = time.perf_counter()
            rendered = [as_smtp_bytes(renderer.email(message, settings.sender, new_message_id(message.id, settings.sender),
                                                     dt.datetime.now(dt.timezone.utc))) for message in messages]
            figures["render"] = time.perf_counter() - began
        sample = rendered[len(rendered) // 2]
        figures["bytes"] = statistics.mean(len(data) for data in rendered)

        began = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for index in range(len(messages)):
                smtp.sendmail("mlp@example.org", [f"person{index}@example.org"], sample)
        figures["raw"] = time.perf_counter() - began
        before = handler.count

        with Registry.open(path, actor="bench") as registry:
            first = messages[0].id
            began = time.perf_counter()
            for _ in range(200):
                with registry.transaction():
                    registry.db.execute("UPDATE outbox SET updated_at = ? WHERE id = ?",
                                        [dt.datetime.now(dt.timezone.utc).isoformat(), first])
            figures["commit"] = (time.perf_counter() - began) / 200
            began = time.perf_counter()
            report = send(registry, settings, retries=0)
            figures["send"] = time.perf_counter() - began
        figures["sent"] = len(report.sent)
        figures["arrived"] = handler.count - before
    finally:
        controller.stop()
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=5_000, help="Registered participants (default 5,000).")
    parser.add_argument("--repeat", type=int, default=3, help="Repetitions of the queuing measure (best kept).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        began = time.perf_counter()
        conference_id = build(path, args.people)
        print(f"built a conference with {args.people:,} registered participants and 20 sessions"
              f" in {time.perf_counter() - began:.1f} s")

        with_notices, without, queued = queuing(path, conference_id, args.repeat)
        print(f"\n1. queuing: reschedule inside the command's transaction (best of {args.repeat})")
        print(f"   reference, no notices:        {without * 1000:8.1f} ms")
        print(f"   with {queued:,} notices queued:  {with_notices * 1000:8.1f} ms"
              f"   ratio {with_notices / without:5.1f}x;"
              f" {(with_notices - without) / max(queued, 1) * 1e6:.0f} µs a person")

        figures = sending(path, conference_id)
        count = int(figures["messages"])
        print(f"\n2. sending {count:,} messages (about {figures['bytes'] / 1024:.1f} KiB each) to a local SMTP server")
        print(f"   reference, raw smtplib:       {figures['raw']:8.2f} s   {count / figures['raw']:7.0f} messages/s")
        print(f"   rendering alone:              {figures['render']:8.2f} s   {count / figures['render']:7.0f} messages/s"
              f"   ratio {figures['render'] / figures['raw']:5.2f}x")
        print(f"   one durable commit on this disk (a message records one): {figures['commit'] * 1000:.1f} ms;"
              f" reference + rendering + {count:,} commits: {figures['raw'] + figures['render'] + count * figures['commit']:.2f} s")
        print(f"   notify send (render + hand over + record each):"
              f" {figures['send']:6.2f} s   {count / figures['send']:7.0f} messages/s"
              f"   ratio {figures['send'] / figures['raw']:5.2f}x")
        if figures["sent"] != count or figures["arrived"] != count:
            print(f"   MISMATCH: {figures['sent']:.0f} reported sent, {figures['arrived']:.0f} arrived", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
