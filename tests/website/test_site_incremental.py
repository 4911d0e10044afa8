"""A rebuild of the site renders only what changed, and gives exactly what a fresh build gives.

Property-style: from the demo, random changes (reschedule, cancel, add,
retitle, and the clock moving on so that activities become past) are
applied one at a time; after each, an incremental build into the same folder
must equal a fresh build into an empty one byte for byte, and only the files
whose bytes changed may have a new modification time.
"""

from __future__ import annotations

import datetime as dt
import random
import re

import peerlearn_plugins.site
import pytest

import faults

MANIFEST = ".peerlearn-publish.db"


def _pages(folder):
    return {name: data for name, data in faults.tree(folder).items() if name != MANIFEST}


def _mtimes(folder):
    return {str(path.relative_to(folder)): path.stat().st_mtime_ns for path in folder.rglob("*") if path.is_file()}


def _change(env, rng: random.Random, step: int, today: dt.date) -> tuple[str, dt.date]:
    """Apply one random change through the CLI; returns what it did and the day the next build takes as today."""
    with env.open() as registry:
        open_ids = [row["id"] for row in registry.query(
            "SELECT id FROM activities WHERE status IN ('confirmed', 'tentative') ORDER BY id")]
        slugs = [row["slug"] for row in registry.query("SELECT slug FROM networks ORDER BY slug")]
    what = rng.choice(["reschedule", "cancel", "add", "title", "clock"])
    if what == "clock":
        return what, today + dt.timedelta(days=rng.choice([20, 75, 200]))
    if what == "add":
        start = today + dt.timedelta(days=rng.randrange(-60, 300))
        args = ["activities", "add", "--network", rng.choice(slugs), "--kind", "workshop",
                "--title", f"Random workshop {step}", "--start", f"{start} 10:00", "--end", "16:00"]
    elif what == "reschedule":
        start = today + dt.timedelta(days=rng.randrange(-30, 200))
        args = ["activities", "reschedule", str(rng.choice(open_ids)), "--start", f"{start} 09:00"]
    elif what == "cancel":
        args = ["activities", "cancel", str(rng.choice(open_ids))]
    else:
        args = ["activities", "edit", str(rng.choice(open_ids)), "--title", f"Retitled activity {step}"]
    result = env.run(*args)
    return f"{what} ({'done' if result.exit_code == 0 else 'refused'})", today


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_site_build_equals_a_fresh_build_after_random_changes(demo_env, tmp_path, seed):
    demo_env.register(peerlearn_plugins.site, name="site")
    rng = random.Random(seed)
    today = dt.date.today()
    out = tmp_path / "site"

    def build(folder, day):
        result = demo_env.run("--today", day.isoformat(), "site", "build", str(folder),
                              "--base-url", "https://events.example.org")
        assert result.exit_code == 0, result.output
        return result

    build(out, today)
    for step in range(6):
        before, times = _pages(out), _mtimes(out)
        what, today = _change(demo_env, rng, step, today)
        report = build(out, today).stdout
        # what it says it wrote and kept is every file of the site, counted without looking at each
        written, unchanged = (int(word) for word in re.findall(r"(\d+) (?:written|unchanged)", report))
        assert written + unchanged == len(_pages(out)), (step, what, report)
        fresh = tmp_path / f"fresh-{step}"
        build(fresh, today)
        after = _pages(out)
        assert after == _pages(fresh), f"step {step}: {what}"
        changed = {name for name in after if before.get(name) != after[name]}
        moved = {name for name, stamp in _mtimes(out).items() if name != MANIFEST and times.get(name) != stamp}
        assert moved == changed, f"step {step}: {what}"


def test_an_unchanged_rebuild_renders_nothing(demo_env, tmp_path):
    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "site"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    times = _mtimes(out)
    again = demo_env.run("site", "build", str(out))
    assert again.exit_code == 0 and again.stdout.startswith("Built 0 page(s)"), again.stdout
    assert _mtimes(out) == times


