"""Notices: queued with the change, received by a real SMTP server, applied by calendars.

The server is aiosmtpd in the test process; each calendar part is read by
two independent parsers (icalendar and vobject) and compared with the
feed's own event.
"""

import json

import icalendar
import vobject

from mailserver import MailServer
from notifying import PANEL, calendar_parts, day, feed_events, ok, outbox, session_uid, weekday


def test_moving_a_session_tells_each_person_on_it_and_each_registered_participant_once(conference):
    env = conference
    uid = session_uid(env, env.conference, PANEL)
    sequence_before = int(feed_events(env, env.conference)[uid]["SEQUENCE"])
    held_before = {row["id"] for row in outbox(env)}

    ok(env, "sessions", "move", str(env.conference), PANEL, "--start", day(env) + " 10:00", "--end", "10:50")

    queued = [row for row in outbox(env, "--status", "queued")]
    assert sorted(row["to"] for row in queued) == sorted(["BusinessEurope", "Thomas Liebig",
                                                          "Bundesministerium für Arbeit und Soziales"])
    assert all(len(row["items"]) == 1 and row["items"][0]["uid"] == uid for row in queued)
    # the others on the panel and the registered participants without an address are held, not lost
    held = [row for row in outbox(env, "--status", "held") if any(i["uid"] == uid for i in row["items"])]
    assert {"Katarina Ivankovic Knezevic", "Armelle Ledan", "Ministry of Social Affairs of Estonia"} <= {
        row["to"] for row in held}
    assert all(row["held"] == "no email" for row in held)
    assert held_before <= {row["id"] for row in outbox(env)}

    with MailServer() as server:
        result = ok(env, "notify", "send", env=server.env())
        assert "Sent 3 messages" in result.stdout
        received = server.messages()
        assert sorted(m["To"].addresses[0].addr_spec for m in received) == [
            "bmas@bund.example", "secretariat@businesseurope.example", "thomas@oecd.example"]
        feed = feed_events(env, env.conference)[uid]
        for message in received:
            assert message["From"].addresses[0].addr_spec == "secretariat@mlp.example.org"
            assert str(message["Subject"]).strip().startswith("Moved: Opening panel")
            assert message["Auto-Submitted"] == "auto-generated"
            assert message["Date"] is not None
            text = message.get_body(("plain",)).get_content()
            html = message.get_body(("html",)).get_content()
            assert "10:50" in text and "was " in text and "11:00" in text
            assert "<del>" in html and "10:50" in html
            (part,) = calendar_parts(message)
            assert part.get_param("method") == "REQUEST"
            data = part.get_content()
            calendar = icalendar.Calendar.from_ical(data)
            assert str(calendar["METHOD"]) == "REQUEST"
            (event,) = calendar.walk("VEVENT")
            assert str(event["UID"]) == uid == str(feed["UID"])
            assert int(event["SEQUENCE"]) == int(feed["SEQUENCE"]) > sequence_before
            assert str(event["STATUS"]) == "CONFIRMED"
            assert event.decoded("DTEND").strftime("%H:%M") == "10:50"
            assert str(event["ATTENDEE"]).lower() == f"mailto:{message['To'].addresses[0].addr_spec}"
            assert str(event["ORGANIZER"]).lower() == "mailto:secretariat@mlp.example.org"
            assert calendar.walk("VTIMEZONE"), "a VTIMEZONE for the TZID used"
            # a second, independent parser reads the same
            parsed = vobject.readOne(data)
            assert parsed.method.value == "REQUEST"
            assert parsed.vevent.uid.value == uid
            assert int(parsed.vevent.sequence.value) == int(feed["SEQUENCE"])
        listed = outbox(env, "--all")
        for message in received:
            (row,) = [r for r in listed if r["message_id"] == str(message["Message-ID"]).strip()]
            assert row["status"] == "sent" and row["attempts"] == 1

        # sending twice sends once
        again = ok(env, "notify", "send", env=server.env())
        assert "Sent 0 messages" in again.stdout
        assert len(server.messages()) == 3


