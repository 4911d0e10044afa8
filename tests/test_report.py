"""``peerlearn report``: the yearly report, in Markdown and as a standalone HTML file with charts."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from markupsafe import escape

EMAIL = "private.person@agency.example"


def _report(env, *args):
    result = env.run("report", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def assert_standalone(html: str) -> list[str]:
    """The page fetches and runs nothing; returns its inline SVG charts."""
    lowered = html.lower()
    for forbidden in ("<script", "<link", "<iframe", "<img", "<object", "<embed", "@import", " src="):
        assert forbidden not in lowered, forbidden
    for target in re.findall(r"url\(([^)]*)\)", html):
        assert target.startswith("#") and f'id="{target[1:]}"' in html, f"url({target}) is not inside the page"
    for target in re.findall(r'href="([^"]*)"', html):
        if target.startswith("#"):
            assert f'id="{target[1:]}"' in html, f"{target} points at nothing in the page"
        else:
            assert target.startswith("https://"), target
    charts = re.findall(r"<svg\b.*?</svg>", html, re.S)
    for chart in charts:
        ET.fromstring(chart)  # well-formed XML
    return charts


def test_demo_yearly_html_report_has_both_charts_and_stands_alone(demo_env, tmp_path):
    activities = json.loads(demo_env.run("activities", "list", "--json").stdout)
    latest = [a for a in activities if a["status"] == "completed"][-1]
    network, year = latest["network"], latest["start"][:4]
    target = tmp_path / "report.html"
    result = demo_env.run("report", "--network", network, "--year", year, "--format", "html", "-o", str(target))
    assert result.exit_code == 0, result.output
    html = target.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and html.rstrip().endswith("</html>")
    charts = assert_standalone(html)
    assert len(charts) == 2
    assert 'id="chart-activities-by-month"' in html and 'id="chart-participants-by-country"' in html
    assert f"Activities per month, {year}" in charts[0] and f"Participants by country, {year}" in charts[1]
    assert "<metadata>" not in html and "dc:date" not in html  # no creation date: same registry, same bytes
    assert str(escape(f"Report: {latest['title']}")) in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) > 50 and len(set(ids)) == len(ids)  # matplotlib names every figure's parts alike
    for chart in charts:  # every reference inside a chart points at an element of that chart
        own = set(re.findall(r'\sid="([^"]+)"', chart))
        references = [a or b for a, b in re.findall(r'url\(#([^)]+)\)|href="#([^"]+)"', chart)]
        assert references and set(references) <= own
        assert re.match(r'<svg role="img" aria-label="Bar chart: [^"]+"', chart)
    assert "Belgium (BE)" in charts[1] or "Belgium (BE)" not in html  # countries by name in the chart too


@pytest.fixture
def year_env(env):
    """esf_migration in 2025: a completed workshop, a cancelled one, a planned peer review; a good practice."""
    for name, country, email in (("Agency A", "BE", EMAIL), ("Agency B", "DE", ""), ("Agency C", "DE", ""),
                                 ("Agency D", "SE", "")):
        args = ["members", "add", name, "--country", country, "--category", "stakeholder",
                "--network", "esf_migration", *(["--email", email] if email else [])]
        assert env.run(*args).exit_code == 0
    for kind, title, day, extra in (
        ("workshop", "Fast-track integration", "2025-03-11", ["--city", "Brussels", "--country", "BE",
                                                              "--host", "Agency A"]),
        ("workshop", "<script>alert('x')</script> workshop", "2025-05-13", ["--city", "Ghent", "--country", "BE"]),
        ("peer_review", "Peer review: mentoring", "2025-10-14", ["--city", "Stockholm", "--country", "SE"]),
        ("workshop", "Next year's workshop", "2026-01-13", []),
    ):
        result = env.run("activities", "add", "--network", "esf_migration", "--kind", kind, "--title", title,
                         "--start", f"{day} 09:30", "--end", "17:00", *extra)
        assert result.exit_code == 0, result.output
    assert env.run("participants", "attend", "1", "Agency A", "Agency B", "Agency C").exit_code == 0
    assert env.run("participants", "attend", "3", "Agency B", "Agency D").exit_code == 0
    assert env.run("activities", "complete", "1").exit_code == 0
    assert env.run("activities", "cancel", "2").exit_code == 0
    assert env.run("outputs", "add", "1", "--kind", "thematic_report", "--title", "Thematic report on fast tracks",
                   "--url", "https://example.org/t1", "--date", "2025-04-15").exit_code == 0
    assert env.run("outputs", "add", "1", "--kind", "good_practice", "--title", "Mentoring for newcomers",
                   "--country", "SE", "--theme", "mentoring", "--theme", "migrant women",
                   "--description", "Mentors meet newcomers weekly.", "--url", "https://example.org/m").exit_code == 0
    with env.open() as registry:  # a link stored before links were checked at input
        registry.db.execute("UPDATE outputs SET url = 'javascript:alert(1)' WHERE title = 'Mentoring for newcomers'")
    return env


def test_report_counts_the_year(year_env):
    md = _report(year_env, "--network", "esf_migration", "--year", "2025")
    assert md.startswith("# ESF Transnational Thematic Network on Migration: activity report 2025\n")
    assert ("3 activities: 1 completed, 1 planned and 1 cancelled. 5 participations were attended by"
            " 4 members from 3 countries.") in md
    assert "| Workshop | 2 | 1 | 0 | 1 |" in md and "| Peer review | 1 | 0 | 1 | 0 |" in md
    assert "| all | 3 | 1 | 1 | 1 |" in md
    assert "| month | Workshop | Peer review | total |" in md
    assert "| Mar | 1 | 0 | 1 |" in md and "| May | 0 | 0 | 0 |" in md and "| Oct | 0 | 1 | 1 |" in md
    assert "| Germany (DE) | 3 | 2 | 2 |" in md and "| Belgium (BE) | 1 | 1 | 1 |" in md
    assert "| Sweden (SE) | 1 | 1 | 1 |" in md
    assert "| Belgium (BE) | 1 |" in md and "| Sweden (SE) | 1 |" in md and "| Agency A | Belgium (BE) | 1 |" in md
    assert "Thematic report on fast tracks" in md
    assert ("| Sweden (SE) | Mentoring for newcomers | mentoring, migrant women | Mentors meet newcomers weekly. |"
            in md)
    assert r"\<script\>alert('x')\</script\> workshop" in md and "Next year" not in md


def test_html_report_escapes_registry_text_and_hides_private_data(year_env):
    html = _report(year_env, "--network", "esf_migration", "--year", "2025", "--format", "html")
    assert len(assert_standalone(html)) == 2
    assert "<script>" not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; workshop" in html
    assert 'href="javascript:' not in html and "Mentoring for newcomers" in html
    assert '<a href="https://example.org/t1">Thematic report on fast tracks</a>' in html
    md = _report(year_env, "--network", "esf_migration", "--year", "2025")
    for text in (html, md):
        assert EMAIL not in text and "@agency" not in text


def test_report_is_deterministic(year_env):
    for fmt in ("md", "html"):
        args = ("--network", "esf_migration", "--year", "2025", "--format", fmt)
        assert _report(year_env, *args) == _report(year_env, *args)


def test_a_year_without_activities_gives_an_empty_report(year_env):
    md = _report(year_env, "--network", "esf_migration", "--year", "2019")
    assert "No activities are recorded for 2019." in md
    html = _report(year_env, "--network", "esf_migration", "--year", "2019", "--format", "html")
    assert "No activities are recorded for 2019." in html and "<svg" not in html


def test_report_refuses_bad_input_in_one_line(year_env):
    before = year_env.fingerprint()
    for args, message in (
        (("--network", "nowhere", "--year", "2025"), "unknown network 'nowhere'"),
        (("--network", "esf_migration", "--year", "20"), "--year: 20 is not a year"),
        (("--network", "esf_migration", "--year", "2025", "--format", "pdf"),
         "unknown format 'pdf' for the report (available: html, md)"),
    ):
        result = year_env.run("report", *args)
        assert result.exit_code == 1, result.output
        assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert year_env.fingerprint() == before


def test_chart_ids_and_their_references_are_prefixed_together():
    from peerlearn.reports.charts import prefix_ids

    svg = ('<svg><defs><clipPath id="p1a"><rect/></clipPath><path id="m2b"/></defs><g id="figure_1">'
           '<g clip-path="url(#p1a)"><use xlink:href="#m2b"/><use href="#m2b"/></g></g></svg>')
    assert prefix_ids(svg, "chart-x-") == (
        '<svg><defs><clipPath id="chart-x-p1a"><rect/></clipPath><path id="chart-x-m2b"/></defs>'
        '<g id="chart-x-figure_1"><g clip-path="url(#chart-x-p1a)"><use xlink:href="#chart-x-m2b"/>'
        '<use href="#chart-x-m2b"/></g></g></svg>')


def test_a_dollar_in_a_label_is_drawn_as_written_not_as_mathematics(env, tmp_path):
    """Matplotlib reads text between two '$' as mathematics: a kind 'fees_$$' stopped the report (and so a
    whole publication), and 'grants_$5_to_$10' was drawn as the italic formula '510to'."""
    kinds = ("fees_$$", "grants_$5_to_$10")
    assert env.run("networks", "add", "cash", "--name", "Cash", *[f"--kind={kind}" for kind in kinds]).exit_code == 0
    for month, kind in enumerate(kinds, 3):
        assert env.run("activities", "add", "--network", "cash", "--kind", kind, "--title", kind,
                       "--start", f"2026-0{month}-03").exit_code == 0
    result = env.run("report", "--network", "cash", "--year", "2026", "--format", "html", "-o", str(tmp_path / "r.html"))
    assert result.exit_code == 0, result.output
    chart = (tmp_path / "r.html").read_text().split("<svg", 1)[1].split("</svg>", 1)[0]
    assert "Fees $$" in chart and "Grants $5 to $10" in chart