def test_a_page_deleted_by_hand_is_written_again(demo_env, tmp_path, mlc_id):
    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "site"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    page = out / "activities" / f"{mlc_id}.html"
    kept = page.read_bytes()
    page.unlink()
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    assert page.read_bytes() == kept


def test_a_changed_option_rebuilds_every_page(demo_env, tmp_path):
    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "site"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    titled = demo_env.run("site", "build", str(out), "--title", "Our events")
    assert titled.exit_code == 0
    pages = [path for path in out.rglob("*.html")]
    assert pages and all("Our events" in path.read_text("utf-8") for path in pages)


def test_a_registry_replaced_by_another_with_as_many_changes_is_built_afresh(demo_env, tmp_path):
    """``demo --force`` on another day writes a log as long as the last one: the build must not take it for it."""
    demo_env.register(peerlearn_plugins.site, name="site")
    out, fresh = tmp_path / "site", tmp_path / "fresh"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    later = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    assert demo_env.run("--today", later, "demo", "--force").exit_code == 0
    assert demo_env.run("--today", later, "site", "build", str(out)).exit_code == 0
    assert demo_env.run("--today", later, "site", "build", str(fresh)).exit_code == 0
    assert _pages(out) == _pages(fresh)


def test_a_change_the_index_does_not_show_leaves_it_unrendered(demo_env, tmp_path):
    """The index lists the activities coming next: retitling a past one renders its pages, not the index."""
    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "site"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    with demo_env.open() as registry:
        now = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        past = registry.one("SELECT id FROM activities WHERE status != 'draft' AND end_utc < ? ORDER BY end_utc"
                            " DESC LIMIT 1", [now])["id"]
        upcoming = registry.one("SELECT id FROM activities WHERE status != 'draft' AND end_utc > ? ORDER BY"
                                " start_utc LIMIT 1", [now])["id"]
    index = out / "index.html"
    for activity, listed in ((past, False), (upcoming, True)):
        before = index.read_bytes()
        assert demo_env.run("activities", "edit", str(activity), "--title", f"Renamed {activity}").exit_code == 0
        built = demo_env.run("site", "build", str(out))
        assert built.exit_code == 0
        # the activity's page and its network's page; the index too where it lists the activity
        assert built.stdout.startswith(f"Built {3 if listed else 2} page(s)"), built.stdout
        assert (f"Renamed {activity}" in index.read_text("utf-8")) is listed
        assert (index.read_bytes() != before) is listed
        fresh = tmp_path / f"fresh-{activity}"
        assert demo_env.run("site", "build", str(fresh)).exit_code == 0
        assert _pages(out) == _pages(fresh)


