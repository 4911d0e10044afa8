"""Links are web links, and rows stored before the rules never replay what they hold.

Input refuses a link that is not http(s). Rows written straight into the
tables (as a registry from before the rules may hold them) carry control
characters and ``javascript:`` links; every output is read back with an
independent parser (icalendar, vobject, html.parser, csv, json) to show
that none of it reaches a terminal, a feed, a page, a log or a report
as it was: control characters are escaped or replaced, and no link is
anything but http(s).
"""

from __future__ import annotations

import csv
import io
import json
from html.parser import HTMLParser
from urllib.parse import urlsplit

import icalendar
import pytest
import vobject

from peerlearn import hookimpl

BAD_LINKS = ["javascript:alert(3)", "JavaScript:alert(3)", "data:text/html,<script>alert(3)</script>",
             "file:///etc/passwd", "vbscript:msgbox(3)", "java\tscript:alert(3)", "//evil.example/x",
             "https://", "mailto:x@example.org"]

#: Rows as an older registry may hold them.
TITLE = "\x1b]0;pwned\x07Workshop\x00 on \x9b31mjobs\x7f"
SESSION = "Panel\x1b[2J\rrewritten"
PERSON = "Ana\x07 Ruiz"
MEMBER = "Bad\x01Name"
OUTPUT = "\x1b[31mRed report"
NETWORK_DESCRIPTION = "Baltic\x1b[5m forum\x00"
STORED = (TITLE, SESSION, PERSON, MEMBER, OUTPUT, NETWORK_DESCRIPTION)
#: a feed's whole span: the rows are on fixed dates, and the feeds' window of the coming months moves with today
EVER = ("--from", "2000-01-01")


def controls(text: str, allowed: str = "\n") -> list[str]:
    """The control characters (C0, DEL, C1) in ``text``, bar ``allowed``."""
    return [char for char in text if (ord(char) < 0x20 or 0x7f <= ord(char) <= 0x9f) and char not in allowed]


@pytest.fixture
def ready(env):
    assert env.run("members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service").exit_code == 0
    assert env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "PES event",
                   "--start", "2027-06-10 09:00", "--end", "17:00").exit_code == 0
    return env


def refused(env, *args, expect):
    before = env.fingerprint()
    result = env.run(*args)
    assert result.exit_code == 1, (args, result.output)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and expect in lines[0], result.stderr
    assert env.fingerprint() == before


@pytest.mark.parametrize("link", BAD_LINKS)
def test_links_that_are_not_web_links_are_refused(ready, link):
    refused(ready, "activities", "add", "--network", "pes", "--kind", "event", "--title", "Online",
            "--start", "2027-07-01", "--online-url", link, expect="online_url")
    refused(ready, "activities", "edit", "1", "--online-url", link, expect="is not a web link")
    refused(ready, "outputs", "add", "1", "--kind", "paper", "--title", "Paper", "--url", link,
            expect="url")
    refused(ready, "networks", "add", "baltic", "--name", "Baltic forum", "--url", link, expect="is not a web link")


def test_web_links_are_accepted(ready):
    assert ready.run("activities", "edit", "1", "--online-url", " https://meet.example.org/room?id=1 ").exit_code == 0
    assert ready.run("outputs", "add", "1", "--kind", "paper", "--title", "Paper",
                     "--url", "HTTP://example.org/paper.pdf").exit_code == 0
    assert ready.run("networks", "add", "baltic", "--name", "Baltic", "--url", "https://baltic.example").exit_code == 0
    shown = json.loads(ready.run("activities", "show", "1", "--json").stdout)
    assert shown["online_url"] == "https://meet.example.org/room?id=1"


@pytest.fixture
def hostile(env):
    """A registry holding control characters and javascript: links, written straight into its tables."""
    for args in (
        ["networks", "add", "baltic", "--name", "Baltic forum", "--url", "https://baltic.example"],
        ["members", "add", "Placeholder", "--country", "BE", "--network", "pes", "--category", "public employment service"],
        ["activities", "add", "--network", "pes", "--kind", "event", "--title", "Placeholder",
         "--start", "2027-06-10 09:00", "--end", "17:00", "--online-url", "https://meet.example.org",
         "--venue", "Hall", "--description", "About"],
        ["activities", "add", "--network", "baltic", "--kind", "workshop", "--title", "Baltic workshop",
         "--start", "2027-06-11 09:00", "--end", "17:00"],
        ["sessions", "add", "1", "--title", "Placeholder", "--start", "09:30", "--end", "10:30", "--key", "panel",
         "--description", "Who speaks"],
        ["roles", "add", "1", "panel", "--role", "speaker", "--name", "Placeholder", "--status", "confirmed"],
        ["outputs", "add", "1", "--kind", "paper", "--title", "Placeholder", "--url", "https://example.org/p"],
        ["participants", "register", "1", "Placeholder"],
    ):
        result = env.run(*args)
        assert result.exit_code == 0, (args, result.output)
    with env.open() as registry:
        db = registry.db
        db.execute("UPDATE networks SET description = ?, url = 'javascript:alert(1)' WHERE slug = 'baltic'",
                   [NETWORK_DESCRIPTION])
        db.execute("UPDATE members SET name = ? WHERE id = 1", [MEMBER])
        db.execute("UPDATE activities SET title = ?, online_url = 'javascript:alert(3)', venue = ?, description = ?"
                   " WHERE id = 1", [TITLE, "Hall\x7f", "About\x9b jobs"])
        db.execute("UPDATE sessions SET title = ?, room = ?, description = ?", [SESSION, "Room\x1b[8m", "Who\x00 speaks"])
        db.execute("UPDATE roles SET name = ?, affiliation = ?", [PERSON, "Org\x1b[1m"])
        db.execute("UPDATE outputs SET title = ?, url = 'javascript:alert(2)'", [OUTPUT])
        db.execute("INSERT INTO changes (at, actor, action, entity, entity_id, network, before, after)"
                   " VALUES ('2027-01-01T00:00:00.000000Z', ?, 'update', 'activity', '1', 'pes', NULL, ?)",
                   ["intruder\x1b]0;pwned\x07", json.dumps({"title": TITLE}, ensure_ascii=False)])
    return env


