"""The European Integration Network (EIN) plugin, through the CLI."""

import json

import pytest


def add(env, name, country, category, member_type="organisation"):
    return env.run("members", "add", name, "--country", country, "--category", category, "--type", member_type,
                   "--network", "integration_network")


def test_network_admits_the_member_states_and_the_commission(env):
    network = json.loads(env.run("networks", "show", "integration_network", "--json").stdout)
    assert network["acronym"] == "EIN"
    # the EU of each membership's dates, and the Commission
    assert sorted(network["countries"]) == ["EU", "EU-MEMBER-STATES"]
    assert network["kinds"] == ["study_visit", "peer_review", "workshop"]


@pytest.mark.parametrize("name, country, category", [
    ("Bundesamt für Migration und Flüchtlinge", "DE", "National Contact Point on Integration"),
    ("Integrationsfonds Österreich", "AT", "National Contact Point on Integration"),
    ("European Commission, DG HOME", "EU", "European Commission"),
])
def test_member_state_authorities_and_the_commission_join(env, name, country, category):
    result = add(env, name, country, category)
    assert result.exit_code == 0, result.output
    members = json.loads(env.run("members", "list", "--network", "integration_network", "--json").stdout)
    assert [m["name"] for m in members] == [name]


@pytest.mark.parametrize("name, country, category, message", [
    ("Staatssekretariat für Migration", "CH", "National Contact Point on Integration",
     "EIN admits only Member State authorities (National Contact Points on Integration) and the Commission;"
     " 'Staatssekretariat für Migration' is from CH"),
    ("Utlendingsdirektoratet", "NO", "National Contact Point on Integration", "is from NO"),
    ("Caritas Österreich", "AT", "stakeholder", "no member category 'stakeholder'"),
    ("Ministry of Interior of Czechia", "CZ", "European Commission",
     "a Member State joins EIN through its National Contact Point on Integration"),
    ("Eurostat", "EU", "National Contact Point on Integration", "the EU member of EIN is the Commission"),
])
def test_member_that_is_not_a_member_state_authority_is_refused(env, name, country, category, message):
    before = env.fingerprint()
    result = add(env, name, country, category)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: member {name!r} in integration_network:")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert env.fingerprint() == before


def test_a_person_is_refused(env):
    before = env.fingerprint()
    result = add(env, "Jane Expert", "BE", "National Contact Point on Integration", member_type="person")
    assert result.exit_code == 1
    assert "EIN members are Member State authorities, not people" in result.stderr
    assert env.fingerprint() == before


def test_moving_a_member_outside_the_eu_is_refused(env):
    assert add(env, "Migrationsverket", "SE", "National Contact Point on Integration").exit_code == 0
    before = env.fingerprint()
    result = env.run("members", "edit", "Migrationsverket", "--country", "NO")
    assert result.exit_code == 1
    assert "is from NO" in result.stderr
    assert env.fingerprint() == before


def test_targeted_learning_activities_only(env):
    ok = env.run("activities", "add", "--network", "integration_network", "--kind", "study_visit",
                 "--title", "Study visit: civic orientation", "--start", "2026-09-15")
    assert ok.exit_code == 0, ok.output
    before = env.fingerprint()
    refused = env.run("activities", "add", "--network", "integration_network", "--kind", "conference",
                      "--title", "Big conference", "--start", "2026-10-06")
    assert refused.exit_code == 1
    assert "EIN runs no activity of kind 'conference'" in refused.stderr
    assert env.fingerprint() == before


def test_a_member_state_of_the_membership_dates_joins(env):
    result = env.run("members", "add", "Home Office", "--country", "GB")
    assert result.exit_code == 0
    args = ["members", "join", "Home Office", "integration_network", "--category",
            "National Contact Point on Integration"]
    assert env.run(*args, "--since", "2016-01-01", "--until", "2019-06-30").exit_code == 0
    refused = env.run(*args, "--until", "2021-06-30")
    assert refused.exit_code == 1 and "GB was an EU Member State from 1973-01-01 to 2020-01-31" in refused.stderr
