"""Person clashes are found as the roles are read: memory stays flat however many people overlap.

``agenda check --all`` over 100,000 activities (two million roles) held the
roles of every person with an overlap in one list before sweeping it, and
peaked at 670 MB. Checked by tracemalloc's peak of Python allocations (not
time) while the findings are counted, for 1,000 people who each overlap and
for 5,000; and the findings come in the same order, members before names, as a
whole sort gives them.
"""

import datetime as dt
import tracemalloc

from peerlearn.agenda import clashes
from peerlearn.registry.store import Registry

NOW = "2025-12-31T00:00:00+00:00"
DAY = dt.datetime(2027, 3, 1, tzinfo=dt.timezone.utc)


def _text(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fill(registry: Registry, people: int, members: int = 0) -> None:
    """Two activities; person ``p`` speaks in session ``p`` of each, at the same time (one clash each). The first
    ``members`` people are members too (their roles name them both ways)."""
    conn = registry.conn
    conn.execute("BEGIN")
    conn.execute("INSERT INTO networks (slug, name, timezone) VALUES ('n', 'Network', 'UTC')")
    end = DAY + dt.timedelta(minutes=10 * people + 10)
    conn.executemany(
        "INSERT INTO activities (id, uid, network, kind, title, status, start_utc, end_utc, start_local, end_local,"
        " timezone, created_at, updated_at) VALUES (?, ?, 'n', 'conference', ?, 'confirmed', ?, ?, ?, ?, 'UTC', ?, ?)",
        [(number, f"a{number}", f"Activity {number}", _text(DAY), _text(end), _text(DAY)[:-1], _text(end)[:-1], NOW,
          NOW) for number in (1, 2)])
    conn.executemany("INSERT INTO members (id, name, name_key, country, feed_token, created_at)"
                     " VALUES (?, ?, ?, 'BE', ?, ?)",
                     [(number, f"Member {number}", f"member {number}", f"token-{number}", NOW)
                      for number in range(1, members + 1)])
    sessions, roles = [], []
    for person in range(people):
        start, finish = DAY + dt.timedelta(minutes=10 * person), DAY + dt.timedelta(minutes=10 * person + 10)
        for activity in (1, 2):
            session = 2 * person + activity
            sessions.append((session, activity, f"s{session}", f"Session {session}", _text(start), _text(finish),
                             _text(start)[:-1], _text(finish)[:-1], NOW, NOW))
            name = f"Person {person}"
            roles.append((session, "speaker", "tbc", name, name.casefold(), person + 1 if person < members else None))
    conn.executemany(
        "INSERT INTO sessions (id, activity_id, key, title, kind, start_utc, end_utc, start_local, end_local, timezone,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, 'panel', ?, ?, ?, ?, 'UTC', ?, ?)", sessions)
    conn.executemany("INSERT INTO roles (session_id, role, status, name, person_key, member_id, position)"
                     " VALUES (?, ?, ?, ?, ?, ?, 0)", roles)
    conn.execute("COMMIT")


def peak_while_checking(tmp_path, people: int) -> int:
    with Registry.open(tmp_path / f"r{people}.db", actor="tester") as registry:
        fill(registry, people)
        assert sum(1 for _ in clashes.person_clashes(registry)) == people  # warm: imports, caches
        tracemalloc.start()
        found = sum(1 for _ in clashes.person_clashes(registry))
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert found == people
    return peak


def test_finding_person_clashes_holds_no_list_of_roles(tmp_path):
    small, large = peak_while_checking(tmp_path, 1000), peak_while_checking(tmp_path, 5000)
    # what grows is the set of people with an overlap (a key each, about 100 bytes); their 8,000 more roles of
    # nine fields each, held whole, add about five megabytes
    assert large - small < 2_000_000, (small, large)


def test_person_clashes_come_in_the_order_of_their_keys(tmp_path):
    """Members first (by their number's text: 10 before 2), then names; a member's clash once, not again under
    the name the same roles give."""
    with Registry.open(tmp_path / "r.db", actor="tester") as registry:
        fill(registry, 12, members=11)
        found = list(clashes.person_clashes(registry))
    assert [finding.people for finding in found] == [
        (f"Person {number - 1}",) for number in (1, 10, 11, 2, 3, 4, 5, 6, 7, 8, 9)] + [("Person 11",)]
    assert len({finding.session_ids for finding in found}) == 12
