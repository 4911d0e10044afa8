"""A file of items in order between a head and a tail, rewritten after a few of its items changed.

A network's feed (its events) and a network's activity log (its rows) are
such files: tens of thousands of items at 100,000 activities, kept in the
order of their start and then their activity, where a change moves a few.
Beside each, a build keeps *columns*: one sequence per property of the
items, in the file's order, the first two always the activity (``ids``)
and the start (:func:`sortable`, or a text that sorts as the start does), and one
the item's length in bytes. A rebuild takes out the items that changed
(:func:`remove_at`), puts their new versions in their places
(:func:`insert_in_order`), and writes the new file from the ranges of the
old one between those places (:class:`Stretches`) and the new items'
bytes (:func:`interleaved`).

Every step costs in proportion to the change: the columns are machine
arrays or lists that move in C, and the stretches between the changed
places are summed, never walked item by item.
"""

from __future__ import annotations

import bisect
import re
from typing import Any, Iterable, MutableSequence, Sequence

#: A start as the registry stores it (UTC, to the second), which :func:`sortable` turns into a number.
_START = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_START_DIGITS = str.maketrans("", "", "-T:Z")


def sortable(start: str) -> int | None:
    """A stored start (``2027-05-11T07:30:00Z``) as a number in the same order (``20270511073000``), for a
    column of starts.

    None for a start stored otherwise (a row written around peerlearn): a
    file holding one is written whole, its order left to SQLite.
    """
    return int(start.translate(_START_DIGITS)) if _START.fullmatch(start) else None


def remove_at(columns: Sequence[MutableSequence], places: Iterable[int]) -> list[int]:
    """Take the items at ``places`` out of every column; return the places, in order."""
    found = sorted(set(places))
    for place in reversed(found):
        for column in columns:
            del column[place]
    return found


def places_of(ids: Sequence[int], numbers: Iterable[int]) -> list[int]:
    """Where each of ``numbers`` that is in ``ids`` is (one look each; a number not there has no place)."""
    found = []
    for number in numbers:
        try:
            found.append(ids.index(number))
        except ValueError:
            pass
    return found


def insert_in_order(columns: Sequence[MutableSequence], items: Iterable[Sequence[Any]]) -> tuple[list[int], list]:
    """Put each of ``items`` (a value per column: its activity, start, …; values past the columns are the
    caller's) where its start, then its activity, place it; return where each went, and the items, both in
    that order.

    Taken in that order, each lands after the one before, so no later one
    moves an earlier one's place.
    """
    ids, starts = columns[0], columns[1]
    places = []
    ordered = sorted(items, key=lambda item: (item[1], item[0]))
    for item in ordered:
        number, start = item[0], item[1]
        at = bisect.bisect_left(starts, start)
        while at < len(starts) and starts[at] == start and ids[at] < number:
            at += 1
        for column, value in zip(columns, item):
            column.insert(at, value)
        places.append(at)
    return places, ordered


class Stretches:
    """The old items that stay, as ranges of the old file, taken in order: the stretches between the places
    of the items that left (``removed``), each cut where a new item comes in."""

    def __init__(self, sizes: Sequence[int], start: int, removed: list[int]) -> None:
        self.sizes, self.removed = sizes, removed
        self.place = 0  # the next old item
        self.offset = start  # where it starts in the old file
        self.taken = 0  # old items kept so far
        self.skipped = 0  # of ``removed``
        #: how many old items stay
        self.kept = len(sizes) - len(removed)

    def until(self, count: int) -> list[tuple[int, int]]:
        """The ranges of the kept items after those taken before, up to ``count`` kept items in all."""
        found = []
        sizes, removed = self.sizes, self.removed
        while self.taken < count:
            while self.skipped < len(removed) and removed[self.skipped] == self.place:
                self.offset += sizes[self.place]
                self.place += 1
                self.skipped += 1
            stop = removed[self.skipped] if self.skipped < len(removed) else len(sizes)
            take = min(stop - self.place, count - self.taken)
            size = sum(sizes[self.place:self.place + take])
            found.append((self.offset, size))
            self.offset += size
            self.place += take
            self.taken += take
        return found

    @property
    def end(self) -> int:
        """Where the old items end in the old file (its tail begins), once every kept one is taken."""
        return self.offset + sum(self.sizes[self.place:])


def interleaved(kept: Stretches, inserted: list[int], blocks: list[bytes | None]) -> tuple[list, list[int]]:
    """The new items in order, as pieces: ranges of the old file (``kept``) and each new item's bytes
    (``blocks[n]`` at ``inserted[n]``); and the places of the new items that have no bytes (None), which
    are left out of the file (and are to be taken out of the columns)."""
    found: list[Any] = []
    left_out = []
    for number, at in enumerate(inserted):
        found += kept.until(at - number)  # (the old items before it in the new file)
        if blocks[number] is None:
            left_out.append(at)
            continue
        found.append(blocks[number])
    found += kept.until(kept.kept)
    return found, left_out
