"""``feeds build`` after random changes: the rebuild equals a fresh build byte for byte, and touches nothing else.

Seeded random sequences of what a secretariat does (activities added,
rescheduled, cancelled, reinstated, retitled, deleted; sessions added, moved,
cancelled, removed; roles added, declined, confirmed; participants invited
and declining; members joining, leaving, renamed, added, removed, given a new
token) and of the clock moving on, each followed by an incremental build and
a fresh one into empty folders, compared file by file; a file whose bytes did
not change must keep its modification time (it was not rewritten).
"""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest

from peerlearn.feeds import publish, splice

BASE = "https://feeds.example.org"
START = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)
#: the day the demo and every command here take as today: the builds' clock (START, moved on by the random
#: changes) and the dates written below were chosen against the demo of that day, whatever the system's date
TODAY = "2026-12-01"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("PEERLEARN_TODAY", TODAY)


def files(root):
    """Every feed and index file under ``root``: (mtime, bytes) by relative path (stamps and manifests aside)."""
    return {path.relative_to(root).as_posix(): (path.stat().st_mtime_ns, path.read_bytes())
            for path in root.rglob("*") if path.is_file() and not path.name.startswith(".peerlearn-feeds")}


def build(env, public, private, now, **options):
    registry = env.open()
    try:
        return publish.build(registry, public, private_folder=private, base_url=BASE, now=now, **options)
    finally:
        registry.close()


