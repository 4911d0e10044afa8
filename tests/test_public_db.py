"""``peerlearn export public-db``: a redacted copy of the registry, read back through Datasette's Python API."""

from __future__ import annotations

import asyncio
import json
import sqlite3

import pytest

from peerlearn.reports import public_db

PUBLIC_TABLES = {"countries", "networks", "activity_kinds", "members", "memberships", "activities",
                 "activity_exdates", "activity_peers", "sessions", "roles", "outputs", "attendance"}
#: Columns no public table may have, whatever it is called.
PRIVATE_COLUMNS = {"email", "feed_token", "feed_token_hash", "note", "person_key", "name_key", "phone"}
SECRET = "s3cret-outbox-body"


@pytest.fixture
def exported(demo_env, tmp_path):
    """The demo with private data of every kind, and a table and a column a later version might add; exported."""
    from peerlearn_plugins.demo.data import MLC_TITLE

    with demo_env.open() as registry:
        mlc_id = registry.one("SELECT id FROM activities WHERE title = ?", [MLC_TITLE])["id"]
    def run(*args):
        result = demo_env.run(*args)
        assert result.exit_code == 0, result.output
        return result

    run("members", "add", "Agentur Privat", "--country", "DE", "--category", "public employment service",
        "--email", "contact@privat.example", "--network", "pes")
    run("members", "add", "Jana Expert", "--country", "CZ", "--type", "person", "--email", "jana@expert.example",
        "--network", "mutual_learning", "--category", "expert")
    run("roles", "add", str(mlc_id), "opening-panel", "--role", "speaker", "--name", "Private Speaker",
        "--email", "speaker@private.example", "--status", "confirmed", "--note", "working note: call on Monday")
    run("roles", "add", str(mlc_id), "opening-panel", "--role", "panellist", "--name", "Maybe Person",
        "--status", "tbd")
    run("roles", "add", str(mlc_id), "opening-panel", "--role", "panellist", "--name", "Declined Person",
        "--status", "declined")
    run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Draft workshop not yet public",
        "--start", "2027-05-04 09:00", "--end", "17:00", "--city", "Paris", "--country", "FR", "--status", "draft")
    with demo_env.open() as registry:
        # a table another capability adds later is private until the export lists it
        registry.db.execute("CREATE TABLE mailing_list (id INTEGER PRIMARY KEY, recipient TEXT, body TEXT)")
        registry.db.execute("INSERT INTO mailing_list (recipient, body) VALUES ('jana@expert.example', ?)", [SECRET])
        registry.db.execute("INSERT INTO outbox (kind, person, email, subject, status, created_at, updated_at)"
                            " VALUES ('update', 'jana', 'jana@expert.example', ?, 'queued', 'x', 'x')", [SECRET])
        registry.db.execute("ALTER TABLE members ADD COLUMN phone TEXT")
        registry.db.execute("UPDATE members SET phone = '+32 2 555 01 99'")
        registry.db.conn.commit()
        secrets = {row[0] for row in registry.db.execute(
            "SELECT email FROM members WHERE email != '' UNION SELECT feed_token FROM members"
            " UNION SELECT feed_token_hash FROM members WHERE feed_token_hash IS NOT NULL"
            " UNION SELECT email FROM roles WHERE email != ''")} | {"working note: call on Monday"}
    before = demo_env.fingerprint()
    target = tmp_path / "out" / "public.db"
    target.parent.mkdir()
    result = run("export", "public-db", str(target))
    assert demo_env.fingerprint() == before  # a read command
    assert "Serve it with: datasette" in result.stderr
    return {"db": target, "metadata": target.with_name("metadata.json"), "secrets": secrets, "registry": demo_env}


def datasette_get(exported, *paths):
    """GET each path from a Datasette serving the export with its metadata; the JSON answers."""
    datasette = pytest.importorskip("datasette.app", reason="datasette is a test dependency (tox installs it)")

    async def fetch():
        ds = datasette.Datasette([str(exported["db"])], metadata=json.loads(exported["metadata"].read_text()))
        await ds.invoke_startup()
        answers = []
        for path in paths:
            response = await ds.client.get(path)
            assert response.status_code == 200, (path, response.text[:300])
            answers.append(response.json() if path.split("?")[0].endswith(".json") else response.text)
        return answers

    return asyncio.run(fetch())


def test_datasette_serves_the_public_tables_and_nothing_else(exported):
    (database,) = datasette_get(exported, "/public.json")
    tables = {table["name"]: table for table in database["tables"]}
    assert set(tables) == PUBLIC_TABLES
    for name, table in tables.items():
        assert not set(table["columns"]) & PRIVATE_COLUMNS, name
        spec = next(t for t in public_db.TABLES if t.name == name)
        assert table["columns"] == [column.name for column in spec.columns]
    assert tables["activities"]["count"] > 10 and tables["sessions"]["count"] > 5


