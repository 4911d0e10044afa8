"""``peerlearn site build``: the pages, what they show, the feed links, and what is written."""

from __future__ import annotations

import json

from peerlearn_plugins.demo.data import MLC_TITLE


def test_site_plugin_is_found_through_its_entry_point(env):
    env.load("site")
    result = env.run("plugins", "--json")
    assert result.exit_code == 0
    names = {plugin["name"] for plugin in json.loads(result.stdout)}
    assert "site" in names
    assert "site" in env.run("--help").stdout


def test_demo_site_has_a_page_per_network_and_published_activity(demo_site, demo_env, parse):
    with demo_env.open() as registry:
        ids = [row["id"] for row in registry.query("SELECT id FROM activities WHERE status != 'draft'")]
    assert (demo_site / "index.html").is_file() and (demo_site / "site.css").is_file()
    for slug in ("esf_migration", "integration_network", "mutual_learning", "pes"):
        assert (demo_site / "networks" / f"{slug}.html").is_file()
    assert sorted(int(p.stem) for p in (demo_site / "activities").glob("*.html")) == sorted(ids)
    index = parse(demo_site / "index.html")
    assert "Mutual Learning Programme" in index.text
    assert {a["href"] for a in index.all("a")} >= {"networks/mutual_learning.html", "networks/pes.html"}


def test_network_page_lists_upcoming_then_past_with_a_subscribe_link(demo_site, mlc_id, parse):
    html = (demo_site / "networks" / "mutual_learning.html").read_text(encoding="utf-8")
    page = parse(html)
    upcoming, past = html.index("Upcoming activities"), html.index("Past activities")
    assert upcoming < html.index(MLC_TITLE) < past  # the conference is months ahead
    assert past < html.index("Peer review: activation of long-term unemployed migrants")
    hrefs = [a["href"] for a in page.all("a")]
    assert f"../activities/{mlc_id}.html" in hrefs
    assert "../feeds/networks/mutual_learning.ics" in hrefs  # relative: feeds published beside the pages
    assert not any(href.startswith("webcal:") for href in hrefs)  # webcal needs an absolute address


def test_cancelled_activity_is_marked(demo_site, parse):
    page = parse(demo_site / "networks" / "integration_network.html")
    assert "Workshop on the integration of beneficiaries of temporary protection" in page.text
    assert "Cancelled" in page.text


def test_activity_page_shows_people_by_status(demo_site, mlc_id, parse):
    page = parse(demo_site / "activities" / f"{mlc_id}.html")
    text = page.text
    assert "Speaker: Nicolas Schmit, European Commission" in text
    assert "Chair: Katarina Ivankovic Knezevic, European Commission, DG EMPL (to be confirmed)" in text
    assert "Moderator: To be announced" in text  # a tbd slot
    assert "tbd" not in text.split()
    assert "pre-recorded contribution, 20 min" in text
    assert "Pre-recorded material" in [title for _level, title in page.headings]
    assert "../feeds/activities/%d.ics" % mlc_id in [a["href"] for a in page.all("a")]


def test_declined_roles_are_hidden(demo_env, tmp_path, mlc_id, parse):
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    with demo_env.open() as registry:
        role = registry.one("SELECT id FROM roles WHERE name = 'Ylva Johansson'")["id"]
    assert demo_env.run("roles", "decline", str(role)).exit_code == 0
    assert demo_env.run("site", "build", str(tmp_path / "out")).exit_code == 0
    text = parse(tmp_path / "out" / "activities" / f"{mlc_id}.html").text
    assert "Speaker: Nicolas Schmit" in text and "Speaker: Ylva Johansson" not in text


def test_past_activity_links_its_outputs(demo_site, demo_env, parse):
    with demo_env.open() as registry:
        output = registry.one("SELECT * FROM outputs ORDER BY id LIMIT 1")
    page = parse(demo_site / "activities" / f"{output['activity_id']}.html")
    assert output["title"] in page.text
    assert output["url"] in [a["href"] for a in page.all("a")]


def test_base_url_gives_absolute_and_webcal_subscribe_links(demo_env, tmp_path, mlc_id, parse):
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    result = demo_env.run("site", "build", str(tmp_path / "out"), "--base-url", "https://events.example.org/")
    assert result.exit_code == 0, result.output
    hrefs = [a["href"] for a in parse(tmp_path / "out" / "networks" / "pes.html").all("a")]
    assert "https://events.example.org/feeds/networks/pes.ics" in hrefs
    assert "webcal://events.example.org/feeds/networks/pes.ics" in hrefs
    page = parse(tmp_path / "out" / "activities" / f"{mlc_id}.html")
    assert {"rel": "canonical", "href": f"https://events.example.org/activities/{mlc_id}.html"} in page.all("link")
    assert f"webcal://events.example.org/feeds/activities/{mlc_id}.ics" in [a["href"] for a in page.all("a")]


