"""``peerlearn serve``: the feeds over real HTTP on 127.0.0.1 (waitress)."""

import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from email.utils import formatdate, parsedate_to_datetime
from zoneinfo import ZoneInfo

import feedcheck
import icalendar
import pytest
from peerlearn_plugins.demo import data as demo

import peerlearn


@pytest.fixture
def server(demo_env):
    from peerlearn.feeds.server import make_server

    httpd = make_server(demo_env.db, "127.0.0.1", 0, base_url="https://feeds.example.org")
    thread = threading.Thread(target=_run_until_closed, args=(httpd,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.effective_port}", demo_env
    httpd.close()
    thread.join(timeout=5)


def _run_until_closed(httpd):
    """Serve until ``httpd.close()``: waitress has no stop, and its loop may see its sockets close under it."""
    try:
        httpd.run()
    except (OSError, ValueError):
        if httpd.socket is not None:  # not closed by the test: a real failure
            raise


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


# -- a threaded server while another process writes -------------------------------------------------------------

ROUNDS = 200


def _start_serve(db, *extra):
    """``peerlearn serve`` in its own process on a free port; returns (process, base URL, log file)."""
    import tempfile

    log_file = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    process = subprocess.Popen(
        [sys.executable, "-c", "from peerlearn.cli import main; main()", "serve", "--port", "0", *extra],
        env={**os.environ, "PEERLEARN_DB": str(db)}, stderr=log_file, stdout=subprocess.DEVNULL, text=True)
    for _attempt in range(300):
        found = re.search(r"Serving calendar feeds on (http://127\.0\.0\.1:\d+)/", open(log_file.name).read())
        if found:
            return process, found.group(1), log_file.name
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    pytest.fail(f"the server did not start: {open(log_file.name).read()}")


def test_threaded_server_shows_every_write_of_another_process_on_the_next_request(env):
    """``serve --threads 8`` in one process; this one writes 200 rounds and each shows on the very next request."""
    from concurrent.futures import ThreadPoolExecutor

    from peerlearn.agenda import schedule
    from peerlearn.models import Activity, Member
    from peerlearn.registry import activities, members
    from peerlearn.registry.store import Registry

    def write(change):
        with Registry.open(env.db, actor="tester") as registry:  # opened and closed as each command does
            with registry.transaction():
                return change(registry)

    zone = ZoneInfo("Europe/Brussels")
    first = datetime(2031, 1, 6, 9, 0, tzinfo=zone)

    def add_all(registry):
        member = members.add(registry, Member(name="Bundesagentur", country="DE"), join=[("pes", "member")],
                             category="public employment service")
        ids = [activities.add(registry, Activity(network="pes", kind="event", title=f"Event {day}",
                                                 start=first + timedelta(days=day),
                                                 end=first + timedelta(days=day, hours=1))).id
               for day in range(ROUNDS)]
        return member.id, ids

    def event(body, uid):
        return next(e for e in icalendar.Calendar.from_ical(body).walk("VEVENT") if e["UID"] == uid)

    member_id, ids = write(add_all)
    process, base, log_path = _start_serve(env.db, "--threads", "8")
    answers = []

    def get_all(*paths):
        with ThreadPoolExecutor(len(paths)) as pool:  # at once, so that the server's threads share the work
            found = list(pool.map(lambda path: fetch(f"{base}{path}"), paths))
        answers.extend(status for status, _headers, _body in found)
        return found

    try:
        old = token(env, member_id)
        for number, activity_id in enumerate(ids):
            new = write(lambda registry: members.rotate_token(registry, member_id)).feed_token
            (gone, _h, _b), (kept, _h, _b) = get_all(f"/members/{old}.ics", f"/members/{new}.ics")
            assert (gone, kept) == (404, 200), number
            old = new

            moved = first + timedelta(days=number, hours=5)
            uid = write(lambda registry: schedule.reschedule(registry, activity_id, moved)).uid
            (status, _h, body), (again, _h, same) = get_all(*[f"/activities/{activity_id}.ics"] * 2)
            assert (status, again, body) == (200, 200, same) and event(body, uid)["DTSTART"].dt == moved, number

            write(lambda registry: schedule.cancel(registry, activity_id))
            (status, _h, body), (again, _h, same) = get_all(*[f"/activities/{activity_id}.ics"] * 2)
            assert (status, again, body) == (200, 200, same) and event(body, uid)["STATUS"] == "CANCELLED", number
    finally:
        process.terminate()
        process.wait(timeout=10)
    logged = open(log_path).read()
    assert 500 not in answers and " 500 " not in logged and "Traceback" not in logged
    assert len(answers) == ROUNDS * 6


def test_opening_the_registry_again_keeps_the_locks_the_process_holds(env, tmp_path):
    """As each new server thread does; a plain open()/close() of the file would drop the process's POSIX locks."""
    from peerlearn.registry.store import Registry

    assert env.run("init").exit_code == 0
    held = Registry.open(env.db)
    try:
        held.query("SELECT count(*) FROM members")  # in WAL mode the connection now holds a lock on the file
        Registry.open(env.db, create=False).close()
        # Another process writes and closes. Were it the last to hold the file, it would checkpoint and delete
        # the WAL under the connection still open here.
        script = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('CREATE TABLE other (x)');"
                  " c.commit(); c.close()")
        subprocess.run([sys.executable, "-c", script, str(env.db)], check=True, timeout=60)
        assert os.path.exists(f"{env.db}-wal")
        assert held.one("SELECT name FROM sqlite_master WHERE name = 'other'")
    finally:
        held.close()


