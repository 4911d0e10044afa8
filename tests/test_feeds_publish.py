"""``peerlearn feeds build``: static feeds, rewritten only where they changed; member feeds kept apart."""

import html
import json
import re

import pytest

import feedcheck
from peerlearn_plugins.demo import data as demo

from peerlearn import hookimpl


def build(env, folder, *extra, private=True):
    """``feeds build FOLDER``, its member feeds in the folder ``<FOLDER>-private`` beside it."""
    if private:
        extra = ("--private-dir", str(folder.with_name(f"{folder.name}-private")), *extra)
    result = env.run("feeds", "build", str(folder), "--base-url", "https://feeds.example.org/", *extra)
    assert result.exit_code == 0, result.output
    return result.stdout


def private_of(folder):
    return folder.with_name(f"{folder.name}-private")


def snapshot(folder):
    """Every file of the folder and of its private folder beside it: (mtime, bytes) by relative path."""
    found = {}
    for root, prefix in ((folder, ""), (private_of(folder), "private:")):
        found.update({prefix + str(path.relative_to(root)): (path.stat().st_mtime_ns, path.read_bytes())
                      for path in root.rglob("*") if path.is_file()})
    return found


def conference(env):
    return next(a for a in json.loads(env.run("activities", "list", "--json").stdout) if a["title"] == demo.MLC_TITLE)


def tokens(env):
    registry = env.open()
    try:
        return {row["id"]: row["feed_token"] for row in registry.query("SELECT id, feed_token FROM members")}
    finally:
        registry.close()


def test_build_writes_every_feed_and_a_public_index(demo_env, tmp_path):
    out = tmp_path / "site"
    assert "0 removed" in build(demo_env, out)
    member_tokens = tokens(demo_env)
    files = {str(p.relative_to(out)) for p in out.rglob("*.ics")}
    assert {f"networks/{slug}.ics" for slug in ("esf_migration", "integration_network", "mutual_learning", "pes")} <= files
    assert "activities/13.ics" in files and not (out / "members").exists()
    private = {str(p.relative_to(private_of(out))) for p in private_of(out).rglob("*.ics")}
    assert private == {f"members/{token}.ics" for token in member_tokens.values()}
    for path in [*out.rglob("*.ics"), *private_of(out).rglob("*.ics")]:
        feedcheck.events(path.read_bytes())
    index = (out / "index.json").read_text() + (out / "index.html").read_text()
    assert "webcal://feeds.example.org/networks/pes.ics" in index
    public = "".join(p.read_text() for p in out.rglob("*") if p.is_file())
    assert "SOURCE;VALUE=URI:https://feeds.example.org/networks/pes.ics" in public
    assert not any(token in public for token in member_tokens.values())  # member feeds are never named
    manifest = (private_of(out) / ".peerlearn-feeds.json").read_text()
    assert len(json.loads(manifest)["feeds"]) == len(member_tokens)
    assert not any(token in manifest for token in member_tokens.values())  # named by a hash of their path
    assert not list(tmp_path.rglob("*.tmp"))


def test_rebuild_rewrites_only_the_feeds_an_activity_change_touches(demo_env, tmp_path):
    out = tmp_path / "site"
    build(demo_env, out)
    before = snapshot(out)
    assert "0 file(s) written" in build(demo_env, out)
    assert snapshot(out) == before  # nothing rewritten: mtimes unchanged
    activity = conference(demo_env)
    demo_env.run("activities", "reschedule", str(activity["id"]), "--start", "2031-03-04 09:30")
    build(demo_env, out)
    after = snapshot(out)
    changed = {path for path in after if after[path] != before.get(path)} - {".peerlearn-feeds-stamp.json",
                                                                             "private:.peerlearn-feeds-stamp.json"}
    holders = {path for path, (_mtime, data) in after.items() if activity["uid"].encode() in data}
    assert changed == holders and "networks/mutual_learning.ics" in changed and "activities/13.ics" in changed
    assert any(path.startswith("private:members/") for path in changed)
    assert not any(path.startswith("networks/pes") for path in changed)
    text = (out / "activities/13.ics").read_text()
    assert "DTSTART;TZID=Europe/Brussels:20310304T093000" in text and f"SEQUENCE:{activity['sequence'] + 1}" in text


