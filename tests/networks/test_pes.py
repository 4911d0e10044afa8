"""The European Network of Public Employment Services (PES) plugin, through the CLI."""

import json

import pytest

WHO_MAY_JOIN = "the public employment services of the EU countries, Norway and Iceland, and the Commission"


def add(env, name, country, category="public employment service"):
    return env.run("members", "add", name, "--country", country, "--category", category, "--network", "pes")


@pytest.mark.parametrize("name, country", [("NAV", "NO"), ("Vinnumálastofnun", "IS"), ("VDAB", "BE"),
                                           ("EURES coordination, DG EMPL", "EU"), ("ΔΥΠΑ", "EL")])
def test_eu_countries_norway_iceland_and_the_commission_join(env, name, country):
    category = "European Commission" if country == "EU" else "public employment service"
    result = add(env, name, country, category)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("name, country", [("Staatssekretariat für Wirtschaft", "CH"),
                                           ("Jobcentre Plus", "UK"), ("Amt für Volkswirtschaft", "LI"),
                                           ("İŞKUR", "TR")])
def test_member_from_elsewhere_is_refused_saying_who_may_join(env, name, country):
    before = env.fingerprint()
    result = add(env, name, country)
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert f"Error: member {name!r} in pes: PES Network admits only {WHO_MAY_JOIN}" in result.stderr
    assert env.fingerprint() == before


def test_joining_later_is_refused_the_same_way(env):
    assert env.run("members", "add", "SECO", "--country", "CH", "--category", "public employment service").exit_code == 0
    before = env.fingerprint()
    result = env.run("members", "join", "SECO", "pes")
    assert result.exit_code == 1
    assert WHO_MAY_JOIN in result.stderr
    assert env.fingerprint() == before


def test_completed_event_carries_a_published_paper(env):
    assert env.run("activities", "add", "--network", "pes", "--kind", "event", "--title",
                   "PES Network event on the integration of refugees", "--start", "2025-02-11").exit_code == 0
    assert env.run("activities", "complete", "1").exit_code == 0
    result = env.run("outputs", "add", "1", "--kind", "paper", "--title",
                     "Key considerations on the labour market integration of refugees",
                     "--url", "https://example.org/pes-paper")
    assert result.exit_code == 0, result.output
    shown = json.loads(env.run("activities", "show", "1", "--json").stdout)
    assert shown["status"] == "completed"
    assert [(o["kind"], o["title"]) for o in shown["outputs"]] == [
        ("paper", "Key considerations on the labour market integration of refugees")]


def test_events_and_peer_reviews_but_no_site_visits(env):
    before = env.fingerprint()
    result = env.run("activities", "add", "--network", "pes", "--kind", "site_visit", "--title", "Visit",
                     "--start", "2026-04-14")
    assert result.exit_code == 1
    assert "PES Network runs no activity of kind 'site_visit'" in result.stderr
    assert env.fingerprint() == before