@pytest.mark.parametrize("kind", ["fifo", "folder", "text"])
def test_a_registry_path_that_is_no_database_is_refused_without_reading_it(tmp_path, kind):
    from peerlearn.errors import RegistryError
    from peerlearn.registry.store import Registry

    path = tmp_path / "registry.db"
    if kind == "fifo":
        os.mkfifo(path)  # a plain open() would wait here for a writer forever
    elif kind == "folder":
        path.mkdir()
    else:
        path.write_text("minutes of the last meeting\n")
    with pytest.raises(RegistryError, match="not a regular file|a folder|not an SQLite database"):
        Registry.open(path, create=False)
    if kind == "text":
        assert path.read_text() == "minutes of the last meeting\n"


def _serve_in_thread(app):
    import waitress.server

    httpd = waitress.server.create_server(app, host="127.0.0.1", port=0, threads=1)
    thread = threading.Thread(target=_run_until_closed, args=(httpd,), daemon=True)
    thread.start()
    return httpd, thread, f"http://127.0.0.1:{httpd.effective_port}"


def test_a_request_that_failed_never_leaves_its_connection_to_the_next(demo_env, monkeypatch):
    """A request fails with its connection inside a read transaction (an old snapshot); the next sees the write."""
    from peerlearn.feeds import blocks
    from peerlearn.feeds.server import FeedApp

    render = blocks.render
    failures = []

    def failing_once(registry, feed, **options):
        if not failures:
            failures.append(feed.name)
            registry.db.conn.execute("BEGIN")
            registry.db.conn.execute("SELECT count(*) FROM activities").fetchone()  # holds this snapshot
            raise RuntimeError("failed half way")
        return render(registry, feed, **options)

    monkeypatch.setattr(blocks, "render", failing_once)
    httpd, thread, base = _serve_in_thread(FeedApp(demo_env.db))  # one thread: the next request reuses it
    try:
        activity = conference(demo_env)
        url = f"{base}/activities/{activity['id']}.ics"
        assert fetch(url)[0] == 500
        assert demo_env.run("activities", "cancel", str(activity["id"])).exit_code == 0
        status, _headers, body = fetch(url)
        assert status == 200 and feedcheck.events(body)[activity["uid"]]["status"] == "CANCELLED"
    finally:
        httpd.close()
        thread.join(timeout=5)