def test_feeds_elsewhere(demo_env, tmp_path, parse):
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "out"
    assert demo_env.run("site", "build", str(out), "--feeds", "https://cdn.example.org/cal").exit_code == 0
    hrefs = [a["href"] for a in parse(out / "networks" / "pes.html").all("a")]
    assert {"https://cdn.example.org/cal/networks/pes.ics", "webcal://cdn.example.org/cal/networks/pes.ics"} <= set(hrefs)
    assert demo_env.run("site", "build", str(out), "--feeds", "calendars").exit_code == 0
    assert "../calendars/networks/pes.ics" in [a["href"] for a in parse(out / "networks" / "pes.html").all("a")]


def test_one_network_only(demo_env, tmp_path, parse):
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "out"
    assert demo_env.run("site", "build", str(out), "--network", "pes").exit_code == 0
    assert [p.name for p in (out / "networks").iterdir()] == ["pes.html"]
    with demo_env.open() as registry:
        ids = {row["id"] for row in registry.query("SELECT id FROM activities WHERE network = 'pes'")}
    assert {int(p.stem) for p in (out / "activities").glob("*.html")} == ids


def test_drafts_are_not_published(site_env, tmp_path):
    assert site_env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Secret plan",
                        "--start", "2030-05-07 10:00", "--end", "12:00", "--status", "draft").exit_code == 0
    assert site_env.run("site", "build", str(tmp_path / "out")).exit_code == 0
    assert not (tmp_path / "out" / "activities").exists()
    assert "Secret plan" not in (tmp_path / "out" / "networks" / "pes.html").read_text(encoding="utf-8")


def test_rebuild_rewrites_only_what_changed(demo_env, tmp_path, mlc_id):
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "out"
    first = demo_env.run("site", "build", str(out))
    assert first.exit_code == 0 and "0 unchanged" in first.stdout
    again = demo_env.run("site", "build", str(out))
    assert again.exit_code == 0 and " 0 written" in again.stdout
    assert demo_env.run("activities", "edit", str(mlc_id), "--title", "MLC 2027").exit_code == 0
    changed = demo_env.run("site", "build", str(out))
    assert "Built" in changed.stdout
    written = int(changed.stdout.split(":")[1].split("written")[0])
    # the activity page, its schedule.xml/json and release feed (all name it), its network's page and the index at most
    assert 1 <= written <= 6
    # no temporary file is left; the one hidden file is the manifest of what the build wrote
    assert not list(out.rglob("*.tmp")) and [path.name for path in out.rglob(".*")] == [".peerlearn-publish.db"]


def test_multi_day_programme_has_a_table_per_day(site_env, tmp_path, parse):
    result = site_env.run("activities", "add", "--network", "pes", "--kind", "peer_review", "--title", "Two days",
                          "--start", "2030-05-07 09:00", "--end", "2030-05-08 17:00", "--json")
    activity = str(json.loads(result.stdout)["id"])
    for title, start, end in (("Day one", "2030-05-07 09:30", "12:00"), ("Day two", "2030-05-08 10:00", "11:00")):
        assert site_env.run("sessions", "add", activity, "--title", title, "--start", start, "--end", end).exit_code == 0
    assert site_env.run("site", "build", str(tmp_path / "out")).exit_code == 0
    html = (tmp_path / "out" / "activities" / f"{activity}.html").read_text(encoding="utf-8")
    page = parse(html)
    assert len(page.all("table")) == 2
    assert "Tuesday 7 May 2030 Time Session 09:30–12:00 Day one" in page.text
    assert "Wednesday 8 May 2030 Time Session 10:00–11:00 Day two" in page.text
    assert "Tuesday 7 May 2030 09:00 to Wednesday 8 May 2030 17:00" in page.text


def test_places_name_their_country_and_kinds_read_as_words(demo_site, mlc_id, parse):
    page = parse(demo_site / "activities" / f"{mlc_id}.html")
    assert "Where Brussels, Belgium (BE)" in page.text and "Kind Conference" in page.text
    network = parse(demo_site / "networks" / "mutual_learning.html").text
    assert "Lisbon, Portugal (PT) · Peer review" in network and "peer_review" not in network


def test_there_is_no_lang_option_the_pages_are_english(demo_env, tmp_path, parse):
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    result = demo_env.run("site", "build", str(tmp_path / "site"), "--lang", "fr")
    assert result.exit_code == 2 and "No such option '--lang'" in result.output
    assert not (tmp_path / "site").exists()
    assert "--lang" not in demo_env.run("site", "build", "--help").output
