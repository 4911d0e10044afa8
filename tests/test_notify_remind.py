"""Chasing: reminders of roles still tbc, the secretariat's summary of tbd slots, opting out."""

import json

from mailserver import MailServer
from notifying import calendar_parts, ok, outbox

COMMISSION = "European Commission, DG Employment, Social Affairs and Inclusion"


def test_remind_pending_reminds_tbc_people_and_tells_the_secretariat_of_tbd_slots(conference):
    env = conference
    ok(env, "members", "edit", COMMISSION, "--email", "empl-mlp@ec.example")
    # the conference is months ahead: a short window finds nothing
    result = ok(env, "notify", "remind", "--pending", "--days", "7")
    assert "No one to remind" in result.stdout
    dry = ok(env, "notify", "remind", "--pending", "--days", "400", "--dry-run")
    assert "Would remind" in dry.stdout and "Thomas Liebig" in dry.stdout
    assert not [row for row in outbox(env, "--all") if row["kind"] in ("reminder", "summary")]

    result = ok(env, "notify", "remind", "--pending", "--days", "400")
    assert "Reminded" in result.stdout
    rows = [row for row in outbox(env) if row["kind"] in ("reminder", "summary")]
    reminders = {row["to"]: row for row in rows if row["kind"] == "reminder"}
    assert reminders["Thomas Liebig"]["status"] == "queued"
    assert [item["why"] for item in reminders["Thomas Liebig"]["items"]] == [["panellist (tbc)"]]
    assert reminders["Armelle Ledan"]["held"] == "no email"
    (summary,) = [row for row in rows if row["kind"] == "summary"]
    assert summary["to"] == COMMISSION and summary["status"] == "queued"
    assert any(item["why"] == ["moderator: no one yet (tbd)"] for item in summary["items"])

    # the same day, again: no one is reminded twice
    again = ok(env, "notify", "remind", "--pending", "--days", "400", "--json")
    assert json.loads(again.stdout)["queued"] == []
    assert json.loads(again.stdout)["already_reminded_today"] >= 2

    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        by_address = {m["To"].addresses[0].addr_spec: m for m in server.messages()}
    reminder = by_address["thomas@oecd.example"]
    assert str(reminder["Subject"]).strip().startswith("Please confirm: panellist (tbc) in Opening panel")
    assert "still to be confirmed" in reminder.get_body(("plain",)).get_content()
    assert calendar_parts(reminder) == [], "a reminder changes no calendar"
    text = by_address["empl-mlp@ec.example"].get_body(("plain",)).get_content()
    assert "no one yet (tbd)" in text and "Welcome remarks" in text


def test_an_opted_out_person_is_not_reminded_nor_told(conference):
    env = conference
    result = ok(env, "notify", "opt-out", "--member", "Thomas Liebig (OECD)")
    assert "Opted out: member" in result.stdout
    ok(env, "notify", "remind", "--pending", "--days", "400")
    (row,) = [row for row in outbox(env) if row["kind"] == "reminder" and row["to"] == "Thomas Liebig"]
    assert row["status"] == "held" and row["held"] == "opted out"
    changes = json.loads(ok(env, "changes", "--json", "--limit", "1").stdout)
    assert changes[0]["action"] == "opt-out" and "thomas" not in json.dumps(changes)
    ok(env, "notify", "opt-in", "--member", "Thomas Liebig (OECD)")
    roles = json.loads(ok(env, "roles", "list", str(env.conference), "--json").stdout)
    armelle = next(r for r in roles if r["name"] == "Armelle Ledan")
    ok(env, "notify", "opt-out", "--role", str(armelle["id"]))
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        assert server.messages() == []
    bad = env.run("notify", "opt-out")
    assert bad.exit_code == 2 and "exactly one of --member or --role" in bad.stderr


def test_remind_needs_to_know_what_to_chase(env):
    result = env.run("notify", "remind")
    assert result.exit_code == 2 and "--pending" in result.stderr


def test_a_held_message_previews_and_opting_in_again_tells_only_what_follows(conference):
    env = conference
    ok(env, "notify", "opt-out", "--member", "Thomas Liebig (OECD)")
    day = json.loads(ok(env, "activities", "show", str(env.conference), "--json").stdout)["start"][:10]
    ok(env, "sessions", "move", str(env.conference), "opening-panel", "--start", f"{day} 10:00", "--end", "10:50")
    (held,) = [row for row in outbox(env, "--status", "held") if row["held"] == "opted out"]
    preview = ok(env, "notify", "preview", str(held["id"]))
    assert "To: Thomas Liebig (opted out: not sent)" in preview.stdout
    assert env.run("notify", "preview", str(held["id"]), "--raw").exit_code == 1
    ok(env, "notify", "opt-in", "--member", "Thomas Liebig (OECD)")
    ok(env, "sessions", "edit", str(env.conference), "opening-panel", "--room", "Room 2")
    (queued,) = [row for row in outbox(env, "--status", "queued") if row["to"] == "Thomas Liebig"]
    assert queued["id"] != held["id"] and [c[0] for c in queued["items"][0]["changes"]] == ["Where"]
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        (message,) = [m for m in server.messages() if m["To"].addresses[0].addr_spec == "thomas@oecd.example"]
    assert "Room 2" in message.get_body(("plain",)).get_content()
    assert len(calendar_parts(message)) == 1
