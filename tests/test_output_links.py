"""A symbolic link inside an output folder is never written, or removed, through; a rebuild leaves no emptied folder.

Every build refuses a link as its output folder, as ``feeds/`` or as one of
its files; here the link is a subfolder (``networks/``, ``activities/``,
``logs/``, ``feeds/networks/``, a private folder's ``members/``) that points
outside: the command is refused with one line, and nothing outside is
written or deleted.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import peerlearn_plugins.site
import pytest

from peerlearn.errors import OutputError
from refusals import refused


@pytest.fixture
def site_demo(demo_env):
    demo_env.register(peerlearn_plugins.site, name="site")
    return demo_env


def linked(folder: Path, name: str, outside: Path) -> None:
    """``folder/name`` made a symbolic link to the folder ``outside`` (both created)."""
    outside.mkdir(parents=True, exist_ok=True)
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).symlink_to(outside, target_is_directory=True)


def published_activity(env) -> int:
    """The number of a confirmed activity of the demo (one with a page and a feed)."""
    activities = json.loads(env.run("activities", "list", "--json").stdout)
    return next(activity["id"] for activity in activities if activity["status"] == "confirmed")


@pytest.mark.parametrize("name", ["networks", "activities"])
def test_site_build_refuses_a_linked_subfolder_and_writes_nothing_outside(site_demo, tmp_path, name):
    site, outside = tmp_path / "site", tmp_path / "outside"
    linked(site, name, outside)
    line = refused(site_demo, "site", "build", str(site), expect=f"{site / name}/ is a symbolic link")
    assert line.startswith(f"Error: cannot write {site / name}/")
    assert list(outside.iterdir()) == []
    assert sorted(os.listdir(site)) == [name]


@pytest.mark.parametrize("name", ["networks", "logs", "feeds/networks"])
def test_publish_refuses_a_linked_subfolder_and_writes_nothing_outside(site_demo, tmp_path, name):
    folder, outside = tmp_path / "public", tmp_path / "outside"
    linked(folder, name, outside)
    refused(site_demo, "publish", str(folder), expect=f"{folder / name}/ is a symbolic link")
    assert list(outside.iterdir()) == []


def test_feeds_build_refuses_a_linked_members_folder_and_writes_no_member_feed_outside(demo_env, tmp_path):
    private, outside = tmp_path / "private", tmp_path / "outside"
    linked(private, "members", outside)
    refused(demo_env, "feeds", "build", str(tmp_path / "feeds"), "--private-dir", str(private),
            expect=f"{private / 'members'}/ is a symbolic link")
    assert list(outside.iterdir()) == []
    assert not (tmp_path / "feeds").exists()


@pytest.mark.parametrize("command, registry, suffix", [("site", "site_demo", ".html"), ("feeds", "demo_env", ".ics")])
def test_a_rebuild_removes_nothing_through_a_linked_folder(request, tmp_path, command, registry, suffix):
    """After a deletion, the rebuild would remove the activity's page or feed: not through a link."""
    env = request.getfixturevalue(registry)
    folder, outside = tmp_path / command, tmp_path / "outside"
    assert env.run(command, "build", str(folder)).exit_code == 0
    activity = published_activity(env)
    (folder / "activities").rename(outside)
    linked(folder, "activities", outside)
    assert env.run("activities", "delete", str(activity)).exit_code == 0
    before = files(outside)
    refused(env, command, "build", str(folder), expect=f"{folder / 'activities'}/ is a symbolic link")
    assert f"{activity}{suffix}" in before
    assert files(outside) == before


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``: its bytes by relative path."""
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_remove_file_refuses_a_path_through_a_linked_subfolder(tmp_path):
    from peerlearn.atomic.batches import batch, remove_file
    from peerlearn.atomic.preparing import prepare_folder

    root, outside = prepare_folder(tmp_path / "out"), tmp_path / "outside"
    linked(root, "sub", outside)
    (outside / "kept.txt").write_text("not ours")
    with pytest.raises(OutputError, match=r"cannot remove .*sub/ is a symbolic link"):
        remove_file(root / "sub" / "kept.txt")
    with pytest.raises(OutputError, match="sub/ is a symbolic link"), batch():
        remove_file(root / "sub" / "kept.txt")
    assert (outside / "kept.txt").read_text() == "not ours"


def test_a_rebuild_after_a_deletion_leaves_no_empty_folder_but_keeps_one_with_other_files(site_demo, tmp_path):
    folder, fresh = tmp_path / "public", tmp_path / "fresh"
    assert site_demo.run("publish", str(folder)).exit_code == 0
    activities = json.loads(site_demo.run("activities", "list", "--json").stdout)
    gone, other = [activity["id"] for activity in activities if activity["status"] == "confirmed"][:2]
    assert (folder / "activities" / str(gone)).is_dir() and (folder / "activities" / str(other)).is_dir()
    (folder / "activities" / str(other) / "notes.txt").write_text("not peerlearn's")
    for activity in (gone, other):
        assert site_demo.run("activities", "delete", str(activity)).exit_code == 0
    assert site_demo.run("publish", str(folder)).exit_code == 0
    assert site_demo.run("publish", str(fresh)).exit_code == 0

    def tree(root):
        return sorted(os.path.relpath(os.path.join(parent, name), root)
                      for parent, folders, files in os.walk(root) for name in folders + files
                      if not name.startswith("."))

    assert not (folder / "activities" / str(gone)).exists()
    assert os.listdir(folder / "activities" / str(other)) == ["notes.txt"]
    assert set(tree(folder)) - set(tree(fresh)) == {f"activities/{other}", f"activities/{other}/notes.txt"}
