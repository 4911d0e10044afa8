"""Bad input for the website: hostile or unusual text renders as text; odd activities and folders."""

from __future__ import annotations

import json

NASTY = 'Migrants <script>alert("x")</script> & \'friends\' — مرحبا بكم 🎉👩🏽‍🏫'


def _activity(env, title=NASTY, **options):
    args = ["activities", "add", "--network", "mutual_learning", "--kind", "conference", "--title", title,
            "--start", "2030-05-07 09:00", "--end", "17:00", "--json"]
    for name, value in options.items():
        args += [f"--{name.replace('_', '-')}", value]
    result = env.run(*args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["id"]


def test_titles_names_and_descriptions_render_as_text(site_env, tmp_path, parse):
    activity = _activity(site_env, description=f"About {NASTY}", city="Bruxelles <Brussel>")
    assert site_env.run("sessions", "add", str(activity), "--title", f"Session {NASTY}", "--start", "10:00",
                        "--end", "11:00", "--track", 'A"><b>', "--room", "Room & <hall>", "--key", "s1",
                        "--description", "<img src=x onerror=alert(1)>").exit_code == 0
    assert site_env.run("roles", "add", str(activity), "s1", "--role", "speaker", "--status", "confirmed",
                        "--name", "Zoë <O'Brien> & Ålesund", "--affiliation", "AT&T \"Labs\" فريق").exit_code == 0
    assert site_env.run("outputs", "add", str(activity), "--kind", "recording", "--title", f"Recording {NASTY}",
                        "--url", 'https://example.org/watch?v=1&t="2"', "--date", "2030-06-01").exit_code == 0
    out = tmp_path / "out"
    result = site_env.run("site", "build", str(out))
    assert result.exit_code == 0, result.output
    html = (out / "activities" / f"{activity}.html").read_text(encoding="utf-8")
    assert "<script" not in html and "<img" not in html and "<b>" not in html and "<O'Brien>" not in html
    assert "&lt;script&gt;" in html
    page = parse(html)
    for text in (NASTY, f"Session {NASTY}", f"About {NASTY}", "Zoë <O'Brien> & Ålesund", 'AT&T "Labs" فريق',
                 "Room & <hall>", "<img src=x onerror=alert(1)>", "Bruxelles <Brussel>"):
        assert text in page.text, text
    assert [h for h in page.headings if h[0] == 1] == [(1, NASTY)]
    assert not page.all("script") and not page.all("img") and not page.all("b")
    assert f"Recording {NASTY}" in page.text
    assert 'https://example.org/watch?v=1&t="2"' in [a["href"] for a in page.all("a")]
    network = parse(out / "networks" / "mutual_learning.html")
    assert NASTY in network.text and not network.all("script")


def test_activity_without_sessions_gets_a_sensible_page(site_env, tmp_path, parse):
    activity = _activity(site_env, title="Thematic event without a programme yet")
    assert site_env.run("site", "build", str(tmp_path / "out")).exit_code == 0
    page = parse(tmp_path / "out" / "activities" / f"{activity}.html")
    assert "The programme has not been published yet" in page.text
    assert "will be published here after the event" in page.text
    assert not page.all("table")
    assert f"../feeds/activities/{activity}.ics" in [a["href"] for a in page.all("a")]


def test_registry_without_activities_gets_a_site(site_env, tmp_path, parse):
    assert site_env.run("site", "build", str(tmp_path / "out")).exit_code == 0
    assert "No upcoming activities." in parse(tmp_path / "out" / "networks" / "pes.html").text


def test_existing_files_in_the_folder_survive(site_env, tmp_path):
    _activity(site_env)
    out = tmp_path / "out"
    keep = {out / "README.txt": "mine", out / "feeds" / "networks" / "pes.ics": "BEGIN:VCALENDAR",
            out / "activities" / "999.html": "an old page", out / "networks" / "old.html": "<p>old</p>"}
    for path, text in keep.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for _ in range(2):
        assert site_env.run("site", "build", str(out)).exit_code == 0
    for path, text in keep.items():
        assert path.read_text(encoding="utf-8") == text
    assert (out / "index.html").is_file()


def test_folder_that_is_a_file_is_refused(site_env, tmp_path):
    target = tmp_path / "taken"
    target.write_text("not a folder", encoding="utf-8")
    before = site_env.fingerprint()
    result = site_env.run("site", "build", str(target))
    assert result.exit_code != 0 and "taken" in result.stderr
    assert target.read_text(encoding="utf-8") == "not a folder"
    assert site_env.fingerprint() == before


def test_unknown_network_is_refused(site_env, tmp_path):
    before = site_env.fingerprint()
    result = site_env.run("site", "build", str(tmp_path / "out"), "--network", "nope")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown network 'nope'") and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
    assert site_env.fingerprint() == before


def test_bad_base_url_and_feeds_are_refused(site_env, tmp_path):
    for option, value, message in (("--base-url", "events.example.org", "--base-url: 'events.example.org'"),
                                   ("--feeds", "../feeds", "--feeds: '../feeds'"),
                                   ("--feeds", "/srv/feeds", "--feeds: '/srv/feeds'")):
        result = site_env.run("site", "build", str(tmp_path / "out"), option, value)
        assert result.exit_code == 1, value
        assert result.stderr.startswith(f"Error: {message}") and result.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()
