"""``peerlearn feeds build``: static feeds, rewritten only where they changed; member tokens."""

import json
import re

import feedcheck

from peerlearn import demo, hookimpl


def build(env, folder, *extra):
    result = env.run("feeds", "build", str(folder), "--base-url", "https://feeds.example.org/", *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


def snapshot(folder):
    return {str(path.relative_to(folder)): (path.stat().st_mtime_ns, path.read_bytes())
            for path in folder.rglob("*") if path.is_file()}


def conference(env):
    return next(a for a in json.loads(env.run("activities", "list", "--json").stdout) if a["title"] == demo.MLC_TITLE)


def tokens(env):
    registry = env.open()
    try:
        return {row["id"]: row["feed_token"] for row in registry.query("SELECT id, feed_token FROM members")}
    finally:
        registry.close()


def test_build_writes_every_feed_and_a_public_index(demo_env, tmp_path):
    out = tmp_path / "site"
    assert "0 removed" in build(demo_env, out)
    member_tokens = tokens(demo_env)
    files = {str(p.relative_to(out)) for p in out.rglob("*.ics")}
    assert {f"networks/{slug}.ics" for slug in ("esf_migration", "integration_network", "mutual_learning", "pes")} <= files
    assert {f"members/{token}.ics" for token in member_tokens.values()} <= files
    assert "activities/13.ics" in files
    for path in out.rglob("*.ics"):
        feedcheck.events(path.read_bytes())
    index = (out / "index.json").read_text() + (out / "index.html").read_text()
    assert "webcal://feeds.example.org/networks/pes.ics" in index
    assert not any(token in index for token in member_tokens.values())  # member feeds are never listed
    public = "".join(p.read_text() for p in list(out.glob("networks/*.ics")) + list(out.glob("activities/*.ics")))
    assert "SOURCE;VALUE=URI:https://feeds.example.org/networks/pes.ics" in public
    assert not any(token in public for token in member_tokens.values())
    assert not list(out.rglob("*.tmp"))


def test_rebuild_rewrites_only_the_feeds_an_activity_change_touches(demo_env, tmp_path):
    out = tmp_path / "site"
    build(demo_env, out)
    before = snapshot(out)
    assert "0 file(s) written" in build(demo_env, out)
    assert snapshot(out) == before  # nothing rewritten: mtimes unchanged
    activity = conference(demo_env)
    demo_env.run("activities", "reschedule", str(activity["id"]), "--start", "2031-03-04 09:30")
    build(demo_env, out)
    after = snapshot(out)
    changed = {path for path in after if after[path] != before.get(path)} - {".peerlearn-feeds.json"}
    holders = {path for path, (_mtime, data) in after.items() if activity["uid"].encode() in data}
    assert changed == holders and "networks/mutual_learning.ics" in changed and "activities/13.ics" in changed
    assert any(path.startswith("members/") for path in changed)
    assert not any(path.startswith("networks/pes") for path in changed)
    text = (out / "activities/13.ics").read_text()
    assert "DTSTART;TZID=Europe/Brussels:20310304T093000" in text and f"SEQUENCE:{activity['sequence'] + 1}" in text


def test_rotated_token_feed_is_removed_and_feed_url_follows(demo_env, tmp_path):
    out = tmp_path / "site"
    build(demo_env, out)
    old = tokens(demo_env)[3]
    url = demo_env.run("members", "feed-url", "3", "--base-url", "https://feeds.example.org")
    assert url.stdout.splitlines() == [f"https://feeds.example.org/members/{old}.ics",
                                       f"webcal://feeds.example.org/members/{old}.ics"]
    assert (out / f"members/{old}.ics").exists()
    rotated = demo_env.run("members", "rotate-token", "3")
    assert rotated.exit_code == 0, rotated.output
    new = tokens(demo_env)[3]
    assert new != old and len(new) >= 22  # 128 random bits, base64url
    assert "1 removed" in build(demo_env, out)
    assert not (out / f"members/{old}.ics").exists() and (out / f"members/{new}.ics").exists()
    url = demo_env.run("members", "feed-url", "3", "--base-url", "https://feeds.example.org", "--json")
    assert json.loads(url.stdout)["url"].endswith(f"/members/{new}.ics")


class FailingPlugin:
    def __init__(self, activity_id):
        self.activity_id = activity_id

    @hookimpl
    def peerlearn_ical_event(self, activity, event):
        if activity.id == self.activity_id:
            raise RuntimeError("disk full")


def test_an_interrupted_build_leaves_every_published_file_whole(demo_env, tmp_path):
    out = tmp_path / "site"
    build(demo_env, out)
    before = snapshot(out)
    demo_env.register(FailingPlugin(13), name="failing")
    result = demo_env.run("feeds", "build", str(out))
    assert result.exit_code == 1 and "failing" in result.stderr and "disk full" in result.stderr
    now = snapshot(out)
    assert not [path for path in now if path.endswith(".tmp") or "/." in path and path != ".peerlearn-feeds.json"]
    for path, (_mtime, data) in now.items():
        if path.endswith(".ics"):
            feedcheck.check(data)  # every feed is whole, old or new
    assert set(now) == set(before)


def test_bad_input_to_build_and_feed_url(demo_env, tmp_path):
    before = demo_env.fingerprint()
    cases = [
        (("feeds", "build", str(tmp_path / "site"), "--base-url", "ftp://example.org"), "not an http(s) URL"),
        (("feeds", "build", str(tmp_path / "no" / "such" / "site")), "does not exist"),
        (("members", "feed-url", "3", "--base-url", "example.org"), "not an http(s) URL"),
        (("members", "feed-url", "Nobody", "--base-url", "https://x.org"), "Nobody"),
        (("members", "rotate-token", "Nobody"), "Nobody"),
    ]
    for args, words in cases:
        result = demo_env.run(*args)
        assert result.exit_code == 1, args
        assert re.fullmatch(r"Error: [^\n]+\n", result.stderr) and words in result.stderr, result.stderr
        assert demo_env.fingerprint() == before
    assert not (tmp_path / "site").exists()


def _contents(folder):
    return {path: data for path, (_mtime, data) in snapshot(folder).items()}


def test_an_incremental_build_always_equals_a_fresh_one(demo_env, tmp_path):
    out = tmp_path / "site"
    build(demo_env, out)
    activity = conference(demo_env)
    act = str(activity["id"])

    def role_of(member_id):
        return str(next(role["id"] for role in json.loads(demo_env.run("roles", "list", act, "--json").stdout)
                        if role["member_id"] == member_id))

    steps = [  # the agenda's sessions and roles first (through the CLI), then the activity itself
        lambda: demo_env.run("sessions", "add", act, "--title", "Poster corner", "--kind", "workshop", "--start",
                             "14:30", "--end", "15:30", "--track", "C", "--room", "Room C", "--key", "posters"),
        lambda: demo_env.run("roles", "add", act, "posters", "--role", "moderator", "--member", "31", "--status",
                             "confirmed", "--email", "thomas@example.org"),
        lambda: demo_env.run("sessions", "move", act, "opening-panel", "--start", "10:05", "--end", "11:00"),
        lambda: demo_env.run("sessions", "edit", act, "workshop-1", "--room", "Room A1"),
        lambda: demo_env.run("roles", "decline", role_of(32)),
        lambda: demo_env.run("roles", "confirm", role_of(33)),
        lambda: demo_env.run("sessions", "remove", act, "posters"),
        lambda: demo_env.run("activities", "reschedule", act, "--start", "2031-03-04 09:30"),
        lambda: demo_env.run("participants", "decline", act, "1"),
        lambda: demo_env.run("participants", "invite", "7", "2"),
        lambda: demo_env.run("members", "edit", "31", "--name", "Thomas Liebig, OECD"),
        lambda: demo_env.run("members", "rotate-token", "31"),
        lambda: demo_env.run("activities", "add", "--network", "pes", "--kind", "webinar", "--title", "New webinar",
                             "--start", "2031-01-01 10:00", "--end", "11:00"),
        lambda: demo_env.run("activities", "cancel", act),
    ]
    feed = f"activities/{act}.ics"
    for number, step in enumerate(steps):
        published = _contents(out)[feed]
        outcome = step()
        assert outcome.exit_code == 0, outcome.output
        build(demo_env, out)
        fresh = tmp_path / f"fresh{number}"
        build(demo_env, fresh)
        assert _contents(out) == _contents(fresh), number
        if number < 7:  # every change to the agenda reaches the activity's feed
            assert _contents(out)[feed] != published, number
