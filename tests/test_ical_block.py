"""The feeds' own serializer of an event writes what icalendar's ``to_ical`` writes, byte for byte.

``peerlearn.feeds.ical.block`` skips parts of icalendar's serializer that
most properties do not need (a parameter list, folding character by
character); these tests hold it to icalendar's output on events of every
shape a feed carries and on random lines, so that a change of either shows.
"""

import datetime as dt
import random
from zoneinfo import ZoneInfo

import icalendar
import pytest
from icalendar.parser import Contentline

from peerlearn.feeds import ical

ALPHABET = "ab ;,:\\^\"\n\t=xyzé☕🧭ü" + "0123456789"


def _random_text(rng: random.Random, longest: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(longest)))


@pytest.mark.parametrize("seed", range(40))
def test_a_random_line_is_folded_as_icalendar_folds_it(seed):
    rng = random.Random(seed)
    for _ in range(50):
        line = "X-PROP:" + _random_text(rng, 400).replace("\n", "\\n")
        assert ical.fold(line) == Contentline(line).to_ical().decode("utf-8")


@pytest.mark.parametrize("length", range(60, 160))
@pytest.mark.parametrize("escape", ["\\", "^", "x"])
def test_an_escape_at_every_place_of_a_fold_stays_with_what_it_escapes(length, escape):
    for at in range(max(0, length - 90), length):
        line = "DESCRIPTION:" + "a" * at + escape + "n" + "b" * (length - at)
        assert ical.fold(line) == Contentline(line).to_ical().decode("utf-8")


def _event(rng: random.Random) -> icalendar.Event:
    zone = ZoneInfo(rng.choice(["Europe/Brussels", "America/New_York", "UTC", "Asia/Kolkata"]))
    start = dt.datetime(2027, 1, 1, tzinfo=zone) + dt.timedelta(minutes=rng.randrange(10**6))
    event = icalendar.Event()
    event.add("uid", f"session-{rng.randrange(10**6)}.activity@example.org")
    event.add("dtstamp", dt.datetime(2026, 5, 1, 12, tzinfo=dt.timezone.utc))
    event.add("sequence", rng.randrange(5))
    event.add("summary", _random_text(rng, 120))
    if rng.random() < 0.3:
        event.add("dtstart", start.date())
        event.add("dtend", start.date() + dt.timedelta(days=1))
    else:
        event.add("dtstart", start)
        event.add("dtend", start + dt.timedelta(hours=2))
    if rng.random() < 0.3:
        event.add("rrule", {"FREQ": "WEEKLY", "COUNT": 5})
        event.add("exdate", start + dt.timedelta(weeks=1))
    event.add("description", _random_text(rng, 3000))
    event.add("location", _random_text(rng, 200))
    event.add("url", "https://example.org/" + "p" * rng.randrange(120))
    event.add("related-to", "parent@example.org", parameters={"RELTYPE": "PARENT"})
    event.add("categories", [_random_text(rng, 30) or "x" for _ in range(rng.randrange(1, 5))])
    event.add("x-plugin-note", _random_text(rng, 150).replace("\n", " "))  # (icalendar refuses a raw line break)
    event.add("color", "steelblue")
    event.add("class", "PUBLIC")
    return event


@pytest.mark.parametrize("seed", range(30))
def test_an_event_is_serialized_as_icalendar_serializes_it(seed):
    rng = random.Random(seed)
    for _ in range(20):
        event = _event(rng)
        assert ical.block(event).encode("utf-8") == event.to_ical()


def test_a_serialized_event_parses_back_to_the_same_properties():
    event = _event(random.Random(7))
    parsed = icalendar.Event.from_ical(ical.block(event))
    assert str(parsed["description"]) == str(event["description"])
    assert parsed.decoded("dtstart") == event.decoded("dtstart")
    assert [str(c) for c in parsed["categories"].cats] == [str(c) for c in event["categories"].cats]
