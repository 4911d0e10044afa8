"""Hostile files and what is made of them: an XML encoding the parser refuses, CSV headers naming a column
twice, a YAML list where a number belongs; and the mail peerlearn sends, held to the RFCs header by header."""

import json
from email import message_from_bytes, policy

import pytest

from mailserver import MailServer
from notifying import PANEL, day, ok, outbox
from refusals import refused


def conference_id(env):
    activities = json.loads(ok(env, "activities", "list", "--json", "--from", "2000-01-01").stdout)
    return str(next(activity["id"] for activity in activities if activity["kind"] == "conference"))


# -- agenda import: an XML declaration naming an encoding expat cannot read -------------------------------------


@pytest.mark.parametrize("encoding", ["bogus", "UTF-7", "utf-32", "ebcdic"])
@pytest.mark.parametrize("dry_run", [False, True])
def test_an_xml_encoding_that_cannot_be_read_is_refused_naming_file_and_encoding(demo_env, tmp_path, encoding,
                                                                                  dry_run):
    path = tmp_path / "enc.xml"
    path.write_bytes(f'<?xml version="1.0" encoding="{encoding}"?>\n<schedule/>\n'.encode())
    message = refused(demo_env, "agenda", "import", conference_id(demo_env), str(path),
                      *(["--dry-run"] if dry_run else []), expect=f"{path}:1: ")
    assert f"encoding {encoding!r}" in message and "unexpected" not in message


def test_an_xml_encoding_that_cannot_be_read_is_refused_on_stdin_too(demo_env):
    before = demo_env.fingerprint()
    result = demo_env.run("agenda", "import", conference_id(demo_env), "-",
                          input="\ufeff<?xml version='1.0' encoding='bogus'?>\n<schedule/>\n")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == ["Error: <stdin>:1: the XML declaration names encoding 'bogus',"
                                                  " which peerlearn cannot read; save the file as UTF-8"]
    assert demo_env.fingerprint() == before


# -- programme YAML: a list or a mapping where a number belongs ---------------------------------------------------


@pytest.mark.parametrize("value, shown", [("[1]", "got a list"), ("{a: 1}", "got a mapping")])
def test_a_day_that_is_not_a_number_is_shown_as_typed(demo_env, tmp_path, value, shown):
    activity = conference_id(demo_env)
    programme = ok(demo_env, "agenda", "export", activity).stdout
    path = tmp_path / "programme.yaml"
    path.write_text(programme.replace("  kind: opening\n", f"  kind: opening\n  day: {value}\n", 1))
    message = refused(demo_env, "agenda", "import", activity, str(path), expect="day must be a whole number; ")
    assert message.endswith(shown) and "Node" not in message


# -- members import: a column named twice ------------------------------------------------------------------------


@pytest.mark.parametrize("mode", [[], ["--update"], ["--skip-existing"]])
@pytest.mark.parametrize("header, row, column", [
    ("name,country,country", "Q,BE,FR", "country"),
    ("name,name,country", "A,B,BE", "name"),
    ("name,country, email ,email", "A,BE,a@example.org,b@example.org", "email"),
])
def test_a_csv_column_named_twice_is_refused(demo_env, tmp_path, mode, header, row, column):
    path = tmp_path / "d.csv"
    path.write_text(f"{header}\n{row}\n")
    message = refused(demo_env, "members", "import", str(path), *mode,
                      expect=f"{path} line 1: column {column!r} appears twice")
    assert "unknown" not in message


def test_a_csv_column_named_three_times_is_refused_with_its_unknown_columns(demo_env, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("name,country,name,Name,name\nA,BE,B,C,D\n")
    refused(demo_env, "members", "import", str(path),
            expect=f"{path} line 1: unknown column(s) 'Name'; column 'name' appears 3 times")


# -- notify preview: one line when it fails ------------------------------------------------------------------------

NO_SENDER = {"PEERLEARN_MAIL_FROM": None, "PEERLEARN_NOTIFY_CONFIG": None}


@pytest.mark.parametrize("message_id", ["0", "abc", "99999999999999999999999"])
def test_notify_preview_of_an_unknown_message_says_only_that(demo_env, message_id):
    refused(demo_env, "notify", "preview", message_id, expect=f"unknown message {message_id!r}",
            environment=NO_SENDER)


def test_notify_preview_raw_of_a_message_never_sent_says_only_that(demo_env):
    held = next(row["id"] for row in outbox(demo_env, "--all") if row["status"] == "held")
    refused(demo_env, "notify", "preview", str(held), "--raw", expect=f"message #{held} is never sent",
            environment=NO_SENDER)
    shown = ok(demo_env, "notify", "preview", str(held), env=NO_SENDER)
    assert shown.stderr.strip() == "Note: PEERLEARN_MAIL_FROM is not set; the sender shown is a placeholder."


# -- notify send: each header a message must hold once, once ------------------------------------------------------

ONCE = ("MIME-Version", "From", "To", "Subject", "Date", "Message-ID", "Content-Type")


def test_each_sent_message_holds_its_top_level_headers_once(conference):
    env = conference
    ok(env, "sessions", "move", str(env.conference), PANEL, "--start", day(env) + " 10:00", "--end", "10:50")
    assert len(outbox(env, "--status", "queued")) == 3
    with MailServer() as server:
        sent: list[bytes] = []
        handler = server.controller.handler
        take = handler.handle_DATA

        async def keep(smtp, session, envelope):  # the bytes as they came over the wire
            sent.append(envelope.original_content or envelope.content)
            return await take(smtp, session, envelope)

        handler.handle_DATA = keep
        ok(env, "notify", "send", env=server.env())
    assert len(sent) == 3
    for data in sent:
        message = message_from_bytes(data, policy=policy.strict)
        assert {name: len(message.get_all(name) or ()) for name in ONCE} == dict.fromkeys(ONCE, 1)
        assert message["MIME-Version"] == "1.0"
