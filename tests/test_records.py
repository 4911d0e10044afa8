"""How records are kept and shown."""

import datetime as dt
import json

from peerlearn.models import Member, Membership
from peerlearn.registry.member_csv import _change_json, _membership_json
from peerlearn.registry.records import public


def test_bulk_import_change_rows_match_the_general_form():
    member = Member(name="VDAB", country="BE", email="info@vdab.example", id=7, feed_token="secret")
    assert json.loads(_change_json(member)) == public(member)
    assert "secret" not in _change_json(member) and "info@vdab.example" not in _change_json(member)


def test_bulk_import_membership_rows_match_the_general_form():
    for membership in (Membership(member_id=7, network="pes", role="chair"),
                       Membership(member_id=7, network="pes", category='Quote " ünïcode', since=dt.date(2018, 1, 1),
                                  until=dt.date(2019, 12, 31))):
        assert json.loads(_membership_json(membership)) == public(membership)
    assert json.loads(_change_json(Member(name='Quote " and ünïcode \\', country="BE", id=1)))["name"] == (
        'Quote " and ünïcode \\')