def test_rotated_token_feed_is_removed_and_feed_url_follows(demo_env, tmp_path):
    out = tmp_path / "site"
    build(demo_env, out)
    old = tokens(demo_env)[3]
    url = demo_env.run("members", "feed-url", "3", "--base-url", "https://feeds.example.org")
    assert url.stdout.splitlines() == [f"https://feeds.example.org/members/{old}.ics",
                                       f"webcal://feeds.example.org/members/{old}.ics"]
    assert (private_of(out) / f"members/{old}.ics").exists()
    rotated = demo_env.run("members", "rotate-token", "3")
    assert rotated.exit_code == 0, rotated.output
    new = tokens(demo_env)[3]
    assert new != old and len(new) >= 22  # 128 random bits, base64url
    assert "1 removed" in build(demo_env, out)
    assert not (private_of(out) / f"members/{old}.ics").exists() and (private_of(out) / f"members/{new}.ics").exists()
    url = demo_env.run("members", "feed-url", "3", "--base-url", "https://feeds.example.org", "--json")
    assert json.loads(url.stdout)["url"].endswith(f"/members/{new}.ics")


class FailingPlugin:
    def __init__(self, activity_id):
        self.activity_id = activity_id

    @hookimpl
    def peerlearn_ical_event(self, activity, event):
        if activity.id == self.activity_id:
            raise RuntimeError("disk full")


def test_an_interrupted_build_leaves_every_published_file_whole(demo_env, tmp_path):
    out = tmp_path / "site"
    build(demo_env, out)
    before = snapshot(out)
    demo_env.register(FailingPlugin(13), name="failing")
    result = demo_env.run("feeds", "build", str(out), "--private-dir", str(private_of(out)))
    assert result.exit_code == 1 and "failing" in result.stderr and "disk full" in result.stderr
    now = snapshot(out)
    assert not [path for path in now if path.endswith(".tmp") or "/." in path]
    for path, (_mtime, data) in now.items():
        if path.endswith(".ics"):
            feedcheck.check(data)  # every feed is whole, old or new
    stamps = {".peerlearn-feeds-stamp.json", "private:.peerlearn-feeds-stamp.json"}
    assert set(now) == set(before) - stamps  # the stamps went first: the next build is a whole one, not a rebuild


def test_bad_input_to_build_and_feed_url(demo_env, tmp_path):
    before = demo_env.fingerprint()
    cases = [
        (("feeds", "build", str(tmp_path / "site"), "--base-url", "ftp://example.org"), "not an http(s) URL"),
        (("feeds", "build", str(tmp_path / "no" / "such" / "site")), "does not exist"),
        (("members", "feed-url", "3", "--base-url", "example.org"), "not an http(s) URL"),
        (("members", "feed-url", "Nobody", "--base-url", "https://x.org"), "Nobody"),
        (("members", "rotate-token", "Nobody"), "Nobody"),
        (("feeds", "build", str(tmp_path / "site"), "--private-dir", str(tmp_path / "site" / "members")),
         "inside the public folder"),
        (("feeds", "build", str(tmp_path / "site"), "--private-dir", str(tmp_path / "site")),
         "inside the public folder"),
        (("feeds", "build", str(tmp_path / "site"), "--private-dir", str(tmp_path / "site" / ".." / "site" / "x")),
         "inside the public folder"),
        (("feeds", "build", str(tmp_path / "site" / "members"), "--private-dir", str(tmp_path / "site")),
         "inside the private folder"),
    ]
    for args, words in cases:
        result = demo_env.run(*args)
        assert result.exit_code == 1, args
        assert re.fullmatch(r"Error: [^\n]+\n", result.stderr) and words in result.stderr, result.stderr
        assert demo_env.fingerprint() == before
    assert not (tmp_path / "site").exists()


def _contents(folder):
    """The files' bytes, the build's stamp aside (it holds the moment of the build)."""
    return {path: data for path, (_mtime, data) in snapshot(folder).items()
            if not path.endswith(".peerlearn-feeds-stamp.json")}


