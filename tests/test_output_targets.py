"""Where a command may write: never over the registry, a pipe, a link or a device, whatever option names it.

Every ``-o``, the file and the metadata of ``export public-db`` and the
folders of the builds are checked in one place
(:func:`peerlearn.atomic.places.check_destination`); the registry is the same file
however its path is spelt (another folder's ``..``, a hard link) and comes
with its ``-journal``, ``-wal`` and ``-shm`` files.
"""

import json
import os
import stat

import pytest

from refusals import refused


def first_activity(env):
    result = env.run("activities", "list", "--json")
    activity = json.loads(result.stdout)[0]
    return str(activity["id"]), activity["start"][:4]


def spellings(env):
    """The registry's file under other names: with a detour through its folder, a hard link, its -wal file."""
    link = env.db.parent / "same.db"
    os.link(env.db, link)
    return [str(env.db), f"{env.db.parent}/../{env.db.parent.name}/{env.db.name}", str(link), f"{env.db}-wal"]


@pytest.mark.parametrize("command", ["agenda", "log", "ics", "members", "changes", "report"])
def test_no_output_option_writes_over_the_registry(demo_env, command):
    activity, year = first_activity(demo_env)
    args = {
        "agenda": ["agenda", "export", activity],
        "log": ["log", "--network", "pes", "--format", "md"],
        "ics": ["export", "ics", "--network", "pes"],
        "members": ["members", "export"],
        "changes": ["changes", "--format", "csv"],
        "report": ["report", "--network", "pes", "--year", year, "--format", "md"],
    }[command]
    for target in spellings(demo_env):
        refused(demo_env, *args, "-o", target, expect="is the registry itself")
    from peerlearn import protected

    assert not protected.is_protected(demo_env.db, os.lstat(demo_env.db))  # (only while a command runs)


def test_public_db_writes_neither_file_over_the_registry(demo_env, tmp_path):
    for target in spellings(demo_env):
        refused(demo_env, "export", "public-db", str(tmp_path / "p.db"), "--metadata", target,
                expect="--metadata: cannot write")
        refused(demo_env, "export", "public-db", target, "--metadata", str(tmp_path / "m.json"),
                expect="is the registry itself")
    assert not (tmp_path / "p.db").exists() and not (tmp_path / "m.json").exists()


def test_public_db_refuses_pipes_and_links_and_writes_nothing(demo_env, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    os.mkfifo(tmp_path / "pipe")
    os.symlink(tmp_path / "elsewhere", tmp_path / "link")
    for bad, what in (("pipe", "named pipe"), ("link", "symbolic link")):
        bad = str(tmp_path / bad)
        refused(demo_env, "export", "public-db", bad, expect=f"FILE: cannot write {bad}: it is a {what}")
        refused(demo_env, "export", "public-db", str(tmp_path / "p.db"), "--metadata", bad,
                expect=f"--metadata: cannot write {bad}: it is a {what}")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "pipe").st_mode) and os.path.islink(tmp_path / "link")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["link", "pipe"]  # no p.db, no metadata.json


def test_public_db_and_its_default_metadata_are_written_together(demo_env, tmp_path):
    tmp_path = tmp_path / "out"
    tmp_path.mkdir()
    (tmp_path / "public.db").write_bytes(b"old")
    os.mkfifo(tmp_path / "metadata.json")
    refused(demo_env, "export", "public-db", str(tmp_path / "public.db"),
            expect=f"--metadata: cannot write {tmp_path / 'metadata.json'}: it is a named pipe")
    assert (tmp_path / "public.db").read_bytes() == b"old"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["metadata.json", "public.db"]


def test_public_db_refuses_a_device(demo_env, tmp_path):
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # (the null device's numbers, made here)
    except (PermissionError, AttributeError):
        pytest.skip("cannot make a device file here")
    refused(demo_env, "export", "public-db", str(device), expect="it is a device")
    assert stat.S_ISCHR(os.lstat(device).st_mode)
    assert not (tmp_path / "metadata.json").exists()


def test_public_db_refuses_no_file_name(demo_env):
    refused(demo_env, "export", "public-db", "", expect="FILE: '' is not a file name")
    refused(demo_env, "export", "public-db", "p.db", "--metadata", "", expect="--metadata: '' is not a file name")


@pytest.mark.parametrize("command", [["site", "build"], ["publish"]])
def test_a_build_into_the_registry_folder_leaves_the_registry_alone(env, tmp_path, command):
    env.load("esf_migration", "integration_network", "mutual_learning", "pes", "site", "demo")
    env.db = tmp_path / "site" / "index.html"  # a registry where the build writes its first page
    env.db.parent.mkdir()
    assert env.run("demo").exit_code == 0
    refused(env, *command, str(env.db.parent), expect="is the registry itself")


def test_plugin_new_refuses_a_name_too_long_for_a_file(env, tmp_path):
    refused(env, "plugin", "new", "a" * 300, "--dir", str(tmp_path), "--dry-run", expect="at most 100")
    refused(env, "plugin", "new", "nordic", "--dir", str(tmp_path / ("b" * 300)), "--dry-run",
            expect="--dir: cannot create")


@pytest.mark.parametrize("host", ["", "999.1.1.1"])
def test_serve_refuses_a_host_that_is_no_address(demo_env, host):
    from peerlearn.errors import ValidationError
    from peerlearn.feeds.server import make_server

    with pytest.raises(ValidationError, match="is not an address or host name") as raised:
        make_server(demo_env.db, host, 0)
    assert raised.value.field == "host"


def test_serve_refuses_an_empty_host_before_serving(demo_env):
    refused(demo_env, "serve", "--host", "", "--port", "0", expect="--host: '' is not an address")
