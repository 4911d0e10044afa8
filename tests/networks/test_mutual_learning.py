"""The Mutual Learning Programme (MLP) plugin, through the CLI."""

import json

import pytest


@pytest.fixture
def ministries(env):
    for name, country in [("Ministry of Labour of Portugal", "PT"), ("Ministry of Social Affairs of Estonia", "EE"),
                          ("Ministry of Labour of Slovakia", "SK")]:
        result = env.run("members", "add", name, "--country", country, "--category", "ministry",
                         "--network", "mutual_learning")
        assert result.exit_code == 0, result.output
    return env


def peer_review(env, *extra):
    return env.run("activities", "add", "--network", "mutual_learning", "--kind", "peer_review", "--title",
                   "Peer review: activation of long-term unemployed migrants", "--start", "2026-05-12",
                   "--end", "2026-05-13", *extra)


def test_peer_review_with_a_host_and_peers_is_scheduled(ministries):
    result = peer_review(ministries, "--host", "1", "--peer", "2", "--peer", "3", "--json")
    assert result.exit_code == 0, result.output
    activity = json.loads(result.stdout)
    assert activity["host_member_id"] == 1 and activity["peer_member_ids"] == [2, 3]


@pytest.mark.parametrize("extra, message", [
    ((), "an MLP peer review needs a host country (--host); an MLP peer review needs at least one peer country"),
    (("--peer", "2"), "an MLP peer review needs a host country (--host)"),
    (("--host", "1"), "an MLP peer review needs at least one peer country (--peer)"),
])
def test_peer_review_without_host_or_peers_is_refused(ministries, extra, message):
    before = ministries.fingerprint()
    result = peer_review(ministries, *extra)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: activity 'Peer review: activation of long-term unemployed migrants':")
    assert message in result.stderr
    assert ministries.fingerprint() == before


def test_the_host_cannot_be_a_peer(ministries):
    before = ministries.fingerprint()
    result = peer_review(ministries, "--host", "1", "--peer", "1")
    assert result.exit_code == 1
    assert "cannot also be one of its peers" in result.stderr
    assert ministries.fingerprint() == before


def test_thematic_events_and_conferences_need_no_host(env):
    for kind in ("thematic_event", "conference"):
        result = env.run("activities", "add", "--network", "mutual_learning", "--kind", kind, "--title",
                         f"A {kind}", "--start", "2026-11-10")
        assert result.exit_code == 0, result.output


def test_thematic_event_is_a_kind_the_plugin_adds(env):
    env.load("pes")
    before = env.fingerprint()
    result = env.run("activities", "add", "--network", "pes", "--kind", "thematic_event", "--title", "T",
                     "--start", "2026-11-10")
    assert result.exit_code == 1
    assert "unknown kind of activity 'thematic_event'" in result.stderr
    assert env.fingerprint() == before


def test_demo_conference_is_an_mlp_conference(env):
    from peerlearn_plugins.demo.data import MLC_TITLE

    assert env.run("demo", "--force").exit_code == 0
    found = json.loads(env.run("activities", "list", "--network", "mutual_learning", "--json").stdout)
    assert [a["kind"] for a in found if a["title"] == MLC_TITLE] == ["conference"]
