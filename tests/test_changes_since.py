"""``peerlearn.changes_since``: each change after a point of the change log traced to what it concerns."""

from __future__ import annotations

import pytest

from peerlearn import changes_since, last_change


def _position(env):
    with env.open() as registry:
        return last_change(registry)


def _since(env, position):
    with env.open() as registry:
        return changes_since(registry, *position)


def test_nothing_since_the_last_change(demo_env):
    position = _position(demo_env)
    found = _since(demo_env, position)
    assert found.none and found.last == position[0] and found.last_at == position[1]


def test_sessions_roles_participations_and_outputs_are_traced_to_their_activity(demo_env, mlc_id):
    position = _position(demo_env)
    with demo_env.open() as registry:
        role = registry.one("SELECT r.id FROM roles r JOIN sessions s ON s.id = r.session_id"
                            " WHERE s.activity_id = ? ORDER BY r.id LIMIT 1", [mlc_id])["id"]
        session = registry.one("SELECT key FROM sessions WHERE activity_id = ? ORDER BY id DESC LIMIT 1",
                               [mlc_id])["key"]
        other = registry.one("SELECT id FROM activities WHERE id != ? AND status = 'completed' ORDER BY id",
                             [mlc_id])["id"]
    assert demo_env.run("roles", "edit", str(role), "--affiliation", "Somewhere else").exit_code == 0
    assert demo_env.run("sessions", "remove", str(mlc_id), session).exit_code == 0
    assert demo_env.run("outputs", "add", str(other), "--kind", "paper", "--title", "A paper",
                        "--url", "https://example.org/paper.pdf").exit_code == 0
    found = _since(demo_env, position)
    assert found.activities == {mlc_id, other}
    assert found.count >= 3 and not found.other and not found.unscoped
    with demo_env.open() as registry:
        networks = {row["network"] for row in registry.query(
            "SELECT network FROM activities WHERE id IN (?, ?)", [mlc_id, other])}
        years = {int(row["year"]) for row in registry.query(
            "SELECT substr(start_local, 1, 4) AS year FROM activities WHERE id IN (?, ?)", [mlc_id, other])}
    assert found.networks == networks
    assert years <= found.years


def test_a_deleted_activity_is_still_named_and_a_member_concerns_every_network(demo_env):
    position = _position(demo_env)
    with demo_env.open() as registry:
        gone = registry.one("SELECT id FROM activities WHERE status = 'confirmed' ORDER BY id DESC")["id"]
    assert demo_env.run("activities", "delete", str(gone)).exit_code == 0
    assert demo_env.run("members", "edit", "1", "--name", "A renamed member").exit_code == 0
    found = _since(demo_env, position)
    assert gone in found.activities
    assert "member" in found.other and found.unscoped


def test_another_registry_with_as_many_changes_is_told_apart(demo_env):
    number, _at = _position(demo_env)
    found = _since(demo_env, (number, "1999-01-01T00:00:00Z"))
    assert "registry" in found.other and not found.none
    past_the_end = _since(demo_env, (number + 5, None))
    assert "registry" in past_the_end.other


@pytest.fixture
def mlc_id(demo_env) -> int:
    from peerlearn_plugins.demo.data import MLC_TITLE

    with demo_env.open() as registry:
        return registry.one("SELECT id FROM activities WHERE title = ?", [MLC_TITLE])["id"]
