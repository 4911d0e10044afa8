"""Sending the outbox when the SMTP server fails: temporarily, for good, or while we are killed.

Whatever happens, a message reaches the server at most once; a temporary
failure is retried, a permanent one marked, and the settings' faults are
one line with nothing marked sent.
"""

import datetime as dt
import json
import os
import signal
import stat
import subprocess
import sys
from collections import Counter

import pytest

from mailserver import HANG, MailServer, free_port
from notifying import PANEL, day, ok, outbox

from peerlearn.notify import sending
from peerlearn.notify.settings import from_values


@pytest.fixture
def three_queued(conference):
    env = conference
    ok(env, "sessions", "move", str(env.conference), PANEL, "--start", day(env) + " 10:00", "--end", "10:50")
    queued = outbox(env, "--status", "queued")
    assert len(queued) == 3
    env.queued = [row["id"] for row in queued]
    return env


def by_id(env):
    return {row["id"]: row for row in outbox(env, "--all")}


def delivered_ids(*servers):
    return Counter(str(message["Message-ID"]).strip() for server in servers for message in server.messages())


def thomas(env):
    return next(row["id"] for row in outbox(env, "--status", "queued") if row["to"] == "Thomas Liebig")


def test_a_temporary_failure_is_retried_with_the_same_message_id(three_queued):
    env = three_queued
    first = thomas(env)
    with MailServer() as server:
        server.scripts["thomas@oecd.example"] = ["451 4.3.0 mailbox busy", "451 4.3.0 mailbox busy"]
        result = ok(env, "notify", "send", "--retries", "3", "--retry-delay", "0", env=server.env())
        assert "Sent 3 messages" in result.stdout
        rows = by_id(env)
        assert rows[first]["status"] == "sent" and rows[first]["attempts"] == 3
        assert server.attempts == 5
        counts = delivered_ids(server)
        assert set(counts.values()) == {1} and len(counts) == 3
        assert rows[first]["message_id"] in counts


def test_a_temporary_failure_beyond_the_runs_retries_waits_for_a_later_run(three_queued):
    env = three_queued
    first = thomas(env)
    with MailServer() as server:
        server.scripts["thomas@oecd.example"] = ["451 4.3.0 greylisted"] * 2
        result = ok(env, "notify", "send", "--retries", "1", "--retry-delay", "0", env=server.env())
        assert "Sent 2 messages" in result.stdout and "1 left for a later run" in result.stdout
        row = by_id(env)[first]
        assert row["status"] == "queued" and row["attempts"] == 2 and "451 4.3.0 greylisted" in row["reason"]
        assert row["next_attempt_at"] > dt.datetime.now(dt.timezone.utc).isoformat()
        # not due yet: a run now sends nothing, twice nothing
        assert "Sent 0 messages" in ok(env, "notify", "send", env=server.env()).stdout
        # when its time has come it goes, once
        settings = from_values({"host": "127.0.0.1", "port": str(server.port), "security": "none",
                                "from": "secretariat@mlp.example.org"})
        later = dt.datetime.now(dt.timezone.utc) + sending.backoff(2) + dt.timedelta(seconds=1)
        with env.open() as registry:
            report = sending.send(registry, settings, clock=lambda: later, sleep=lambda _s: None)
        assert report.sent == (first,)
        assert set(delivered_ids(server).values()) == {1} and len(delivered_ids(server)) == 3


def test_a_permanent_failure_is_marked_and_never_retried(three_queued):
    env = three_queued
    first = thomas(env)
    with MailServer() as server:
        server.scripts["thomas@oecd.example"] = ["550 5.1.1 no such user here"]
        result = ok(env, "notify", "send", "--retry-delay", "0", env=server.env())
        assert "Sent 2 messages; 1 failed" in result.stdout and "550 5.1.1 no such user here" in result.stdout
        row = by_id(env)[first]
        assert row["status"] == "failed" and row["reason"] == "550 5.1.1 no such user here" and row["attempts"] == 1
        ok(env, "notify", "send", "--retry-delay", "0", env=server.env())
        assert server.attempts == 3
        assert "failed" in ok(env, "notify", "list").stdout


