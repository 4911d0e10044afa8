"""Importing members again: one member on several rows, --update, --skip-existing, all or nothing."""

from __future__ import annotations

import csv
import io
import json

import pytest

PES = "public employment service"


def write(tmp_path, text: str, name: str = "members.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def exported(env, *args) -> list[dict]:
    result = env.run("members", "export", "--include-email", *args)
    assert result.exit_code == 0, result.stderr
    return list(csv.DictReader(io.StringIO(result.stdout)))


def last_change(env) -> int:
    with env.open() as registry:
        return registry.one("SELECT coalesce(max(id), 0) AS n FROM changes")["n"]


def dry_then_real(env, *args):
    """Run an import with --dry-run, then for real: the dry run writes nothing and counts the real changes."""
    before, last = env.fingerprint(), last_change(env)
    dry = env.run(*args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert env.fingerprint() == before
    real = env.run(*args)
    assert real.exit_code == 0, real.output
    header = dry.stdout.splitlines()[0]
    assert header == f"Dry run: nothing written; {last_change(env) - last} change(s) would be recorded:"
    return real


def refused(env, *args) -> str:
    before = env.fingerprint()
    result = env.run(*args)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert env.fingerprint() == before
    return result.stderr


@pytest.fixture
def held(env, tmp_path):
    """VDAB in pes, Anila Noor in mutual_learning, imported from a file."""
    path = write(tmp_path, "name,country,type,network,category,role,email\n"
                           f"VDAB,BE,organisation,pes,{PES},member,info@vdab.example\n"
                           "Anila Noor,NL,person,mutual_learning,expert,member,\n", "first.csv")
    result = env.run("members", "import", path)
    assert result.exit_code == 0, result.output
    return env


def test_a_member_on_two_rows_is_one_member_with_two_memberships(env, tmp_path):
    path = write(tmp_path, "name,country,type,network,category\n"
                           "Anila Noor,NL,person,mutual_learning,expert\n"
                           "Anila Noor,NL,person,esf_migration,policy expert\n")
    result = env.run("members", "import", path)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"Imported 1 member(s) from {path}.\n"
    rows = exported(env)
    assert [(r["id"], r["name"], r["network"], r["category"]) for r in rows] == [
        ("1", "Anila Noor", "esf_migration", "policy expert"), ("1", "Anila Noor", "mutual_learning", "expert")]


@pytest.mark.parametrize("rows, message", [
    ("Anila Noor,NL,person,mutual_learning,expert\nAnila Noor,NL,person,mutual_learning,expert\n",
     "line 3: member 'Anila Noor' (NL) is in mutual_learning on line 2 already"),
    ("Anila Noor,NL,person,mutual_learning,expert\nAnila Noor,NL,organisation,esf_migration,policy expert\n",
     "line 3: member 'Anila Noor' (NL) is on line 2 with another type; give each of its rows the same details"),
    ("Anila Noor,NL,person,mutual_learning,expert\nAnila Noor,NL,person,,\n",
     "line 3: member 'Anila Noor' (NL) is on line 2 already"),
    ("Anila Noor,NL,person,,expert\n",
     "line 2: category belongs to a membership of a network: give the row a network (or the import a default one)"),
])
def test_rows_that_contradict_each_other_are_refused_naming_both_lines(env, tmp_path, rows, message):
    env.run("init")
    path = write(tmp_path, "name,country,type,network,category\n" + rows)
    assert message in refused(env, "members", "import", path)


def test_importing_a_file_again_is_refused_unless_told_what_to_do(held, tmp_path):
    again = write(tmp_path, f"name,country,network,category\nVDAB,BE,pes,{PES}\n")
    message = refused(held, "members", "import", again)
    assert message == (f"Error: {again} line 2: member 'VDAB' (BE) already exists as #1 (--update changes it,"
                       " --skip-existing leaves it)\n")


def test_update_changes_existing_members_and_adds_new_ones(held, tmp_path):
    path = write(tmp_path, "name,country,network,category,role,since,email\n"
                           "VDAB,BE,pes,,chair,2019-01-01,\n"                 # blank cells keep their field
                           "Anila Noor,NL,esf_migration,policy expert,,,\n"   # a new membership
                           f"Forem,BE,pes,{PES},,,contact@forem.example\n")   # a new member
    result = dry_then_real(held, "members", "import", path, "--update")
    assert result.stdout == f"Imported {path}: 1 new, 2 updated, 0 unchanged.\n"
    rows = {(r["name"], r["network"]): r for r in exported(held)}
    vdab = rows[("VDAB", "pes")]
    assert (vdab["category"], vdab["role"], vdab["since"], vdab["email"]) == (
        PES, "chair", "2019-01-01", "info@vdab.example")
    assert rows[("Anila Noor", "esf_migration")]["category"] == "policy expert"
    assert rows[("Anila Noor", "mutual_learning")]["category"] == "expert"
    assert rows[("Forem", "pes")]["email"] == "contact@forem.example"
    changes = json.loads(held.run("changes", "--limit", "4", "--json").stdout)
    assert [(c["action"], c["entity"], c["entity_id"]) for c in changes] == [
        ("update", "membership", "1/pes"), ("join", "membership", "2/esf_migration"),
        ("create", "member", "3"), ("join", "membership", "3/pes")]
    again = held.run("members", "import", path, "--update")
    assert again.stdout == f"Imported {path}: 0 new, 0 updated, 3 unchanged.\n"


def test_update_finds_a_member_by_its_id_and_renames_it(held, tmp_path):
    rows = exported(held)
    rows[1]["name"] = "VDAB Vlaanderen"
    rows[1]["email"] = "new@vdab.example"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path = write(tmp_path, out.getvalue())
    result = dry_then_real(held, "members", "import", path, "--update")
    assert result.stdout == f"Imported {path}: 0 new, 1 updated, 1 unchanged.\n"
    shown = json.loads(held.run("members", "show", "1", "--json").stdout)
    assert (shown["name"], shown["email"]) == ("VDAB Vlaanderen", "new@vdab.example")


def test_update_refuses_a_row_that_matches_two_members_naming_both(held, tmp_path):
    path = write(tmp_path, f"id,name,country,network,category\n1,Anila Noor,NL,pes,{PES}\n")
    message = refused(held, "members", "import", path, "--update")
    assert message == (f"Error: {path} line 2: the row matches two members, #1 'VDAB' (BE) by its id and"
                       " #2 'Anila Noor' (NL) by its name and country; say which in the file\n")
    assert "matches two members" in refused(held, "members", "import", path, "--skip-existing")


def test_update_checks_every_rule_and_writes_nothing_when_one_row_fails(held, tmp_path):
    path = write(tmp_path, "name,country,network,category\n"
                           "Forem,BE,pes,public employment service\n"
                           "VDAB,BE,pes,ministry\n")
    message = refused(held, "members", "import", path, "--update")
    assert f"{path} line 3: member 'VDAB' in pes: PES Network has no member category 'ministry'" in message


def test_an_update_of_a_member_checks_its_other_memberships_again(held, tmp_path):
    path = write(tmp_path, "name,country,id\nVDAB,US,1\n")  # moving country: pes admits no US body
    assert "line 2: member 'VDAB' in pes: PES Network admits only" in refused(
        held, "members", "import", path, "--update")


def test_skip_existing_adds_only_the_new_members(held, tmp_path):
    path = write(tmp_path, "name,country,network,category\n"
                           "VDAB,BE,pes,European Commission\n"
                           f"Forem,BE,pes,{PES}\n")
    result = dry_then_real(held, "members", "import", path, "--skip-existing")
    assert result.stdout == f"Imported {path}: 1 new, 1 already held, skipped.\n"
    rows = {(r["name"], r["network"]): r["category"] for r in exported(held)}
    assert rows[("VDAB", "pes")] == PES and rows[("Forem", "pes")] == PES


def test_skip_existing_still_refuses_a_malformed_file(held, tmp_path):
    path = write(tmp_path, "name,country\nVDAB,BE\nNowhere,ZZ\n")
    assert "line 3: 'ZZ' is not an ISO 3166-1 alpha-2 country code" in refused(
        held, "members", "import", path, "--skip-existing")


def test_update_and_skip_existing_exclude_each_other(held, tmp_path):
    path = write(tmp_path, "name,country\nVDAB,BE\n")
    result = held.run("members", "import", path, "--update", "--skip-existing")
    assert result.exit_code == 2 and "exclude each other" in result.stderr


def test_an_export_imports_into_another_registry_whole(held, tmp_path):
    path = write(tmp_path, held.run("members", "export", "--include-email").stdout)
    other = str(tmp_path / "other.db")
    first = held.run("--db", other, "members", "add", "Forem", "--country", "BE", "--network", "pes",
                     "--category", PES)
    assert first.exit_code == 0
    # the ids of another registry are not read by a plain import: every row is a new member
    result = held.run("--db", other, "members", "import", path)
    assert result.exit_code == 0, result.output
    names = [(r["id"], r["name"]) for r in csv.DictReader(io.StringIO(
        held.run("--db", other, "members", "export").stdout))]
    assert names == [("2", "Anila Noor"), ("1", "Forem"), ("3", "VDAB")]


def test_a_bad_id_is_refused(held, tmp_path):
    path = write(tmp_path, "id,name,country\nseven,VDAB,BE\n")
    assert "line 2: id must be a member's number; got 'seven'" in refused(
        held, "members", "import", path, "--update")


def test_an_import_never_gives_a_removed_member_s_number_again(held, tmp_path):
    assert held.run("members", "remove", "Anila Noor").exit_code == 0  # #2, the highest
    path = write(tmp_path, f"name,country,network,category\nForem,BE,pes,{PES}\n")
    assert held.run("members", "import", path).exit_code == 0
    assert [(r["id"], r["name"]) for r in exported(held)] == [("3", "Forem"), ("1", "VDAB")]


def test_an_export_read_back_changes_no_name_a_spreadsheet_would_run_as_a_formula(env, tmp_path):
    """The export writes such a name behind a "'" (no spreadsheet runs it); the import takes it off again, and a
    name that really begins with quotes keeps them."""
    names = ["=SUM(A1)", "+cmd", "-1", "@at", "'=already", "''=x", "'plain"]
    for name in names:
        assert env.run("members", "add", "--country", "BE", "--", name).exit_code == 0, name
    before = json.loads(env.run("members", "list", "--json").stdout)
    exported = tmp_path / "members.csv"
    assert env.run("members", "export", "-o", str(exported)).exit_code == 0
    cells = {row["name"] for row in csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8-sig")))}
    assert cells == {"'=SUM(A1)", "'+cmd", "'-1", "'@at", "''=already", "'''=x", "'plain"}
    result = env.run("members", "import", str(exported), "--update")
    assert result.exit_code == 0 and "0 new, 0 updated, 7 unchanged" in result.stdout, result.output
    assert json.loads(env.run("members", "list", "--json").stdout) == before
