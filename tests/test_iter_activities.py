"""``peerlearn.iter_activities``: every activity one at a time, as ``list_activities`` builds them all at once."""

from __future__ import annotations

import datetime as dt

from peerlearn import activity_ids, iter_activities, list_activities


def test_iter_activities_gives_what_list_activities_gives_split_at_a_moment(demo_env):
    with demo_env.open() as registry:
        slugs = [row["slug"] for row in registry.query("SELECT slug FROM networks ORDER BY slug")]
        peered = registry.one("SELECT count(*) AS n FROM activity_peers")["n"]
        assert peered, "the demo has peer reviews with peers"
        seen = 0
        for slug in slugs:
            every = list_activities(registry, network=slug, published=True)
            moments = [activity.end for activity in every] + [dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)]
            for now in moments[::3]:
                ahead = list(iter_activities(registry, network=slug, published=True, ending_after=now))
                past = list(iter_activities(registry, network=slug, published=True, ending_by=now,
                                            latest_first=True))
                assert ahead == [activity for activity in every if activity.end > now]
                assert activity_ids(registry, network=slug, published=True, ending_after=now) == \
                    [activity.id for activity in ahead]
                assert activity_ids(registry, network=slug, published=True, ending_by=now, latest_first=True) == \
                    [activity.id for activity in past]
                assert past == list(reversed([activity for activity in every if activity.end <= now]))
                seen += len(ahead) + len(past)
            # drafts too without ``published``, in the registry's own order
            ids = [row["id"] for row in registry.query(
                "SELECT id FROM activities WHERE network = ? ORDER BY start_utc, id", [slug])]
            assert [activity.id for activity in iter_activities(registry, network=slug)] == ids
        assert seen and any(activity.peer_member_ids for activity in iter_activities(registry))
        assert list(iter_activities(registry)) == list_activities(registry)


def test_iter_activities_reads_in_chunks_and_keeps_every_peer(demo_env):
    """More activities than one chunk (500): each still gets exactly its own peers."""
    with demo_env.open() as registry:
        every = list_activities(registry)
        base = max(activity.id for activity in every)
        peer = registry.one("SELECT member_id FROM activity_peers LIMIT 1")["member_id"]
        with registry.transaction():
            source = registry.one("SELECT * FROM activities WHERE id = ?", [every[0].id])
            for number in range(1, 1201):
                row = {**source, "id": base + number, "uid": f"chunk-{number}@example.org"}
                registry.conn.execute(f"INSERT INTO activities ({', '.join(row)}) VALUES"
                                      f" ({', '.join('?' * len(row))})", list(row.values()))
                if number % 7 == 0:
                    registry.conn.execute("INSERT INTO activity_peers (activity_id, member_id) VALUES (?, ?)",
                                          [base + number, peer])
        streamed = list(iter_activities(registry))
        assert streamed == list_activities(registry)
        assert len(streamed) == len(every) + 1200
        assert sum(activity.peer_member_ids == (peer,) for activity in streamed if activity.id > base) == 1200 // 7