class Secretariat:
    """Random changes through the CLI, drawn from what the registry holds now."""

    def __init__(self, env, rng: random.Random):
        self.env, self.rng = env, rng
        self.applied: list[str] = []

    def rows(self, sql, params=()):
        registry = self.env.open()
        try:
            return [tuple(row) for row in registry.db.execute(sql, params).fetchall()]
        finally:
            registry.close()

    def pick(self, sql, params=()):
        found = self.rows(sql, params)
        return self.rng.choice(found) if found else None

    def run(self, *args):
        result = self.env.run(*map(str, args))
        if result.exit_code == 0:
            self.applied.append(" ".join(map(str, args)))
        return result

    def day(self):
        return (START + dt.timedelta(days=self.rng.randrange(-240, 400))).strftime("%Y-%m-%d")

    def step(self):
        rng = self.rng
        action = rng.choice([
            "add", "add", "reschedule", "cancel", "reinstate", "retitle", "delete", "host", "session", "session",
            "move-session", "cancel-session", "remove-session", "role", "decline-role", "confirm-role", "invite",
            "decline", "join", "leave", "rename", "rotate", "new-member", "remove-member"])
        activity = self.pick("SELECT id, network FROM activities WHERE status != 'draft'")
        member = self.pick("SELECT id FROM members")
        if action == "add":
            network = self.pick("SELECT slug FROM networks")[0]
            extra = ["--host", member[0]] if member and rng.random() < 0.3 else []
            hour = rng.randrange(8, 16)
            return self.run("activities", "add", "--network", network, "--kind", "workshop", "--title",
                            f"Workshop {rng.randrange(10 ** 6)}", "--start", f"{self.day()} {hour:02}:00",
                            "--end", f"{hour + 2:02}:30", *extra)
        if activity is None:
            return None
        act = activity[0]
        if action == "reschedule":
            return self.run("activities", "reschedule", act, "--start", f"{self.day()} 10:00")
        if action == "cancel":
            return self.run("activities", "cancel", act)
        if action == "reinstate":
            cancelled = self.pick("SELECT id FROM activities WHERE status = 'cancelled'")
            return cancelled and self.run("activities", "reinstate", cancelled[0])
        if action == "retitle":
            return self.run("activities", "edit", act, "--title", f"Renamed {rng.randrange(10 ** 6)}")
        if action == "delete":
            return self.run("activities", "delete", act)
        if action == "host" and member:
            return self.run("activities", "edit", act, "--host", member[0])
        if action == "session":
            first = self.rows("SELECT start_local FROM activities WHERE id = ?", [act])[0][0][:10]
            hour = rng.randrange(9, 15)
            return self.run("sessions", "add", act, "--title", f"Session {rng.randrange(10 ** 6)}", "--kind",
                            "workshop", "--start", f"{first} {hour:02}:00", "--end", f"{first} {hour:02}:45",
                            "--track", rng.choice("AB"))
        session = self.pick("SELECT id, activity_id, start_local FROM sessions")
        if action == "move-session" and session:
            hour = rng.randrange(9, 15)
            return self.run("sessions", "move", session[1], session[0], "--start", f"{session[2][:10]} {hour:02}:15",
                            "--end", f"{session[2][:10]} {hour:02}:55")
        if action == "cancel-session" and session:
            return self.run("sessions", "cancel", session[1], session[0])
        if action == "remove-session" and session:
            return self.run("sessions", "remove", session[1], session[0])
        if action == "role" and session and member:
            return self.run("roles", "add", session[1], session[0], "--role", "speaker", "--member", member[0],
                            "--status", rng.choice(["confirmed", "tbc"]))
        role = self.pick("SELECT id FROM roles")
        if action == "decline-role" and role:
            return self.run("roles", "decline", role[0])
        if action == "confirm-role" and role:
            return self.run("roles", "confirm", role[0], "--name", f"Person {rng.randrange(1000)}")
        if member is None:
            return None
        if action == "invite":
            return self.run("participants", "invite", act, member[0])
        if action == "decline":
            taking = self.pick("SELECT activity_id, member_id FROM participations WHERE status != 'attended'")
            return taking and self.run("participants", "decline", *taking)
        if action == "join":
            return self.run("members", "join", member[0], activity[1])
        if action == "leave":
            held = self.pick("SELECT member_id, network FROM memberships")
            return held and self.run("members", "leave", *held)
        if action == "rename":
            return self.run("members", "edit", member[0], "--name", f"Body {rng.randrange(10 ** 6)}")
        if action == "rotate":
            return self.run("members", "rotate-token", member[0])
        if action == "new-member":
            return self.run("members", "add", "--name", f"New body {rng.randrange(10 ** 6)}", "--country", "BE")
        if action == "remove-member":
            return self.run("members", "remove", member[0])
        return None


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_random_changes_rebuild_as_a_fresh_build_would(demo_env, tmp_path, seed):
    rng = random.Random(seed)
    secretariat = Secretariat(demo_env, rng)
    public, private = tmp_path / "site", tmp_path / "private"
    now = START
    report = build(demo_env, public, private, now)
    assert report.whole
    incremental = 0
    for number in range(20):
        if rng.random() < 0.25:
            now += dt.timedelta(days=rng.randrange(1, 90))  # activities and sessions leave the window
        else:
            secretariat.step()
        before = {**files(public), **{f"private:{k}": v for k, v in files(private).items()}}
        report = build(demo_env, public, private, now)
        incremental += not report.whole
        after = {**files(public), **{f"private:{k}": v for k, v in files(private).items()}}
        fresh_public, fresh_private = tmp_path / f"fresh{number}", tmp_path / f"fresh{number}-private"
        build(demo_env, fresh_public, fresh_private, now)
        fresh = {**files(fresh_public), **{f"private:{k}": v for k, v in files(fresh_private).items()}}
        context = f"seed {seed}, step {number}, after: {secretariat.applied[-3:]}"
        assert {path: data for path, (_mtime, data) in after.items()} == \
               {path: data for path, (_mtime, data) in fresh.items()}, context
        untouched = [path for path in after if path in before and before[path][1] == after[path][1]]
        assert [path for path in untouched if before[path][0] != after[path][0]] == [], context
        written = {path for path in after if before.get(path, (0, None))[1] != after[path][1]}
        assert written == {f"private:{path}" if path.startswith("members/") else path for path in report.written}, \
            context
    assert incremental >= 14  # the rebuilds were incremental, not whole builds
    assert len(secretariat.applied) >= 4