def test_a_replaced_registry_file_is_served_from_the_next_request(env, tmp_path):
    """Restoring a backup or ``demo --force`` renames another file over the registry: the server follows."""
    from peerlearn.feeds.server import FeedApp

    other = tmp_path / "other.db"
    assert env.run("init").exit_code == 0 and env.run("--db", str(other), "init").exit_code == 0
    assert env.run("--db", str(other), "activities", "add", "--network", "pes", "--kind", "event", "--title",
                   "Only in the new file", "--start", "2031-05-05 10:00", "--end", "11:00").exit_code == 0
    httpd, thread, base = _serve_in_thread(FeedApp(env.db))
    try:
        assert b"Only in the new file" not in fetch(f"{base}/networks/pes.ics")[2]
        os.replace(other, env.db)
        status, _headers, body = fetch(f"{base}/networks/pes.ics")
        assert status == 200 and "Only in the new file" in feedcheck.unfold(body)
    finally:
        httpd.close()
        thread.join(timeout=5)


def test_last_modified_and_if_modified_since(server):
    base, env = server
    url = f"{base}/networks/mutual_learning.ics"
    for _attempt in range(100):  # the date is sent once the registry's last write is two seconds old
        status, headers, body = fetch(url)
        if "Last-Modified" in headers:
            break
        time.sleep(0.1)
    else:
        pytest.fail("no Last-Modified")
    stamp = headers["Last-Modified"]
    modified = parsedate_to_datetime(stamp)
    assert stamp.endswith(" GMT") and modified <= parsedate_to_datetime(headers["Date"])
    assert fetch(url, headers={"If-Modified-Since": stamp})[0] == 304
    later = formatdate(modified.timestamp() + 1, usegmt=True)
    assert fetch(url, headers={"If-Modified-Since": later})[0] == 304
    earlier = formatdate(modified.timestamp() - 1, usegmt=True)
    assert fetch(url, headers={"If-Modified-Since": earlier})[0] == 200
    # If-None-Match decides when both are sent; a date that is no date, or lies in the future, is ignored
    assert fetch(url, headers={"If-Modified-Since": stamp, "If-None-Match": '"other"'})[0] == 200
    assert fetch(url, headers={"If-Modified-Since": earlier, "If-None-Match": headers["ETag"]})[0] == 304
    assert fetch(url, headers={"If-Modified-Since": "yesterday"})[0] == 200
    assert fetch(url, headers={"If-Modified-Since": formatdate(time.time() + 3600, usegmt=True)})[0] == 200

    activity = conference(env)
    assert env.run("activities", "reschedule", str(activity["id"]), "--start", "2031-03-04 09:30").exit_code == 0
    status, headers, body = fetch(url, headers={"If-Modified-Since": stamp})  # at once: the write is seen
    assert status == 200 and feedcheck.events(body)[activity["uid"]]["start"].isoformat() == "2031-03-04T08:30:00+00:00"
    for _attempt in range(100):
        status, headers, _body = fetch(url, headers={"If-Modified-Since": stamp})
        assert status == 200
        if "Last-Modified" in headers:
            break
        time.sleep(0.1)
    assert parsedate_to_datetime(headers["Last-Modified"]) > modified
    assert fetch(url, headers={"If-Modified-Since": headers["Last-Modified"]})[0] == 304


def test_the_window_error_names_the_flag_in_the_cli_and_the_parameter_over_http(server):
    base, env = server
    status, _headers, body = fetch(f"{base}/networks/pes.ics?from=2030-01-01&to=2029-01-01")
    assert status == 400 and body == b"query parameter 'to': the window ends before it starts\n"
    status, _headers, body = fetch(f"{base}/networks/pes.ics?from=soon")
    assert status == 400 and body.startswith(b"query parameter 'from': ")
    result = env.run("export", "ics", "--network", "pes", "--from", "2030-01-01", "--to", "2029-01-01")
    assert result.exit_code == 1 and result.stderr == "Error: --to: the window ends before it starts\n"


# -- member tokens: looked up by an indexed hash ----------------------------------------------------------------


