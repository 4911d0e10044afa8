"""``peerlearn demo``: a registry built from the seed documents."""

import json


def test_demo_fills_registry_with_all_four_networks(demo_env):
    networks = json.loads(demo_env.run("networks", "list", "--json").stdout)
    assert [n["slug"] for n in networks] == ["esf_migration", "integration_network", "mutual_learning", "pes"]
    activities = json.loads(demo_env.run("activities", "list", "--json").stdout)
    statuses = {a["status"] for a in activities}
    assert {"cancelled", "completed", "confirmed"} <= statuses
    assert {a["kind"] for a in activities} >= {"workshop", "peer_review", "site_visit", "study_visit", "conference"}
    members = json.loads(demo_env.run("members", "list", "--json").stdout)
    assert len(members) >= 30
    assert len({m["country"] for m in members}) >= 10
    outputs = json.loads(demo_env.run("outputs", "list", "--json").stdout)
    completed = {a["id"] for a in activities if a["status"] == "completed"}
    assert completed and {o["activity_id"] for o in outputs} == completed


def test_demo_refuses_to_overwrite_without_force(demo_env):
    before = demo_env.fingerprint()
    result = demo_env.run("demo")
    assert result.exit_code == 1
    assert "already exists" in result.stderr
    assert demo_env.fingerprint() == before
    assert demo_env.run("demo", "--force").exit_code == 0
