"""Hostile text: script links, broken URLs, zone folders, bytes that are not UTF-8, control characters bound for
XML, and import files built to break the reader; each refused in one line that names where, nothing changed."""

import json

import pytest

from refusals import refused


@pytest.fixture
def site(demo_env):
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    return demo_env


@pytest.fixture
def mlc(demo_env) -> str:
    """The demo conference's number (it has a programme)."""
    from peerlearn_plugins.demo.data import MLC_TITLE

    with demo_env.open() as registry:
        return str(registry.one("SELECT id FROM activities WHERE title = ?", [MLC_TITLE])["id"])


def exported(env, activity, format_name):
    result = env.run("agenda", "export", activity, "--format", format_name)
    assert result.exit_code == 0, result.output
    return result.stdout


def first_event(schedule: dict) -> dict:
    rooms = schedule["schedule"]["conference"]["days"][0]["rooms"]
    return next(iter(rooms.values()))[0]


# -- bug 8: a script link as the site's feeds ------------------------------


@pytest.mark.parametrize("feeds", ["javascript:alert(1)", "JavaScript:alert(1)", "data:text/html,x", "feeds\"x"])
def test_site_feeds_are_a_folder_or_a_web_link(site, tmp_path, feeds):
    out = tmp_path / "site"
    refused(site, "site", "build", str(out), "--feeds", feeds, expect="--feeds")
    assert not any(out.rglob("*.html"))


# -- bug 14: an unclosed IPv6 bracket --------------------------------------


@pytest.mark.parametrize("args", [
    ["feeds", "build", "{out}", "--base-url", "{url}"],
    ["publish", "{out}", "--base-url", "{url}"],
    ["site", "build", "{out}", "--base-url", "{url}"],
    ["site", "build", "{out}", "--feeds", "{url}"],
    ["export", "ics", "--network", "pes", "--url", "{url}"],
    ["serve", "--base-url", "{url}"],
    ["agenda", "export", "{mlc}", "--format", "schedule-xml", "--base-url", "{url}"],
])
def test_an_unclosed_ipv6_bracket_is_no_url(site, mlc, tmp_path, args):
    filled = [arg.format(out=tmp_path / "out", url="https://[::1", mlc=mlc) for arg in args]
    option = next(arg for arg in args if arg.startswith("--") and arg not in ("--network", "--format"))
    refused(site, *filled, expect=[option, "'https://[::1'", "Invalid IPv6 URL"])


def test_a_member_feed_url_under_an_unclosed_ipv6_bracket(demo_env):
    member = json.loads(demo_env.run("members", "list", "--json").stdout)[0]["id"]
    refused(demo_env, "members", "feed-url", str(member), "--base-url", "https://[::1",
            expect=["--base-url", "Invalid IPv6 URL"])


# -- bug 11: a folder of the zone data -------------------------------------


@pytest.mark.parametrize("args", [
    ["activities", "list", "--tz", "Europe"],
    ["changes", "--tz", "Asia"],
    ["log", "--network", "pes", "--tz", "Asia"],
    ["networks", "add", "zones", "--name", "Zones", "--timezone", "America"],
])
def test_a_zone_folder_is_no_timezone(demo_env, args):
    refused(demo_env, *args, expect=f"unknown timezone {args[-1]!r}")


@pytest.mark.parametrize("format_name", ["schedule-json", "schedule-xml"])
def test_a_schedule_naming_a_zone_folder_is_read_from_its_offsets(demo_env, mlc, tmp_path, format_name):
    text = exported(demo_env, mlc, format_name)
    if format_name == "schedule-json":
        schedule = json.loads(text)
        schedule["schedule"]["conference"]["time_zone_name"] = "Europe"
        text = json.dumps(schedule)
    else:
        text = text.replace("<time_zone_name>Europe/Brussels</time_zone_name>", "<time_zone_name>Europe</time_zone_name>")
        assert "<time_zone_name>Europe</time_zone_name>" in text
    path = tmp_path / "schedule"
    path.write_text(text, encoding="utf-8")
    result = demo_env.run("agenda", "import", mlc, str(path))
    assert result.exit_code == 0, result.output
    assert "time_zone_name 'Europe' is not an IANA zone" in result.stderr


# -- bug 12: arguments and variables that are not UTF-8 --------------------


@pytest.mark.parametrize("args, expect", [
    (["members", "add", "\udcff"], "argument 5:"),  # after --db PATH
    (["members", "show", "a\udcff"], "byte \\xff at character 2 is not UTF-8"),
    (["activities", "list", "--network", "\udcff"], "(after --network)"),
    (["activities", "edit", "1", "--description=x\udcff"], "--description: byte \\xff"),
    (["roles", "add", "--name", "\udcff"], "(after --name)"),
    (["--actor", "\udcff", "members", "list"], "(after --actor)"),
    (["export", "ics", "--network", "pes", "--url", "https://x/\udcff"], "(after --url)"),
])
def test_an_argument_that_is_not_utf8_is_refused_before_any_command(demo_env, args, expect):
    line = refused(demo_env, *args, expect=[expect, "not UTF-8"])
    assert "\udcff" not in line


