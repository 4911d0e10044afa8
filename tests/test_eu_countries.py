"""The EU's membership over time, and networks that admit the EU countries of a membership's dates."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from peerlearn import countries

D = dt.date


@pytest.mark.parametrize("day, count, present, absent", [
    (D(1994, 12, 31), 12, {"GB", "DE", "GR", "PT"}, {"AT", "FI", "SE"}),
    (D(1995, 1, 1), 15, {"AT", "FI", "SE"}, {"PL", "CY"}),
    (D(2004, 5, 1), 25, {"PL", "CY", "MT", "EE"}, {"BG", "RO"}),
    (D(2007, 1, 1), 27, {"BG", "RO"}, {"HR"}),
    (D(2013, 7, 1), 28, {"HR", "GB"}, set()),
    (D(2020, 1, 31), 28, {"GB"}, set()),    # the United Kingdom's last day as a Member State
    (D(2020, 2, 1), 27, {"HR", "IE"}, {"GB"}),
    (D(2040, 1, 1), 27, {"DE"}, {"GB", "NO", "CH", "EU"}),
])
def test_the_eu_on_a_day(day, count, present, absent):
    states = countries.eu_member_states(day)
    assert len(states) == count
    assert present <= states and not absent & states


def test_today_s_member_states_are_the_27_since_brexit():
    assert countries.EU_MEMBER_STATES == countries.eu_member_states(D(2020, 2, 1))
    assert len(countries.EU_MEMBER_STATES) == 27 and "GB" not in countries.EU_MEMBER_STATES
    assert all(code in countries.ISO_3166_ALPHA2 for code in countries.EU_MEMBERSHIP)


def test_a_span_counts_only_those_in_the_eu_on_every_day_of_it():
    assert "GB" in countries.eu_member_states(D(2018, 1, 1), D(2019, 12, 31))
    assert "GB" not in countries.eu_member_states(D(2019, 1, 1), D(2020, 2, 1))
    assert "HR" not in countries.eu_member_states(D(2013, 6, 30), D(2014, 1, 1))


@pytest.mark.parametrize("since, until, span", [
    (None, None, (D(2026, 5, 1), D(2026, 5, 1))),                 # no dates: today
    (D(2018, 1, 1), None, (D(2018, 1, 1), D(2026, 5, 1))),        # open: until today
    (D(2030, 1, 1), None, (D(2030, 1, 1), D(2030, 1, 1))),        # begins later: its first day
    (None, D(2019, 12, 31), (D(2019, 12, 31), D(2019, 12, 31))),  # ended: its last day
    (None, D(2030, 1, 1), (D(2026, 5, 1), D(2030, 1, 1))),        # ends later: from today
    (D(2018, 1, 1), D(2019, 12, 31), (D(2018, 1, 1), D(2019, 12, 31))),
])
def test_the_days_a_membership_is_checked_on(since, until, span):
    assert countries.membership_span(since, until, today=D(2026, 5, 1)) == span


def test_the_group_is_named_among_a_network_s_countries():
    from peerlearn import Network

    network = Network(slug="n", name="N", countries=["eu-member-states", "no", "EU"])
    assert network.countries == ("EU-MEMBER-STATES", "NO", "EU")
    admitted = countries.admitted_countries(network.countries, D(2019, 1, 1), D(2019, 1, 1))
    assert {"GB", "NO", "EU", "EU-MEMBER-STATES"} <= admitted and len(admitted) == 31
    with pytest.raises(ValueError, match="EU-MEMBER-STATES, the EU's Member States of a membership's dates"):
        Network(slug="n", name="N", countries=["EU-MEMBERS"])


def test_a_network_made_by_hand_admits_the_eu_of_the_dates(env):
    added = env.run("networks", "add", "eures", "--name", "EURES coordination", "--country", "EU-MEMBER-STATES",
                    "--country", "CH")
    assert added.exit_code == 0, added.output
    shown = json.loads(env.run("networks", "show", "eures", "--json").stdout)
    assert shown["countries"] == ["EU-MEMBER-STATES", "CH"]
    for name, country in (("DWP", "GB"), ("SECO", "CH"), ("HZZ", "HR")):
        assert env.run("members", "add", name, "--country", country).exit_code == 0
    assert env.run("members", "join", "SECO", "eures").exit_code == 0
    assert env.run("members", "join", "DWP", "eures", "--since", "2010-01-01", "--until", "2019-12-31").exit_code == 0
    before = env.fingerprint()
    refused = env.run("members", "join", "HZZ", "eures", "--since", "2010-01-01", "--until", "2019-12-31")
    assert refused.exit_code == 1 and env.fingerprint() == before
    assert refused.stderr == (
        "Error: member 'HZZ' in eures: EURES coordination admits only members from the EU Member States of the"
        " membership's dates and CH; 'HZZ' is from HR (HR has been an EU Member State since 2013-07-01; this"
        " membership runs from 2010-01-01 to 2019-12-31)\n")