def _all_output(result) -> str:
    return result.stdout + result.stderr


def on_terminal(env, *args):
    """Run ``peerlearn ARGS`` as on a terminal: click keeps ANSI sequences it would strip for a pipe."""
    from click.testing import CliRunner

    from peerlearn.cli import cli

    return CliRunner().invoke(cli, ["--db", str(env.db), *args], color=True, catch_exceptions=False,
                              prog_name="peerlearn")


READS = [
    ["activities", "list"], ["activities", "show", "1"], ["members", "list"], ["members", "show", "1"],
    ["networks", "show", "baltic"], ["sessions", "list", "1"], ["roles", "list", "1"], ["outputs", "list"],
    ["participants", "list", "1"], ["agenda", "show", "1"], ["agenda", "check", "1"], ["changes"],
    ["activities", "list", "--json"], ["members", "list", "--json"], ["outputs", "list", "--json"],
    ["sessions", "list", "1", "--json"], ["networks", "show", "baltic", "--json"], ["changes", "--json"],
    ["members", "export"], ["agenda", "export", "1"],
    ["log", "--network", "pes", "--format", "csv"], ["log", "--network", "pes", "--format", "md"],
    ["changes", "--format", "md"], ["changes", "--format", "jsonl"], ["log", "--network", "pes", "--format", "jsonl"],
    ["report", "--network", "pes", "--year", "2027"],
]


@pytest.mark.parametrize("args", READS, ids=[" ".join(args) for args in READS])
def test_the_terminal_never_gets_a_control_character(hostile, args):
    result = on_terminal(hostile, *args)
    assert result.exit_code in (0, 1), result.output  # agenda check exits 1 on findings
    assert controls(_all_output(result)) == [], args


def test_json_keeps_the_stored_text_exactly_and_escaped(hostile):
    activity = json.loads(hostile.run("activities", "show", "1", "--json").stdout)
    assert activity["title"] == TITLE and activity["online_url"] == "javascript:alert(3)"
    assert [m["name"] for m in json.loads(hostile.run("members", "list", "--json").stdout)] == [MEMBER]
    assert json.loads(hostile.run("sessions", "list", "1", "--json").stdout)[0]["title"] == SESSION
    log = [json.loads(line) for line in hostile.run("log", "--network", "pes", "--format", "jsonl").stdout.splitlines()]
    assert log[0]["title"] == TITLE


def test_tables_show_control_characters_escaped(hostile):
    table = on_terminal(hostile, "activities", "list").stdout
    assert "\\x1b]0;pwned\\x07Workshop\\x00 on \\x9b31mjobs\\x7f" in table
    assert "Bad\\x01Name" in on_terminal(hostile, "members", "list").stdout
    assert "\\x1b[31mRed report" in on_terminal(hostile, "outputs", "list").stdout


def test_a_record_with_old_text_can_still_be_changed_but_new_text_is_checked(hostile):
    assert hostile.run("activities", "reschedule", "1", "--start", "2027-06-17 09:00").exit_code == 0
    result = on_terminal(hostile, "activities", "cancel", "1")
    assert result.exit_code == 0, result.output
    assert controls(_all_output(result)) == [] and "\\x1b]0;pwned" in result.stdout
    assert hostile.run("members", "edit", "1", "--category", "public employment service").exit_code == 0
    refused(hostile, "activities", "edit", "1", "--venue", "Hall\x1b", expect="venue must not hold control")
    with hostile.open() as registry:
        assert registry.one("SELECT title FROM activities WHERE id = 1")["title"] == TITLE


def _text_values(component) -> list[tuple[str, str]]:
    found = []
    for name, value in component.property_items(recursive=True, sorted=False):
        if isinstance(value, icalendar.vText):
            found.append((name, str(value)))
        elif isinstance(value, icalendar.vCategory):
            found += [(name, str(category)) for category in value.cats]
    return found


