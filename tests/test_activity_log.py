"""``peerlearn log``: the activity log in every format, its period, safety and speakers."""

import csv
import io
import json

import pytest

FORMATS = ("csv", "jsonl", "md", "html")
EMAIL = "hidden.contact@ministry.example"


def _log(env, *args):
    result = env.run("log", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def small_env(env):
    """esf_migration with two past workshops, members from three countries, one with an email."""
    for name, country, email in (("Agency A", "BE", EMAIL), ("Agency B", "DE", ""), ("Agency C", "DE", ""),
                                 ("Agency D", "IT", "")):
        args = ["members", "add", name, "--country", country, "--category", "stakeholder",
                "--network", "esf_migration"]
        assert env.run(*args, *(["--email", email] if email else [])).exit_code == 0
    for title, day in (("=HYPERLINK(\"http://evil.example\",\"x\")", "2025-03-11"),
                       ("<script>alert(1)</script> & friends", "2025-06-10")):
        result = env.run("activities", "add", "--network", "esf_migration", "--kind", "workshop", "--title", title,
                         "--start", f"{day} 09:30", "--end", "17:00", "--city", "Brussels", "--country", "BE",
                         "--host", "Agency A", "--json")
        assert result.exit_code == 0, result.output
    assert env.run("participants", "attend", "1", "1", "2", "3").exit_code == 0
    assert env.run("participants", "register", "2", "4").exit_code == 0
    assert env.run("activities", "complete", "1").exit_code == 0
    assert env.run("outputs", "add", "1", "--kind", "final_report", "--title", "+cmd|' /C calc'!A0",
                   "--url", "https://example.org/r1", "--date", "2025-04-01").exit_code == 0
    return env


def test_demo_registry_gives_a_log_in_every_format(demo_env):
    activities = json.loads(demo_env.run("activities", "list", "--network", "integration_network", "--json").stdout)
    titles = [a["title"] for a in activities]
    outputs = {fmt: _log(demo_env, "--network", "integration_network", "--format", fmt) for fmt in FORMATS}

    table = list(csv.DictReader(io.StringIO(outputs["csv"])))
    assert [row["title"] for row in table] == titles
    assert {row["state"] for row in table} == {"completed", "cancelled", "planned"}
    cancelled = next(row for row in table if row["state"] == "cancelled")
    assert cancelled["attended"] == "0" and cancelled["city or online"] == "Dublin"
    completed = next(row for row in table if row["state"] == "completed")
    assert completed["attended by country"] and completed["outputs"].startswith("Report: ")

    lines = [json.loads(line) for line in outputs["jsonl"].splitlines()]
    assert [line["id"] for line in lines] == [a["id"] for a in activities]
    done = next(line for line in lines if line["state"] == "completed")
    assert sum(done["attended_by_country"].values()) == done["attended"] > 0
    assert done["outputs"][0]["url"].startswith("https://example.org/reports/")

    md = outputs["md"]
    assert md.startswith("# Activity log: European Integration Network")
    assert md.count("\n| ") == len(activities) + 2  # the heading row, the rule and one row each
    html = outputs["html"]
    assert html.startswith("<!DOCTYPE html>") and html.count('<tr class="') == len(activities)
    assert '<tr class="cancelled">' in html


def test_log_is_deterministic_and_a_file_holds_the_same_bytes(demo_env, tmp_path):
    for fmt in FORMATS:
        first = _log(demo_env, "--network", "mutual_learning", "--format", fmt)
        assert _log(demo_env, "--network", "mutual_learning", "--format", fmt) == first
        target = tmp_path / f"log.{fmt}"
        result = demo_env.run("log", "--network", "mutual_learning", "--format", fmt, "-o", str(target))
        assert result.exit_code == 0 and result.stdout == ""
        assert target.read_text(encoding="utf-8") == first


def test_period_limits_the_log_and_an_empty_period_is_a_valid_empty_log(small_env):
    rows = list(csv.DictReader(io.StringIO(_log(small_env, "--network", "esf_migration", "--from", "2025-06-01",
                                                "--to", "2025-06-30"))))
    assert [row["id"] for row in rows] == ["2"]
    only_day = _log(small_env, "--network", "esf_migration", "--from", "2025-03-11", "--to", "2025-03-11")
    assert [row["id"] for row in csv.DictReader(io.StringIO(only_day))] == ["1"]

    empty = ("--network", "esf_migration", "--from", "2024-01-01", "--to", "2024-12-31")
    assert _log(small_env, *empty, "--format", "csv").splitlines() == [
        "id,date,end date,kind,title,status,state,host country,city or online,host member,attended,"
        "attended by country,registered,speakers,outputs"
    ]
    assert _log(small_env, *empty, "--format", "jsonl") == ""
    assert "No activities in this period." in _log(small_env, *empty, "--format", "md")
    html = _log(small_env, *empty, "--format", "html")
    assert "<thead>" in html and "No activities in this period." in html


def test_log_counts_attendance_by_country(small_env):
    first, second = [json.loads(line) for line in _log(small_env, "--network", "esf_migration",
                                                       "--format", "jsonl").splitlines()]
    assert first["attended_by_country"] == {"BE": 1, "DE": 2} and first["attended"] == 3
    assert first["state"] == "completed" and first["host"] == "Agency A" and first["where"] == "Brussels"
    assert second["attended"] == 0 and second["registered"] == 1 and second["state"] == "planned"


def test_csv_cells_that_would_be_formulas_are_neutralised(small_env):
    rows = list(csv.reader(io.StringIO(_log(small_env, "--network", "esf_migration"))))
    first = dict(zip(rows[0], rows[1]))
    assert first["title"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert first["outputs"].startswith("'+cmd|")
    assert first["attended"] == "3"
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_html_and_markdown_show_registry_text_as_text(small_env):
    html = _log(small_env, "--network", "esf_migration", "--format", "html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in html
    md = _log(small_env, "--network", "esf_migration", "--format", "md")
    assert "<script>" not in md and r"\<script\>alert(1)\</script\> & friends" in md


def test_no_email_in_any_log_format(small_env):
    with small_env.open() as registry:
        assert registry.one("SELECT email FROM members WHERE name = 'Agency A'")["email"] == EMAIL
    for fmt in FORMATS:
        text = _log(small_env, "--network", "esf_migration", "--format", fmt)
        assert "Agency A" in text
        assert EMAIL not in text and "@ministry" not in text


def test_unknown_format_lists_the_available_ones_and_writes_nothing(small_env, tmp_path):
    target = tmp_path / "log.xlsx"
    result = small_env.run("log", "--network", "esf_migration", "--format", "xlsx", "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: --format: unknown format 'xlsx' for the activity log (available: csv, html, jsonl, md)")
    assert not target.exists()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".peerlearn-")]


def test_bad_period_and_unknown_network_are_one_line_errors(small_env):
    before = small_env.fingerprint()
    for args, message in (
        (("--network", "nowhere"), "unknown network 'nowhere'"),
        (("--network", "esf_migration", "--from", "2025-13-01"), "--from: '2025-13-01' is not a valid date"),
        (("--network", "esf_migration", "--from", "2025-06-01", "--to", "2025-01-01"), "--to: the window ends before it starts"),
    ):
        result = small_env.run("log", *args)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith("Error: ") and message in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    assert small_env.fingerprint() == before


def _add_agenda(env):
    """A programme for the second workshop, built with the agenda commands."""
    def session(title, kind, start, end):
        result = env.run("sessions", "add", "2", "--title", title, "--kind", kind, "--start", start, "--end", end,
                         "--json")
        assert result.exit_code == 0, result.output
        return str(json.loads(result.stdout)["id"])

    def role(session_id, *args):
        result = env.run("roles", "add", "2", session_id, *args)
        assert result.exit_code == 0, result.output

    panel = session("Opening panel", "panel", "10:00", "11:00")
    role(panel, "--role", "chair", "--name", "Katarina Ivankovic Knezevic", "--affiliation", "DG EMPL",
         "--status", "confirmed", "--email", "k@ec.example", "--note", "private")
    role(panel, "--role", "panellist", "--name", "Thomas Liebig", "--affiliation", "OECD", "--status", "tbc")
    role(panel, "--role", "speaker", "--name", "Someone Declined", "--affiliation", "X", "--status", "declined")
    role(panel, "--role", "speaker", "--affiliation", "Cedefop", "--status", "tbd")
    workshop = session("Workshop 1", "workshop", "11:15", "12:30")
    role(workshop, "--role", "speaker", "--name", "Thomas Liebig", "--affiliation", "OECD", "--status", "confirmed")
    role(workshop, "--role", "rapporteur", "--name", "Anila Noor", "--status", "confirmed")


def test_speakers_come_from_the_agenda_and_are_empty_without_one(small_env):
    rows = [json.loads(line) for line in _log(small_env, "--network", "esf_migration", "--format", "jsonl")
            .splitlines()]
    assert [row["speakers"] for row in rows] == [[], []]
    _add_agenda(small_env)
    rows = [json.loads(line) for line in _log(small_env, "--network", "esf_migration", "--format", "jsonl")
            .splitlines()]
    assert rows[0]["speakers"] == []
    assert rows[1]["speakers"] == [
        {"name": "Katarina Ivankovic Knezevic", "affiliation": "DG EMPL"},
        {"name": "Thomas Liebig", "affiliation": "OECD"},
        {"name": "Anila Noor", "affiliation": ""},
    ]
    table = list(csv.DictReader(io.StringIO(_log(small_env, "--network", "esf_migration"))))
    assert table[1]["speakers"] == "Katarina Ivankovic Knezevic (DG EMPL); Thomas Liebig (OECD); Anila Noor"
    html = _log(small_env, "--network", "esf_migration", "--format", "html")
    assert "k@ec.example" not in html and "private" not in html


def test_the_logs_migration_adds_the_covering_index(env):
    assert env.run("init").exit_code == 0
    with env.open() as registry:
        from peerlearn.registry.migrations import migrations

        assert "m005_logs" in {migration.name for migration in migrations.applied(registry.db)}
        plan = " ".join(row[3] for row in registry.db.execute(
            "EXPLAIN QUERY PLAN SELECT count(*) FROM participations WHERE activity_id = 1 AND status = 'attended'"))
    assert "COVERING INDEX participations_by_activity_status" in plan


def _html_table(html: str) -> tuple[list[str], list[list[tuple[dict, str]]]]:
    """The headings and the rows (each cell's attributes and text) of a page's table, read by html.parser."""
    from html.parser import HTMLParser

    class Table(HTMLParser):
        def __init__(self):
            super().__init__(convert_charrefs=True)
            self.headings, self.rows, self.cell = [], [], None

        def handle_starttag(self, tag, attrs):
            if tag == "tr":
                self.rows.append([])
            elif tag in ("th", "td"):
                self.cell = [dict(attrs), ""]

        def handle_data(self, data):
            if self.cell is not None:
                self.cell[1] += data

        def handle_endtag(self, tag):
            if tag == "th":
                self.headings.append(self.cell[1])
            elif tag == "td":
                self.rows[-1].append(tuple(self.cell))
            if tag in ("th", "td"):
                self.cell = None

    table = Table()
    table.feed(html)
    return table.headings, [row for row in table.rows if row]


PEOPLE_HEADINGS = ["id", "dates", "kind", "title", "status", "where", "host member", "participants", "speakers",
                   "outputs"]


def test_html_and_markdown_logs_are_worded_for_people(small_env):
    assert small_env.run("activities", "add", "--network", "esf_migration", "--kind", "peer_review", "--title",
                         "Two days", "--start", "2025-09-09", "--end", "2025-09-10", "--country", "PT").exit_code == 0
    html = _log(small_env, "--network", "esf_migration", "--format", "html")
    headings, rows = _html_table(html)
    assert headings == PEOPLE_HEADINGS  # one status, no state; no column twice
    for index, heading in enumerate(headings, 1):  # a phone shows each value under its heading
        assert f'td:nth-child({index})::before {{ content: "{heading}: "' in html
    assert "table.records td:nth-child(2) { white-space: nowrap; }" in html  # dates never wrap
    first, second, third = [{heading: (attrs, text) for (attrs, text), heading in zip(row, headings)}
                            for row in rows]
    assert first["dates"][1] == "2025-03-11"
    assert third["dates"][1] == "2025-09-09 to 2025-09-10"
    assert [row["kind"][1] for row in (first, third)] == ["Workshop", "Peer review"]
    assert [row["status"][1] for row in (first, second)] == ["Completed", "Confirmed"]
    assert first["where"][1] == "Brussels, Belgium (BE)" and third["where"][1] == "Portugal (PT)"
    assert first["participants"][1] == "3 attended: Belgium (BE) 1, Germany (DE) 2"
    assert second["participants"][1] == "1 registered"
    md = _log(small_env, "--network", "esf_migration", "--format", "md")
    assert "| " + " | ".join(PEOPLE_HEADINGS) + " |" in md
    assert "| 2025-09-09 to 2025-09-10 | Peer review | Two days | Confirmed | Portugal (PT) |" in md
    csv_header = _log(small_env, "--network", "esf_migration").splitlines()[0]
    assert csv_header.startswith("id,date,end date,kind,title,status,state,host country")  # data stays data
