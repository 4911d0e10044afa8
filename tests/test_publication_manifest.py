"""A published folder's manifest (``.peerlearn-publish.db``): what each part wrote, kept or renewed, all or nothing.

The manifest is read back with Python's own sqlite3 and the folder with
plain ``os`` calls, not with the publication that wrote them.
"""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from peerlearn import open_publication
from peerlearn.errors import OutputError

MANIFEST = ".peerlearn-publish.db"


def manifest(folder) -> dict[str, str]:
    """The files the manifest names, with the part that wrote each."""
    with sqlite3.connect(folder / MANIFEST) as db:
        return dict(db.execute("SELECT path, part FROM files"))


def files(folder) -> dict[str, bytes]:
    found = {}
    for parent, _folders, names in os.walk(folder):
        for name in names:
            path = os.path.join(parent, name)
            found[os.path.relpath(path, folder)] = open(path, "rb").read()
    return found


def publish(folder, writes: dict[str, bytes], *, part: str = "pages", rest: list[str] | None = None,
            state: dict | None = None) -> dict:
    with open_publication(folder) as publication:
        for name, data in writes.items():
            publication.write(part, name, data)
        kept = publication.keep_rest(part, renewed=rest) if rest is not None else None
        if state is not None:
            publication.set_state(part, state)
    return {"counts": publication.summary()[part], "kept": kept}


def test_a_part_that_keeps_the_rest_removes_only_what_it_renewed_and_did_not_write(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "robots.txt").write_bytes(b"not ours")
    publish(out, {"a/1.html": b"1", "a/1/x.xml": b"x", "a/10.html": b"10", "b.html": b"b", "c.html": b"c"})
    done = publish(out, {"a/1.html": b"one"}, rest=["a/1.html", "a/1/", "c.html"])
    # a/1/x.xml and c.html were renewed and not written: removed; a/10.html is not under a/1/: kept
    assert done["kept"] == 2 and done["counts"] == {"written": 1, "unchanged": 2, "removed": 2}
    assert files(out).keys() == {"robots.txt", "a/1.html", "a/10.html", "b.html", MANIFEST}
    assert manifest(out) == {"a/1.html": "pages", "a/10.html": "pages", "b.html": "pages"}
    # a part that writes without keeping the rest: what it does not write goes
    publish(out, {"b.html": b"b"})
    assert files(out).keys() == {"robots.txt", "b.html", MANIFEST}
    assert manifest(out) == {"b.html": "pages"}


def test_a_publication_that_changes_nothing_leaves_the_manifest_byte_for_byte(tmp_path):
    out = tmp_path / "out"
    publish(out, {"a.html": b"a", "b.html": b"b"}, state={"change": 3})
    before, stamp = (out / MANIFEST).read_bytes(), (out / MANIFEST).stat().st_mtime_ns
    publish(out, {}, rest=[], state={"change": 3})
    with open_publication(out) as publication:
        assert publication.keep_many("pages", ["a.html", "b.html"]) == []
        publication.set_state("pages", {"change": 3})
    assert (out / MANIFEST).read_bytes() == before and (out / MANIFEST).stat().st_mtime_ns == stamp


def test_an_error_leaves_the_files_and_the_manifest_as_they_were(tmp_path):
    out = tmp_path / "out"
    publish(out, {"a.html": b"a", "b/c.html": b"c"}, state={"change": 1})
    before = files(out)
    with pytest.raises(RuntimeError):
        with open_publication(out) as publication:
            publication.write("pages", "a.html", b"changed")
            publication.write("pages", "new/deep/d.html", b"d")
            publication.keep_rest("pages", renewed=["b/"])
            publication.set_state("pages", {"change": 2})
            publication.finish()  # the removals noted, and the manifest changed, before the error
            raise RuntimeError("a plugin failed")
    assert files(out) == before and not (out / "new").exists()
    with open_publication(out) as publication:
        assert publication.state("pages") == {"change": 1}
        assert publication.previous("pages") == ["a.html", "b/c.html"]


def test_two_parts_cannot_publish_the_same_file(tmp_path):
    out = tmp_path / "out"
    publish(out, {"a.html": b"a"})
    with pytest.raises(OutputError, match="published by 'pages' and 'other'"):
        with open_publication(out) as publication:
            publication.keep_many("pages", ["a.html"])
            publication.write("other", "a.html", b"mine")
    with pytest.raises(OutputError, match="published by 'pages' and 'other'"):
        with open_publication(out) as publication:
            publication.write("pages", "b.html", b"b")
            publication.write("other", "b.html", b"mine")
    assert manifest(out) == {"a.html": "pages"}
    # a file that changes hands between two publications is the new part's
    publish(out, {"a.html": b"theirs"}, part="other")
    assert manifest(out) == {"a.html": "other"}


def test_missing_looks_at_files_only_where_a_watched_folder_was_touched(tmp_path):
    out = tmp_path / "out"
    with open_publication(out) as publication:
        for name in ("top.html", "a/1.html", "a/2.html"):
            publication.write("pages", name, b"x")
        publication.watch("pages", ["a"])
    (out / "top.html").unlink()  # the top folder is not watched: not looked at
    with open_publication(out) as publication:
        assert publication.missing("pages") == []
        assert publication.missing("pages", ["top.html", "a/1.html"]) == ["top.html"]
    (out / "a" / "2.html").unlink()
    with open_publication(out) as publication:
        assert publication.missing("pages") == ["a/2.html", "top.html"]


def test_the_json_manifest_of_earlier_versions_is_carried_over_once(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("old.html", "kept.html", "robots.txt"):
        (out / name).write_bytes(name.encode())
    (out / ".peerlearn-publish.json").write_text(json.dumps({
        "version": 1, "files": {"old.html": "pages", "kept.html": "pages"},
        "state": {"pages": {"change": 7}}}))
    with open_publication(out) as publication:
        assert publication.state("pages") == {"change": 7}
        assert publication.previous("pages") == ["kept.html", "old.html"]
        publication.write("pages", "kept.html", b"kept.html")
    # the file the old manifest named and this publication did not write is removed; others' files stay
    assert files(out).keys() == {"kept.html", "robots.txt", MANIFEST}
    assert manifest(out) == {"kept.html": "pages"}


@pytest.mark.parametrize("damage", [b"not a database at all", b""])
def test_a_damaged_manifest_is_replaced_and_everything_written_again(tmp_path, damage):
    out = tmp_path / "out"
    publish(out, {"a.html": b"a"}, state={"change": 1})
    (out / MANIFEST).write_bytes(damage)
    (out / "robots.txt").write_bytes(b"not ours")
    with open_publication(out) as publication:
        assert publication.state("pages") == {} and publication.previous("pages") == []
        publication.write("pages", "b.html", b"b")
    assert manifest(out) == {"b.html": "pages"}
    assert (out / "robots.txt").exists() and (out / "a.html").exists()  # unknown to the manifest now: left alone


def test_a_manifest_that_is_a_link_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (tmp_path / "elsewhere.db").write_bytes(b"")
    (out / MANIFEST).symlink_to(tmp_path / "elsewhere.db")
    with pytest.raises(OutputError, match="not a regular file"):
        with open_publication(out):
            pass
    assert (tmp_path / "elsewhere.db").read_bytes() == b""
