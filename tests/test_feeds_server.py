"""``peerlearn serve``: the feeds over real HTTP on 127.0.0.1 (waitress)."""

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime

import feedcheck
import pytest

import peerlearn
from peerlearn import demo


@pytest.fixture
def server(demo_env):
    from peerlearn.server import make_server

    httpd = make_server(demo_env.db, "127.0.0.1", 0, base_url="https://feeds.example.org")
    closed = threading.Event()

    def run():
        try:
            httpd.run()
        except (OSError, ValueError):  # the loop may notice its sockets closing under it
            if not closed.is_set():
                raise

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.effective_port}", demo_env
    closed.set()
    httpd.close()
    thread.join(timeout=5)


def fetch(url, method="GET", headers=None):
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def token(env, member_id):
    registry = env.open()
    try:
        return registry.one("SELECT feed_token FROM members WHERE id = ?", [member_id])["feed_token"]
    finally:
        registry.close()


def conference(env):
    return next(a for a in json.loads(env.run("activities", "list", "--json").stdout) if a["title"] == demo.MLC_TITLE)


def test_member_feed_over_http_follows_changes_with_etag_and_304(server, caplog):
    base, env = server
    caplog.set_level(logging.INFO, logger="peerlearn.server")
    secret = token(env, 1)
    url = f"{base}/members/{secret}.ics"
    status, headers, body = fetch(url)
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert headers["Cache-Control"].startswith("private") and headers["Referrer-Policy"] == "no-referrer"
    activity = conference(env)
    first = feedcheck.events(body)[activity["uid"]]
    etag = headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    status, headers, body304 = fetch(url, headers={"If-None-Match": etag})
    assert status == 304 and body304 == b"" and headers["ETag"] == etag
    status, headers, head = fetch(url, method="HEAD")
    assert status == 200 and head == b"" and int(headers["Content-Length"]) == len(body)

    assert env.run("activities", "reschedule", str(activity["id"]), "--start", "2031-03-04 09:30").exit_code == 0
    status, headers, body = fetch(url, headers={"If-None-Match": etag})
    assert status == 200 and headers["ETag"] != etag
    moved = feedcheck.events(body)[activity["uid"]]
    assert moved["start"] != first["start"] and moved["sequence"] == first["sequence"] + 1
    assert moved["start"].isoformat() == "2031-03-04T08:30:00+00:00"

    assert env.run("activities", "cancel", str(activity["id"])).exit_code == 0
    status, _headers, body = fetch(url)
    assert feedcheck.events(body)[activity["uid"]]["status"] == "CANCELLED"

    lines = [record.getMessage() for record in caplog.records if record.name == "peerlearn.server"]
    assert len(lines) == 5
    assert all(secret not in line for line in lines)
    assert f'"GET /members/{secret[:4]}....ics HTTP/1.1" 200 ' in lines[0]
    assert lines[0].startswith("127.0.0.1 - - [") and lines[1].endswith('" 304 -')
    assert '"HEAD /members/' in lines[2] and lines[2].endswith('" 200 -')


def test_wrong_rotated_and_unknown_feeds_all_get_the_same_404(server):
    base, env = server
    old = token(env, 2)
    assert fetch(f"{base}/members/{old}.ics")[0] == 200
    assert env.run("members", "rotate-token", "2").exit_code == 0
    answers = [fetch(f"{base}{path}") for path in (
        f"/members/{old}.ics", f"/members/{old[:-1]}x.ics", "/members/short.ics", "/networks/nowhere.ics",
        "/activities/999.ics", "/networks/../registry.db", "/members/..%2F..%2Fetc.ics", "/etc/passwd",
    )]
    assert {(status, body) for status, _headers, body in answers} == {(404, b"Not found\n")}
    assert fetch(f"{base}/members/{token(env, 2)}.ics")[0] == 200


def test_public_feeds_filters_and_index(server):
    base, env = server
    status, headers, body = fetch(f"{base}/networks/mutual_learning.ics")
    assert status == 200 and headers["Cache-Control"].startswith("public")
    text = feedcheck.unfold(body)
    assert "SOURCE;VALUE=URI:https://feeds.example.org/networks/mutual_learning.ics" in text
    assert conference(env)["uid"] in text
    filtered = feedcheck.events(fetch(f"{base}/networks/esf_migration.ics?from=2000-01-01&kind=site_visit")[2])
    assert filtered and all(e["summary"].startswith("Site visit") for e in filtered.values())
    status, _headers, body = fetch(f"{base}/networks/esf_migration.ics?from=soon")
    assert status == 400 and b"from" in body
    status, headers, body = fetch(f"{base}/")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    paths = [entry["path"] for entry in json.loads(body)["feeds"]]
    assert "/networks/pes.ics" in paths and not any(p.startswith("/members/") for p in paths)
    assert fetch(f"{base}/networks/pes.ics", method="POST")[0] == 405


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_peerlearn_serve_command_serves_and_logs_in_common_log_format(demo_env):
    port = _free_port()
    environment = {**os.environ, "PEERLEARN_DB": str(demo_env.db)}
    process = subprocess.Popen(
        [sys.executable, "-c", "from peerlearn.cli import main; main()", "serve", "--port", str(port)],
        env=environment, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        for _attempt in range(100):
            try:
                status, headers, body = fetch(f"http://127.0.0.1:{port}/networks/pes.ics")
                break
            except urllib.error.URLError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not start")
        assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
        feedcheck.events(body)
    finally:
        process.terminate()
        _out, err = process.communicate(timeout=10)
    assert "Serving calendar feeds on http://127.0.0.1:" in err
    assert '"GET /networks/pes.ics HTTP/1.1" 200 ' in err


class Broken:
    @peerlearn.hookimpl
    def peerlearn_ical_event(self, event):
        raise RuntimeError("broken plugin")


def test_a_failing_request_is_a_500_and_the_log_still_hides_the_token(server, caplog):
    base, env = server
    caplog.set_level(logging.INFO, logger="peerlearn.server")
    env.register(Broken(), name="broken")
    secret = token(env, 1)
    status, _headers, body = fetch(f"{base}/members/{secret}.ics")
    assert status == 500 and secret.encode() not in body
    logged = caplog.text
    assert "broken plugin" in logged and f"/members/{secret[:4]}..." in logged and secret not in logged


def test_served_member_feed_holds_its_activities_and_sessions(server):
    base, env = server
    activity = conference(env)
    act = str(activity["id"])
    sessions = {s["key"]: s for s in json.loads(env.run("sessions", "list", act, "--json").stdout)}
    assert env.run("participants", "register", act, "31").exit_code == 0
    url = f"{base}/members/{token(env, 31)}.ics"
    status, headers, body = fetch(url)
    events = feedcheck.events(body)
    panel, workshop = (f"session-{sessions[key]['id']}.{activity['uid']}" for key in ("opening-panel", "workshop-2"))
    assert activity["uid"] in events  # registered for the conference
    assert panel in events  # a panellist in the conference's imported programme
    assert workshop not in events
    added = env.run("roles", "add", act, "workshop-2", "--role", "speaker", "--member", "31", "--status", "confirmed")
    assert added.exit_code == 0, added.output
    assert fetch(url, headers={"If-None-Match": headers["ETag"]})[0] == 200  # the feed changed under its ETag
    events = feedcheck.events(fetch(url)[2])
    assert workshop in events and events[workshop]["start"] == datetime.fromisoformat(sessions["workshop-2"]["start"])
