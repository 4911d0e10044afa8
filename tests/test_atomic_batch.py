"""``peerlearn.atomic.batches.batch``: files written and removed inside it land together, or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

import faults
from peerlearn.atomic.batches import batch, remove_file
from peerlearn.atomic.files import AtomicFile, splice_atomic, write_atomic
from peerlearn.atomic.preparing import prepare_folder
from peerlearn.errors import OutputError


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


def test_a_spliced_file_has_its_ranges_replaced_and_the_rest_copied(tmp_path):
    page = tmp_path / "page.html"
    old = b"".join(b"<li>item %05d</li>\n" % number for number in range(100_000))  # 1.9 MB: allocated ahead
    page.write_bytes(old)
    first, last = old.index(b"item 00007"), old.index(b"item 99998")
    replacements = [(last, last + 10, b"item renamed at the end"), (first, first + 10, b"7")]
    assert splice_atomic(page, replacements)
    expected = old[:first] + b"7" + old[first + 10:last] + b"item renamed at the end" + old[last + 10:]
    assert page.read_bytes() == expected
    before = page.stat()
    assert not splice_atomic(page, [(first, first + 1, b"7")])  # what it holds already: kept as it is
    assert page.stat().st_mtime_ns == before.st_mtime_ns and page.stat().st_ino == before.st_ino


def test_a_splice_in_a_batch_that_fails_leaves_the_file_as_it_was(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(b"<p>old</p>\n")
    with pytest.raises(RuntimeError):
        with batch():
            assert splice_atomic(page, [(3, 6, b"new")])
            assert page.read_bytes() == b"<p>old</p>\n"  # not before the batch ends
            raise RuntimeError("a later step failed")
    assert page.read_bytes() == b"<p>old</p>\n"
    assert [path.name for path in tmp_path.iterdir()] == ["page.html"]


def test_a_splice_refuses_ranges_out_of_the_file_and_a_missing_file(tmp_path):
    page = tmp_path / "page.html"
    page.write_bytes(b"0123456789")
    for ranges in ([(2, 4, b"x"), (3, 5, b"y")], [(8, 12, b"x")], [(5, 4, b"x")]):
        with pytest.raises(ValueError):
            splice_atomic(page, ranges)
        assert page.read_bytes() == b"0123456789"
    with pytest.raises(OutputError, match="missing"):
        splice_atomic(tmp_path / "gone.html", [(0, 1, b"x")])
    assert [path.name for path in tmp_path.iterdir()] == ["page.html"]