def test_no_private_value_is_anywhere_in_the_file(exported):
    data = exported["db"].read_bytes()
    assert len(exported["secrets"]) > 30  # emails, tokens, token hashes, a note
    for secret in (*exported["secrets"], SECRET, "+32 2 555 01 99", "Draft workshop not yet public", "Jana Expert",
                   "Maybe Person", "Declined Person"):
        assert secret.encode("utf-8") not in data, secret
    with sqlite3.connect(exported["db"]) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        names = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert not names & {"outbox", "outbox_events", "mailing_list", "changes", "ical_blocks", "session_versions", "feed_settings", "participations",
                        "_sqlite_migrations"}


def test_what_is_public_is_there_with_labels_and_descriptions(exported):
    activities, speaker, metadata, page = datasette_get(
        exported, "/public/activities.json?_labels=on&_shape=objects&_size=max",
        "/public/roles.json?_shape=objects&name=Private+Speaker&_labels=on", "/-/metadata.json", "/public/activities")
    rows = activities["rows"]
    conference = next(row for row in rows if row["title"].startswith("Mutual Learning Conference"))
    assert conference["network"] == {"value": "mutual_learning", "label": "Mutual Learning Programme"}
    assert conference["country"] == {"value": "BE", "label": "Belgium"}
    assert conference["kind"] == {"value": "conference", "label": "Conference"}
    assert {row["status"] for row in rows} == {"confirmed", "cancelled", "completed"}
    assert speaker["rows"][0]["affiliation"] == "" and speaker["rows"][0]["session_id"]["label"]
    tables = metadata["databases"]["public"]["tables"]
    assert set(tables) == PUBLIC_TABLES
    assert all(table["description"] and all(table["columns"].values()) for table in tables.values())
    assert tables["activities"]["label_column"] == "title"
    assert "drafts are not published" in page and "Kind of activity." in page


def test_canned_queries_run_and_agree_with_the_registry(exported):
    by_year, by_country, outputs = datasette_get(
        exported, "/public/activities_by_network_and_year.json?_shape=objects",
        "/public/attendance_by_country.json?_shape=objects", "/public/outputs.json?_shape=objects")
    with exported["registry"].open() as registry:
        published = registry.one("SELECT count(*) AS n FROM activities WHERE status != 'draft'")["n"]
        attended = registry.query("SELECT m.country, count(*) AS n FROM participations p JOIN members m"
                                  " ON m.id = p.member_id JOIN activities a ON a.id = p.activity_id"
                                  " WHERE p.status = 'attended' AND a.status != 'draft' GROUP BY m.country")
        output_count = registry.one("SELECT count(*) AS n FROM outputs")["n"]
    assert sum(row["activities"] for row in by_year["rows"]) == published
    assert all(row["activities"] == row["completed"] + row["cancelled"] + row["planned"] for row in by_year["rows"])
    totals: dict[str, int] = {}
    for row in by_country["rows"]:
        totals[row["code"]] = totals.get(row["code"], 0) + row["attended"]
    assert totals == {row["country"]: row["n"] for row in attended} and len(totals) > 5
    belgium = next(row for row in by_country["rows"] if row["code"] == "BE")
    assert belgium["country"] == "Belgium"
    assert len(outputs["rows"]) == output_count and all(row["activity"] for row in outputs["rows"])


def test_a_failed_export_leaves_the_old_copy_and_no_debris(exported, tmp_path):
    import peerlearn

    env, target = exported["registry"], exported["db"]
    old = target.read_bytes()

    class Broken:
        @peerlearn.hookimpl
        def peerlearn_activity_kinds(self):
            raise RuntimeError("kinds unavailable")

    env.register(Broken(), name="broken")
    result = env.run("export", "public-db", str(target))
    assert result.exit_code == 1 and "kinds unavailable" in result.stderr
    assert target.read_bytes() == old
    assert sorted(path.name for path in target.parent.iterdir()) == ["metadata.json", "public.db"]


def test_bad_targets_are_refused_in_one_line(exported, tmp_path):
    env = exported["registry"]
    before = env.fingerprint()
    for args, message in (
        ((str(tmp_path / "missing" / "public.db"),), "FILE: folder"),
        ((str(env.db),), "is the registry itself"),
        ((str(tmp_path / "p.db"), "--metadata", str(tmp_path / "p.db")), "is the database file itself"),
        ((str(tmp_path / "p.db"), "--license-url", "javascript:alert(1)"), "--license-url"),
    ):
        result = env.run("export", "public-db", *args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith("Error: ") and message in result.stderr and result.stderr.count("\n") == 1
    assert env.fingerprint() == before
    assert not (tmp_path / "p.db").exists()