def test_cancelling_the_conference_sends_cancel_with_the_feeds_sequence(conference):
    env = conference
    uid = session_uid(env, env.conference, PANEL)
    activity_uid = json.loads(ok(env, "activities", "show", str(env.conference), "--json").stdout)["uid"]
    ok(env, "activities", "cancel", str(env.conference))
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        by_address = {m["To"].addresses[0].addr_spec: m for m in server.messages()}
    feed = feed_events(env, env.conference)
    assert set(by_address) == {"thomas@oecd.example", "bmas@bund.example", "secretariat@businesseurope.example"}
    # a participant's calendar drops the conference; the panellist's drops his session
    for address, expected in (("bmas@bund.example", activity_uid), ("thomas@oecd.example", uid)):
        (part,) = calendar_parts(by_address[address])
        assert part.get_param("method") == "CANCEL"
        calendar = icalendar.Calendar.from_ical(part.get_content())
        (event,) = calendar.walk("VEVENT")
        assert str(calendar["METHOD"]) == "CANCEL"
        assert str(event["UID"]) == expected
        assert str(event["STATUS"]) == "CANCELLED" == str(feed[expected]["STATUS"])
        assert int(event["SEQUENCE"]) == int(feed[expected]["SEQUENCE"])
        assert vobject.readOne(part.get_content()).method.value == "CANCEL"
        assert str(by_address[address]["Subject"]).strip().startswith("Cancelled: ")


def test_changes_before_sending_fold_into_one_digest_from_first_before_to_last_after(conference):
    env = conference
    date = day(env)
    ok(env, "sessions", "move", str(env.conference), PANEL, "--start", f"{date} 10:00", "--end", "10:50")
    ok(env, "sessions", "move", str(env.conference), PANEL, "--start", f"{date} 10:00", "--end", "10:40")
    ok(env, "sessions", "edit", str(env.conference), "welcome", "--room", "Room 2")
    thomas = [row for row in outbox(env, "--status", "queued") if row["to"] == "Thomas Liebig"]
    assert len(thomas) == 1, "one digest per person"
    (item,) = thomas[0]["items"]
    assert item["changes"] == [["When", f"{weekday(date)}, 10:00–11:00 (Europe/Brussels)",
                                f"{weekday(date)}, 10:00–10:40 (Europe/Brussels)"]]
    participant = next(row for row in outbox(env, "--status", "queued") if row["to"] == "BusinessEurope")
    assert [i["title"].split()[0] for i in participant["items"]] == ["Welcome", "Opening"]
    # a value changed and changed back drops out of the digest
    ok(env, "sessions", "edit", str(env.conference), "welcome", "--room", "Plenary hall")
    participant = next(row for row in outbox(env, "--status", "queued") if row["to"] == "BusinessEurope")
    assert [i["title"].split()[0] for i in participant["items"]] == ["Opening"]
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        (message,) = [m for m in server.messages() if m["To"].addresses[0].addr_spec == "thomas@oecd.example"]
        assert "10:40" in message.get_body(("plain",)).get_content()
        calendar = icalendar.Calendar.from_ical(calendar_parts(message)[0].get_content())
        assert calendar.walk("VEVENT")[0].decoded("DTEND").strftime("%H:%M") == "10:40"


def test_dry_run_shows_who_would_be_told_what_and_queues_nothing(conference):
    env = conference
    before = outbox(env, "--all")
    result = ok(env, "sessions", "move", str(env.conference), PANEL, "--start", day(env) + " 10:00", "--end", "10:50",
                "--dry-run")
    assert "Would tell" in result.stdout
    assert "Thomas Liebig: Opening panel" in result.stdout
    assert "Armelle Ledan [no email]" in result.stdout
    assert "thomas@oecd.example" not in result.output
    assert outbox(env, "--all") == before


