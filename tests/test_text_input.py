"""Text is text: names, titles and keys are one line of printable text; descriptions and notes may hold lines.

Whatever brings it in (an option, a CSV row, a programme file), a NUL, a
control character (C0, DEL, C1) or a line break where one line is expected
is refused with one line naming the field (and the file and line), and the
registry is left byte for byte as it was. Names are NFC-normalised: one name
typed two ways is one member.
"""

from __future__ import annotations

import json
import unicodedata

import pytest

#: Hostile strings, each with the escape the error message shows for its first bad character.
HOSTILE = [
    ("Bad\x01Name", "\\x01"),
    ("\x1b]0;pwned\x07Title", "\\x1b"),
    ("Carriage\rreturn", "\\r"),
    ("Line\nfeed", "\\n"),
    ("Delete\x7fme", "\\x7f"),
    ("Eight-bit\x9b31mCSI", "\\x9b"),
    ("Tab\tinside", "\\t"),
    ("Line\u2028separator", "\\u2028"),
]
IDS = ["C0", "OSC", "CR", "LF", "DEL", "C1", "TAB", "LSEP"]


@pytest.fixture
def ready(env):
    assert env.run("members", "add", "VDAB", "--country", "BE", "--network", "pes", "--category", "public employment service").exit_code == 0
    assert env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "PES event",
                   "--start", "2027-06-10 09:00", "--end", "17:00").exit_code == 0
    assert env.run("sessions", "add", "1", "--title", "Opening", "--start", "09:30", "--end", "10:00",
                   "--key", "opening").exit_code == 0
    return env


