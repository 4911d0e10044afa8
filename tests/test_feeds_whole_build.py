"""A whole ``feeds build`` from cached blocks writes what the feed-by-feed path writes, whatever the rows hold.

A whole build reads each activity's sessions straight from their rows where
the blocks kept for them say those rows are what the model reads back; rows
written around peerlearn (spaces around a one-line text, CR LF in a
description) are read through the model instead, so the feeds stay the
same. The feed-by-feed path (``peerlearn serve``) is the independent
consumer here: every feed a build writes must be what it answers.
"""

from __future__ import annotations

import datetime as dt

from peerlearn.feeds import blocks, publish, selection
from peerlearn.feeds.layout import feed_path

BASE = "https://feeds.example.org"
NOW = dt.datetime(2026, 6, 1, 12, tzinfo=dt.timezone.utc)


def feeds(root):
    return {path.relative_to(root).as_posix(): path.read_bytes()
            for path in root.rglob("*.ics") if path.is_file()}


def build(env, public, private):
    registry = env.open()
    try:
        return publish.build(registry, public, private_folder=private, base_url=BASE, now=NOW)
    finally:
        registry.close()


def served(env, scope, key, name):
    registry = env.open()
    try:
        feed = selection.resolve(registry, selection.FeedQuery(scope, key), now=NOW)
        url = f"{BASE}/{feed_path(scope, name)}" if scope != "member" else ""
        return blocks.render(registry, feed, url=url).encode()
    finally:
        registry.close()


def test_rows_written_around_peerlearn_give_the_feeds_the_model_reads(demo_env, tmp_path):
    first = build(demo_env, tmp_path / "public", tmp_path / "private")
    assert first.whole
    before = {**feeds(tmp_path / "public"), **feeds(tmp_path / "private")}
    registry = demo_env.open()
    try:
        with registry.conn:
            changed = registry.conn.execute(
                "UPDATE sessions SET title = '  ' || title || ' ', track = track || '  ',"
                " description = description || '\r\nmore' WHERE track != ''").rowcount
            # the activity's fields a session's event reads, and its feed's name: read through the model too
            spaced = registry.conn.execute(
                "UPDATE activities SET title = ' ' || title || '  ', venue = venue || ' '"
                " WHERE id IN (SELECT activity_id FROM sessions WHERE track != '')").rowcount
        counts = registry.conn.execute("SELECT count(*) FROM ical_blocks").fetchone()[0]
    finally:
        registry.close()
    assert changed and spaced and counts
    # a whole build (empty folders) from the blocks kept: the sessions' rows no longer read back as stored
    again = build(demo_env, tmp_path / "public2", tmp_path / "private2")
    assert again.whole
    after = {**feeds(tmp_path / "public2"), **feeds(tmp_path / "private2")}
    changed_feeds = {path for path in before if before[path] != after.get(path)}
    # only the description moved (a line added), as the model reads it: titles and tracks are stripped
    assert changed_feeds, "the added description line reaches the feeds"
    for path in changed_feeds:
        text = after[path].decode()
        assert "more" in text
        assert "  " not in "".join(line for line in text.split("\r\n")
                                   if line.startswith(("SUMMARY", "CATEGORIES", "X-WR-CALNAME")))
    # and every feed is what the feed-by-feed path makes of the same rows
    registry = demo_env.open()
    try:
        tokens = dict(registry.conn.execute("SELECT feed_token, id FROM members"))
    finally:
        registry.close()
    for path, data in after.items():
        folder, name = path.split("/")
        name = name.removesuffix(".ics")
        scope = {"networks": "network", "activities": "activity", "members": "member"}[folder]
        key = tokens[name] if scope == "member" else name
        assert served(demo_env, scope, key, name) == data, path


def test_a_whole_build_from_cached_blocks_equals_one_from_none(demo_env, tmp_path):
    build(demo_env, tmp_path / "public", tmp_path / "private")  # serializes every event and keeps it
    cached = build(demo_env, tmp_path / "public2", tmp_path / "private2")
    assert cached.whole
    registry = demo_env.open()
    try:
        with registry.conn:
            registry.conn.execute("DELETE FROM ical_blocks")
    finally:
        registry.close()
    build(demo_env, tmp_path / "public3", tmp_path / "private3")
    assert feeds(tmp_path / "public2") == feeds(tmp_path / "public3")
    assert feeds(tmp_path / "private2") == feeds(tmp_path / "private3")


def test_member_feeds_of_a_whole_build_select_what_their_query_selects(demo_env, tmp_path):
    """A whole build works out each member's activities from its own passes (participations, hosts, peers,
    memberships); each way an activity reaches a member's feed, or does not, gives what the member's query
    gives (``serve``)."""
    build(demo_env, tmp_path / "public", tmp_path / "private")
    before = feeds(tmp_path / "private")
    registry = demo_env.open()
    try:
        conn = registry.conn
        with conn:
            pairs = conn.execute("SELECT p.member_id, p.activity_id, a.network FROM participations p"
                                 " JOIN activities a ON a.id = p.activity_id ORDER BY p.member_id, p.activity_id"
                                 ).fetchall()
            declined, outside, draft = pairs[0], pairs[len(pairs) // 2], pairs[-1]
            conn.execute("UPDATE participations SET status = 'declined' WHERE member_id = ? AND activity_id = ?",
                         declined[:2])
            conn.execute("DELETE FROM memberships WHERE member_id = ? AND network = ?", [outside[0], outside[2]])
            conn.execute("UPDATE activities SET status = 'draft' WHERE id = ?", [draft[1]])
            members = [row[0] for row in conn.execute("SELECT id FROM members ORDER BY id")]
            hosted = conn.execute("SELECT id FROM activities WHERE status != 'draft' ORDER BY id").fetchall()
            conn.execute("UPDATE activities SET host_member_id = ? WHERE id = ?", [members[-1], hosted[0][0]])
            conn.execute("INSERT OR IGNORE INTO activity_peers (activity_id, member_id) VALUES (?, ?)",
                         [hosted[-1][0], members[-2]])
            conn.execute("DELETE FROM memberships WHERE member_id = ?", [members[1]])
        tokens = dict(conn.execute("SELECT feed_token, id FROM members"))
    finally:
        registry.close()
    again = build(demo_env, tmp_path / "public2", tmp_path / "private2")
    assert again.whole
    after = feeds(tmp_path / "private2")
    assert sum(before[path] != after[path] for path in before) >= 3  # the changes reach several members' feeds
    for path, data in after.items():
        name = path.split("/")[1].removesuffix(".ics")
        assert served(demo_env, "member", tokens[name], name) == data, path