def test_an_incremental_build_always_equals_a_fresh_one(demo_env, tmp_path):
    out = tmp_path / "site"
    build(demo_env, out)
    activity = conference(demo_env)
    act = str(activity["id"])

    def role_of(member_id):
        return str(next(role["id"] for role in json.loads(demo_env.run("roles", "list", act, "--json").stdout)
                        if role["member_id"] == member_id))

    steps = [  # the agenda's sessions and roles first (through the CLI), then the activity itself
        lambda: demo_env.run("sessions", "add", act, "--title", "Poster corner", "--kind", "workshop", "--start",
                             "14:30", "--end", "15:30", "--track", "C", "--room", "Room C", "--key", "posters"),
        lambda: demo_env.run("roles", "add", act, "posters", "--role", "moderator", "--member", "31", "--status",
                             "confirmed", "--email", "thomas@example.org"),
        lambda: demo_env.run("sessions", "move", act, "opening-panel", "--start", "10:05", "--end", "11:00"),
        lambda: demo_env.run("sessions", "edit", act, "workshop-1", "--room", "Room A1"),
        lambda: demo_env.run("roles", "decline", role_of(32)),
        lambda: demo_env.run("roles", "confirm", role_of(33)),
        lambda: demo_env.run("sessions", "remove", act, "posters"),
        lambda: demo_env.run("activities", "reschedule", act, "--start", "2031-03-04 09:30"),
        lambda: demo_env.run("participants", "decline", act, "1"),
        lambda: demo_env.run("participants", "invite", "7", "2"),
        lambda: demo_env.run("members", "edit", "31", "--name", "Thomas Liebig, OECD"),
        lambda: demo_env.run("members", "rotate-token", "31"),
        lambda: demo_env.run("activities", "add", "--network", "pes", "--kind", "webinar", "--title", "New webinar",
                             "--start", "2031-01-01 10:00", "--end", "11:00"),
        lambda: demo_env.run("activities", "cancel", act),
    ]
    feed = f"activities/{act}.ics"
    for number, step in enumerate(steps):
        published = _contents(out)[feed]
        outcome = step()
        assert outcome.exit_code == 0, outcome.output
        build(demo_env, out)
        fresh = tmp_path / f"fresh{number}"
        build(demo_env, fresh)
        assert _contents(out) == _contents(fresh), number
        if number < 7:  # every change to the agenda reaches the activity's feed
            assert _contents(out)[feed] != published, number


def test_without_a_private_folder_no_member_feed_is_written_and_old_ones_leave_the_public_folder(demo_env, tmp_path):
    out = tmp_path / "site"
    member_tokens = tokens(demo_env)
    # a folder published the old way: member feeds inside it, listed in its manifest
    (out / "members").mkdir(parents=True)
    listed = {}
    for token in member_tokens.values():
        (out / f"members/{token}.ics").write_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
        listed[f"members/{token}.ics"] = "old"
    (out / ".peerlearn-feeds.json").write_text(json.dumps({**listed, "../../outside.ics": "x"}))
    (tmp_path / "outside.ics").write_text("not ours")
    result = demo_env.run("feeds", "build", str(out))
    assert result.exit_code == 0, result.output
    assert f"{len(member_tokens)} removed" in result.stdout
    assert f"{len(member_tokens)} member feed(s) not written: give --private-dir" in result.stderr
    assert not (out / "members").exists() and (tmp_path / "outside.ics").read_text() == "not ours"
    names = [str(path.relative_to(out)) for path in out.rglob("*")]
    published = " ".join(names) + "".join(path.read_text() for path in out.rglob("*") if path.is_file())
    assert "networks/pes.ics" in names and not any(token in published for token in member_tokens.values())
    help_text = demo_env.run("feeds", "build", "--help").stdout
    assert "--private-dir" in help_text and "Without it, member feeds are not written" in help_text


