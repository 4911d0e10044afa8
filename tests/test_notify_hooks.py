"""The hooks of notices: acting before a transaction commits, changing messages, replacing templates."""

import json

import attrs
import pytest
from mailserver import MailServer
from notifying import PANEL, day, ok, outbox

import peerlearn


def move_panel(env, end="10:50", *extra):
    return env.run("sessions", "move", str(env.conference), PANEL, "--start", day(env) + " 10:00", "--end", end,
                   *extra)


class Counting:
    """Keeps a row of its own with every transaction, and says so."""

    @peerlearn.hookimpl
    def peerlearn_before_commit(self, registry, changes, dry_run):
        registry.db.execute("CREATE TABLE IF NOT EXISTS audit (entity TEXT, entity_id TEXT)")
        registry.db.conn.executemany("INSERT INTO audit VALUES (?, ?)", [(c.entity, c.entity_id) for c in changes])
        return [f"audit: {len(changes)} change(s){' (dry run)' if dry_run else ''}"]


def test_peerlearn_before_commit_writes_with_the_change_and_reports(conference):
    env = conference
    env.register(Counting(), name="audit")
    result = move_panel(env)
    assert result.exit_code == 0 and "audit: 1 change(s)" in result.stderr
    dry = move_panel(env, "10:45", "--dry-run")
    assert "audit: 1 change(s) (dry run)" in dry.stdout
    with env.open() as registry:
        assert registry.query("SELECT entity, entity_id FROM audit") == [{"entity": "session", "entity_id": "3"}]


class Refusing:
    @peerlearn.hookimpl
    def peerlearn_before_commit(self, changes):
        if changes:
            raise RuntimeError("the auditor is away")


def test_peerlearn_before_commit_that_raises_refuses_the_command(conference):
    env = conference
    env.register(Refusing(), name="strict-audit")
    before = env.fingerprint()
    result = move_panel(env)
    assert result.exit_code == 1
    assert "plugin 'strict-audit' in hook peerlearn_before_commit: raised RuntimeError: the auditor is away" in (
        result.stderr)
    assert result.stdout == ""  # the confirmation comes after the plugins, just before the commit
    assert env.fingerprint() == before


class NetworkSender:
    """The Mutual Learning Programme's notices come from its own address, with a copy to its coordinator."""

    @peerlearn.hookimpl
    def peerlearn_notify_messages(self, network, messages):
        if network.slug != "mutual_learning":
            return
        messages[:] = [attrs.evolve(message, sender="MLP <mlp@mlp.example.org>") for message in messages]
        first = next((m for m in messages if m.email), None)
        if first is not None:
            messages.append(attrs.evolve(first, name="Coordinator", email="coordinator@mlp.example.org"))


def test_peerlearn_notify_messages_changes_the_sender_and_adds_a_message(conference):
    env = conference
    env.register(NetworkSender(), name="mlp-sender")
    assert move_panel(env).exit_code == 0
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        received = server.messages()
    assert {m["From"].addresses[0].addr_spec for m in received} == {"mlp@mlp.example.org"}
    assert "coordinator@mlp.example.org" in {m["To"].addresses[0].addr_spec for m in received}
    assert len(received) == 4
    for _sender, _rcpts, message in server.accepted:
        assert _sender == "mlp@mlp.example.org"


class Stray:
    @peerlearn.hookimpl
    def peerlearn_notify_messages(self, messages):
        messages.append("a note")


def test_peerlearn_notify_messages_leaving_a_stray_refuses_the_change(conference):
    env = conference
    env.register(Stray(), name="stray")
    result = move_panel(env)
    assert result.exit_code == 1 and "plugin 'stray' in hook peerlearn_notify_messages" in result.stderr
    assert outbox(env, "--status", "queued") == []


class Branded:
    @peerlearn.hookimpl
    def peerlearn_notify_templates(self, network):
        if network.slug == "mutual_learning":
            return {"update.txt.j2": "Hello {{ recipient }} from {{ network.acronym }}:\n"
                                     "{% for item in items %}{{ item.headline }} {{ item.title }}\n{% endfor %}"}


def test_peerlearn_notify_templates_replaces_a_template_for_its_network(conference):
    env = conference
    env.register(Branded(), name="mlp-brand")
    assert move_panel(env).exit_code == 0
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        message = server.messages()[0]
    text = message.get_body(("plain",)).get_content()
    assert text.startswith("Hello ") and "from MLP:" in text and "Moved Opening panel" in text
    assert "Dear" in message.get_body(("html",)).get_content(), "the templates it does not replace stay peerlearn's"


class Broken:
    def __init__(self, source):
        self.source = source

    @peerlearn.hookimpl
    def peerlearn_notify_templates(self, network):
        return {"update.html.j2": self.source}


@pytest.mark.parametrize("source", ["<p>{% for item in items %}{{ item.title }</p>", "<p>{{ item.no_such_value }}</p>"],
                         ids=["syntax", "undefined"])
def test_peerlearn_notify_templates_broken_by_a_plugin_sends_nothing(conference, source):
    env = conference
    assert move_panel(env).exit_code == 0
    env.register(Broken(source), name="broken-brand")
    with MailServer() as server:
        result = env.run("notify", "send", env=server.env())
        assert result.exit_code == 1 and result.stderr.count("\n") == 1
        assert "plugin 'broken-brand' in hook peerlearn_notify_templates: template 'update.html.j2'" in result.stderr
        assert server.messages() == [] and server.attempts == 0
    assert {row["status"] for row in outbox(env, "--status", "queued")} == {"queued"}
    assert all(row["attempts"] == 0 for row in outbox(env, "--status", "queued"))


def test_the_notices_plugin_is_listed_as_a_default(env):
    plugins = {row["name"]: row for row in json.loads(ok(env, "plugins", "--json").stdout)}
    assert plugins["peerlearn.default_plugins.notices"]["default"]
    assert "peerlearn_before_commit" in plugins["peerlearn.default_plugins.notices"]["hooks"]
