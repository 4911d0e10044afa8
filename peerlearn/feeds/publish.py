"""Static publication: every feed as a file, rewritten only when its content changed.

Public feeds and member feeds go to two folders, so that nothing under the
published folder names a member's secret URL::

    PUBLIC/networks/<slug>.ics      public
    PUBLIC/activities/<id>.ics      public (the activity and its sessions)
    PUBLIC/index.json, index.html   the public feeds (never a member's)
    PRIVATE/members/<token>.ics     private: the path is the member's secret token

The two folders must be apart (neither inside the other); without a private
folder, member feeds are not written at all (``peerlearn serve`` still
answers them).

Each file is written to a temporary file beside it and renamed over the old
one, so a folder never holds a half-written feed, even when a build is
interrupted. Each folder keeps a manifest (``.peerlearn-feeds.json``) of its
own feeds and what each was built from, so an unchanged feed is not even
serialized again, and a file whose new text equals the old is never rewritten
(web servers' ETag and Last-Modified stay stable). The private folder's
manifest names its files by a SHA-256 of their path, never by their token.
Feeds that no longer exist (a member's rotated token, a deleted activity) are
removed, and so are member feeds an earlier build left in the public folder.
A placeholder ``index.html`` in the private folder and in its ``members/``
stands in for a directory listing on web servers that would show one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from pathlib import Path
from typing import Callable

import attrs

from ..atomic.batches import remove_file
from ..atomic.files import AtomicFile, write_atomic
from ..atomic.new_folder import NewFolder
from ..atomic.places import check_folder
from ..atomic.preparing import prepare_folder, remove_leftovers
from ..errors import ValidationError
from ..registry.store import Registry
from ..registry.activities import published_sql
from ..timeutil import now_utc, to_utc_text
from . import blocks, listing, selection, tracking, vtimezone
from .layout import FOLDERS, check_base_url, feed_path, parse_feed_path

MANIFEST = ".peerlearn-feeds.json"
#: What the last build was made from (:class:`peerlearn.feeds.tracking.Stamp`) and how many feeds it left.
STAMP = ".peerlearn-feeds-stamp.json"
#: Present while a build writes into the folder: found at the start of the next, the last one was cut short.
BUILDING = ".peerlearn-feeds-building"
#: Raise when a build lays out its files differently for the same registry, so the next build is a whole one.
BUILD_FORMAT = "2"
PLACEHOLDER = (b"<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Private feeds</title>"
               b"<meta name=\"robots\" content=\"noindex\"></head>\n<body><p>Nothing to list here.</p></body></html>\n")


@attrs.frozen
class BuildReport:
    """What a build did, by path relative to its folder."""

    written: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: int
    #: feeds published (written or unchanged), public and private
    feeds: int
    #: member feeds published in the private folder
    private: int = 0
    #: member feeds not written, for want of a private folder
    left_out: int = 0
    #: one line per event left out of every feed because it cannot be written (e.g. a bad stored rule)
    warnings: tuple[str, ...] = ()
    #: whether every feed was built (no earlier build of the same shape to start from), else only the changed ones
    whole: bool = True


class _Folder:
    """One output folder: its manifest and stamp as they were, and as they become.

    The manifest lists the feeds the folder holds (public ones with their
    title, for the index). A rebuild that adds, removes or retitles a few
    feeds notes them (:meth:`put`, :meth:`drop`) and edits the manifest in
    place (:mod:`peerlearn.feeds.listing`), never reading it whole; a whole
    build, or one that must see the whole list, reads it (:attr:`new`).
    """

    def __init__(self, root: Path, *, hashed: bool) -> None:
        self.root = root
        self.hashed = hashed
        stamp = _read_json(root / STAMP)
        self.stamp = tracking.Stamp.from_dict(stamp.get("stamp")) if isinstance(stamp, dict) else None
        self.count = stamp.get("feeds") if isinstance(stamp, dict) and isinstance(stamp.get("feeds"), int) else 0
        self._old: dict[str, str] | None = None
        self._new: dict[str, str] | None = None
        #: feeds put in the list (with their title) or taken out of it (None) while it is not read
        self.changes: dict[str, str | None] = {}

    @property
    def old(self) -> dict[str, str]:
        if self._old is None:
            data = _read_json(self.root / MANIFEST)
            if isinstance(data, dict) and data.get("version") == listing.MANIFEST_VERSION:
                data = data.get("feeds")
            self._old = {str(key): str(value) for key, value in data.items()} if isinstance(data, dict) else {}
        return self._old

    @property
    def new(self) -> dict[str, str]:
        """The feeds this build leaves (a copy of the old list with the changes noted so far, once asked for)."""
        if self._new is None:
            self._new = dict(self.old)
            for path, title in self.changes.items():
                if title is None:
                    self._new.pop(path, None)
                else:
                    self._new[path] = title
            self.changes = {}
        return self._new

    def put(self, path: str, title: str) -> None:
        """List the feed ``path`` with ``title`` (or keep it listed, under that title)."""
        if self._new is not None:
            self._new[path] = title
        else:
            self.changes[path] = title

    def drop(self, path: str) -> None:
        """Take the feed ``path`` out of the list."""
        if self._new is not None:
            self._new.pop(path, None)
        else:
            self.changes[path] = None

    def begin(self) -> None:
        """Mark the folder as being built; where the mark of a build that never ended is found, remove the
        temporary files it left (walking a folder of 100,000 feeds on every build would cost more than a
        rebuild)."""
        mark = self.root / BUILDING
        if mark.exists():
            remove_leftovers(self.root)
        mark.touch()

    def end(self) -> None:
        (self.root / BUILDING).unlink(missing_ok=True)

    def start_afresh(self) -> None:
        """Forget the last build: its stamp first (a build cut short must not pass for it), then its list."""
        (self.root / STAMP).unlink(missing_ok=True)
        self.stamp = None
        self._new = {}

    @property
    def feeds(self) -> int:
        return len(self._new) if self._new is not None else self.count

    def key(self, path: str) -> str:
        return "sha256:" + hashlib.sha256(path.encode()).hexdigest() if self.hashed else path

    def stale(self) -> list[str]:
        """Feeds of the last build that this one did not keep, by path."""
        if self.hashed:
            found = (f"members/{file.name}" for file in sorted((self.root / "members").glob("*.ics")))
            return [path for path in found if self.key(path) in self.old and self.key(path) not in self.new]
        if self._new is None:  # (only the feeds taken out: the list was never read)
            return [path for path, title in sorted(self.changes.items()) if title is None and parse_feed_path(path)]
        # only feeds' paths: a damaged manifest never removes anything else
        return [path for path in sorted(self.old.keys() - self.new.keys()) if parse_feed_path(path)]

    def save(self, stamp: tracking.Stamp) -> None:
        """Write the list (where it moved), then the stamp: a stamp always describes the files beside it."""
        if self._new is None and self.changes:
            edited = listing.edit_file(self.root / MANIFEST, listing.MANIFEST, {
                path: None if title is None else listing.manifest_record(path, title)
                for path, title in self.changes.items()})
            if edited is not None:
                self.count += edited[1]
            else:  # (not a list it can edit): read, and written whole
                write_atomic(self.root / MANIFEST, listing.manifest_json(self.new))
        elif self._new is not None and (self._new != self._old or not (self.root / MANIFEST).exists()):
            write_atomic(self.root / MANIFEST, listing.manifest_json(self._new))
        write_atomic(self.root / STAMP, json.dumps({"stamp": stamp.as_dict(), "feeds": self.feeds}).encode())


def check_apart(public: Path, private: Path) -> None:
    """Refuse folders that overlap: member feeds inside the public folder would be published with it.

    The public folder inside the private one is refused too: its ``members/``
    could then be the public folder itself.
    """
    inner, outer = Path(private).resolve(), Path(public).resolve()
    if inner == outer or outer in inner.parents:
        raise ValidationError(f"the private folder {private} is inside the public folder {public}:"
                              " member feeds would be published; choose a folder outside it")
    if inner in outer.parents:
        raise ValidationError(f"the public folder {public} is inside the private folder {private};"
                              " choose two folders apart")


def build(registry: Registry, folder: str | Path, *, private_folder: str | Path | None = None, base_url: str = "",
          now: dt.datetime | None = None, progress: Callable[[int, int | None], None] | None = None,
          full: bool = False) -> BuildReport:
    """Write every network and activity feed and the index into ``folder``, member feeds into ``private_folder``.

    Without ``private_folder`` no member feed is written (``left_out`` counts
    them). When the folders hold an earlier build of the same shape (same
    plugins, VTIMEZONE data, ``base_url`` and folders), only the feeds that
    the changes recorded since reach are built again (see
    :mod:`peerlearn.feeds.tracking`); ``full`` builds every feed all the same.
    Either way a file is rewritten only where its bytes change.
    ``progress(done, total)``, where given, is called after each feed built
    (``total`` is None where a rebuild does not know it beforehand).

    The build reads the registry in one transaction, which also keeps the
    events it serialized (:class:`~peerlearn.feeds.blocks.BlockCache`); it
    is committed only when the build succeeds, so a build that fails leaves
    the registry as it was.
    """
    base = check_base_url(base_url, field="base_url") if base_url else ""
    if private_folder is not None:
        check_apart(Path(folder), Path(private_folder))
    # a feeds' folder that is a symbolic link is refused before any feed is written (each write checks again),
    # the private folder's first: a public folder missing is then not created for a build refused
    private = None
    if private_folder is not None:
        private = _Folder(prepare_folder(private_folder, leftovers=False, private=True), hashed=True)
        check_folder(private.root / FOLDERS["member"])
    public = _Folder(prepare_folder(folder, leftovers=False), hashed=False)
    for scope in ("network", "activity", "member"):
        check_folder(public.root / FOLDERS[scope])
    folders = [target for target in (public, private) if target is not None]
    for target in folders:
        target.begin()
    try:
        with registry.snapshot():
            return _build(registry, public, private, base, now, full, progress)
    finally:  # an exception leaves no temporary file behind (AtomicFile): only a killed build leaves the mark
        for target in folders:
            target.end()


def _build(registry: Registry, public: _Folder, private: _Folder | None, base: str, now: dt.datetime | None,
           full: bool, progress: Callable[[int, int | None], None] | None) -> BuildReport:
    folders = [target for target in (public, private) if target is not None]
    cache = blocks.BlockCache(registry, warn=lambda message: None)  # returned in the report instead
    now = now or now_utc()
    shape = hashlib.sha256(json.dumps([BUILD_FORMAT, cache.signature, vtimezone.data_version(), base,
                                       private is not None]).encode()).hexdigest()
    stamp = tracking.stamp(registry, shape, to_utc_text(now - selection.WINDOW_PAST))
    previous = public.stamp
    if full or previous is None or previous.shape != shape or previous.change > stamp.change \
            or any(target.stamp != previous for target in folders) or not previous.traces(registry):
        previous = None
    run = _Run(registry, cache, base, now, public, private, progress)
    found = tracking.affected(registry, previous.change, previous.window, stamp.window) if previous else None
    if found is None or found.everything:
        for target in folders:
            target.start_afresh()
            remove_leftovers(target.root)  # a whole build lists its folders anyway
        run.everything()
    else:
        run.some(found)
    if progress:
        progress(run.done, run.done)
    removed = run.remove_stale()
    whole = found is None or found.everything
    run.write_index(whole or not (public.root / "index.json").exists())
    if private:
        for placeholder in (private.root / "index.html", private.root / FOLDERS["member"] / "index.html"):
            write_atomic(placeholder, PLACEHOLDER)
    if previous is not None and not found and previous.change == stamp.change:
        # nothing changed and nothing left the window since: the old stamp still says all (and a rebuild
        # later looks from its window on), so the folder stays byte for byte as it was
        stamp = previous
    for target in folders:
        target.save(stamp)
    feeds = sum(target.feeds for target in folders)
    written_feeds = sum(1 for path in run.written if path.endswith(".ics"))
    return BuildReport(tuple(run.written), tuple(removed), feeds - written_feeds, feeds,
                       private=private.feeds if private else 0, left_out=run.left_out,
                       warnings=tuple(cache.warnings.values()), whole=whole)


class _Run:
    """The feeds one build writes."""

    def __init__(self, registry: Registry, cache: blocks.BlockCache, base: str, now: dt.datetime,
                 public: _Folder, private: _Folder | None,
                 progress: Callable[[int, int | None], None] | None = None) -> None:
        self.registry, self.cache, self.base, self.now = registry, cache, base, now
        self.public, self.private = public, private
        self.written: list[str] = []
        self.left_out = 0
        self.progress, self.done, self.total = progress, 0, None

    def url_of(self, scope: str, name: str) -> str:
        return f"{self.base}/{feed_path(scope, name)}" if self.base and scope != "member" else ""

    def write(self, target: _Folder, scope: str, key: str, name: str,
              feed: selection.Feed | None = None, known: blocks.Known | None = None,
              fresh: NewFolder | None = None) -> None:
        """Write one feed: into ``fresh``, where its folder is being filled whole, else through its own
        temporary file (left alone where its bytes do not change)."""
        path = feed_path(scope, name)
        if feed is None:
            feed = selection.resolve(self.registry, selection.FeedQuery(scope, key), now=self.now,
                                     known=self.cache.networks)
        if fresh is not None:
            text = blocks.render(self.registry, feed, url=self.url_of(scope, name), cache=self.cache, known=known)
            fresh.write(f"{name}.ics", text.encode("utf-8"))
            changed = True
        elif scope == "network":  # a network's feed may be large: streamed to its temporary file
            out_file = AtomicFile(target.root / path)
            with out_file as out:
                blocks.write(self.registry, feed, out, url=self.url_of(scope, name), cache=self.cache)
            changed = out_file.changed
        else:  # small (one activity, or one member's): compared with the old file before any temporary file
            text = blocks.render(self.registry, feed, url=self.url_of(scope, name), cache=self.cache, known=known)
            changed = write_atomic(target.root / path, text.encode("utf-8"))
        if changed:
            self.written.append(path)
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    def activity(self, activity_id: int, title: str) -> None:
        self.public.put(feed_path("activity", activity_id), title)
        self.write(self.public, "activity", str(activity_id), str(activity_id))

    def everything(self) -> None:
        """Every feed, put together in a few passes over the registry (:mod:`peerlearn.feeds.whole`)."""
        if self.progress:
            scopes = ("network", "activity", "member") if self.private is not None else ("network", "activity")
            self.total = sum(len(selection.subjects(self.registry, scope)) for scope in scopes)
        # a folder of activity or member feeds that is missing or empty is filled whole (NewFolder): each feed
        # written once, the folder renamed into place at the end
        fresh: dict[str, NewFolder | None] = {}
        with contextlib.ExitStack() as folders:
            from . import whole  # a whole build's reading, not a rebuild's

            for subject in whole.feeds(self.registry, self.cache.networks, now=self.now,
                                       preload=self.cache.memory is None):
                if subject.scope == "member":
                    if self.private is None:
                        continue
                    target = self.private
                    target.new[target.key(feed_path("member", subject.name))] = ""
                else:
                    target = self.public
                    target.new[feed_path(subject.scope, subject.name)] = subject.title
                if subject.scope not in fresh:
                    folder = target.root / FOLDERS[subject.scope]
                    fresh[subject.scope] = (folders.enter_context(NewFolder(folder))
                                            if subject.scope != "network" and NewFolder.applies(folder) else None)
                if subject.scope == "network":  # written with its spans, so that a change later splices it
                    self.spliced_network(subject.name, None, subject.feed)
                else:
                    self.write(target, subject.scope, "", subject.name, subject.feed, subject.known,
                               fresh[subject.scope])
        self._count_left_out()

    def some(self, found: tracking.Affected) -> None:
        """Only the feeds that ``found`` reaches; the lists of feeds move where feeds came or went."""
        known = set(selection.subjects(self.registry, "network"))
        for slug in sorted(found.networks & known):  # (the list of networks moves only in a whole build)
            self.spliced_network(slug, found.activities)
        published = dict(self.registry.select_in(
            f"SELECT id, title FROM activities WHERE id IN ({{ids}}) AND {published_sql()}", sorted(found.activities)))
        for activity_id in sorted(found.activities):
            path = feed_path("activity", activity_id)
            if activity_id not in published:  # deleted (a draft never reached a feed)
                if found.index:
                    self.public.drop(path)
            elif found.index:  # the list of feeds, and the index, may move: noted, and edited in place
                self.activity(activity_id, published[activity_id])
            else:  # neither a title nor the list moved: the manifest stays as it is, unread
                self.write(self.public, "activity", str(activity_id), str(activity_id))
        if self.private is not None:
            if found.member_set:
                tokens = dict(self.registry.conn.execute("SELECT id, feed_token FROM members").fetchall())
                self.private.new.clear()
                self.private.new.update({self.private.key(feed_path("member", token)): "" for token in tokens.values()})
            else:
                tokens = dict(self.registry.select_in("SELECT id, feed_token FROM members WHERE id IN ({ids})",
                                                      sorted(found.members)))
            for member_id in sorted(found.members):
                if member_id in tokens:  # the list of member feeds moved only with member_set (above)
                    self.write(self.private, "member", str(member_id), tokens[member_id])
        self._count_left_out()

    def spliced_network(self, slug: str, changed: set[int] | None, feed: selection.Feed | None = None) -> None:
        """A network's feed, its unchanged events copied from its old file (:mod:`peerlearn.feeds.splice`);
        with ``changed`` None (a whole build), written whole with the spans a later change splices by."""
        from . import splice

        path = feed_path("network", slug)
        if feed is None:
            feed = selection.resolve(self.registry, selection.FeedQuery("network", slug), now=self.now,
                                     known=self.cache.networks)
        changed = splice.write(self.registry, feed, self.public.root / path, splice.spans_path(self.public.root, slug),
                               url=self.url_of("network", slug), cache=self.cache, changed=changed)
        if changed is None:
            self.write(self.public, "network", slug, slug, feed)
            return
        if changed:
            self.written.append(path)
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total)

    def _count_left_out(self) -> None:
        if self.private is None:
            self.left_out = self.registry.conn.execute("SELECT count(*) FROM members").fetchone()[0]

    def remove_stale(self) -> list[str]:
        """Remove the feeds of the last build that this one did not keep (only where the lists moved)."""
        removed = []
        for target in filter(None, (self.public, self.private)):
            if target._new is None and not target.changes:
                continue
            for path in target.stale():
                file = target.root / path
                if file.exists():
                    remove_file(file)  # inside a publication's batch, when it commits
                    removed.append(path)
        if self.public._new is not None:
            _remove_if_empty(self.public.root / FOLDERS["member"])  # left by a build that put member feeds in public
        return removed

    def index(self) -> list[dict]:
        """The public feeds, networks by slug then activities by number, as the index lists them."""
        found = [(parse_feed_path(path), path, title) for path, title in self.public.new.items()]
        return [self.index_entry(scope, name, path, title) for (scope, name), path, title in sorted(
            ((parsed, path, title) for parsed, path, title in found if parsed and parsed[0] != "member"),
            key=lambda item: listing.index_order(item[1]))]

    def index_entry(self, scope: str, name: str, path: str, title: str) -> dict:
        return listing.index_entry(scope, title, path, self.url_of(scope, name))

    def write_index(self, whole: bool) -> None:
        """The index (``index.json``, ``index.html``), where the list of public feeds moved: edited in place
        where a few feeds came, went or were retitled, else written whole (an unchanged rebuild never reads
        the manifest)."""
        public = self.public
        in_place = not whole and public._new is None
        if not whole and (not public.changes if in_place else public.new == public.old):
            return
        entries = {}
        for path, title in public.changes.items() if in_place else ():
            parsed = parse_feed_path(path)
            if parsed and parsed[0] != "member":
                entry = None if title is None else self.index_entry(*parsed, path, title)
                entries[listing.index_order(path)] = entry
        index = None
        for name, layout, record, write_whole in (
                ("index.json", listing.INDEX_JSON, listing.index_json_record, listing.index_json),
                ("index.html", listing.INDEX_HTML, listing.index_html_record, listing.index_html)):
            if in_place:
                edited = listing.edit_file(public.root / name, layout, {
                    key: None if entry is None else record(entry) for key, entry in entries.items()})
                if edited is not None:
                    if edited[0]:
                        self.written.append(name)
                    continue  # (else not a list it can edit: written whole)
            index = self.index() if index is None else index
            if write_atomic(public.root / name, write_whole(index)):
                self.written.append(name)


def _feed_count(registry: Registry) -> int:
    """How many feeds a build goes through (for progress): one per network, published activity and member."""
    return sum(len(selection.subjects(registry, scope)) for scope in ("network", "activity", "member"))


def _remove_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:  # missing, or holds files that are not ours
        pass


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return None