def test_a_variable_that_is_not_utf8_is_refused(demo_env):
    refused(demo_env, "notify", "preview", "1", environment={"PEERLEARN_MAIL_FROM": "\udcff"},
            expect="$PEERLEARN_MAIL_FROM: byte \\xff at character 1 is not UTF-8")


# -- bug 7: control characters bound for XML -------------------------------


def test_a_version_name_with_a_control_character_is_refused(demo_env, mlc):
    refused(demo_env, "agenda", "release", mlc, "--name", "v\x01",
            expect=["--name", "must not hold control characters (\\x01 at character 2)"])


@pytest.mark.parametrize("option, value", [("--language", "e\x01"), ("--base-url", "https://x/\x01")])
def test_schedule_options_with_a_control_character_are_refused(demo_env, mlc, option, value):
    refused(demo_env, "agenda", "export", mlc, "--format", "schedule-xml", option, value, expect=[option, "\\x01"])


def test_a_site_base_url_with_a_control_character_is_refused(site, tmp_path):
    refused(site, "site", "build", str(tmp_path / "site"), "--base-url", "https://x/\x01",
            expect=["--base-url", "\\x01"])


def test_a_guid_with_a_control_character_is_refused_at_import(demo_env, mlc, tmp_path):
    schedule = json.loads(exported(demo_env, mlc, "schedule-json"))
    first_event(schedule)["guid"] = "a\u0001b"
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(schedule), encoding="utf-8")
    refused(demo_env, "agenda", "import", mlc, str(path), expect=["schedule.json: event 1", "field 'guid'", "\\x01"])


# -- bug 13: import files built to break the reader ------------------------


def test_a_lone_surrogate_in_a_programme_yaml_is_refused(demo_env, mlc, tmp_path):
    text = exported(demo_env, mlc, "yaml")
    title = next(line for line in text.splitlines() if line.startswith("  title: "))
    path = tmp_path / "programme.yaml"
    path.write_text(text.replace(title, '  title: "\\ud800"', 1), encoding="utf-8")
    refused(demo_env, "agenda", "import", mlc, str(path),
            expect=["programme.yaml:", "title must be valid text (lone surrogate \\ud800 at character 1)"])


def test_a_lone_surrogate_in_a_schedule_json_is_refused(demo_env, mlc, tmp_path):
    schedule = json.loads(exported(demo_env, mlc, "schedule-json"))
    first_event(schedule)["description"] = "SURROGATE"
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(schedule).replace("SURROGATE", "\\udfff"), encoding="utf-8")
    refused(demo_env, "agenda", "import", mlc, str(path), expect=["schedule.json: event 1", "\\udfff"])


def test_a_speaker_name_with_a_line_break_is_refused(demo_env, mlc, tmp_path):
    schedule = json.loads(exported(demo_env, mlc, "schedule-json"))
    first_event(schedule)["persons"] = [{"name": "a\nb"}]
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(schedule), encoding="utf-8")
    refused(demo_env, "agenda", "import", mlc, str(path),
            expect=["schedule.json: event 1", "a person's name", "must be a single line"])


def test_a_speaker_name_with_a_control_character_is_refused(demo_env, mlc, tmp_path):
    text = exported(demo_env, mlc, "schedule-xml")
    assert "<persons>" in text
    path = tmp_path / "schedule.xml"
    path.write_text(text.replace("<persons>", "<persons><person>&#x7f;</person>", 1), encoding="utf-8")
    refused(demo_env, "agenda", "import", mlc, str(path),
            expect=["schedule.xml: event", "a person's name", "must not hold control characters (\\x7f"])


@pytest.mark.parametrize("name, text, expect", [
    ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deep"),
    ("deep.yaml", "tracks: " + "[" * 100_000 + "]" * 100_000, "nested too deep"),
])
def test_deeply_nested_files_are_refused(demo_env, mlc, tmp_path, name, text, expect):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    refused(demo_env, "agenda", "import", mlc, str(path), expect=[name, expect])


def test_a_number_too_long_to_read_is_refused(demo_env, mlc, tmp_path):
    schedule = json.loads(exported(demo_env, mlc, "schedule-json"))
    first_event(schedule)["id"] = 12345
    path = tmp_path / "schedule.json"
    path.write_text(json.dumps(schedule).replace('"id": 12345', '"id": ' + "9" * 5000), encoding="utf-8")
    refused(demo_env, "agenda", "import", mlc, str(path), expect=["schedule.json", "a number too long to read"])


# -- bug 3: an SMTP host that is no host name ------------------------------


@pytest.mark.parametrize("host, expect", [
    ("a" * 300, "300 characters long (at most 253)"),
    ("a" * 70 + ".org", "70 characters long (at most 63)"),
    ("smtp..example.org", "empty part"),
    ("smtp example.org", "part 'smtp example'"),
])
def test_an_smtp_host_that_is_no_host_name_is_refused(demo_env, host, expect):
    refused(demo_env, "notify", "send", environment={"PEERLEARN_SMTP_HOST": host, "PEERLEARN_MAIL_FROM": "a@example.org"},
            expect=["$PEERLEARN_SMTP_HOST:", "is not a host name", expect])