def test_the_private_folder_served_as_files_lists_nothing(demo_env, tmp_path):
    """A web server that would list a folder finds a placeholder page instead (here Python's http.server)."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    out = tmp_path / "site"
    build(demo_env, out)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
                               "--directory", str(private_of(out))],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        pages = {}
        for path in ("/", "/members/"):
            for _attempt in range(100):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as response:
                        pages[path] = response.read().decode()
                    break
                except OSError:
                    time.sleep(0.05)
        token = tokens(demo_env)[3]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/members/{token}.ics", timeout=5) as response:
            feedcheck.events(response.read())  # the feed itself answers to its URL
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert set(pages) == {"/", "/members/"}
    assert all("Nothing to list here" in page for page in pages.values())
    assert not any(token in page for page in pages.values() for token in tokens(demo_env).values())


def test_nothing_the_demo_publishes_names_a_member_token_outside_the_member_feeds(env, tmp_path):
    """``demo --publish public``: feeds, logs, reports and the website; member feeds in ``public-private``."""
    env.load("esf_migration", "integration_network", "mutual_learning", "pes", "site")
    public = tmp_path / "public"
    result = env.run("demo", "--publish", str(public))
    assert result.exit_code == 0, result.output
    member_tokens = set(tokens(env).values())
    assert len(member_tokens) >= 30
    private = tmp_path / "public-private"
    assert str(private) in result.stdout

    def leaks(root, allowed=lambda path: False):
        found = []
        for path in root.rglob("*"):
            data = path.read_bytes() if path.is_file() else b""
            for token in member_tokens:
                if (token in str(path.relative_to(root)) or token.encode() in data) and not allowed(path):
                    found.append((str(path.relative_to(root)), token))
        return found

    assert (public / "index.html").exists() and (public / "logs" / "changes.csv").exists()
    assert (public / "feeds" / "networks" / "pes.ics").exists() and not (public / "feeds" / "members").exists()
    assert leaks(public) == []
    # in the private folder, a token names its own feed and nothing else
    feeds_of = {path.stem: path for path in (private / "feeds" / "members").glob("*.ics")}
    assert set(feeds_of) == member_tokens
    assert leaks(private, allowed=lambda path: path.suffix == ".ics" and path.parent.name == "members") == []
    for token, path in feeds_of.items():
        assert not any(other.encode() in path.read_bytes() for other in member_tokens)


@pytest.mark.parametrize("count", [0, 1, 2, 40])
def test_the_index_and_the_manifest_are_what_json_dumps_writes(count):
    """Both are written with json's C encoder, entry by entry: the bytes are those of the indenting encoder."""
    import random

    from peerlearn.feeds import listing

    rng = random.Random(count)
    characters = ["a", "é", '"', "\\", "\n", "\u2028", "\x1f", "😀", " ", "/", "<", "}", "{", ",", ":", "[", "]"]

    def text():
        return "".join(rng.choice(characters) for _ in range(rng.randrange(0, 12)))

    entries = [{"scope": text(), "name": text(), "path": text(),
                **({"url": text(), "webcal": text()} if rng.random() < 0.5 else {})} for _ in range(count)]
    assert listing.index_json(entries) == \
        (json.dumps({"feeds": entries}, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    def listed(page: bytes) -> list[tuple[str, ...]]:  # read back with the standard library's parser
        items = re.findall(r'<li>(.*?): <a href="(.*?)">(.*?)</a> \(<a href="(.*?)">\.ics</a>\)</li>',
                           page.decode("utf-8"), re.S)
        return [tuple(html.unescape(value) for value in item) for item in items]

    expected = [(entry["scope"], entry.get("webcal") or entry["path"], entry["name"], entry["path"])
                for entry in entries]
    assert listed(listing.index_html(entries)) == expected
    for entry in entries:
        entry["name"] += "\0"  # the separator the escaping uses, in a value: each is then escaped on its own
    assert listed(listing.index_html(entries)) == [(*item[:2], item[2] + "\0", item[3]) for item in expected]
    feeds = {text(): text() for _ in range(count)}
    assert listing.manifest_json(feeds) == json.dumps(
        {"version": listing.MANIFEST_VERSION, "feeds": feeds}, indent=0, sort_keys=True,
        ensure_ascii=False).encode()


@pytest.mark.parametrize("seed", range(8))
def test_a_list_edited_in_place_is_the_list_written_whole(seed, monkeypatch):
    """The index (json, html) and the manifest after feeds came, went and were retitled, edited in place
    (peerlearn.feeds.listing), have the bytes of the new list written whole; where an edit cannot be made (the
    first or every record leaving, a value with a raw newline, a file that is not such a list) it says so."""
    import random

    from peerlearn.feeds import listing

    rng = random.Random(seed)
    if seed % 2:  # a few bytes read at a time: every look for a separator reads on, again and again
        monkeypatch.setattr(listing._Body, "READ", 3)
    characters = ["a", "é", '"', "\\", "\u2028", "😀", " ", "/", "<", "&", "}", "{", ",", ":", "[", "]"]

    def title():
        return "".join(rng.choice(characters) for _ in range(rng.randrange(0, 10)))

    def paths(count):
        networks = [f"networks/{slug}.ics" for slug in rng.sample(["pes", "mlp", "ein", "esf", "nordic"], 2)]
        return networks + [f"activities/{number}.ics" for number in rng.sample(range(1, 400), count)]

    def entry(path, name):
        scope = "network" if path.startswith("networks/") else "activity"
        return listing.index_entry(scope, name, path, f"https://feeds.example.org/{path}" if seed % 2 else "")

    def apply(layout, record, write_whole, order, old, changes):
        keyed = {order(path): None if name is None else record(path, name) for path, name in changes.items()}
        data = write_whole(old)
        found = listing.edits(data, layout, keyed)
        new = {**old, **{path: name for path, name in changes.items() if name is not None}}
        for path, name in changes.items():
            if name is None:
                new.pop(path, None)
        if found is None:
            return None
        edited, at = bytearray(), 0
        for start, end, piece in found.replacements:
            assert at <= start <= end
            edited += data[at:start] + piece
            at = end
        edited += data[at:]
        assert bytes(edited) == write_whole(new)
        assert found.added == len(new) - len(old)
        return found

    def index(listed):
        return [entry(path, listed[path]) for path in sorted(listed, key=listing.index_order)]

    formats = [
        (listing.INDEX_JSON, lambda path, name: listing.index_json_record(entry(path, name)),
         lambda listed: listing.index_json(index(listed)), listing.index_order),
        (listing.INDEX_HTML, lambda path, name: listing.index_html_record(entry(path, name)),
         lambda listed: listing.index_html(index(listed)), listing.index_order),
        (listing.MANIFEST, listing.manifest_record, listing.manifest_json, str),
    ]
    edited = 0
    for _ in range(40):
        old = {path: title() for path in paths(rng.randrange(0, 30))}
        activities = [path for path in old if path.startswith("activities/")]
        changes = {}
        for path in rng.sample(activities, min(len(activities), rng.randrange(0, 6))):
            changes[path] = None if rng.random() < 0.4 else title()  # retitled, or gone
        for number in rng.sample(range(1, 400), rng.randrange(0, 4)):  # (new, or already there)
            changes[f"activities/{number}.ics"] = title()
        for layout, record, write_whole, order in formats:
            found = apply(layout, record, write_whole, order, old, changes)
            # refused only where the first record leaves (in the index a network, which stays, comes first)
            assert (found is None) == (changes.get(min(old, key=order), "") is None), (layout, changes)
            edited += found is not None
    assert edited > 100
    # what is not a list of its own is refused, not edited
    data = listing.index_html([entry("networks/pes.ics", "PES")])
    raw_newline = listing.index_html_record(entry("activities/1.ics", "a\nb"))  # (a title stored with one)
    assert listing.edits(data, listing.INDEX_HTML, {listing.index_order("activities/1.ics"): raw_newline}) is None
    assert listing.edits(data.replace(b"<li>", b"<li class=x>"), listing.INDEX_HTML, {
        listing.index_order("activities/1.ics"): listing.index_html_record(entry("activities/1.ics", "A"))}) is None
    assert listing.edits(listing.index_json([]), listing.INDEX_JSON, {
        listing.index_order("activities/1.ics"): listing.index_json_record(entry("activities/1.ics", "A"))}) is None
    assert listing.edits(listing.manifest_json({"networks/pes.ics": "PES"}), listing.MANIFEST,
                         {"networks/pes.ics": None}) is None  # (it would be empty)
