"""``peerlearn.atomic.new_folder.NewFolder``: a folder filled whole appears with all its files at once, or not
at all."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

import faults
from peerlearn.atomic.batches import batch
from peerlearn.atomic.new_folder import NewFolder
from peerlearn.atomic.preparing import prepare_folder, remove_leftovers
from peerlearn.errors import OutputError


def test_the_folder_appears_only_when_it_is_full(tmp_path):
    target = tmp_path / "feeds"
    with NewFolder(target) as folder:
        for number in range(50):
            folder.write(f"{number}.ics", f"feed {number}\n".encode())
            assert not target.exists()  # a reader sees no folder, then the whole
    assert sorted(os.listdir(target)) == sorted(f"{number}.ics" for number in range(50))
    assert (target / "7.ics").read_bytes() == b"feed 7\n"
    assert oct((target / "7.ics").stat().st_mode & 0o777) == "0o644"
    assert faults.leftovers(tmp_path) == []


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_every_file_is_readable_by_all_whatever_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        with NewFolder(tmp_path / "feeds") as folder:
            for number in range(3):
                folder.write(f"{number}.ics", b"x")
    finally:
        os.umask(old)
    assert {oct(path.stat().st_mode & 0o777) for path in (tmp_path / "feeds").iterdir()} == {"0o644"}


def test_an_empty_folder_is_replaced_by_the_full_one(tmp_path):
    target = tmp_path / "feeds"
    target.mkdir()
    assert NewFolder.applies(target)
    with NewFolder(target) as folder:
        folder.write("a.ics", b"a")
    assert os.listdir(target) == ["a.ics"]


def test_a_folder_with_files_a_link_or_a_file_is_not_for_it(tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "old.ics").write_bytes(b"old")
    (tmp_path / "file").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    (tmp_path / "elsewhere").mkdir()
    assert NewFolder.applies(tmp_path / "missing")
    assert not NewFolder.applies(tmp_path / "full")
    assert not NewFolder.applies(tmp_path / "file")
    assert not NewFolder.applies(tmp_path / "link")


def test_an_error_leaves_nothing(tmp_path):
    target = tmp_path / "feeds"
    with pytest.raises(RuntimeError, match="half way"):
        with NewFolder(target) as folder:
            folder.write("a.ics", b"a")
            raise RuntimeError("half way")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_file_it_cannot_write_names_the_destination(tmp_path):
    with pytest.raises(OutputError, match=r"cannot write .*feeds/a\.ics"):
        with NewFolder(tmp_path / "feeds") as folder:
            folder.write("a.ics", b"a")
            folder.write("a.ics", b"again")  # (exists already)
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_met_by_the_writing_thread_stops_the_build_and_leaves_nothing(tmp_path, monkeypatch):
    """Files are written by a thread of their own: its error reaches the build, naming the file, at the build's
    next write or when the folder closes; the files after it are not written, and nothing is left."""
    import errno
    import threading

    real_write, threads = os.write, set()

    def write(handle, data):
        threads.add(threading.current_thread().name)
        if bytes(data).startswith(b"feed 40\n"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(handle, data)

    monkeypatch.setattr(os, "write", write)
    with pytest.raises(OutputError, match=r"cannot write .*feeds/40\.ics.*No space left"):
        with NewFolder(tmp_path / "feeds") as folder:
            for number in range(1000):
                folder.write(f"{number}.ics", f"feed {number}\n".encode())
    assert threading.main_thread().name not in threads  # (written by the other thread)
    assert list(tmp_path.iterdir()) == []
    assert [thread for thread in threading.enumerate() if thread.name.startswith("peerlearn writing")] == []


def test_an_error_in_the_build_stops_the_writing_thread_and_leaves_nothing(tmp_path):
    import threading

    with pytest.raises(RuntimeError, match="half way"):
        with NewFolder(tmp_path / "feeds") as folder:
            for number in range(500):
                folder.write(f"{number}.ics", b"x" * 4000)
            raise RuntimeError("half way")
    assert list(tmp_path.iterdir()) == []
    assert [thread for thread in threading.enumerate() if thread.name.startswith("peerlearn writing")] == []


def test_every_file_handed_over_is_written(tmp_path):
    with NewFolder(tmp_path / "feeds") as folder:
        for number in range(NewFolder.BATCH * 3 + 5):  # (whole batches, and a last one short)
            folder.write(f"{number}.ics", f"{number}".encode())
    names = sorted(path.name for path in (tmp_path / "feeds").iterdir())
    assert names == sorted(f"{number}.ics" for number in range(NewFolder.BATCH * 3 + 5))
    assert all((tmp_path / "feeds" / f"{n}.ics").read_text() == str(n) for n in range(NewFolder.BATCH * 3 + 5))


def test_in_a_batch_it_lands_with_the_batch_or_not_at_all(tmp_path):
    (tmp_path / "keep.txt").write_text("old\n")
    with batch():
        assert not NewFolder.applies(tmp_path / "feeds")  # (a build in a batch writes file by file)
        with NewFolder(tmp_path / "feeds") as folder:
            folder.write("a.ics", b"a")
        assert not (tmp_path / "feeds").exists()  # waits for the batch
        prepare_folder(tmp_path)  # clearing leftovers keeps what the batch waits to rename
    assert (tmp_path / "feeds" / "a.ics").read_bytes() == b"a"
    before = faults.tree(tmp_path)
    with pytest.raises(RuntimeError, match="later"):
        with batch():
            with NewFolder(tmp_path / "more") as folder:
                folder.write("b.ics", b"b")
            raise RuntimeError("later")
    assert faults.tree(tmp_path) == before
    assert faults.leftovers(tmp_path) == []


def test_a_killed_builds_folder_is_removed_and_a_living_ones_kept(tmp_path):
    script = textwrap.dedent(f"""
        import os, sys
        from pathlib import Path
        from peerlearn.atomic.new_folder import NewFolder
        folder = NewFolder(Path({str(tmp_path / 'feeds')!r})).__enter__()
        folder.write("a.ics", b"a")
        print(folder.temporary, flush=True)
        sys.stdin.readline()
        os._exit(9)  # killed: never renamed
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    temporary = process.stdout.readline().strip()
    assert os.path.isdir(temporary)
    assert remove_leftovers(tmp_path) == []  # its process holds the lock
    assert os.path.isdir(temporary)
    process.communicate("\n")
    assert [str(path) for path in remove_leftovers(tmp_path)] == [temporary]
    assert not os.path.exists(temporary)
    assert not (tmp_path / "feeds").exists()
