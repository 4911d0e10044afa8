"""``peerlearn changes --format``: the change log exported, with before/after and nothing private."""

import csv
import io
import json

EMAIL = "very.private@example.org"


def _changes(env, *args, **kwargs):
    result = env.run("changes", *args, **kwargs)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_change_log_exports_match_the_json_listing(demo_env):
    listed = json.loads(_changes(demo_env, "--network", "pes", "--json"))
    assert listed and listed[0]["before"] is None
    lines = [json.loads(line) for line in _changes(demo_env, "--network", "pes", "--format", "jsonl").splitlines()]
    assert [line["id"] for line in lines] == [change["id"] for change in listed]
    assert [line["after"] for line in lines] == [change["after"] for change in listed]
    table = list(csv.DictReader(io.StringIO(_changes(demo_env, "--network", "pes", "--format", "csv"))))
    assert [int(row["id"]) for row in table] == [change["id"] for change in listed]
    assert list(table[0]) == ["id", "at (UTC)", "actor", "action", "entity", "entity id", "network", "before", "after"]
    completed = next(row for row in table if row["action"] == "complete")
    assert json.loads(completed["before"])["status"] == "confirmed"
    assert json.loads(completed["after"])["status"] == "completed"
    md = _changes(demo_env, "--network", "pes", "--format", "md")
    assert md.startswith("# Change log\n") and md.count("\n| ") == len(listed) + 2


def test_change_log_export_filters_by_period_and_entity(demo_env):
    everything = [json.loads(line) for line in _changes(demo_env, "--format", "jsonl").splitlines()]
    day = everything[0]["at"][:10]
    assert _changes(demo_env, "--until", "2000-01-01", "--format", "jsonl") == ""
    same_day = _changes(demo_env, "--since", day, "--until", day, "--format", "jsonl").splitlines()
    assert len(same_day) == len(everything)
    outputs = [json.loads(line) for line in _changes(demo_env, "--entity", "output", "--format", "jsonl").splitlines()]
    assert outputs and {line["entity"] for line in outputs} == {"output"}
    last = [json.loads(line) for line in _changes(demo_env, "--limit", "2", "--format", "jsonl").splitlines()]
    assert [line["id"] for line in last] == [line["id"] for line in everything[-2:]]


def test_change_log_export_holds_no_email(env):
    added = env.run("members", "add", "Agency", "--country", "BE", "--email", EMAIL, "--category", "stakeholder",
                    "--network", "esf_migration", env={"PEERLEARN_ACTOR": "clerk@secretariat.example"})
    assert added.exit_code == 0, added.output
    assert env.run("members", "edit", "1", "--email", "other.private@example.org").exit_code == 0
    for fmt in ("csv", "jsonl", "md", "html"):
        text = _changes(env, "--format", fmt)
        assert "Agency" in text and "(private)" in text
        for private in (EMAIL, "other.private@example.org", "clerk@secretariat.example", "@example.org"):
            assert private not in text


def test_json_and_format_cannot_be_combined_and_unknown_formats_are_listed(demo_env):
    result = demo_env.run("changes", "--json", "--format", "csv")
    assert result.exit_code == 2 and "give --json or --format, not both" in result.stderr
    result = demo_env.run("changes", "--format", "xml")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: --format: unknown format 'xml' for the change log (available: csv, html, jsonl, md)")
