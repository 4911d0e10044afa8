"""Times typed by people become aware datetimes, or a clear refusal."""

import datetime as dt

import pytest

from peerlearn.timeutil import from_local_text, localize, parse_moment, parse_span, to_local_text, to_utc_text


def test_date_and_time_forms_are_understood_in_the_given_zone():
    moment, date_only = parse_moment("2026-06-10 09:30", "Europe/Brussels")
    assert not date_only
    assert moment.utcoffset() == dt.timedelta(hours=2)
    assert to_utc_text(moment) == "2026-06-10T07:30:00Z"
    assert parse_moment("2026-06-10T09:30", "Europe/Brussels")[0] == moment
    day, date_only = parse_moment("2026-06-10", "Europe/Lisbon")
    assert date_only and day.hour == 0 and day.utcoffset() == dt.timedelta(hours=1)


def test_nonexistent_local_time_at_spring_forward_is_refused():
    with pytest.raises(ValueError, match="does not exist in Europe/Brussels"):
        parse_moment("2026-03-29 02:30", "Europe/Brussels")


def test_ambiguous_local_time_at_fall_back_is_refused():
    with pytest.raises(ValueError, match="ambiguous in Europe/Brussels"):
        localize(dt.datetime(2026, 10, 25, 2, 30), "Europe/Brussels")


def test_unknown_zone_is_refused():
    with pytest.raises(ValueError, match="unknown timezone 'Europe/Atlantis'"):
        parse_moment("2026-06-10 09:30", "Europe/Atlantis")


@pytest.mark.parametrize("text", ["10/06/2026", "2026-13-01", "2026-06-10 25:00", "tomorrow"])
def test_malformed_moments_are_refused(text):
    with pytest.raises(ValueError):
        parse_moment(text, "UTC")


def test_span_of_dates_is_all_day_with_exclusive_end():
    start, end, all_day = parse_span("2026-06-10", "2026-06-11", "Europe/Brussels")
    assert all_day
    assert end - start == dt.timedelta(days=2)
    start, end, all_day = parse_span("2026-06-10 09:00", "17:30", "Europe/Brussels")
    assert not all_day and (end - start) == dt.timedelta(hours=8, minutes=30)
    with pytest.raises(ValueError, match="an end is needed"):
        parse_span("2026-06-10 09:00", None, "UTC")
    with pytest.raises(ValueError, match="both"):
        parse_span("2026-06-10", "2026-06-11 10:00", "UTC")


def test_local_wall_time_survives_a_round_trip():
    moment = parse_moment("2026-11-02 09:30", "America/New_York")[0]
    text = to_local_text(moment, "America/New_York")
    assert text == "2026-11-02T09:30:00"
    back = from_local_text(text, "America/New_York")
    assert back == moment and back.tzinfo is not None
