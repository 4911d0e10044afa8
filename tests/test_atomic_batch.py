"""``peerlearn.atomic.batch``: files written and removed inside it land together, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

import faults
from peerlearn.atomic import AtomicFile, batch, prepare_folder, remove_file, write_atomic


def _fill(root: Path) -> None:
    (root / "keep.txt").write_text("old\n")
    (root / "gone.txt").write_text("to remove\n")


def test_a_batch_lands_everything_when_it_ends_well(tmp_path):
    _fill(tmp_path)
    with batch():
        assert write_atomic(tmp_path / "keep.txt", b"new\n")
        assert (tmp_path / "keep.txt").read_text() == "old\n"  # not before the batch ends
        with AtomicFile(tmp_path / "deep" / "er" / "page.html") as out:
            out.write("<p>page</p>\n")
        remove_file(tmp_path / "gone.txt")
        assert (tmp_path / "gone.txt").exists()
        prepare_folder(tmp_path)  # another build step clearing leftovers keeps what the batch waits to rename
    assert (tmp_path / "keep.txt").read_text() == "new\n"
    assert (tmp_path / "deep" / "er" / "page.html").read_text() == "<p>page</p>\n"
    assert not (tmp_path / "gone.txt").exists()
    assert faults.leftovers(tmp_path) == []


def test_a_batch_that_fails_leaves_the_folder_as_it_was(tmp_path):
    _fill(tmp_path)
    before = faults.tree(tmp_path)
    with pytest.raises(RuntimeError, match="half way"):
        with batch():
            write_atomic(tmp_path / "keep.txt", b"new\n")
            write_atomic(tmp_path / "new" / "folder" / "file.txt", b"new\n")
            remove_file(tmp_path / "gone.txt")
            raise RuntimeError("half way")
    assert faults.tree(tmp_path) == before
    assert not (tmp_path / "new").exists()
    assert faults.leftovers(tmp_path) == []


def test_a_file_written_twice_in_a_batch_keeps_the_last_bytes(tmp_path):
    _fill(tmp_path)
    with batch():
        write_atomic(tmp_path / "keep.txt", b"first\n")
        write_atomic(tmp_path / "keep.txt", b"old\n")  # back to what the file holds: nothing waits any more
        write_atomic(tmp_path / "other.txt", b"one\n")
        write_atomic(tmp_path / "other.txt", b"two\n")
    assert (tmp_path / "keep.txt").read_text() == "old\n"
    assert (tmp_path / "other.txt").read_text() == "two\n"
    assert faults.leftovers(tmp_path) == []


def test_batches_do_not_nest(tmp_path):
    with batch():
        with pytest.raises(RuntimeError, match="nest"):
            with batch():
                pass
