"""The calendar part of a notice: one iTIP (RFC 5546) object per event.

``METHOD:REQUEST`` adds or updates the event (same UID, the feed's
SEQUENCE, so a calendar updates the entry it holds); ``METHOD:CANCEL``
removes it — with ``STATUS:CANCELLED`` when the whole event is cancelled,
without a STATUS when only this person is no longer on it, as RFC 5546
§3.2.5 asks. iTIP allows one UID per object, so a digest about several
events carries several calendar parts (iMIP, RFC 6047). The VEVENT is the
feeds' own text (kept in ``outbox_events``) with the ORGANIZER (the sender)
and the ATTENDEE (the recipient) added; each TZID it uses gets a VTIMEZONE.
"""

from __future__ import annotations

from functools import lru_cache

PRODID = "-//peerlearn//peerlearn notices//EN"


def _address_line(name: str, display: str, email: str, **params: str) -> str:
    from icalendar import vCalAddress
    from icalendar.parser import Contentline

    address = vCalAddress(f"mailto:{email}")
    if display:
        address.params["CN"] = display
    for key, value in params.items():
        address.params[key.upper().replace("_", "-")] = value
    return Contentline.from_parts(name, address.params, address.to_ical().decode()).to_ical().decode()


@lru_cache(maxsize=64)
def _timezone(tzid: str, first_year: int | None) -> str:
    from ..feeds import ical

    return ical.timezone_block(tzid, first_year)


def calendar(method: str, block: str, *, organizer: tuple[str, str], attendee: tuple[str, str],
             partstat: str = "NEEDS-ACTION", role: str = "REQ-PARTICIPANT", whole: bool = True,
             tzid: str = "", years: tuple[int, int] | None = None) -> str:
    """The iTIP object for one event: ``block`` (a serialized VEVENT) sent by ``organizer`` to ``attendee``.

    ``organizer`` and ``attendee`` are (name, address) pairs; ``whole`` says
    whether a CANCEL cancels the event (else it takes this attendee off it).
    """
    lines = block.rstrip("\r\n").split("\r\n")
    if lines[0] != "BEGIN:VEVENT" or lines[-1] != "END:VEVENT":
        raise ValueError("an event block must be one VEVENT")
    body = lines[:-1]
    if method == "CANCEL" and not whole:
        body = [line for line in body if not line.startswith("STATUS:")]
    elif method == "CANCEL" and not any(line.startswith("STATUS:") for line in body):
        body.append("STATUS:CANCELLED")
    body.append(_address_line("ORGANIZER", organizer[0], organizer[1]))
    body.append(_address_line("ATTENDEE", attendee[0], attendee[1], role=role,
                              partstat="DECLINED" if method == "CANCEL" and not whole else partstat, rsvp="FALSE"))
    body.append("END:VEVENT")
    parts = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", f"METHOD:{method}"]
    text = "\r\n".join(parts) + "\r\n"
    if tzid:
        text += _timezone(tzid, years[0] if years else None)
    return text + "\r\n".join(body) + "\r\nEND:VCALENDAR\r\n"