def test_a_declined_role_gets_a_cancel_that_takes_only_that_person_off(conference):
    env = conference
    roles = json.loads(ok(env, "roles", "list", str(env.conference), "--json").stdout)
    thomas = next(r for r in roles if r["name"] == "Thomas Liebig")
    ok(env, "roles", "decline", str(thomas["id"]))
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        (message,) = server.messages()
    (part,) = calendar_parts(message)
    calendar = icalendar.Calendar.from_ical(part.get_content())
    (event,) = calendar.walk("VEVENT")
    assert str(calendar["METHOD"]) == "CANCEL"
    assert "STATUS" not in event, "RFC 5546: no STATUS when only some attendees are taken off"
    assert event["ATTENDEE"].params["PARTSTAT"] == "DECLINED"
    assert str(message["Subject"]).strip().startswith("Declined: ")


def test_registering_invites_and_a_freed_place_moves_the_next_one_up(env):
    ok(env, "members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service", "--email", "info@vdab.example")
    ok(env, "members", "add", "NAV", "--country", "NO", "--network", "pes", "--category", "public employment service", "--email", "post@nav.example")
    ok(env, "activities", "add", "--network", "pes", "--kind", "event", "--title", "Small event", "--start",
       "2030-03-12 09:30", "--end", "12:00", "--capacity", "1")
    ok(env, "participants", "register", "1", "VDAB")
    ok(env, "participants", "register", "1", "NAV")
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        subjects = {m["To"].addresses[0].addr_spec: m["Subject"] for m in server.messages()}
        assert subjects == {"info@vdab.example": "Registered: Small event",
                            "post@nav.example": "On the waiting list: Small event"}
        ok(env, "participants", "decline", "1", "VDAB")
        ok(env, "notify", "send", env=server.env())
        later = {m["To"].addresses[0].addr_spec: m for m in server.messages()[2:]}
    assert later["post@nav.example"]["Subject"] == "Moved up from the waiting list: Small event"
    assert calendar_parts(later["post@nav.example"])[0].get_param("method") == "REQUEST"
    assert calendar_parts(later["info@vdab.example"])[0].get_param("method") == "CANCEL"


def test_a_person_without_an_email_is_held_counted_and_skipped_by_send(conference):
    env = conference
    ok(env, "sessions", "move", str(env.conference), PANEL, "--start", day(env) + " 10:00", "--end", "10:50")
    held = outbox(env, "--status", "held")
    assert held and all(not row["has_email"] and row["held"] == "no email" for row in held)
    table = ok(env, "notify", "list").stdout
    assert "Armelle Ledan" in table and "no email" in table
    for row in held:
        assert "(no email: not sent)" in ok(env, "notify", "preview", str(row["id"])).stdout
    with MailServer() as server:
        result = ok(env, "notify", "send", env=server.env())
    assert f"{len(held)} not sent to people with no email" in result.stdout
    assert outbox(env, "--status", "held") == []
    assert len(outbox(env, "--status", "skipped")) == len(held)


def test_a_malformed_email_is_refused_where_it_is_typed(env):
    result = env.run("members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service", "--email", "info@vdab@be")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "is not an email address" in result.stderr
    ok(env, "activities", "add", "--network", "pes", "--kind", "event", "--title", "E", "--start", "2030-03-12 09:30",
       "--end", "12:00")
    ok(env, "sessions", "add", "1", "--title", "Panel", "--start", "2030-03-12 09:30", "--end", "10:30")
    for bad in ("Ann <ann@example.org>", "ann example.org", "ann@", "ann@exa mple.org"):
        result = env.run("roles", "add", "1", "1", "--role", "speaker", "--name", "Ann", "--email", bad)
        assert result.exit_code == 1, bad
        assert "is not an email address" in result.stderr and result.stderr.count("\n") == 1


def test_the_calendar_part_of_an_activity_matches_the_feed_byte_for_byte(conference):
    env = conference
    activity = json.loads(ok(env, "activities", "show", str(env.conference), "--json").stdout)
    ok(env, "activities", "edit", str(env.conference), "--venue", "Charlemagne building")
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        message = next(m for m in server.messages() if m["To"].addresses[0].addr_spec == "bmas@bund.example")
    text = ok(env, "export", "ics", "--activity", str(env.conference)).stdout
    feed_block = text[text.index(f"UID:{activity['uid']}") - 200:]
    feed_block = feed_block[feed_block.index("BEGIN:VEVENT"):]
    feed_block = feed_block[:feed_block.index("END:VEVENT")]
    sent = calendar_parts(message)[0].get_content().replace("\r\n", "\n")
    for line in feed_block.replace("\r\n", "\n").strip().split("\n"):
        assert line in sent, line