def _check_feed(data: bytes) -> dict:
    """The feed parsed by icalendar and vobject: no control character in any value, no link but http(s)."""
    text = data.decode("utf-8")
    assert controls(text.replace("\r\n", ""), allowed="") == []
    calendar = icalendar.Calendar.from_ical(data)
    values = _text_values(calendar)
    assert values and all(controls(value, allowed="\n\t") == [] for _name, value in values), values
    links = [str(event["URL"]) for event in calendar.walk("VEVENT") if "URL" in event]
    assert all(urlsplit(link).scheme in ("http", "https") for link in links), links
    vars(vobject.icalendar)["__tzidMap"].clear()
    parsed = vobject.readOne(text)
    for event in getattr(parsed, "vevent_list", []):
        for line in event.getChildren():
            if isinstance(line.value, str):
                assert controls(line.value, allowed="\n\t") == [], (line.name, line.value)
        assert all(urlsplit(url.value).scheme in ("http", "https") for url in event.contents.get("url", []))
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


def test_feeds_never_carry_control_characters_or_other_links(hostile, tmp_path):
    for scope in (["--network", "pes"], ["--activity", "1"], ["--member", "1"], ["--network", "baltic"]):
        result = hostile.run("export", "ics", *scope, *EVER)
        assert result.exit_code == 0, result.output
        assert _check_feed(result.stdout_bytes)
    summaries = [str(event["SUMMARY"]) for event in _check_feed(hostile.run("export", "ics", "--activity", "1", *EVER)
                                                                .stdout_bytes).values()]
    assert "\ufffd]0;pwned\ufffdWorkshop\ufffd on \ufffd31mjobs\ufffd" in summaries
    result = hostile.run("feeds", "build", str(tmp_path / "feeds"))
    assert result.exit_code == 0, result.output
    files = list((tmp_path / "feeds").rglob("*.ics"))
    assert len(files) >= 4
    for path in files:
        _check_feed(path.read_bytes())


def test_a_plugins_link_and_text_are_held_to_the_same_rules(hostile):
    class Linker:
        @hookimpl
        def peerlearn_ical_event(self, network, activity, event, session):
            if "URL" in event:
                del event["URL"]
            event.add("url", "javascript:alert('plugin')")
            event.add("comment", "from a plugin\x1b[31m")

    hostile.register(Linker(), name="linker")
    events = _check_feed(hostile.run("export", "ics", "--activity", "1", *EVER).stdout_bytes)
    assert all("URL" not in event for event in events.values())
    assert {str(event["COMMENT"]) for event in events.values()} == {"from a plugin\ufffd[31m"}


class _Page(HTMLParser):
    """Every link target and all the text of a page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.texts: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.links += [value for name, value in attrs if name in ("href", "src", "action") and value is not None]
        self.texts += [value for name, value in attrs if value]

    def handle_data(self, data):
        self.texts.append(data)


def _check_page(html: str) -> _Page:
    assert controls(html, allowed="\n\t") == []
    page = _Page(html)
    for link in page.links:
        scheme = urlsplit(link).scheme
        assert scheme in ("", "http", "https", "webcal"), link
    assert all(controls(text, allowed="\n\t") == [] for text in page.texts)
    return page


def test_web_pages_never_carry_control_characters_or_other_links(hostile, tmp_path):
    import peerlearn_plugins.site

    hostile.register(peerlearn_plugins.site, name="site")
    result = hostile.run("site", "build", str(tmp_path / "site"), "--base-url", "https://events.example.org")
    assert result.exit_code == 0, result.output
    pages = {path.relative_to(tmp_path / "site").as_posix(): _check_page(path.read_text(encoding="utf-8"))
             for path in (tmp_path / "site").rglob("*.html")}
    activity = " ".join(pages["activities/1.html"].texts)
    assert "\ufffd]0;pwned\ufffdWorkshop" in activity and "javascript:alert(3)" in activity  # shown, not linked
    assert "https://baltic.example" not in " ".join(pages["networks/baltic.html"].links)
    assert not any("javascript" in link for page in pages.values() for link in page.links)


@pytest.mark.parametrize("args", [["log", "--network", "pes", "--format", "html"],
                                  ["report", "--network", "pes", "--year", "2027", "--format", "html"],
                                  ["changes", "--format", "html"]])
def test_logs_and_reports_never_carry_control_characters_or_other_links(hostile, args):
    result = hostile.run(*args)
    assert result.exit_code == 0, result.output
    page = _check_page(result.stdout)
    assert not any("javascript" in link for link in page.links)


def test_csv_exports_escape_control_characters(hostile):
    for args in (["members", "export"], ["log", "--network", "pes", "--format", "csv"]):
        rows = list(csv.reader(io.StringIO(hostile.run(*args).stdout)))
        assert rows and all(controls(cell, allowed="") == [] for row in rows for cell in row)
    members = list(csv.DictReader(io.StringIO(hostile.run("members", "export").stdout)))
    assert members[0]["name"] == "Bad\\x01Name"
