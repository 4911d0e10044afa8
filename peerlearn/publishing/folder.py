"""A published folder: what each part of a publication wrote there, and writing only what changed.

A folder that ``peerlearn publish`` (or ``peerlearn site build``) writes
into keeps a manifest, ``.peerlearn-publish.json``: every file a part of the
publication (``site``, ``logs``, a plugin's own) wrote, by path, and each
part's state (what it needs to know next time to do only what changed, e.g.
the last change it saw). Files the manifest does not name are never touched:
a publication shares its folder with other files. A file a part wrote before
and does not write (or :meth:`Publication.keep`) this time is removed.

Every write compares bytes first and goes through :mod:`peerlearn.atomic`,
so an unchanged file keeps its mtime (and web servers their ETag).
:func:`open_publication` runs a publication in one ``atomic.batch()``:
nothing lands until the whole of it has succeeded. While it runs, a marker
file (``.peerlearn-publishing``, locked) says so: a second publication into
the same folder is refused, and one that finds the marker of a killed
publication clears its temporary files. Only then (or the first time) is the
whole folder walked for leftovers, so a publication that changes little
costs little however many files the folder holds.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
from pathlib import Path, PurePosixPath
from typing import Any, Iterator

import attrs

from ..atomic import AtomicFile, batch, prepare_folder, remove_file, remove_leftovers, write_atomic
from ..errors import OutputError, ValidationError

MANIFEST = ".peerlearn-publish.json"
#: Present (and locked) while a publication writes into the folder.
MARKER = ".peerlearn-publishing"
#: The manifest's own format; another number is read as no manifest (everything is written again).
MANIFEST_VERSION = 1


@attrs.define
class Counts:
    """What one part of a publication did: files written, left unchanged, removed."""

    written: int = 0
    unchanged: int = 0
    removed: int = 0

    def as_dict(self) -> dict[str, int]:
        return attrs.asdict(self)


class Publication:
    """A folder being published into: handed to ``peerlearn_publish`` implementations.

    Attributes say what is published (``base_url``, ``networks``, ``now``,
    ``today``, ``feeds``: where the calendar feeds are, relative to the
    folder); methods write files into it by path relative to the folder,
    each for a ``part`` (a short name: ``site``, ``logs``, your plugin's), so
    that a later publication removes what a part no longer writes.
    """

    def __init__(self, root: Path, *, base_url: str = "", networks: tuple[str, ...] = (),
                 now: dt.datetime | None = None, today: dt.date | None = None, feeds: str = "feeds") -> None:
        self.root = Path(root)
        #: the public address of the folder (``https://events.example.org``), or "" where not known
        self.base_url = base_url
        #: the networks to publish (empty: every network)
        self.networks = tuple(networks)
        #: the moment taken as now (what is upcoming), aware
        self.now = now or dt.datetime.now(dt.timezone.utc)
        #: the date taken as today (the year of the yearly reports)
        self.today = today or self.now.date()
        #: the folder of the calendar feeds, relative to ``root``
        self.feeds = feeds
        old = _read_manifest(self.root)
        self._old_files: dict[str, str] = old.get("files", {})
        self._old_state: dict[str, Any] = old.get("state", {})
        self._files: dict[str, str] = {}
        self._state: dict[str, Any] = {}
        self._parts: set[str] = set()
        self.counts: dict[str, Counts] = {}

    # -- what the last publication left ------------------------------------

    def previous(self, part: str) -> list[str]:
        """The files ``part`` wrote (or kept) last time, by path, sorted."""
        return sorted(path for path, owner in self._old_files.items() if owner == part)

    def state(self, part: str) -> dict:
        """What ``part`` kept for itself last time (see :meth:`set_state`); ``{}`` the first time."""
        found = self._old_state.get(part)
        return dict(found) if isinstance(found, dict) else {}

    def set_state(self, part: str, state: dict) -> None:
        """Keep ``state`` (JSON data) for ``part``'s next publication into this folder."""
        self._claim_part(part)
        self._state[part] = json.loads(json.dumps(state))

    # -- writing -----------------------------------------------------------

    def path(self, name: str) -> Path:
        """The file ``name`` (relative, with ``/``) under the folder; refuses a name that leaves it or is hidden."""
        parts = PurePosixPath(name).parts
        if (not parts or PurePosixPath(name).is_absolute() or any(p in ("", ".", "..") for p in parts)
                or any(p.startswith(".") for p in parts) or "\\" in name):
            raise ValidationError(f"{name!r} is not a file name inside the published folder")
        return self.root.joinpath(*parts)

    def write(self, part: str, name: str, data: bytes) -> bool:
        """Write ``data`` to ``name`` for ``part`` unless it already holds those bytes; True where written."""
        target = self.path(name)
        self._claim(part, name)
        changed = write_atomic(target, data)
        self._count(part, changed)
        return changed

    @contextlib.contextmanager
    def open(self, part: str, name: str) -> Iterator[Any]:
        """A text stream (UTF-8, newlines as written) into ``name`` for ``part``, kept only where its bytes changed."""
        target = self.path(name)
        self._claim(part, name)
        out_file = AtomicFile(target)
        with out_file as out:
            yield out
        self._count(part, out_file.changed)

    def keep(self, part: str, name: str) -> None:
        """Keep ``name`` as the last publication left it, without writing it (``part`` knows it has not changed).

        A file that has gone missing since is not kept: the part must write it.
        """
        target = self.path(name)
        if target.is_symlink() or not target.is_file():
            raise OutputError(f"{target} was published before but is missing or not a file; publish it again")
        self._claim(part, name)
        self.counts.setdefault(part, Counts()).unchanged += 1

    def keep_many(self, part: str, names: list[str]) -> list[str]:
        """Keep each of ``names`` as :meth:`keep` does, cheaply (one ``stat`` each); return those gone missing.

        For a part that keeps thousands of files between two builds.
        """
        self._claim_part(part)
        root = os.fspath(self.root) + os.sep
        files, missing, kept = self._files, [], 0
        for name in names:
            try:
                regular = stat.S_ISREG(os.lstat(root + name).st_mode)
            except OSError:
                regular = False
            if not regular:  # gone, or made a link or a pipe since: written again (and refused if not a file)
                missing.append(name)
                continue
            owner = files.get(name)
            if owner is not None and owner != part:
                raise OutputError(f"{name} is published by {owner!r} and {part!r}: one of them must choose another"
                                  " name")
            files[name] = part
            kept += 1
        self.counts[part].unchanged += kept
        return missing

    def note(self, part: str, counts: Counts) -> None:
        """Add what ``part`` did by its own means (e.g. the feeds, which keep their own manifest)."""
        total = self.counts.setdefault(part, Counts())
        total.written += counts.written
        total.unchanged += counts.unchanged
        total.removed += counts.removed

    # -- finishing ---------------------------------------------------------

    def finish(self) -> None:
        """Remove what the parts that ran wrote last time and not this time; save the manifest."""
        for name, owner in sorted(self._old_files.items()):
            if owner in self._parts and name not in self._files:
                try:
                    target = self.path(name)
                except ValidationError:
                    continue  # a damaged manifest never removes anything outside the folder
                if target.is_file():
                    remove_file(target)
                    self.counts.setdefault(owner, Counts()).removed += 1
        files = {name: owner for name, owner in self._old_files.items() if owner not in self._parts}
        files.update(self._files)
        state = {part: value for part, value in self._old_state.items() if part not in self._parts}
        state.update(self._state)
        manifest = {"version": MANIFEST_VERSION, "files": dict(sorted(files.items())), "state": state}
        write_atomic(self.root / MANIFEST, (json.dumps(manifest, indent=0, sort_keys=True) + "\n").encode())

    def summary(self) -> dict[str, dict[str, int]]:
        """Files written, unchanged and removed, by part."""
        return {part: counts.as_dict() for part, counts in sorted(self.counts.items())}

    def _claim_part(self, part: str) -> None:
        if not part or not part.replace("-", "").replace("_", "").isalnum():
            raise ValidationError(f"{part!r} is not a part's name (letters, digits, - and _)")
        self._parts.add(part)
        self.counts.setdefault(part, Counts())

    def _claim(self, part: str, name: str) -> None:
        self._claim_part(part)
        if self.feeds and (name == self.feeds or name.startswith(f"{self.feeds}/")):
            raise OutputError(f"{name}: the folder {self.feeds}/ holds the calendar feeds, which are built apart;"
                              f" {part!r} must publish elsewhere")
        owner = self._files.get(name)
        if owner is not None and owner != part:
            raise OutputError(f"{name} is published by {owner!r} and {part!r}: one of them must choose another name")
        self._files[name] = part

    def _count(self, part: str, changed: bool) -> None:
        counts = self.counts.setdefault(part, Counts())
        if changed:
            counts.written += 1
        else:
            counts.unchanged += 1


def _read_manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (FileNotFoundError, NotADirectoryError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        return {}
    files = data.get("files")
    if not isinstance(files, dict) or not all(isinstance(v, str) for v in files.values()):
        return {}
    return data


@contextlib.contextmanager
def open_publication(folder: str | Path, *, parents: bool = False, also: tuple[str | Path, ...] = (),
                     **options: Any) -> Iterator[Publication]:
    """A :class:`Publication` into ``folder`` (created if missing; its parent too with ``parents``), all or nothing.

    ``options`` are the publication's (``base_url``, ``networks``, ``now``,
    ``today``, ``feeds``). ``also`` names other folders the publication
    writes into (a private folder), held and cleared the same way. When the
    block ends well, every file written lands and the manifest is saved;
    on an exception nothing lands, and a folder the publication created is
    removed again.
    """
    with contextlib.ExitStack() as stack:
        root = stack.enter_context(_held(Path(folder), parents=parents))
        for other in also:
            stack.enter_context(_held(Path(other), parents=parents))
        with batch():
            publication = Publication(root, **options)
            yield publication
            publication.finish()


@contextlib.contextmanager
def _held(folder: Path, *, parents: bool) -> Iterator[Path]:
    """``folder`` ready and marked as being published into, for the length of the block."""
    import fcntl

    existed = folder.is_dir()
    prepare_folder(folder, parents=parents, leftovers=False)
    marker = folder / MARKER
    killed = marker.exists()
    while True:
        try:
            handle = os.open(marker, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        except OSError as error:
            _remove_if_new(folder, existed)
            raise OutputError(f"cannot publish into {folder}: {error.strerror or error}") from None
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            raise OutputError(f"another publication into {folder} is under way; try again when it has"
                              " finished") from None
        try:
            if os.stat(marker).st_ino == os.fstat(handle).st_ino:
                break
        except FileNotFoundError:
            pass
        os.close(handle)  # the marker of a publication that has just finished: take a new one
    try:
        if killed or not (folder / MANIFEST).exists():
            remove_leftovers(folder)  # what a killed publication (or an older build) left
        try:
            yield folder
        except BaseException:
            marker.unlink(missing_ok=True)
            _remove_if_new(folder, existed)
            raise
        marker.unlink(missing_ok=True)
    finally:
        os.close(handle)


def _remove_if_new(folder: Path, existed: bool) -> None:
    if not existed:
        try:
            folder.rmdir()
        except OSError:  # not empty: another program's files
            pass