def test_a_cancelled_occurrence_updates_the_series_with_an_exdate(env):
    import datetime as dt

    first = dt.date.today() + dt.timedelta(days=9)
    second = first + dt.timedelta(days=7)
    ok(env, "members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service", "--email", "info@vdab.example")
    ok(env, "activities", "add", "--network", "pes", "--kind", "meeting", "--title", "Steering group",
       "--start", f"{first} 14:00", "--end", "15:00", "--rrule", "FREQ=WEEKLY;COUNT=4")
    ok(env, "participants", "register", "1", "VDAB")
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        ok(env, "activities", "cancel-occurrence", "1", f"{second} 14:00")
        ok(env, "notify", "send", env=server.env())
        invitation, update = server.messages()
    feed = icalendar.Calendar.from_ical(ok(env, "export", "ics", "--network", "pes").stdout).walk("VEVENT")[0]
    first_event = icalendar.Calendar.from_ical(calendar_parts(invitation)[0].get_content()).walk("VEVENT")[0]
    event = icalendar.Calendar.from_ical(calendar_parts(update)[0].get_content()).walk("VEVENT")[0]
    assert int(first_event["SEQUENCE"]) < int(event["SEQUENCE"]) == int(feed["SEQUENCE"])
    assert f"{second:%Y%m%d}T140000" in event["EXDATE"].to_ical().decode()
    assert "Cancelled occurrence" in update.get_body(("plain",)).get_content()
    days = [moment.date() for moment in vobject.readOne(calendar_parts(update)[0].get_content()).vevent.getrruleset()]
    assert len(days) == 3 and second not in days


def test_cancelled_and_reinstated_before_sending_tells_nothing_and_after_sending_tells_it_is_back(conference):
    env = conference
    ok(env, "activities", "cancel", str(env.conference))
    ok(env, "activities", "reinstate", str(env.conference))
    assert [row for row in outbox(env, "--status", "queued") if row["to"] == "BusinessEurope"] == []
    with MailServer() as server:
        ok(env, "activities", "cancel", str(env.conference))
        ok(env, "notify", "send", env=server.env())
        ok(env, "activities", "reinstate", str(env.conference))
        ok(env, "notify", "send", env=server.env())
        mails = [m for m in server.messages() if m["To"].addresses[0].addr_spec == "secretariat@businesseurope.example"]
    assert [str(m["Subject"]).strip().split(":")[0] for m in mails] == ["Cancelled", "Reinstated"]
    feed = feed_events(env, env.conference)
    sequences = []
    for message in mails:
        calendar = icalendar.Calendar.from_ical(calendar_parts(message)[0].get_content())
        event = calendar.walk("VEVENT")[0]
        sequences.append(int(event["SEQUENCE"]))
    assert sequences[0] < sequences[1] == int(feed[str(event["UID"])]["SEQUENCE"])
    assert str(calendar["METHOD"]) == "REQUEST" and str(event["STATUS"]) == "CONFIRMED"


def test_a_removed_session_is_cancelled_for_those_who_had_it_only(conference):
    env = conference
    ok(env, "sessions", "move", str(env.conference), PANEL, "--start", day(env) + " 10:00", "--end", "10:50")
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        ok(env, "sessions", "remove", str(env.conference), PANEL)
        ok(env, "sessions", "remove", str(env.conference), "welcome")
        ok(env, "notify", "send", env=server.env())
        later = server.messages()[3:]
    # the participants had the panel (from its move) and never the welcome: one cancellation each
    assert sorted(m["To"].addresses[0].addr_spec for m in later) == [
        "bmas@bund.example", "secretariat@businesseurope.example", "thomas@oecd.example"]
    for message in later:
        assert str(message["Subject"]).strip().startswith("Cancelled: Opening panel")
        (part,) = calendar_parts(message)
        assert part.get_param("method") == "CANCEL"
        assert "Opening panel" in str(message["Subject"])
