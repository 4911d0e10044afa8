"""The models' own checks."""

import datetime as dt

import attrs
import pytest

from peerlearn import Activity, Member, Membership, Network
from peerlearn.timeutil import parse_moment

START = parse_moment("2026-06-10 09:30", "Europe/Brussels")[0]


def activity(**fields):
    values = dict(network="pes", kind="event", title="Event", start=START, end=START + dt.timedelta(hours=2))
    values.update(fields)
    return Activity(**values)


def test_activity_must_end_after_it_starts():
    with pytest.raises(ValueError, match="ends .* before it starts"):
        activity(end=START - dt.timedelta(minutes=1))


def test_activity_times_must_be_aware():
    with pytest.raises(ValueError, match="timezone-aware"):
        activity(start=dt.datetime(2026, 6, 10, 9, 30), end=dt.datetime(2026, 6, 10, 11))


def test_activity_status_must_be_known():
    with pytest.raises(ValueError, match="status must be one of"):
        activity(status="postponed")
    assert activity(status="tentative").status == "tentative"


def test_member_country_must_be_iso():
    with pytest.raises(ValueError, match="not an ISO 3166-1 alpha-2"):
        Member(name="Ministry", country="XX")
    assert Member(name="Ministry", country="be").country == "BE"
    assert Member(name="Hellenic PES", country="EL").country == "GR"
    assert Member(name="European Commission", country="EU").country == "EU"


def test_member_email_is_checked():
    with pytest.raises(ValueError, match="not an email"):
        Member(name="Ministry", country="BE", email="not-an-address")


def test_membership_cannot_end_before_it_begins():
    with pytest.raises(ValueError, match="cannot end before"):
        Membership(member_id=1, network="pes", since=dt.date(2026, 1, 1), until=dt.date(2025, 1, 1))


def test_network_slug_and_timezone_are_checked():
    with pytest.raises(ValueError, match="lower-case"):
        Network(slug="Bad Slug", name="Bad")
    with pytest.raises(ValueError, match="unknown timezone"):
        Network(slug="good", name="Good", timezone="Mars/Olympus")


def test_evolve_validates_again():
    with pytest.raises(ValueError):
        attrs.evolve(activity(), end=START)


def test_every_country_code_has_a_name_of_its_own():
    from peerlearn.countries import EU_INSTITUTIONS, ISO_3166_ALPHA2, country_label, country_name

    names = {code: country_name(code) for code in (*ISO_3166_ALPHA2, EU_INSTITUTIONS)}
    assert all(name and name != code for code, name in names.items())
    assert len(set(names.values())) == len(names)  # no two codes read alike
    assert [country_label(code) for code in ("BE", "CZ", "GR", "EU", "")] == [
        "Belgium (BE)", "Czechia (CZ)", "Greece (GR)", "European Union (EU)", ""]
    assert country_label("XX") == "XX"  # a code stored before the list changed shows as itself
