"""The seed conference's page in a real browser: headless Chromium from Debian, driven by Selenium.

What a person sees: the three parallel workshops stand side by side, in
time order above the two afternoon ones; the page prints. Skipped with a
reason where Chromium, its driver or Selenium is missing (CI installs them:
see .ci/run). ``PEERLEARN_UPDATE_SCREENSHOT=1`` refreshes
docs/images/seed-conference.png from the screenshot taken here.
"""

from __future__ import annotations

import base64
import functools
import http.server
import os
import shutil
import threading
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1")
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "images" / "seed-conference.png"
WIDTH, HEIGHT = 1280, 2300


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="the selenium package is not installed")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--window-size={WIDTH},{HEIGHT}",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console messages, CSP refusals included
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def served(demo_site):
    """The demo site served over HTTP on 127.0.0.1; yields its base URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(demo_site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _rect(driver, element_id):
    from selenium.webdriver.common.by import By

    element = driver.find_element(By.ID, element_id)
    assert element.is_displayed(), element_id
    return element.rect


def test_parallel_workshops_are_side_by_side_in_time_order(browser, served, mlc_id, tmp_path):
    browser.get(f"{served}/activities/{mlc_id}.html")
    assert browser.title.startswith("Mutual Learning Conference")
    morning = [_rect(browser, f"session-workshop-{n}") for n in (1, 2, 3)]
    afternoon = [_rect(browser, f"session-workshop-{n}") for n in (4, 5)]
    for row in (morning, afternoon):
        assert max(r["y"] for r in row) - min(r["y"] for r in row) <= 2  # same top
        xs = [r["x"] for r in row]
        assert xs == sorted(xs) and len(set(xs)) == len(xs)  # left to right
        for left, right in zip(row, row[1:]):
            assert left["x"] + left["width"] <= right["x"]  # not overlapping
    assert all(r["x"] + r["width"] <= WIDTH for r in morning)  # all three fit the window
    assert max(r["y"] + r["height"] for r in morning) < min(r["y"] for r in afternoon)  # 11:45 above 14:30
    assert _rect(browser, "session-opening-panel")["y"] < morning[0]["y"]
    assert _rect(browser, "session-closing-panel")["y"] > afternoon[0]["y"]
    png = browser.get_screenshot_as_png()
    assert png.startswith(b"\x89PNG") and len(png) > 20_000
    (tmp_path / "seed-conference.png").write_bytes(png)
    if os.environ.get("PEERLEARN_UPDATE_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        SCREENSHOT.write_bytes(png)


def test_the_times_a_person_reads(browser, served, mlc_id):
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/activities/{mlc_id}.html")
    rows = browser.find_elements(By.CSS_SELECTOR, "table.timetable tbody th")
    times = [row.text for row in rows]
    assert "11:45–13:00" in times and "14:30–15:30" in times
    assert times.index("11:45–13:00") < times.index("14:30–15:30")
    header = browser.find_elements(By.CSS_SELECTOR, "table.timetable thead th")
    assert [cell.text for cell in header] == ["Time", "Track A", "Track B", "Track C"]
    workshop = browser.find_element(By.ID, "session-workshop-1").text
    assert "Moderator: To be announced" in workshop and "tbd" not in workshop


def test_the_page_prints_without_navigation(browser, served, mlc_id):
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/activities/{mlc_id}.html")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        assert not browser.find_element(By.CSS_SELECTOR, "nav.breadcrumb").is_displayed()
        assert not browser.find_element(By.CSS_SELECTOR, "section.subscribe").is_displayed()
        morning = [_rect(browser, f"session-workshop-{n}") for n in (1, 2, 3)]
        assert max(r["y"] for r in morning) - min(r["y"] for r in morning) <= 2
        assert [r["x"] for r in morning] == sorted(r["x"] for r in morning)
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    pdf = base64.b64decode(browser.print_page())
    assert pdf.startswith(b"%PDF")


def test_kept_screenshot_is_a_png_of_the_page():
    data = SCREENSHOT.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert width == WIDTH and height >= 1500  # the window less the browser's own bars


def test_a_cancelled_session_is_struck_through_and_says_so(browser, demo_env, mlc_id, tmp_path):
    import peerlearn_plugins.site
    from selenium.webdriver.common.by import By

    assert demo_env.run("sessions", "cancel", str(mlc_id), "workshop-2").exit_code == 0
    demo_env.register(peerlearn_plugins.site, name="site")
    assert demo_env.run("site", "build", str(tmp_path / "site")).exit_code == 0
    browser.get((tmp_path / "site" / "activities" / f"{mlc_id}.html").as_uri())
    cancelled = browser.find_element(By.ID, "session-workshop-2")
    title = cancelled.find_element(By.CSS_SELECTOR, "h3 s")
    assert title.text == "Workshop 2: Sustainable housing solutions for migrants"
    assert "line-through" in title.value_of_css_property("text-decoration-line")
    assert cancelled.find_element(By.CSS_SELECTOR, "h3").text.startswith("CANCELLED:")  # upper-cased by CSS
    other = browser.find_element(By.CSS_SELECTOR, "#session-workshop-1 h3")
    assert "line-through" not in other.value_of_css_property("text-decoration-line")
    # it keeps its place beside the two workshops that take place
    rects = [_rect(browser, f"session-workshop-{n}") for n in (1, 2, 3)]
    assert max(r["y"] for r in rects) - min(r["y"] for r in rects) <= 2


# -- the Content-Security-Policy ---------------------------------------------

INJECTED = ('<script>document.title = "pwned"</script>'
            '<img src="x" onerror="document.title = \'pwned\'" alt="">'
            '<a id="injected-link" href="javascript:document.title = \'pwned\'">a link a plugin wrote</a>')


def _csp_refusals(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if "Content Security Policy" in entry["message"]]


@pytest.fixture
def site_with_injection(site_env, tmp_path):
    """A site whose activity page holds HTML a careless plugin wrote: a script, an onerror, a javascript: link."""
    from markupsafe import Markup

    from peerlearn import hookimpl

    class Careless:
        @hookimpl
        def peerlearn_site_blocks(self, network, activity, sessions, roles, outputs):
            return [Markup(INJECTED)]

    site_env.register(Careless(), name="careless")
    assert site_env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "PES event",
                        "--start", "2030-06-10 09:00", "--end", "17:00").exit_code == 0
    out = tmp_path / "site"
    assert site_env.run("site", "build", str(out)).exit_code == 0
    return out


def test_pages_keep_their_style_and_run_no_script(browser, site_with_injection):
    """Opened from disk or served: site.css applies, and no script a plugin let in runs."""
    from selenium.webdriver.common.by import By

    page = site_with_injection / "activities" / "1.html"
    assert 'http-equiv="Content-Security-Policy"' in page.read_text(encoding="utf-8")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(site_with_injection)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for url in (page.resolve().as_uri(), f"http://127.0.0.1:{server.server_address[1]}/activities/1.html"):
            browser.get_log("browser")
            browser.get(url)
            assert browser.title.startswith("PES event"), url
            style = browser.execute_script(
                "const h1 = getComputedStyle(document.querySelector('h1'));"
                "return [h1.fontSize, getComputedStyle(document.documentElement).fontFamily];")
            assert style[0] == "28.8px" and style[1].startswith("system-ui"), (url, style)  # site.css applied
            browser.find_element(By.ID, "injected-link").click()
            assert browser.title.startswith("PES event"), url
            refusals = _csp_refusals(browser)
            assert any("script" in message for message in refusals), (url, refusals)
            browser.get(url.replace("activities/1.html", "index.html"))
            assert _csp_refusals(browser) == [], url  # a page without injected HTML breaks no rule
    finally:
        server.shutdown()
        server.server_close()


def test_the_report_shows_its_style_and_charts_under_its_policy(browser, demo_env, tmp_path):
    path = tmp_path / "report.html"
    result = demo_env.run("report", "--network", "mutual_learning", "--year", "2027", "--format", "html",
                          "-o", str(path))
    assert result.exit_code == 0, result.output
    assert 'http-equiv="Content-Security-Policy"' in path.read_text(encoding="utf-8")
    browser.get_log("browser")
    browser.get(path.resolve().as_uri())
    found = browser.execute_script(
        "const svg = document.querySelector('figure svg').getBoundingClientRect();"
        "return [svg.width, svg.height, getComputedStyle(document.querySelector('table')).borderCollapse];")
    assert found[0] > 100 and found[1] > 100 and found[2] == "collapse", found
    assert _csp_refusals(browser) == []
