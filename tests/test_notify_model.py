"""The records of the outbox on their own: folding a digest, addresses, the iTIP object."""

import icalendar
import pytest
import vobject

from peerlearn.emails import is_email_address
from peerlearn.notify import Item, Notice
from peerlearn.notify.itip import calendar
from peerlearn.notify.model import fold


def item(uid="e1", sequence=1, method="REQUEST", **fields):
    return Item(uid=uid, sequence=sequence, method=method, entity="activity", activity_id=1, title="Workshop",
                start=fields.pop("start", "2030-01-01T09:00:00Z"), **fields)


def test_fold_keeps_the_first_before_and_the_last_after():
    first = item(sequence=2, what=("moved",), changes=[("When", "Mon 09:00", "Tue 09:00")])
    second = item(sequence=3, what=("moved",), changes=[("When", "Tue 09:00", "Wed 09:00"), ("Where", "A", "B")])
    (folded,) = fold([first], [second])
    assert folded.sequence == 3 and folded.changes == (("When", "Mon 09:00", "Wed 09:00"), ("Where", "A", "B"))


def test_fold_drops_a_value_changed_back():
    first = item(changes=[("Where", "A", "B"), ("When", "Mon", "Tue")])
    second = item(sequence=2, changes=[("Where", "B", "A")])
    (folded,) = fold([first], [second])
    assert folded.changes == (("When", "Mon", "Tue"),)
    assert fold([item(changes=[("Where", "A", "B")])], [second]) == [], "nothing left to tell"


def test_fold_drops_an_event_whose_changes_cancel_out():
    cancelled = item(sequence=2, method="CANCEL", whole=True, changes=[("Status", "confirmed", "cancelled")])
    reinstated = item(sequence=3, what=("reinstated",), changes=[("Status", "cancelled", "confirmed")])
    assert fold([cancelled], [reinstated]) == []
    moved_up = item(sequence=3, what=("moved up",))
    assert fold([item(what=("waitlisted",))], [moved_up])[0].what == ("waitlisted", "moved up")


def test_fold_news_stays_news_and_news_cancelled_is_no_news():
    invited = item(new=True, what=("invited",))
    moved = item(sequence=2, what=("moved",), changes=[("When", "Mon", "Tue")])
    (folded,) = fold([invited], [moved])
    assert folded.new and folded.changes == () and folded.sequence == 2
    assert fold([invited], [item(sequence=3, method="CANCEL", whole=True)]) == []
    # an event they already know of, cancelled: the cancellation is the news
    (cancelled,) = fold([moved], [item(sequence=3, method="CANCEL", whole=True)])
    assert cancelled.method == "CANCEL" and cancelled.sequence == 3


def test_fold_orders_a_digest_by_start():
    later, sooner = item(uid="b", start="2030-02-01T09:00:00Z"), item(uid="a", start="2030-01-15T09:00:00Z")
    assert [i.uid for i in fold([later], [sooner])] == ["a", "b"]


def test_a_notice_checks_its_addresses_and_says_why_it_is_held():
    with pytest.raises(ValueError, match="not an email address"):
        Notice(kind="update", network="pes", name="Ann", email="ann@")
    with pytest.raises(ValueError, match="not an address"):
        Notice(kind="update", network="pes", name="Ann", sender="Secretariat")
    assert Notice(kind="update", network="pes", name="Ann", member_id=3).held == "no email"
    assert Notice(kind="update", network="pes", name="Ann", email="a@b.org", opted_out=True).held == "opted out"
    assert Notice(kind="update", network="pes", name="Ann", email="Ann@B.org").person == "ann@b.org"


@pytest.mark.parametrize("text, valid", [
    ("ann@example.org", True), ("ann.o'neil+mlp@sub.example.co.uk", True), ("ops@localhost", True),
    ("ann@", False), ("@example.org", False), ("ann@@example.org", False), ("ann@exa mple.org", False),
    ("Ann <ann@example.org>", False), ("ann..x@example.org", False), ("ann@-example.org", False),
    ("ann@example.123", False), ("", False), ("a" * 65 + "@example.org", False),
])
def test_what_counts_as_an_email_address(text, valid):
    assert is_email_address(text) is valid


BLOCK = ("BEGIN:VEVENT\r\nUID:e1@peerlearn\r\nDTSTAMP:20300101T000000Z\r\nSEQUENCE:4\r\n"
         "DTSTART;TZID=Europe/Brussels:20300110T093000\r\nDTEND;TZID=Europe/Brussels:20300110T170000\r\n"
         "SUMMARY:Workshop\r\nSTATUS:CONFIRMED\r\nEND:VEVENT\r\n")


@pytest.mark.parametrize("method, whole, status", [("REQUEST", True, "CONFIRMED"), ("CANCEL", True, "CONFIRMED"),
                                                   ("CANCEL", False, None)])
def test_the_itip_object_is_read_alike_by_two_parsers(method, whole, status):
    text = calendar(method, BLOCK, organizer=("MLP, Secretariat", "mlp@example.org"),
                    attendee=("Anna Müller", "anna@example.org"), whole=whole, tzid="Europe/Brussels",
                    years=(2030, 2031))
    parsed = icalendar.Calendar.from_ical(text)
    (event,) = parsed.walk("VEVENT")
    assert str(parsed["METHOD"]) == method and int(event["SEQUENCE"]) == 4
    assert event.get("STATUS") == status
    assert event["ORGANIZER"].params["CN"] == "MLP, Secretariat"
    other = vobject.readOne(text)
    assert other.method.value == method
    assert other.vevent.attendee.value.lower() == "mailto:anna@example.org"
    assert other.vevent.attendee.params["CN"] == ["Anna Müller"]
    assert other.vevent.dtstart.value.tzinfo is not None
    with pytest.raises(ValueError):
        calendar("REQUEST", "BEGIN:VTODO\r\nEND:VTODO\r\n", organizer=("", "a@b.org"), attendee=("", "c@d.org"))


def test_the_public_names_of_the_notify_package():
    import peerlearn.notify

    assert peerlearn.notify.Notice is Notice
    with pytest.raises(AttributeError, match="it offers Notice, Item"):
        peerlearn.notify.Outbox