def test_a_change_made_around_the_change_log_waits_for_a_whole_build(demo_env, tmp_path):
    """Rows written with SQL by hand leave no change: only ``full`` (or a lost stamp) picks them up."""
    public, private = tmp_path / "site", tmp_path / "private"
    build(demo_env, public, private, START)
    registry = demo_env.open()
    try:
        with registry.transaction():
            registry.db.execute("UPDATE activities SET title = 'Edited by hand', sequence = sequence + 1"
                                " WHERE id = (SELECT min(id) FROM activities WHERE status = 'confirmed')")
    finally:
        registry.close()
    assert not build(demo_env, public, private, START).written
    report = build(demo_env, public, private, START, full=True)
    assert report.whole and report.written
    assert any(b"Edited by hand" in data for _mtime, data in files(public).values())
    (public / ".peerlearn-feeds-stamp.json").unlink()
    assert build(demo_env, public, private, START).whole


def _retitle_first_activity(env, title: str, offset: int) -> None:
    registry = env.open()
    try:
        activity_id = registry.db.execute("SELECT id FROM activities WHERE status = 'confirmed' ORDER BY id"
                                          " LIMIT 1 OFFSET ?", [offset]).fetchone()[0]
    finally:
        registry.close()
    result = env.run("activities", "edit", str(activity_id), "--title", title)
    assert result.exit_code == 0, result.output


def test_a_registry_restored_and_written_since_is_built_afresh(demo_env, tmp_path):
    """A registry copied back from a backup, then changed as often as the one built from was, reaches the same
    change number by other changes: the stamp's number alone would say nothing moved."""
    import shutil

    public, private = tmp_path / "site", tmp_path / "private"
    backup = tmp_path / "backup.db"
    shutil.copyfile(demo_env.db, backup)
    _retitle_first_activity(demo_env, "Retitled before the restore", 0)
    build(demo_env, public, private, START)
    shutil.copyfile(backup, demo_env.db)
    _retitle_first_activity(demo_env, "Retitled after the restore", 1)
    report = build(demo_env, public, private, START)
    assert report.whole
    compare_with_fresh(demo_env, public, private, tmp_path, START, "restored")
    texts = b"".join(data for _mtime, data in files(public).values())
    assert b"Retitled after the restore" in texts and b"Retitled before the restore" not in texts


def test_another_registry_with_as_many_changes_is_built_afresh(env, tmp_path):
    """Two demos of other days hold as many changes: building the second into the first's folders writes its
    own feeds, not nothing."""
    public, private = tmp_path / "site", tmp_path / "private"
    assert env.run("--today", "2026-12-01", "demo").exit_code == 0
    build(env, public, private, START)
    assert env.run("--today", "2027-02-01", "demo", "--force").exit_code == 0
    report = build(env, public, private, START)
    assert report.whole and report.written
    compare_with_fresh(env, public, private, tmp_path, START, "other")


def test_unchanged_base_url_plugins_and_folders_are_part_of_the_stamp(demo_env, tmp_path):
    public, private = tmp_path / "site", tmp_path / "private"
    assert build(demo_env, public, private, START).whole
    assert not build(demo_env, public, private, START).whole
    registry = demo_env.open()
    try:
        report = publish.build(registry, public, private_folder=private, base_url="https://other.example.org",
                               now=START)
        assert report.whole and b"other.example.org" in (public / "index.json").read_bytes()
        assert publish.build(registry, public, now=START).whole  # no private folder this time
    finally:
        registry.close()


def test_full_on_the_command_line_builds_every_feed(env, tmp_path):
    # the command builds at the real time: the demo is dated from the real day, for its activities to be in
    # the feeds' window
    assert env.run("--today", dt.date.today().isoformat(), "demo").exit_code == 0
    out, private = tmp_path / "site", tmp_path / "private"
    args = ("feeds", "build", str(out), "--private-dir", str(private))
    assert env.run(*args).exit_code == 0
    feed = next(out.glob("activities/*.ics"))
    feed.write_bytes(feed.read_bytes().replace(b"BEGIN:VEVENT", b"BEGIN:VEVENT\r\nX-EDITED:by hand", 1))
    edited = feed.read_bytes()
    result = env.run(*args)  # nothing changed in the registry: the file is not looked at
    assert result.exit_code == 0 and "0 file(s) written" in result.stdout and feed.read_bytes() == edited
    result = env.run(*args, "--full")
    assert result.exit_code == 0 and "1 file(s) written" in result.stdout, result.output
    assert b"X-EDITED" not in feed.read_bytes()