def refused(env, *args, expect: str) -> str:
    before = env.fingerprint()
    result = env.run(*args)
    assert result.exit_code == 1, (args, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert expect in lines[0], lines[0]
    assert env.fingerprint() == before
    assert not any(ord(char) < 0x20 or 0x7f <= ord(char) <= 0x9f for char in result.stderr.rstrip("\n"))
    return lines[0]


def _field_commands(value: str):
    """(field named in the message, command) for one-line fields typed on the command line."""
    return [
        ("name", ["members", "add", value, "--country", "BE"]),
        ("name", ["members", "edit", "VDAB", "--name", value]),
        ("category", ["members", "add", "Forem", "--country", "BE", "--network", "pes", "--category", value]),
        ("title", ["activities", "add", "--network", "pes", "--kind", "event", "--title", value,
                   "--start", "2027-07-01"]),
        ("venue", ["activities", "edit", "1", "--venue", value]),
        ("themes", ["activities", "edit", "1", "--theme", value]),
        ("title", ["sessions", "add", "1", "--title", value, "--start", "11:00", "--end", "12:00"]),
        ("room", ["sessions", "edit", "1", "opening", "--room", value]),
        ("name", ["roles", "add", "1", "opening", "--role", "speaker", "--name", value]),
        ("affiliation", ["roles", "add", "1", "opening", "--role", "speaker", "--name", "Ana",
                         "--affiliation", value]),
        ("title", ["outputs", "add", "1", "--kind", "paper", "--title", value]),
        ("name", ["networks", "add", "baltic", "--name", value]),
    ]


@pytest.mark.parametrize("value, shown", HOSTILE, ids=IDS)
def test_one_line_fields_refuse_control_characters_and_line_breaks(ready, value, shown):
    for field, args in _field_commands(value):
        message = refused(ready, *args, expect=shown)
        assert f"{field} must" in message, message


@pytest.mark.parametrize("value, shown", [item for item in HOSTILE if item[1] not in ("\\n", "\\t", "\\r",
                                                                                    "\\u2028")])
def test_multi_line_fields_refuse_control_characters(ready, value, shown):
    refused(ready, "activities", "edit", "1", "--description", value, expect=f"description must not hold control"
                                                                            f" characters ({shown}")
    refused(ready, "roles", "add", "1", "opening", "--role", "speaker", "--name", "Ana", "--note", value,
            expect=f"note must not hold control characters ({shown}")


def test_multi_line_fields_take_lines_and_tabs(ready):
    text = "First line\n\tindented second line\r\nthird line"
    assert ready.run("activities", "edit", "1", "--description", text).exit_code == 0
    shown = json.loads(ready.run("activities", "show", "1", "--json").stdout)
    assert shown["description"] == "First line\n\tindented second line\nthird line"


def test_csv_row_with_a_nul_or_an_escape_is_refused_naming_file_line_and_field(ready, tmp_path):
    for value, shown in (("Bad\x00Name", "\\x00"), ("\x1b]0;pwned\x07", "\\x1b"), ("Del\x7f", "\\x7f"),
                         ("C1\x85", "\\x85")):
        path = tmp_path / "members.csv"
        path.write_text(f"name,country,email\nForem,BE,a@example.org\n{value},BE,b@example.org\n", encoding="utf-8",
                        newline="")
        refused(ready, "members", "import", str(path), expect=f"{path} line 3: name must not hold control"
                                                              f" characters ({shown}")
    path.write_text("name,country,email\nForem,BE,\"two\nlines\"\n", encoding="utf-8", newline="")
    refused(ready, "members", "import", str(path), expect=f"{path} line 2: a quoted cell runs on to line 3")
    path.write_text("name,country,email\nForem,BE,\"car\rriage\"\n", encoding="utf-8", newline="")
    refused(ready, "members", "import", str(path), expect=f"{path} line 2: a quoted cell runs on to line 3")


PROGRAMME = """\
tracks: [A]
sessions:
  - id: opening
    title: Opening
    start: '09:30'
    end: '10:00'
  - id: panel
    title: {title}
    start: '10:00'
    end: '11:00'
    track: A
    description: {description}
    roles:
      - role: speaker
        name: {name}
        note: {note}
"""


@pytest.mark.parametrize("field, line, values", [
    ("title", 8, {"title": '"Bad\\0Name"'}),
    ("title", 8, {"title": '"\\e]0;pwned\\a"'}),
    ("title", 8, {"title": '"Two\\nlines"'}),
    ("title", 8, {"title": '"Carriage\\rreturn"'}),
    ("title", 8, {"title": '"Delete\\x7f"'}),
    ("description", 12, {"description": '"Text\\x9bwith C1"'}),
    ("name", 15, {"name": '"Ana\\x00"'}),
    ("note", 16, {"note": '"Note\\e[2J"'}),
])
def test_programme_file_with_control_characters_is_refused_at_the_fields_line(ready, tmp_path, field, line, values):
    text = PROGRAMME.format(**{"title": "Panel", "description": "About", "name": "Ana", "note": "ok", **values})
    path = tmp_path / "programme.yaml"
    path.write_text(text, encoding="utf-8")
    refused(ready, "agenda", "import", "1", str(path), expect=f"{path}:{line}: {field} must")


def test_programme_file_takes_lines_in_descriptions_and_notes(ready, tmp_path):
    path = tmp_path / "programme.yaml"
    path.write_text(PROGRAMME.format(title="Panel", description='"One\\n\\tTwo"', name="Ana", note='"a\\nb"'),
                    encoding="utf-8")
    result = ready.run("agenda", "import", "1", str(path))
    assert result.exit_code == 0, result.stderr
    sessions = json.loads(ready.run("sessions", "list", "1", "--json").stdout)
    assert sessions[1]["description"] == "One\n\tTwo"


def test_raw_control_character_in_a_programme_file_names_its_line(ready, tmp_path):
    path = tmp_path / "programme.yaml"
    path.write_text(PROGRAMME.format(title="Pan\x01el", description="About", name="Ana", note="ok"),
                    encoding="utf-8")
    refused(ready, "agenda", "import", "1", str(path), expect=f"{path}:8: not valid YAML: character \\x01")


# -- names in Unicode ------------------------------------------------------

PRECOMPOSED = unicodedata.normalize("NFC", "Café Européen")
DECOMPOSED = unicodedata.normalize("NFD", "Café Européen")


def test_one_name_typed_two_ways_is_one_member(env, tmp_path):
    assert PRECOMPOSED != DECOMPOSED
    added = env.run("members", "add", DECOMPOSED, "--country", "FR", "--json")
    assert added.exit_code == 0, added.stderr
    assert json.loads(added.stdout)["name"] == PRECOMPOSED  # stored NFC
    refused(env, "members", "add", PRECOMPOSED, "--country", "FR", expect="already exists as #1")
    refused(env, "members", "add", PRECOMPOSED.upper(), "--country", "FR", expect="already exists as #1")
    for typed in (PRECOMPOSED, DECOMPOSED, DECOMPOSED.lower()):
        shown = env.run("members", "show", typed, "--json")
        assert shown.exit_code == 0 and json.loads(shown.stdout)["id"] == 1
    path = tmp_path / "members.csv"
    path.write_text(f"name,country\nOther,FR\n{PRECOMPOSED},FR\n", encoding="utf-8")
    refused(env, "members", "import", str(path), expect=f"{path} line 3: member")
    path.write_text(f"name,country\n{unicodedata.normalize('NFD', 'Zoë')},FR\nZoë,FR\n", encoding="utf-8")
    refused(env, "members", "import", str(path), expect=f"{path} line 3: member 'Zoë' (FR) is on line 2 already")


def test_one_person_typed_two_ways_is_one_person(ready):
    from peerlearn.models import Role

    first = Role(session_id=1, role="speaker", name="José  Núñez", status="confirmed")
    second = Role(session_id=1, role="chair", name=unicodedata.normalize("NFD", "JOSÉ NÚÑEZ"), status="confirmed")
    assert first.name == "José Núñez" and first.person_key == second.person_key


def test_old_registry_gets_nfc_keys(env):
    """A registry whose keys were written before names were normalised gets NFC keys when it is upgraded."""
    assert env.run("members", "add", "Placeholder", "--country", "FR").exit_code == 0
    with env.open() as registry:
        registry.db.execute("UPDATE members SET name = ?, name_key = ? WHERE id = 1",
                            [DECOMPOSED, DECOMPOSED.casefold()])
        registry.db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm011_text'")
    assert env.run("migrate").exit_code == 0  # a read never upgrades; migrate does, keeping a copy first
    shown = env.run("members", "show", PRECOMPOSED, "--json")
    assert shown.exit_code == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == 1
    refused(env, "members", "add", PRECOMPOSED, "--country", "FR", expect="already exists as #1")
