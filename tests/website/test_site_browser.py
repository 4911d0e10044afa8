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
