"""Every published page passes the Nu Html Checker and axe-core, and fits a 390 px phone.

The demo is published as a secretariat publishes it, with ``peerlearn
publish`` and a base URL: the feeds (with their index page), the website
(its index with what comes next and how to subscribe), each network's HTML
activity log and yearly report; beside it the site built without a base URL,
the reports of the other years and an empty one, and the change log as
HTML. Then:

- the Nu Html Checker (the W3C's validator) reads every page: 0 errors;
- axe-core runs in headless Chromium on each type of page, on a desktop
  window and on a 390 px phone: 0 violations of WCAG 2.x A/AA or of axe's
  best practices (one ``main``, all content in landmarks, contrast…);
- on the phone nothing makes the page scroll sideways (a wide table may
  scroll inside its own box).

See tests/pagecheck.py for where the checkers come from and when a missing
one is a skip or a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

import pagecheck

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=1280,900")
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
LONG_URL = "https://example.org/" + "reports/" * 12 + "a-final-report-with-a-long-address-that-never-breaks.pdf"


@pytest.fixture
def published(demo_env, mlc_id, tmp_path) -> dict[str, Path]:
    """The demo published into a folder; returns the page of each type, by name."""
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "public"
    out.mkdir()

    def run(*args: str) -> None:
        result = demo_env.run(*args)
        assert result.exit_code == 0, result.output

    # what makes pages hard: a cancelled session, a long address, markup in a title
    run("sessions", "cancel", str(mlc_id), "workshop-2")
    run("outputs", "add", str(mlc_id), "--kind", "final_report", "--title", "<b>Conference</b> report & notes",
        "--url", LONG_URL, "--date", "2026-01-20")
    # published as a secretariat publishes: feeds, site (its index with what comes next and how to
    # subscribe, webcal links), logs and this year's reports in one command
    run("publish", str(out), "--base-url", "https://events.example.org", "--private-dir", str(tmp_path / "private"))
    # and a site without a base URL (relative feed links, no webcal) beside it
    run("site", "build", str(out / "plain"))
    with demo_env.open() as registry:
        slugs = [row["slug"] for row in registry.query("SELECT slug FROM networks ORDER BY slug")]
        years = [int(row["year"]) for row in registry.query(
            "SELECT DISTINCT substr(start_local, 1, 4) AS year FROM activities ORDER BY 1")]
        cancelled = registry.one("SELECT id FROM activities WHERE status = 'cancelled' ORDER BY id")["id"]
    logs = out / "logs"
    for slug in slugs:
        run("log", "--network", slug, "--format", "html", "-o", str(logs / f"{slug}-log.html"))
        for year in years:
            run("report", "--network", slug, "--year", str(year), "--format", "html",
                "-o", str(logs / f"{slug}-report-{year}.html"))
    run("report", "--network", "pes", "--year", "1999", "--format", "html", "-o", str(logs / "pes-report-1999.html"))
    run("changes", "--format", "html", "-o", str(logs / "changes.html"))
    busiest = max(slugs, key=lambda slug: (logs / f"{slug}-log.html").stat().st_size)
    return {
        "root": out,
        "index": out / "index.html",
        "index without base URL": out / "plain" / "index.html",
        "network": out / "networks" / f"{busiest}.html",
        "conference": out / "activities" / f"{mlc_id}.html",
        "cancelled activity": out / "activities" / f"{cancelled}.html",
        "activity log": logs / f"{busiest}-log.html",
        "report": max(logs.glob("*-report-*.html"), key=lambda path: path.stat().st_size),
        "empty report": logs / "pes-report-1999.html",
        "change log": logs / "changes.html",
        "feeds index": out / "feeds" / "index.html",
    }


def test_the_published_index_says_what_comes_next_and_how_to_subscribe(published, parse):
    index = parse(published["index"].read_text("utf-8"))
    headings = [text for _level, text in index.headings]
    assert "Coming next" in headings and "Subscribe" in headings
    assert any(text.startswith("How to subscribe in Outlook, Google Calendar, Apple Calendar and Thunderbird")
               for text in headings)
    upcoming = [a["href"] for a in index.all("a") if (a.get("href") or "").startswith("activities/")]
    assert 1 <= len(upcoming) <= 10
    assert any((a.get("href") or "").startswith("webcal://events.example.org/feeds/networks/") for a in index.all("a"))
    assert "8 to 24 hours" in index.text
    plain = parse(published["index without base URL"].read_text("utf-8"))
    assert not any((a.get("href") or "").startswith("webcal:") for a in plain.all("a"))
    assert any((a.get("href") or "").startswith("feeds/networks/") for a in plain.all("a"))


def test_every_published_page_passes_the_nu_html_checker(published):
    pages = sorted(published["root"].rglob("*.html"))
    assert len(pages) > 30
    assert {path for name, path in published.items() if name != "root"} <= set(pages)
    assert pagecheck.nu_errors(pages) == []


def test_the_nu_html_checker_finds_what_it_is_asked_to(tmp_path):
    """The checker as run here reports a duplicate id (what two inline charts used to give) as an error."""
    page = tmp_path / "duplicate.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><main>'
                    '<svg id="figure_1"></svg><svg id="figure_1"></svg></main></body></html>', encoding="utf-8")
    errors = pagecheck.nu_errors([page])
    assert len(errors) == 1 and "Duplicate ID" in errors[0]


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pagecheck.missing("Chromium is not installed (apt-get install chromium chromium-driver)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pagecheck.missing("the selenium package is not installed")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(60)
    # axe is injected by the test, not by the page: the pages' own policy allows no script
    driver.execute_cdp_cmd("Page.setBypassCSP", {"enabled": True})
    try:
        yield driver
    finally:
        driver.quit()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def served(published):
    root = published["root"]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        yield {name: f"{base}/{path.relative_to(root).as_posix()}" for name, path in published.items()
               if name != "root"}
    finally:
        server.shutdown()
        server.server_close()


def test_every_page_type_passes_axe_on_a_desktop_and_on_a_phone(browser, served):
    source = pagecheck.axe_source()
    problems = {}
    try:
        for device in ("desktop", "phone"):
            if device == "phone":
                browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
            for name, url in served.items():
                browser.get(url)
                assert browser.execute_script("return document.documentElement.lang") == "en", name
                found = pagecheck.axe_violations(browser, source)
                if device == "phone":
                    width = browser.execute_script("return window.innerWidth")
                    if width != PHONE["width"]:
                        found.append(f"laid out {width} px wide: no viewport <meta>")
                    found += [f"sticks out sideways: {what}" for what in pagecheck.horizontal_overflow(browser)]
                if found:
                    problems[f"{name} ({device})"] = found
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert problems == {}


def test_axe_finds_what_it_is_asked_to(browser, tmp_path):
    """axe as run here reports a page without a main landmark and with low-contrast text."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><h1>Log</h1>'
                    '<p style="color:#8c959f;background:#ffffff">cancelled</p></body></html>', encoding="utf-8")
    browser.get(page.as_uri())
    found = " ".join(pagecheck.axe_violations(browser, pagecheck.axe_source()))
    assert "landmark-one-main" in found and "region" in found and "color-contrast" in found


def test_a_wide_page_is_found_sticking_out_on_a_phone(browser, tmp_path):
    page = tmp_path / "wide.html"
    page.write_text('<!DOCTYPE html><html lang="en"><head><meta name="viewport" content="width=device-width">'
                    '<title>t</title></head><body><main><table id="wide" style="width:600px"><tr><td>x</td></tr>'
                    '</table><div style="overflow-x:auto"><table style="width:900px"><tr><td>y</td></tr></table></div>'
                    '</main></body></html>', encoding="utf-8")
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    try:
        browser.get(page.as_uri())
        found = pagecheck.horizontal_overflow(browser)
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert found[0] == "table#wide 608px"  # 600 px and the body's margin
    assert all(int(item.split()[-1][:-2]) < 700 for item in found)  # the 900 px table scrolls in its box
