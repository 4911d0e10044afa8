"""A member's category (and role, since, until) is its membership's: one body, one thing in each network."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest
from sqlite_utils.db import Database

from peerlearn.registry.migrations import migrations
from peerlearn.registry.store import Registry

EXPERT = ["members", "add", "Anila Noor", "--country", "NL", "--type", "person"]


def shown(env, member: str) -> dict:
    result = env.run("members", "show", member, "--json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def refused(env, *args, code: int = 1) -> str:
    """Run a command that must be refused: one line, the given exit status, the registry unchanged."""
    before = env.fingerprint()
    result = env.run(*args)
    assert result.exit_code == code, result.output
    assert result.stderr.count("\n") == 1 or code == 2, result.stderr
    assert env.fingerprint() == before
    return result.stderr


# -- the migration --------------------------------------------------------------------------------------------


def _registry_before_m014(path):
    """A registry at the schema before the membership facts, holding members with categories."""
    old = Database(str(path))
    names = [migration.name for migration in migrations._migrations]
    migrations.apply(old, stop_before=names[names.index("m014_membership_facts")])
    old["networks"].insert_all([{"slug": slug, "name": slug.upper(), "timezone": "Europe/Brussels"}
                                for slug in ("mutual_learning", "esf_migration")])
    members = [(1, "Anila Noor", "NL", "expert"), (2, "VDAB", "BE", ""), (3, "Svenska ESF-rådet", "SE",
                                                                          "ESF managing authority"),
               (4, "Migration Policy Group", "BE", "stakeholder")]
    for member_id, name, country, category in members:
        old["members"].insert({"id": member_id, "name": name, "name_key": name.casefold(), "country": country,
                               "category": category, "feed_token": f"token-{member_id}",
                               "created_at": "2020-01-01T00:00:00+00:00"})
    old["memberships"].insert_all([
        {"member_id": 1, "network": "mutual_learning", "role": "member", "since": "2021-01-01"},
        {"member_id": 1, "network": "esf_migration", "role": "chair"},
        {"member_id": 2, "network": "mutual_learning", "role": "observer"},
        {"member_id": 3, "network": "esf_migration", "role": "member", "until": "2027-12-31"},
    ])  # member 4 holds a category and no membership
    old.close()


@pytest.mark.parametrize("native", [True, False], ids=["drop-column", "rebuild"])
def test_the_migration_moves_each_category_onto_the_memberships(tmp_path, monkeypatch, native):
    from peerlearn.registry import table_rebuild

    path = tmp_path / "old.db"
    _registry_before_m014(path)
    if not native:  # as on a SQLite older than 3.35, which has no ALTER TABLE ... DROP COLUMN
        real = table_rebuild.drop_column
        monkeypatch.setattr(table_rebuild, "drop_column", lambda *args, native: real(*args, native=False))
    with Registry.open(path, actor="tester") as registry:
        assert registry.schema_version == migrations._migrations[-1].name
        assert "category" not in registry.db["members"].columns_dict
        rows = registry.query("SELECT member_id, network, category, role, since, until FROM memberships"
                              " ORDER BY member_id, network")
        kept_changes = registry.query("SELECT * FROM changes")
        members = registry.query("SELECT id, name, country, feed_token FROM members ORDER BY id")
        references = registry.db.execute("PRAGMA foreign_key_list(memberships)").fetchall()
    assert rows == [
        {"member_id": 1, "network": "esf_migration", "category": "expert", "role": "chair", "since": None,
         "until": None},
        {"member_id": 1, "network": "mutual_learning", "category": "expert", "role": "member",
         "since": "2021-01-01", "until": None},
        {"member_id": 2, "network": "mutual_learning", "category": "", "role": "observer", "since": None,
         "until": None},
        {"member_id": 3, "network": "esf_migration", "category": "ESF managing authority", "role": "member",
         "since": None, "until": "2027-12-31"},
    ]
    assert [(m["id"], m["name"], m["feed_token"]) for m in members] == [
        (1, "Anila Noor", "token-1"), (2, "VDAB", "token-2"), (3, "Svenska ESF-rådet", "token-3"),
        (4, "Migration Policy Group", "token-4")]
    # the category of a member with no membership is kept on record in the change log
    assert [(c["actor"], c["action"], c["entity"], c["entity_id"], json.loads(c["before"]), json.loads(c["after"]))
            for c in kept_changes] == [
        ("peerlearn migrate", "update", "member", "4",
         {"category": "stakeholder", "id": 4, "name": "Migration Policy Group"},
         {"id": 4, "name": "Migration Policy Group"})]
    assert any(row[2] == "members" for row in references)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("DELETE FROM members WHERE id = 1")  # the memberships still follow their member
    assert conn.execute("SELECT count(*) FROM memberships WHERE member_id = 1").fetchone() == (0,)
    conn.close()


def test_the_migrated_registry_works_through_the_cli(env):
    _registry_before_m014(env.db)
    assert env.run("migrate").exit_code == 0
    assert [(m["network"], m["category"]) for m in shown(env, "Anila Noor")["memberships"]] == [
        ("esf_migration", "expert"), ("mutual_learning", "expert")]
    changes = json.loads(env.run("changes", "--entity", "member", "--json").stdout)
    assert [(c["actor"], c["before"]["category"]) for c in changes] == [("peerlearn migrate", "stakeholder")]


def test_without_column_sql_keeps_every_other_column_and_constraint():
    from peerlearn.registry.table_rebuild import without_column_sql

    sql = ('CREATE TABLE "members" (\n id INTEGER PRIMARY KEY AUTOINCREMENT,\n name TEXT NOT NULL,\n'
           " category TEXT NOT NULL DEFAULT 'a, b',\n country TEXT CHECK (country IN ('BE', 'NL')),"
           " notify_opt_out INTEGER NOT NULL DEFAULT 0,\n UNIQUE (name, country)\n)")
    dropped = without_column_sql(sql, "category")
    assert "category" not in dropped and "CHECK (country IN ('BE', 'NL'))" in dropped
    conn = sqlite3.connect(":memory:")
    conn.execute(dropped)
    assert [row[1] for row in conn.execute("PRAGMA table_info(members)")] == [
        "id", "name", "country", "notify_opt_out"]


# -- one body, a category in each network ---------------------------------------------------------------------


def test_a_body_is_an_expert_in_one_network_and_a_policy_expert_in_another(env):
    added = env.run(*EXPERT, "--network", "mutual_learning", "--category", "expert", "--json")
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.stdout)["memberships"] == [
        {"network": "mutual_learning", "category": "expert", "role": "member", "since": None, "until": None}]
    joined = env.run("members", "join", "Anila Noor", "esf_migration", "--category", "policy expert",
                     "--since", "2022-03-01")
    assert joined.exit_code == 0, joined.stderr
    assert [(m["network"], m["category"], m["since"]) for m in shown(env, "Anila Noor")["memberships"]] == [
        ("esf_migration", "policy expert", "2022-03-01"), ("mutual_learning", "expert", None)]
    assert "category" not in shown(env, "Anila Noor")
    table = env.run("members", "list").stdout.splitlines()
    assert "expert (mutual_learning)" in table[2] and "policy expert (esf_migration)" in table[2]
    assert "policy expert" in env.run("members", "show", "Anila Noor").stdout
    by_network = json.loads(env.run("members", "list", "--network", "esf_migration", "--category",
                                    "Policy Expert", "--json").stdout)
    assert [m["name"] for m in by_network] == ["Anila Noor"]
    assert json.loads(env.run("members", "list", "--network", "mutual_learning", "--category", "policy expert",
                              "--json").stdout) == []
    exported = list(csv.DictReader(io.StringIO(env.run("members", "export").stdout)))
    assert [(row["network"], row["category"], row["since"]) for row in exported] == [
        ("esf_migration", "policy expert", "2022-03-01"), ("mutual_learning", "expert", "")]


def test_a_blank_category_no_longer_passes_a_network_category_rule(env):
    assert env.run("init").exit_code == 0
    message = refused(env, "members", "add", "VDAB", "--country", "BE", "--network", "pes")
    assert message == ("Error: member 'VDAB' in pes: PES Network needs a member category (categories: public"
                       " employment service, European Commission)\n")
    assert "no member category 'ministry'" in refused(env, "members", "add", "VDAB", "--country", "BE",
                                                       "--network", "pes", "--category", "ministry")
    # a network that declares no categories takes any, a blank one too
    assert env.run("networks", "add", "nordic", "--name", "Nordic forum").exit_code == 0
    assert env.run("members", "add", "VDAB", "--country", "BE", "--network", "nordic").exit_code == 0
    message = refused(env, "members", "join", "VDAB", "pes")
    assert "PES Network needs a member category" in message


def test_a_category_without_a_network_is_a_usage_error(env):
    result = env.run("members", "add", "VDAB", "--country", "BE", "--category", "public employment service")
    assert result.exit_code == 2 and "--category needs --network" in result.stderr


def test_edit_changes_the_category_of_one_membership(env):
    assert env.run(*EXPERT, "--network", "mutual_learning", "--category", "expert").exit_code == 0
    assert env.run("members", "edit", "Anila Noor", "--category", "social partner").exit_code == 0
    assert shown(env, "Anila Noor")["memberships"][0]["category"] == "social partner"
    assert env.run("members", "join", "Anila Noor", "esf_migration", "--category", "academic").exit_code == 0
    message = refused(env, "members", "edit", "Anila Noor", "--category", "expert")
    assert "is in esf_migration, mutual_learning: say which network's category" in message
    assert "no member category 'astronaut'" in refused(
        env, "members", "edit", "Anila Noor", "--network", "esf_migration", "--category", "astronaut")
    assert "is not in network 'pes'" in refused(
        env, "members", "edit", "Anila Noor", "--network", "pes", "--category", "European Commission")
    ok = env.run("members", "edit", "Anila Noor", "--network", "esf_migration", "--category", "policy expert")
    assert ok.exit_code == 0, ok.stderr
    assert [(m["network"], m["category"]) for m in shown(env, "Anila Noor")["memberships"]] == [
        ("esf_migration", "policy expert"), ("mutual_learning", "social partner")]
    changes = json.loads(env.run("changes", "--entity", "membership", "--limit", "1", "--json").stdout)
    assert changes[0]["before"]["category"] == "academic" and changes[0]["after"]["category"] == "policy expert"


def test_join_changes_only_what_it_is_given(env):
    assert env.run(*EXPERT, "--network", "mutual_learning", "--category", "expert", "--role", "chair").exit_code == 0
    assert env.run("members", "join", "Anila Noor", "mutual_learning", "--since", "2024-01-01").exit_code == 0
    (membership,) = shown(env, "Anila Noor")["memberships"]
    assert (membership["role"], membership["category"], membership["since"]) == ("chair", "expert", "2024-01-01")
    assert "cannot end before it begins" in refused(env, "members", "join", "Anila Noor", "mutual_learning",
                                                     "--until", "2023-12-31")


def test_inviting_one_category_reads_the_membership_of_that_network(env):
    assert env.run(*EXPERT, "--network", "mutual_learning", "--category", "expert").exit_code == 0
    assert env.run("members", "join", "Anila Noor", "esf_migration", "--category", "policy expert").exit_code == 0
    assert env.run("members", "add", "Thomas Liebig", "--country", "FR", "--type", "person", "--network",
                   "mutual_learning", "--category", "expert").exit_code == 0
    assert env.run("members", "add", "BMAS", "--country", "DE", "--network", "mutual_learning", "--category",
                   "ministry").exit_code == 0
    assert env.run("activities", "add", "--network", "esf_migration", "--kind", "workshop", "--title", "W",
                   "--start", "2026-06-09").exit_code == 0
    invited = env.run("participants", "invite", "1", "--network", "mutual_learning", "--category", "expert")
    assert invited.exit_code == 0, invited.stderr
    names = [row["name"] for row in json.loads(env.run("participants", "list", "1", "--json").stdout)]
    assert names == ["Anila Noor", "Thomas Liebig"]
    assert "no members in category 'expert'" in refused(env, "participants", "invite", "1", "--all-members",
                                                         "--category", "expert")


def test_a_member_migrated_without_a_category_gets_one_in_the_same_edit(env):
    _registry_before_m014(env.db)
    assert env.run("migrate").exit_code == 0
    # VDAB is in mutual_learning with no category: any edit checks its memberships as they will be
    message = refused(env, "members", "edit", "VDAB", "--email", "info@vdab.example")
    assert "member 'VDAB' in mutual_learning: MLP needs a member category" in message
    both = env.run("members", "edit", "VDAB", "--email", "info@vdab.example", "--category", "social partner")
    assert both.exit_code == 0, both.output
    assert shown(env, "VDAB")["memberships"][0]["category"] == "social partner"
    # a new country and a category are checked together, as they will be
    assert env.run("members", "join", "VDAB", "pes", "--category", "public employment service",
                   "--until", "2019-12-31").exit_code == 0
    moved = env.run("members", "edit", "VDAB", "--country", "UK", "--network", "mutual_learning", "--category",
                    "expert")
    assert moved.exit_code == 0, moved.output  # the UK was in the EU on its PES membership's last day