def test_a_build_cut_short_leaves_a_mark_and_the_next_removes_its_temporary_files(demo_env, tmp_path):
    """Only a build that was killed leaves its mark; the next then clears what it left, and only then walks
    the folder (an unchanged rebuild of a big folder never lists it)."""
    public, private = tmp_path / "site", tmp_path / "private"
    build(demo_env, public, private, START)
    assert not (public / ".peerlearn-feeds-building").exists()
    leftover = public / "activities" / ".13.ics.abcd1234.tmp"  # as a killed build leaves it, unlocked
    leftover.write_text("half a feed")
    assert not build(demo_env, public, private, START).whole
    assert leftover.exists()  # no mark: nothing was cut short, nothing is looked for
    (public / ".peerlearn-feeds-building").touch()
    assert not build(demo_env, public, private, START).whole
    assert not leftover.exists() and not (public / ".peerlearn-feeds-building").exists()


def test_an_unchanged_title_leaves_the_manifest_and_the_index_alone(demo_env, tmp_path):
    public, private = tmp_path / "site", tmp_path / "private"
    build(demo_env, public, private, START)
    manifest, index = public / ".peerlearn-feeds.json", public / "index.json"
    before = (manifest.stat().st_mtime_ns, index.stat().st_mtime_ns)
    activity = next(found for found in json.loads(demo_env.run("activities", "list", "--json").stdout)
                    if found["status"] == "confirmed" and not found.get("rrule"))
    moved = demo_env.run("activities", "reschedule", str(activity["id"]), "--start", "2031-02-03 10:00")
    assert moved.exit_code == 0, moved.output
    report = build(demo_env, public, private, START)
    assert f"activities/{activity['id']}.ics" in report.written
    assert (manifest.stat().st_mtime_ns, index.stat().st_mtime_ns) == before
    assert demo_env.run("activities", "edit", str(activity["id"]), "--title", "A new title").exit_code == 0
    report = build(demo_env, public, private, START)
    assert "index.json" in report.written and "A new title" in index.read_text()
    assert json.loads(manifest.read_text())["feeds"][f"activities/{activity['id']}.ics"] == "A new title"


def test_progress_is_told_of_every_feed_built(demo_env, tmp_path):
    public, private = tmp_path / "site", tmp_path / "private"
    calls = []
    registry = demo_env.open()
    try:
        report = publish.build(registry, public, private_folder=private, now=START,
                               progress=lambda done, total: calls.append((done, total)))
        assert calls[-1] == (report.feeds, report.feeds) and calls[0] == (1, report.feeds)
        assert [done for done, _total in calls[:-1]] == list(range(1, report.feeds + 1))
        calls.clear()
        publish.build(registry, public, private_folder=private, now=START, progress=lambda *call: calls.append(call))
        assert calls == [(0, 0)]  # nothing changed: nothing built
    finally:
        registry.close()


# -- a network feed rebuilt from its spans (peerlearn.feeds.splice) ----------------------------------------


@pytest.fixture
def spliced(monkeypatch):
    """Every network feed keeps spans (the demo's are small), and each spliced write is counted."""
    from peerlearn.feeds import splice

    monkeypatch.setattr(splice, "SPLICE_EVENTS", 1)
    writes = []
    original = splice._write_segments
    monkeypatch.setattr(splice, "_write_segments", lambda segments, handle, old: (
        writes.append(sum(isinstance(piece, tuple) for piece in segments)), original(segments, handle, old))[1])
    return writes