@pytest.mark.parametrize("seed", [3, 4])
def test_a_network_page_edited_in_place_equals_a_fresh_one(demo_env, tmp_path, seed):
    """Many activities close together in one network, some at the same time: after retitling, cancelling,
    nudging or moving one of them (its item edited in the page's bytes where it keeps its place, the page
    rendered again where it moves), the site is byte for byte a fresh build's."""
    demo_env.register(peerlearn_plugins.site, name="site")
    rng = random.Random(seed)
    today = dt.date.today()
    with demo_env.open() as registry:
        slug = registry.one("SELECT slug FROM networks ORDER BY slug LIMIT 1")["slug"]
    for number in range(14):
        day = today + dt.timedelta(days=rng.choice([-20, -10, -9, 5, 6, 30, 31]))
        assert demo_env.run("activities", "add", "--network", slug, "--kind", "workshop", "--title",
                            f"Close workshop {number}", "--start", f"{day} {rng.choice(['09:00', '10:00'])}",
                            "--end", "12:00").exit_code == 0
    with demo_env.open() as registry:
        ids = [row["id"] for row in registry.query("SELECT id FROM activities WHERE network = ? AND title LIKE"
                                                   " 'Close workshop %'", [slug])]
    out = tmp_path / "site"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    for step in range(10):
        activity = str(rng.choice(ids))
        what = rng.choice(["title", "title", "about", "draft", "nudge", "move", "cancel", "delete"])
        if what == "title":
            args = ["activities", "edit", activity, "--title", f"Retitled {step}"]
        elif what == "about":  # (shown on its page, not on its network's)
            args = ["activities", "edit", activity, "--description", f"About step {step}"]
        elif what == "draft":  # (off the pages)
            args = ["activities", "edit", activity, "--status", "draft"]
        elif what in ("cancel", "delete"):
            args = ["activities", what, activity]
            if what == "delete":
                ids.remove(int(activity))
        else:
            day = today + dt.timedelta(days=rng.choice([-9, 6, 31] if what == "nudge" else [-40, 100]))
            args = ["activities", "reschedule", activity, "--start", f"{day} {rng.choice(['09:00', '10:00'])}"]
        demo_env.run(*args)
        times = _mtimes(out)
        before = _pages(out)
        assert demo_env.run("site", "build", str(out)).exit_code == 0
        fresh = tmp_path / f"fresh-{step}"
        assert demo_env.run("site", "build", str(fresh)).exit_code == 0
        after = _pages(out)
        assert after == _pages(fresh), f"step {step}: {' '.join(args)}"
        changed = {name for name in after if before.get(name) != after[name]}
        assert {name for name, stamp in _mtimes(out).items() if name != MANIFEST and times.get(name) != stamp} \
            == changed, f"step {step}: {' '.join(args)}"


def test_a_change_beside_a_deleted_activity_is_written_as_a_fresh_build_writes_it(demo_env, tmp_path):
    """Retitle an activity, delete the one listed after it and add another to the same list: as many listed
    as before, but the page is not the old one with one item replaced."""
    demo_env.register(peerlearn_plugins.site, name="site")
    today = dt.date.today()
    with demo_env.open() as registry:
        slug = registry.one("SELECT slug FROM networks ORDER BY slug LIMIT 1")["slug"]
    for number in range(3):
        day = today + dt.timedelta(days=10 + number)
        assert demo_env.run("activities", "add", "--network", slug, "--kind", "workshop", "--title",
                            f"Nearby workshop {number}", "--start", f"{day} 09:00", "--end", "12:00").exit_code == 0
    with demo_env.open() as registry:
        first, second, _third = (row["id"] for row in registry.query(
            "SELECT id FROM activities WHERE title LIKE 'Nearby workshop %' ORDER BY start_utc"))
    out = tmp_path / "site"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    assert demo_env.run("activities", "edit", str(first), "--title", "Retitled").exit_code == 0
    assert demo_env.run("activities", "delete", str(second)).exit_code == 0
    later = today + dt.timedelta(days=40)
    assert demo_env.run("activities", "add", "--network", slug, "--kind", "workshop", "--title", "Added",
                        "--start", f"{later} 09:00", "--end", "12:00").exit_code == 0
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    fresh = tmp_path / "fresh"
    assert demo_env.run("site", "build", str(fresh)).exit_code == 0
    assert _pages(out) == _pages(fresh)
    page = (out / "networks" / f"{slug}.html").read_text("utf-8")
    assert "Retitled" in page and "Added" in page and f"activities/{second}.html" not in page


def test_an_activity_moved_within_its_place_moves_on_the_index_too(demo_env, tmp_path):
    """The index lists the activities coming next across networks by start: one moved later, past another
    network's, while keeping its place in its own network's list, moves after it on the index."""
    demo_env.register(peerlearn_plugins.site, name="site")
    today = dt.date.today()
    with demo_env.open() as registry:
        one, other = (row["slug"] for row in registry.query("SELECT slug FROM networks WHERE slug IN"
                                                            " (SELECT network FROM activities) ORDER BY slug LIMIT 2"))
    for slug, title, days in ((one, "Soonest here", 10), (other, "Soonest there", 12)):
        assert demo_env.run("activities", "add", "--network", slug, "--kind", "workshop", "--title", title,
                            "--start", f"{today + dt.timedelta(days=days)} 09:00", "--end", "12:00").exit_code == 0
    with demo_env.open() as registry:
        moved = registry.one("SELECT id FROM activities WHERE title = 'Soonest here'")["id"]
    out = tmp_path / "site"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    index = (out / "index.html").read_text("utf-8")
    assert index.index("Soonest here") < index.index("Soonest there")
    assert demo_env.run("activities", "reschedule", str(moved), "--start",
                        f"{today + dt.timedelta(days=14)} 09:00").exit_code == 0
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    fresh = tmp_path / "fresh"
    assert demo_env.run("site", "build", str(fresh)).exit_code == 0
    assert _pages(out) == _pages(fresh)
    index = (out / "index.html").read_text("utf-8")
    assert index.index("Soonest there") < index.index("Soonest here")


