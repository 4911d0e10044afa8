"""How records are kept and shown."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from peerlearn.models import Activity, Member, Membership, Network, Output, Role, Session
from peerlearn.registry.records import change_json, public, public_json

BRUSSELS = ZoneInfo("Europe/Brussels")
START = dt.datetime(2027, 3, 29, 9, 30, tzinfo=BRUSSELS)

RECORDS = [
    Member(name="VDAB", country="BE", email="info@vdab.example", id=7, feed_token="secret"),
    Member(name='Quote " and ünïcode \\', country="BE", id=1),
    Membership(member_id=7, network="jobs", role="chair"),
    Membership(member_id=7, network="jobs", category='Quote " ünïcode', since=dt.date(2018, 1, 1),
               until=dt.date(2019, 12, 31)),
    Network(slug="jobs", name="Jobs network", countries=("BE", "NL"), categories=("ministry",)),
    Activity(network="jobs", kind="workshop", title="Ateliê — «inclusão»", start=START,
             end=START + dt.timedelta(hours=8), timezone="Europe/Brussels", peer_member_ids=(3, 1), id=4),
    Session(activity_id=4, title="Opening", start=START, end=START + dt.timedelta(hours=1),
            timezone="Europe/Brussels", id=2),
    Role(session_id=2, name="Anila Noor", role="speaker", email="a@example.org", id=9),
    Output(activity_id=4, kind="paper", title="Paper", url="https://example.org/p", date=dt.date(2027, 5, 1)),
]


@pytest.mark.parametrize("record", RECORDS, ids=lambda record: type(record).__name__)
def test_the_fast_change_text_is_the_change_logs_text_of_the_public_fields(record):
    assert public_json(record) == change_json(public(record))
    assert json.loads(public_json(record)) == public(record)


def test_private_fields_stay_out_of_the_change_text():
    text = public_json(RECORDS[0])
    assert "secret" not in text and "info@vdab.example" not in text and '"email": "(private)"' in text
    assert "email" not in public_json(RECORDS[1])  # no address: nothing to hide, nothing said