def uids(feed: bytes) -> list[str]:
    """The UIDs of a feed's events in file order, read with vobject (an independent parser)."""
    import vobject

    return [event.uid.value for event in vobject.readOne(feed.decode("utf-8")).vevent_list]


def compare_with_fresh(env, public, private, tmp_path, now, name):
    fresh_public, fresh_private = tmp_path / f"fresh-{name}", tmp_path / f"fresh-{name}-private"
    build(env, fresh_public, fresh_private, now)
    assert {path: data for path, (_m, data) in files(public).items()} == \
           {path: data for path, (_m, data) in files(fresh_public).items()}, name
    assert {path: data for path, (_m, data) in files(private).items()} == \
           {path: data for path, (_m, data) in files(fresh_private).items()}, name


def network_with_most_events(public):
    return max(public.glob("networks/*.ics"), key=lambda path: path.read_bytes().count(b"BEGIN:VEVENT"))


def activity_of(env, uid):
    return next(found for found in json.loads(env.run("activities", "list", "--json").stdout)
                if found["uid"] == uid)


def test_a_network_feed_spliced_again_and_again_is_what_a_fresh_build_writes(demo_env, tmp_path, spliced):
    """Changes in a row to one network's events: its first and last event retitled, an event moved to the end
    then to the start, one retitled in the middle, one deleted, one added; each rebuild copies the unchanged
    events from the old file (the whole build left its spans), and equals a fresh build byte for byte."""
    for day in range(10, 16):
        assert demo_env.run("activities", "add", "--network", "esf_migration", "--kind", "workshop", "--title",
                            f"Workshop {day}", "--start", f"2026-09-{day} 09:00", "--end", "12:00").exit_code == 0
    public, private = tmp_path / "site", tmp_path / "private"
    build(demo_env, public, private, START)
    feed = public / "networks" / "esf_migration.ics"
    spans = public / ".peerlearn-feeds-spans-esf_migration"
    assert spans.exists()  # a whole build keeps them: the first change splices already
    order = uids(feed.read_bytes())
    movable = [activity_of(demo_env, uid) for uid in order]
    movable = [found for found in movable if found["status"] == "confirmed" and not found["rrule"]]
    assert len(order) >= 8 and len(movable) >= 4
    moved, deleted = movable[0], movable[1]
    steps = [
        ("retitle the first", ("activities", "edit", activity_of(demo_env, order[0])["id"], "--title", "First")),
        ("retitle the last", ("activities", "edit", activity_of(demo_env, order[-1])["id"], "--title", "Last")),
        ("move one to the end", ("activities", "reschedule", moved["id"], "--start", "2031-03-03 10:00")),
        ("move it to the start", ("activities", "reschedule", moved["id"], "--start", "2025-12-20 10:00")),
        ("retitle one in the middle", ("activities", "edit", activity_of(demo_env, order[len(order) // 2])["id"],
                                       "--title", "Middle, retitled")),
        ("delete one", ("activities", "delete", deleted["id"])),
        ("add one", ("activities", "add", "--network", "esf_migration", "--kind", "workshop", "--title", "Added",
                     "--start", "2027-01-12 09:00", "--end", "12:00")),
    ]
    for number, (name, args) in enumerate(steps):
        result = demo_env.run(*map(str, args))
        assert result.exit_code == 0, (name, result.output)
        before = feed.read_bytes()
        report = build(demo_env, public, private, START)
        assert not report.whole and "networks/esf_migration.ics" in report.written, name
        assert feed.read_bytes() != before
        compare_with_fresh(demo_env, public, private, tmp_path, START, f"{number}-{name}")
        assert spans.exists()
        assert len(spliced) == number + 1 and spliced[-1] >= 1, name
        if name == "move one to the end":
            assert uids(feed.read_bytes())[-1] == moved["uid"]
    now = uids(feed.read_bytes())
    # (moved to the start: before every other event of the network)
    assert now[0] == moved["uid"] and deleted["uid"] not in now and len(now) == len(order)


def test_many_changes_at_once_are_spliced_as_a_fresh_build_writes_them(demo_env, tmp_path, spliced):
    """One rebuild after many changes to one network: events retitled at both ends and in the middle, moved
    to the start, the end and next to another, deleted, added, and one whose stored rule breaks, left out.
    The feed is still spliced from its old file, and equals a fresh build byte for byte (read back by
    vobject, an independent parser)."""
    import sqlite3

    for month in (9, 10):  # (enough events that eleven changes are still worth splicing)
        for day in range(2, 30):
            assert demo_env.run("activities", "add", "--network", "esf_migration", "--kind", "workshop", "--title",
                                f"Workshop {month}/{day}", "--start", f"2026-{month:02d}-{day:02d} 09:00",
                                "--end", "12:00").exit_code == 0
    public, private = tmp_path / "site", tmp_path / "private"
    build(demo_env, public, private, START)
    feed = public / "networks" / "esf_migration.ics"
    order = uids(feed.read_bytes())
    assert len(order) // 4 > 11
    events = [activity_of(demo_env, uid) for uid in order]
    movable = [found for found in events if found["status"] == "confirmed" and not found["rrule"]]
    assert len(movable) >= 12
    first, last, middle = events[0], events[-1], events[len(events) // 2]
    early, late, beside, deleted, broken = movable[1], movable[2], movable[3], movable[4], movable[5]
    changes = [
        ("activities", "edit", first["id"], "--title", "First, retitled"),
        ("activities", "edit", last["id"], "--title", "Last, retitled"),
        ("activities", "edit", middle["id"], "--title", "Middle, retitled"),
        ("activities", "reschedule", early["id"], "--start", "2025-12-01 08:00"),
        ("activities", "reschedule", late["id"], "--start", "2031-03-03 10:00"),
        ("activities", "reschedule", beside["id"], "--start", movable[8]["start"][:16].replace("T", " ")),
        ("activities", "delete", deleted["id"]),
        ("activities", "add", "--network", "esf_migration", "--kind", "workshop", "--title", "Added early",
         "--start", "2025-12-02 09:00", "--end", "12:00"),
        ("activities", "add", "--network", "esf_migration", "--kind", "workshop", "--title", "Added between",
         "--start", "2026-09-17 10:00", "--end", "12:00"),
    ]
    for change in changes:
        result = demo_env.run(*map(str, change))
        assert result.exit_code == 0, (change, result.output)
    with sqlite3.connect(demo_env.db) as connection:  # (a rule stored around peerlearn)
        connection.execute("UPDATE activities SET rrule = 'FREQ=SOMETIMES' WHERE id = ?", [broken["id"]])
    connection.close()
    assert demo_env.run("activities", "edit", str(broken["id"]), "--title", "Broken").exit_code == 0
    report = build(demo_env, public, private, START)
    assert not report.whole and "networks/esf_migration.ics" in report.written
    assert len(spliced) == 1 and spliced[0] >= 3  # copied from the old file, in several stretches
    assert [line for line in report.warnings if f"#{broken['id']} " in line]
    compare_with_fresh(demo_env, public, private, tmp_path, START, "many at once")
    now = uids(feed.read_bytes())
    assert deleted["uid"] not in now and broken["uid"] not in now
    assert now[0] == early["uid"] and now[-1] == late["uid"]
    assert len(now) == len(order) - 2 + 2


def test_the_lists_of_feeds_are_edited_in_place_after_a_retitle_an_addition_and_a_deletion(demo_env, tmp_path,
                                                                                            monkeypatch):
    """The index and the manifest follow a retitled, an added and a deleted activity by editing the old files
    (peerlearn.feeds.listing), never reading the manifest whole, and come out as a fresh build writes them;
    the index read back by the standard library's JSON parser names the new title."""
    from peerlearn.feeds import listing

    public, private = tmp_path / "site", tmp_path / "private"
    build(demo_env, public, private, START)
    edits, reads = [], []
    original_edit, original_read = listing.edit_file, publish._read_json
    monkeypatch.setattr(listing, "edit_file", lambda path, *rest: edits.append(
        (path.name, original_edit(path, *rest))) or edits[-1][1])
    monkeypatch.setattr(publish, "_read_json", lambda path: reads.append(path.name) or original_read(path))
    listed = json.loads((public / "index.json").read_text("utf-8"))["feeds"]
    some = next(entry for entry in listed if entry["scope"] == "activity")
    number = some["path"].split("/")[1].split(".")[0]
    added = {}
    steps = [("retitle", ("activities", "edit", number, "--title", "Retitled & moved on")),
             ("add", ("activities", "add", "--network", "pes", "--kind", "webinar", "--title", "Added <now>",
                      "--start", "2026-10-12 09:00", "--end", "12:00", "--json")),
             ("delete", ("activities", "delete", added))]
    for name, args in steps:
        result = demo_env.run(*[str(added["id"]) if arg is added else arg for arg in args])
        assert result.exit_code == 0, (name, result.output)
        if name == "add":
            added.update(json.loads(result.stdout))
        edits.clear()
        reads.clear()
        report = build(demo_env, public, private, START)
        assert not report.whole, name
        assert sorted(found for found, _result in edits) == [".peerlearn-feeds.json", "index.html", "index.json"], name
        assert all(result is not None and result[0] for _found, result in edits), name  # edited, and changed
        assert ".peerlearn-feeds.json" not in reads, name
        assert {"index.json", "index.html"} <= set(report.written), name
        compare_with_fresh(demo_env, public, private, tmp_path, START, name)
        listed = json.loads((public / "index.json").read_text("utf-8"))["feeds"]
        names = {entry["path"]: entry["name"] for entry in listed}
        assert names[some["path"]] == "Retitled & moved on"
        assert (f"activities/{added.get('id')}.ics" in names) == (name == "add"), name


def test_spans_that_no_longer_describe_the_feed_are_not_used(demo_env, tmp_path, spliced):
    """A feed changed behind the build's back (by hand, by a whole build) is written whole, not spliced."""
    public, private = tmp_path / "site", tmp_path / "private"
    build(demo_env, public, private, START)
    feed = network_with_most_events(public)
    order = uids(feed.read_bytes())
    middle = activity_of(demo_env, order[len(order) // 2])
    assert demo_env.run("activities", "edit", str(middle["id"]), "--title", "Once").exit_code == 0
    build(demo_env, public, private, START)  # spliced by the spans the whole build left
    assert len(spliced) == 1
    spliced.clear()
    feed.write_bytes(feed.read_bytes().replace(b"BEGIN:VEVENT", b"BEGIN:VEVENT\r\nX-EDITED:by hand", 1))
    assert demo_env.run("activities", "edit", str(middle["id"]), "--title", "Twice").exit_code == 0
    build(demo_env, public, private, START)
    assert not spliced and b"X-EDITED" not in feed.read_bytes()  # written whole: the edit is gone
    compare_with_fresh(demo_env, public, private, tmp_path, START, "after a hand edit")
    spans = public / f".peerlearn-feeds-spans-{feed.stem}"
    spans.write_text("{not json")
    assert demo_env.run("activities", "edit", str(middle["id"]), "--title", "Thrice").exit_code == 0
    build(demo_env, public, private, START)
    assert not spliced
    compare_with_fresh(demo_env, public, private, tmp_path, START, "after damaged spans")
    assert demo_env.run("activities", "edit", str(middle["id"]), "--title", "Four times").exit_code == 0
    build(demo_env, public, private, START)
    assert len(spliced) == 1  # the spans were taken again
    compare_with_fresh(demo_env, public, private, tmp_path, START, "spliced again")
    spans.write_bytes(spans.read_bytes()[:-10])  # cut short: its events no longer add up to the file
    assert demo_env.run("activities", "edit", str(middle["id"]), "--title", "Five times").exit_code == 0
    build(demo_env, public, private, START)
    assert len(spliced) == 1
    compare_with_fresh(demo_env, public, private, tmp_path, START, "after spans cut short")
    assert demo_env.run("activities", "edit", str(middle["id"]), "--title", "Six times").exit_code == 0
    build(demo_env, public, private, START)
    assert len(spliced) == 2  # the spans were taken again
    # the event before the changed one a byte longer, the one after a byte shorter: the sizes still add up to
    # the file, but would copy the wrong bytes; the spans' checksum sees the edit and the feed is written whole
    _shift_a_byte(spans, middle["id"])
    assert demo_env.run("activities", "edit", str(middle["id"]), "--title", "Seven times").exit_code == 0
    build(demo_env, public, private, START)
    assert len(spliced) == 2
    compare_with_fresh(demo_env, public, private, tmp_path, START, "after spans edited inside")


def _shift_a_byte(spans, activity_id: int) -> None:
    """Move a byte from the size of the event after ``activity_id``'s to the one before, in the spans' file."""
    import array
    import json

    data = bytearray(spans.read_bytes())
    start = data.index(b"\n") + 1
    count = json.loads(data[:start])["count"]
    ids, sizes = array.array("q"), array.array("q")
    at = {name: start + 8 * count * index for index, name in enumerate(("ids", "starts", "sizes"))}
    ids.frombytes(bytes(data[at["ids"]:at["ids"] + 8 * count]))
    sizes.frombytes(bytes(data[at["sizes"]:at["sizes"] + 8 * count]))
    place = ids.index(activity_id)
    assert 0 < place < count - 1
    sizes[place - 1] += 1
    sizes[place + 1] -= 1
    data[at["sizes"]:at["sizes"] + 8 * count] = sizes.tobytes()
    spans.write_bytes(bytes(data))


def test_a_spliced_feed_whose_bytes_come_out_the_same_is_not_rewritten(demo_env, tmp_path, spliced, monkeypatch):
    """A role on a session reaches its network's feed (it may show the programme) without changing any of its
    events: spliced from its spans, the feed comes out as it was, and is not written."""
    public, private = tmp_path / "site", tmp_path / "private"
    build(demo_env, public, private, START)
    session = next(row for row in Secretariat(demo_env, random.Random(1)).rows(
        "SELECT s.id, s.activity_id, a.network FROM sessions s JOIN activities a ON a.id = s.activity_id"
        " WHERE a.status = 'confirmed' ORDER BY s.id"))
    feed = public / "networks" / f"{session[2]}.ics"
    member = Secretariat(demo_env, random.Random(1)).rows("SELECT min(id) FROM members")[0][0]
    assert demo_env.run("activities", "edit", str(session[1]), "--title", "Once more").exit_code == 0
    build(demo_env, public, private, START)  # the network's feed spliced, its spans taken again
    spliced.clear()
    before = (feed.stat().st_mtime_ns, feed.read_bytes())
    from peerlearn.feeds import splice

    compared = []
    original = splice._same
    monkeypatch.setattr(splice, "_same", lambda *args: compared.append(original(*args)) or compared[-1])
    result = demo_env.run("roles", "add", str(session[1]), str(session[0]), "--role", "speaker", "--member",
                          str(member), "--status", "confirmed")
    assert result.exit_code == 0, result.output
    report = build(demo_env, public, private, START)
    assert not report.whole and report.written  # the member's feed, at least
    assert f"networks/{session[2]}.ics" not in report.written and (feed.stat().st_mtime_ns, feed.read_bytes()) == before
    assert compared == [True] and not spliced  # compared with the old file, never written
    compare_with_fresh(demo_env, public, private, tmp_path, START, "same bytes")


@pytest.mark.parametrize("seed", [11, 12])
def test_random_changes_rebuild_as_a_fresh_build_would_with_spliced_network_feeds(demo_env, tmp_path, seed,
                                                                                   spliced):
    test_random_changes_rebuild_as_a_fresh_build_would(demo_env, tmp_path, seed)
    assert spliced  # some rebuilds copied from the old files