def test_a_change_its_network_page_does_not_show_keeps_that_page(demo_env, tmp_path):
    """A new description shows on the activity's page, not in its item on its network's page: that page is kept."""
    demo_env.register(peerlearn_plugins.site, name="site")
    out = tmp_path / "site"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    with demo_env.open() as registry:
        activity = registry.one("SELECT id, network FROM activities WHERE status != 'draft' ORDER BY id LIMIT 1")
    network_page = out / "networks" / f"{activity['network']}.html"
    kept, stamp = network_page.read_bytes(), network_page.stat().st_mtime_ns
    assert demo_env.run("activities", "edit", str(activity["id"]), "--description",
                        "A description of its own").exit_code == 0
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    assert network_page.read_bytes() == kept and network_page.stat().st_mtime_ns == stamp
    assert "A description of its own" in (out / "activities" / f"{activity['id']}.html").read_text("utf-8")
    fresh = tmp_path / "fresh"
    assert demo_env.run("site", "build", str(fresh)).exit_code == 0
    assert _pages(out) == _pages(fresh)


def test_a_network_page_edited_in_place_past_a_file_size_limit_is_kept_as_it_was(demo_env, tmp_path):
    """The in-place edit copies the page around the changed item (``Publication.splice``): where the new page
    cannot be written whole (every file limited to fewer bytes than it has), the build says so in one line
    naming the page, and every page, the network's included, keeps its old bytes."""
    from peerlearn import Activity
    from peerlearn.registry import activities

    # past meetings, so many that their network's page is the largest file rewritten, and larger than the
    # registry's own shared-memory file (32 KB), which the limit must leave room for
    with demo_env.open() as registry, registry.transaction():
        for number in range(300):
            start = dt.datetime(2020, 3, 1, 10, tzinfo=dt.timezone.utc) + dt.timedelta(days=number)
            activity = str(activities.add(registry, Activity(
                network="pes", kind="meeting", title=f"Past meeting {number}", start=start,
                end=start + dt.timedelta(hours=2))).id)
    out = tmp_path / "site"
    assert faults.run(demo_env.db, "site", "build", str(out)).returncode == 0
    assert demo_env.run("activities", "edit", activity, "--title", "Past meeting, renamed at length").exit_code == 0
    fresh = tmp_path / "fresh"
    assert faults.run(demo_env.db, "site", "build", str(fresh)).returncode == 0
    changed = {name: data for name, data in _pages(fresh).items() if _pages(out).get(name) != data}
    page = "networks/pes.html"
    assert page in changed and len(changed[page]) == max(len(data) for data in changed.values())
    before = _pages(out)
    limit = max([len(data) for name, data in changed.items() if name != page] + [1 << 15]) + 1
    assert limit <= len(changed[page]) - 1
    result = faults.run(demo_env.db, "site", "build", str(out), limit=limit)
    assert result.returncode == 1
    assert result.stderr == f"Error: cannot write {out / page}: File too large\n", result.stderr
    assert _pages(out) == before
    assert faults.leftovers(out) == []
    assert faults.run(demo_env.db, "site", "build", str(out)).returncode == 0  # with room again: the fresh bytes
    assert _pages(out) == _pages(fresh)
