"""``peerlearn members``: the secretariat's register of members."""

import csv
import io
import json


def members(env, *args):
    result = env.run("members", "list", "--json", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_add_list_show_edit_remove(env):
    added = env.run("members", "add", "Arbetsförmedlingen", "--country", "se", "--category",
                    "public employment service", "--email", "contact@example.se", "--network", "pes", "--json")
    assert added.exit_code == 0, added.stderr
    member = json.loads(added.stdout)
    assert member["country"] == "SE" and "feed_token" not in member
    assert members(env)[0]["networks"] == ["pes"]
    shown = json.loads(env.run("members", "show", "arbetsförmedlingen", "--json").stdout)
    assert shown["memberships"][0]["role"] == "member"
    assert env.run("members", "edit", str(member["id"]), "--category", "public employment service",
                   "--name", "Swedish PES").exit_code == 0
    assert members(env)[0]["name"] == "Swedish PES"
    assert env.run("members", "remove", "Swedish PES").exit_code == 0
    assert members(env) == []


def test_list_filters_by_network_country_and_category(env):
    env.run("members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service")
    env.run("members", "add", "BMAS", "--country", "DE", "--network", "mutual_learning", "--category", "ministry")
    env.run("members", "add", "NAV", "--country", "NO", "--network", "pes", "--category", "public employment service")
    assert [m["name"] for m in members(env, "--network", "pes")] == ["NAV", "VDAB"]
    assert [m["name"] for m in members(env, "--country", "de")] == ["BMAS"]
    assert [m["name"] for m in members(env, "--category", "ministry")] == ["BMAS"]
    table = env.run("members", "list").stdout
    assert table.splitlines()[0].split() == ["id", "name", "country", "category", "networks"]


def test_join_and_leave_record_memberships(env):
    env.run("members", "add", "European Commission", "--country", "EU")
    joined = env.run("members", "join", "European Commission", "mutual_learning", "--role", "secretariat",
                     "--since", "2021-01-01", "--category", "European Commission")
    assert joined.exit_code == 0, joined.stderr
    shown = json.loads(env.run("members", "show", "1", "--json").stdout)
    assert shown["memberships"] == [{"member_id": 1, "network": "mutual_learning", "category": "European Commission",
                                     "role": "secretariat", "since": "2021-01-01", "until": None}]
    assert env.run("members", "leave", "1", "mutual_learning").exit_code == 0
    assert json.loads(env.run("members", "show", "1", "--json").stdout)["memberships"] == []
    again = env.run("members", "leave", "1", "mutual_learning")
    assert again.exit_code == 1 and "is not in network 'mutual_learning'" in again.stderr


def test_import_then_export_round_trips(env, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "name,country,category,email,type,network,role\n"
        "VDAB,BE,public employment service,info@vdab.example,organisation,pes,member\n"
        "European Commission,EU,European Commission,,organisation,pes,secretariat\n"
        "European Commission,EU,European Commission,,organisation,mutual_learning,secretariat\n"
        "\"Noor, Anila\",NL,expert,,person,mutual_learning,member\n",
        encoding="utf-8",
    )
    result = env.run("members", "import", str(source))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"Imported 3 member(s) from {source}."
    exported = env.run("members", "export", "--include-email").stdout
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(r["name"], r["network"], r["role"]) for r in rows] == [
        ("European Commission", "mutual_learning", "secretariat"),
        ("European Commission", "pes", "secretariat"),
        ("Noor, Anila", "mutual_learning", "member"),
        ("VDAB", "pes", "member"),
    ]
    assert rows[3]["email"] == "info@vdab.example"
    assert "email" not in env.run("members", "export").stdout.splitlines()[0]
    assert [(r["id"], r["category"]) for r in rows] == [
        ("2", "European Commission"), ("2", "European Commission"), ("3", "expert"), ("1", "public employment service")]
    other = tmp_path / "other.db"
    out = tmp_path / "out.csv"
    out.write_text(exported, encoding="utf-8")
    assert env.run("--db", str(other), "members", "import", str(out)).exit_code == 0
    # the same rows, but for the numbers another registry gives its members
    again = env.run("--db", str(other), "members", "export", "--include-email").stdout

    def without_ids(text):
        return [row[1:] for row in csv.reader(io.StringIO(text))]

    assert without_ids(again) == without_ids(exported) and again != exported


def test_import_checks_each_network_rule(env, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name,country,network,category\nVDAB,BE,pes,public employment service\n"
                      "US Department of Labor,US,pes,public employment service\n", encoding="utf-8")
    result = env.run("members", "import", str(source))
    assert result.exit_code == 1
    assert f"{source} line 3:" in result.stderr and "admits only" in result.stderr


def test_dry_run_shows_changes_and_writes_nothing(env):
    env.run("init")
    before = env.fingerprint()
    result = env.run("members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service", "--dry-run")
    assert result.exit_code == 0
    assert "Dry run: nothing written; 2 change(s) would be recorded:" in result.stdout
    assert "create member 1: VDAB" in result.stdout and "join membership 1/pes [pes]" in result.stdout
    assert env.fingerprint() == before
