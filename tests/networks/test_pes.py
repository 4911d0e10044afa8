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
    assert env.run("members", "add", "SECO", "--country", "CH").exit_code == 0
    before = env.fingerprint()
    result = env.run("members", "join", "SECO", "pes", "--category", "public employment service")
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


# -- the EU countries of the membership's dates -----------------------------------------------------------


def join_uk(env, *dates):
    return env.run("members", "join", "Jobcentre Plus", "pes", "--category", "public employment service", *dates)


def test_a_uk_service_was_a_member_while_the_uk_was_in_the_eu(env):
    assert env.run("members", "add", "Jobcentre Plus", "--country", "UK").exit_code == 0
    result = join_uk(env, "--since", "2018-01-01", "--until", "2019-12-31")
    assert result.exit_code == 0, result.output
    (membership,) = json.loads(env.run("members", "show", "Jobcentre Plus", "--json").stdout)["memberships"]
    assert (membership["since"], membership["until"]) == ("2018-01-01", "2019-12-31")
    # the day the United Kingdom left is its last day in the EU; the day after is not
    assert join_uk(env, "--until", "2020-01-31").exit_code == 0
    before = env.fingerprint()
    refused = join_uk(env, "--until", "2020-02-01")
    assert refused.exit_code == 1 and env.fingerprint() == before


@pytest.mark.parametrize("dates, when", [
    (["--since", "2021-01-01", "--until", "2021-12-31"], "this membership runs from 2021-01-01 to 2021-12-31"),
    (["--since", "2019-01-01"], "this membership runs from 2019-01-01, with no end"),
    ([], "a membership without dates is checked on today's date"),
])
def test_a_uk_service_after_the_uk_left_is_refused_saying_when_the_uk_was_in(env, dates, when):
    assert env.run("members", "add", "Jobcentre Plus", "--country", "UK").exit_code == 0
    before = env.fingerprint()
    result = join_uk(env, *dates)
    assert result.exit_code == 1
    assert result.stderr == (f"Error: member 'Jobcentre Plus' in pes: PES Network admits only {WHO_MAY_JOIN};"
                             f" 'Jobcentre Plus' is from GB (GB was an EU Member State from 1973-01-01 to"
                             f" 2020-01-31; {when})\n")
    assert env.fingerprint() == before


def test_a_membership_without_dates_is_checked_on_the_day_taken_as_today(env):
    assert env.run("members", "add", "Jobcentre Plus", "--country", "UK").exit_code == 0
    assert env.run("--today", "2019-06-01", "members", "join", "Jobcentre Plus", "pes", "--category",
                   "public employment service").exit_code == 0
    assert env.run("members", "leave", "Jobcentre Plus", "pes").exit_code == 0
    result = env.run("members", "join", "Jobcentre Plus", "pes", "--category", "public employment service",
                     env={"PEERLEARN_TODAY": "2019-06-01"})
    assert result.exit_code == 0, result.output
    assert env.run("members", "leave", "Jobcentre Plus", "pes").exit_code == 0
    assert join_uk(env).exit_code == 1  # on the system's date the UK is out


def test_croatia_joins_from_its_accession(env):
    assert env.run("members", "add", "HZZ", "--country", "HR").exit_code == 0
    args = ["members", "join", "HZZ", "pes", "--category", "public employment service"]
    refused = env.run(*args, "--since", "2012-01-01", "--until", "2013-12-31")
    assert refused.exit_code == 1
    assert "(HR has been an EU Member State since 2013-07-01; this membership runs from 2012-01-01" in refused.stderr
    assert env.run(*args, "--since", "2013-07-01").exit_code == 0


def test_an_import_checks_each_row_on_its_own_dates(env, tmp_path):
    path = tmp_path / "members.csv"
    path.write_text("name,country,network,category,since,until\n"
                    "Jobcentre Plus,UK,pes,public employment service,2015-01-01,2019-12-31\n"
                    "VDAB,BE,pes,public employment service,,\n", encoding="utf-8")
    assert env.run("members", "import", str(path)).exit_code == 0
    path.write_text("name,country,network,category,since\n"
                    "DWP,UK,pes,public employment service,2021-03-01\n", encoding="utf-8")
    before = env.fingerprint()
    result = env.run("members", "import", str(path))
    assert result.exit_code == 1 and f"{path} line 2: member 'DWP' in pes: PES Network admits only" in result.stderr
    assert env.fingerprint() == before