def test_member_tokens_are_found_through_the_index_of_their_hashes(demo_env):
    import hashlib

    from peerlearn.registry import members

    with demo_env.open() as registry:
        rows = registry.query("SELECT id, feed_token, feed_token_hash FROM members")
        assert rows and all(row["feed_token_hash"] == hashlib.sha256(row["feed_token"].encode()).hexdigest()
                            for row in rows)
        plan = " ".join(str(step) for step in registry.db.execute(
            "EXPLAIN QUERY PLAN SELECT id FROM members WHERE feed_token_hash = ?", ["x"]).fetchall())
        assert "USING INDEX members_by_feed_token_hash" in plan or "USING COVERING INDEX" in plan
        assert members.by_feed_token(registry, rows[3]["feed_token"]) == rows[3]["id"]
        assert members.by_feed_token(registry, rows[3]["feed_token"][:-1]) is None
    rotated = demo_env.run("members", "rotate-token", str(rows[3]["id"]))
    assert rotated.exit_code == 0
    imported = demo_env.db.parent / "more.csv"
    imported.write_text("name,country,network,category\nArbetsförmedlingen Syd,SE,pes,public employment service\n",
                        encoding="utf-8")
    assert demo_env.run("members", "import", str(imported)).exit_code == 0, "bulk import"
    assert demo_env.run("members", "add", "Ministry of Labour", "--country", "MT").exit_code == 0
    assert demo_env.run("members", "edit", "Ministry of Labour", "--name", "Ministry for Labour").exit_code == 0
    with demo_env.open() as registry:
        for row in registry.query("SELECT id, feed_token, feed_token_hash FROM members"):
            assert row["feed_token_hash"] == hashlib.sha256(row["feed_token"].encode()).hexdigest(), row["id"]
            assert members.by_feed_token(registry, row["feed_token"]) == row["id"]
        assert members.by_feed_token(registry, rows[3]["feed_token"]) is None  # the rotated one


def test_token_hashes_are_filled_for_existing_members_and_follow_other_tools(tmp_path):
    """A registry from before the hashes gets them; a row another tool wrote without one is still found."""
    from sqlite_utils.db import Database

    from peerlearn.registry import members
    from peerlearn.registry.migrations import migrations
    from peerlearn.registry.store import Registry

    path = tmp_path / "old.db"
    old = Database(str(path))
    migrations.apply(old, stop_before="m006_feed_token_hashes")
    for number in range(3):
        old["members"].insert({"name": f"Ministry {number}", "name_key": f"ministry {number}", "country": "BE",
                               "feed_token": f"old-token-{number}", "created_at": "2020-01-01T00:00:00+00:00"})
    old.close()
    with Registry.open(path, actor="tester") as registry:
        assert members.by_feed_token(registry, "old-token-2") == 3
        registry.db.execute("INSERT INTO members (name, name_key, country, feed_token, created_at)"
                            " VALUES ('Other', 'other', 'BE', 'written-elsewhere', '2020-01-01')")
        assert members.by_feed_token(registry, "written-elsewhere") == 4
        # a token changed by a tool that left the hash behind answers to neither the old nor the new token
        registry.db.execute("UPDATE members SET feed_token = 'changed-elsewhere' WHERE id = 1")
        assert members.by_feed_token(registry, "changed-elsewhere") is None
        assert members.by_feed_token(registry, "old-token-0") is None


def test_an_event_leaving_the_window_moves_last_modified(env):
    """Time alone changes a feed when an old event leaves its six-month window; If-Modified-Since sees it."""
    from peerlearn.feeds.server import FeedApp

    assert env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Winter event",
                   "--start", "2031-01-06 09:00", "--end", "10:00").exit_code == 0
    uid = json.loads(env.run("activities", "list", "--json").stdout)[0]["uid"]
    moment = [datetime(2031, 7, 6, 12, 0, tzinfo=ZoneInfo("UTC")).timestamp()]  # 181 days after it ended
    app = FeedApp(env.db, clock=lambda: moment[0])
    moment[0] += 3600  # the server has run for an hour
    httpd, thread, base = _serve_in_thread(app)
    try:
        url = f"{base}/networks/pes.ics"
        status, headers, body = fetch(url)
        assert status == 200 and uid in feedcheck.events(body)
        stamp = headers["Last-Modified"]
        assert fetch(url, headers={"If-Modified-Since": stamp})[0] == 304
        moment[0] += 3 * 86400  # nothing written, but the event has left the window
        status, headers, body = fetch(url, headers={"If-Modified-Since": stamp})
        assert status == 200 and uid not in feedcheck.events(body)
        assert parsedate_to_datetime(headers["Last-Modified"]) > parsedate_to_datetime(stamp)
    finally:
        httpd.close()
        thread.join(timeout=5)