def test_killed_mid_send_nothing_is_sent_twice(three_queued):
    env = three_queued
    with MailServer() as server:
        server.script = ["250 2.0.0 OK", HANG]
        process = subprocess.Popen(
            [sys.executable, "-m", "peerlearn", "notify", "send", "--retries", "0"],
            env={**os.environ, "PEERLEARN_DB": str(env.db), **server.env()},
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert server.hanging.wait(60), process.communicate(timeout=5)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait(30)
        server.release()
        # the second message reached the server while we were killed: it may count as delivered
        (hung,) = [str(message["Message-ID"]).strip() for _f, _t, message in server.hung]
        rows = by_id(env)
        assert [rows[i]["status"] for i in env.queued] == ["sent", "sending", "queued"]

        result = ok(env, "notify", "send", env=server.env())
        assert "1 interrupted by an earlier run and not sent again" in result.stdout
        rows = by_id(env)
        assert [rows[i]["status"] for i in env.queued] == ["sent", "interrupted", "sent"]
        delivered = delivered_ids(server)
        assert hung not in delivered, "the interrupted message was not handed over again"
        assert len(delivered) == 2 and set(delivered.values()) == {1}
        assert "interrupted" in ok(env, "notify", "list").stdout

        # run again and again: still nothing twice
        ok(env, "notify", "send", env=server.env())
        assert delivered_ids(server) == delivered

        # asked to, it is sent again with the same Message-ID, so a mailbox can tell it is the same message
        resend = ok(env, "notify", "send", "--resend", str(env.queued[1]), env=server.env())
        assert "Sent 1 message" in resend.stdout
        assert delivered_ids(server)[hung] == 1
        assert by_id(env)[env.queued[1]]["status"] == "sent"


def test_a_refused_login_stops_the_run_with_one_line_and_nothing_marked(three_queued):
    env = three_queued
    with MailServer(refuse_login=True) as server:
        result = env.run("notify", "send", env=server.env(PEERLEARN_SMTP_USER="mlp",
                                                          PEERLEARN_SMTP_PASSWORD="wrong"))
        assert result.exit_code == 1
        assert result.stderr.count("\n") == 1 and "refused the login of 'mlp'" in result.stderr
        assert "wrong" not in result.output
        assert server.messages() == []
    rows = by_id(env)
    assert all(rows[i]["status"] == "queued" and rows[i]["attempts"] == 0 for i in env.queued)


def test_missing_settings_name_what_is_missing(three_queued):
    env = three_queued
    result = env.run("notify", "send", env={"PEERLEARN_SMTP_HOST": "", "PEERLEARN_MAIL_FROM": ""})
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "PEERLEARN_SMTP_HOST" in result.stderr and "PEERLEARN_MAIL_FROM" in result.stderr
    result = env.run("notify", "send", env={"PEERLEARN_SMTP_HOST": "127.0.0.1", "PEERLEARN_MAIL_FROM": "x@y.example",
                                            "PEERLEARN_SMTP_SECURITY": "ssl"})
    assert result.exit_code == 1 and "security must be one of none, starttls, tls" in result.stderr
    result = env.run("notify", "send", env={"PEERLEARN_SMTP_HOST": "smtp.example.org", "PEERLEARN_MAIL_FROM": "x@y.ex",
                                            "PEERLEARN_SMTP_SECURITY": "none", "PEERLEARN_SMTP_USER": "u",
                                            "PEERLEARN_SMTP_PASSWORD": "p"})
    assert result.exit_code == 1 and "unencrypted" in result.stderr
    assert all(row["attempts"] == 0 for row in outbox(env, "--status", "queued"))


def test_an_unreachable_server_leaves_everything_queued(three_queued):
    env = three_queued
    result = env.run("notify", "send", "--retries", "1", "--retry-delay", "0",
                     env={"PEERLEARN_SMTP_HOST": "127.0.0.1", "PEERLEARN_SMTP_PORT": str(free_port()),
                          "PEERLEARN_SMTP_SECURITY": "none", "PEERLEARN_MAIL_FROM": "secretariat@mlp.example.org"})
    assert result.exit_code == 1 and "nothing could be handed to 127.0.0.1" in result.stderr
    rows = by_id(env)
    assert all(rows[i]["status"] == "queued" and rows[i]["attempts"] == 0 for i in env.queued)


def test_one_run_at_a_time(three_queued):
    env = three_queued
    with MailServer() as server:
        with sending.run_lock(env.db):
            result = env.run("notify", "send", env=server.env())
        assert result.exit_code == 1 and "another run is sending" in result.stderr
        assert server.messages() == []


def test_settings_from_a_config_file_and_the_environment_over_it(three_queued, tmp_path):
    env = three_queued
    with MailServer() as server:
        config = tmp_path / "peerlearn.toml"
        config.write_text(f'[smtp]\nhost = "127.0.0.1"\nport = {server.port}\nsecurity = "none"\n'
                          f'from = "File Sender <file@mlp.example.org>"\n', encoding="utf-8")
        ok(env, "notify", "send", "--config", str(config), "--limit", "1",
           env={"PEERLEARN_SMTP_HOST": "", "PEERLEARN_MAIL_FROM": ""})
        ok(env, "notify", "send", "--config", str(config), "--limit", "1",
           env={"PEERLEARN_MAIL_FROM": "Env Sender <env@mlp.example.org>"})
        senders = [message["From"].addresses[0].addr_spec for message in server.messages()]
        assert senders == ["file@mlp.example.org", "env@mlp.example.org"]
        config.write_text(config.read_text() + 'user = "mlp"\npassword = "secret"\n', encoding="utf-8")
        config.chmod(stat.S_IRUSR | stat.S_IWUSR | stat.S_IRGRP | stat.S_IROTH)
        result = env.run("notify", "send", "--config", str(config), env={"PEERLEARN_MAIL_FROM": ""})
        assert "other users can read it" in result.stderr
        config.write_text('[smtp]\nhots = "x"\n', encoding="utf-8")
        result = env.run("notify", "send", "--config", str(config))
        assert result.exit_code == 1 and "unknown setting 'hots'" in result.stderr


def test_no_option_takes_a_password():
    from peerlearn.cli import cli

    notify = cli.commands["notify"]
    options = [option for command in notify.commands.values() for option in command.params]
    assert options and not [option for option in options if "pass" in " ".join(option.opts).lower()]


def test_list_and_preview_keep_addresses_out_of_listings(three_queued):
    env = three_queued
    listing = ok(env, "notify", "list")
    listing_json = ok(env, "notify", "list", "--json", "--all")
    for text in (listing.output, listing_json.output):
        assert "@" not in text.replace("@peerlearn", "")
    preview = ok(env, "notify", "preview", str(env.queued[0]), env={"PEERLEARN_MAIL_FROM": "mlp@mlp.example.org"})
    assert "To: " in preview.stdout and "METHOD:REQUEST" in preview.stdout
    raw = ok(env, "notify", "preview", str(env.queued[0]), "--raw", env={"PEERLEARN_MAIL_FROM": "mlp@mlp.example.org"})
    (calendar_type,) = [line for line in raw.stdout.splitlines() if line.startswith("Content-Type: text/calendar")]
    assert "method=REQUEST" in calendar_type.replace('"', "")
    as_json = json.loads(ok(env, "notify", "preview", str(env.queued[0]), "--json").stdout)
    assert as_json["calendars"][0]["method"] == "REQUEST"
    missing = env.run("notify", "preview", "9999")
    assert missing.exit_code == 1 and "unknown message '9999'" in missing.stderr


@pytest.mark.parametrize("security, words", [("starttls", "does not offer what the settings ask"),
                                             ("tls", "TLS with 127.0.0.1")])
def test_encryption_the_server_cannot_give_stops_the_run(three_queued, security, words):
    env = three_queued
    with MailServer() as server:
        result = env.run("notify", "send", "--retries", "0",
                         env=server.env(PEERLEARN_SMTP_SECURITY=security))
        assert result.exit_code == 1 and result.stderr.count("\n") == 1 and words in result.stderr
        assert server.messages() == []
    assert all(row["attempts"] == 0 for row in outbox(env, "--status", "queued"))
