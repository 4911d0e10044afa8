"""A file of ordered items rewritten from its old bytes after a few items changed (peerlearn.itemfile).

Random files of items (each its activity, start and bytes, in the order of
start then activity) and random changes (items taken out, changed, added,
some of the new ones without bytes): the pieces give the file written
afresh from the items as they now are, and the columns describe it.
"""

from __future__ import annotations

import array
import random

import pytest

from peerlearn import itemfile


def _file(head: bytes, items: list[tuple[int, int, bytes]], tail: bytes) -> bytes:
    return head + b"".join(data for _id, _start, data in sorted(items, key=lambda item: (item[1], item[0]))) + tail


@pytest.mark.parametrize("seed", range(30))
def test_pieces_of_the_old_file_and_new_items_make_the_new_file(seed):
    rng = random.Random(seed)
    head, tail = b"HEAD" * rng.randrange(0, 3), b"TAIL" * rng.randrange(0, 3)
    ids = rng.sample(range(1, 500), rng.randrange(1, 60))
    old = [(number, rng.randrange(0, 30), f"<{number}:{'x' * rng.randrange(0, 9)}>".encode()) for number in ids]
    old.sort(key=lambda item: (item[1], item[0]))
    data = _file(head, old, tail)
    columns = [array.array("q", [item[0] for item in old]), [item[1] for item in old],
               array.array("q", [len(item[2]) for item in old])]
    old_sizes = array.array("q", columns[2])

    changed = set(rng.sample(ids, rng.randrange(0, min(len(ids), 6) + 1)))  # changed or gone
    changed |= set(rng.sample(range(500, 600), rng.randrange(0, 4)))  # new
    now = [(number, rng.randrange(0, 30), f"[{number}!{'y' * rng.randrange(0, 9)}]".encode())
           for number in sorted(changed) if rng.random() < 0.7]  # (the others are gone)
    writable = [item if rng.random() < 0.85 else (*item[:2], None) for item in now]  # some cannot be written

    removed = itemfile.remove_at(columns, (list(columns[0]).index(number) for number in changed
                                           if number in columns[0]))
    items = sorted(((number, start, len(block or b"")) for number, start, block in writable),
                   key=lambda item: (item[1], item[0]))
    blocks = {number: block for number, _start, block in writable}
    inserted, items = itemfile.insert_in_order(columns, items)
    assert inserted == sorted(inserted) and len(set(inserted)) == len(inserted)
    kept = itemfile.Stretches(old_sizes, len(head), removed)
    pieces, left_out = itemfile.interleaved(kept, inserted, [blocks[number] for number, _start, _size in items])
    pieces = [(0, len(head)), *pieces, (kept.end, len(tail))]
    for place in reversed(left_out):
        for column in columns:
            del column[place]

    written = b"".join(data[piece[0]:piece[0] + piece[1]] if isinstance(piece, tuple) else piece
                       for piece in pieces)
    expected = [item for item in old if item[0] not in changed] + \
               [item for item in writable if item[2] is not None]
    assert written == _file(head, expected, tail)
    expected.sort(key=lambda item: (item[1], item[0]))
    assert list(columns[0]) == [item[0] for item in expected]
    assert list(columns[1]) == [item[1] for item in expected]
    assert list(columns[2]) == [len(item[2]) for item in expected]
    assert kept.end == len(data) - len(tail)
    copied = sum(piece[1] for piece in pieces if isinstance(piece, tuple))
    assert copied == len(head) + len(tail) + sum(len(item[2]) for item in old if item[0] not in changed)
    # stretches of items that follow each other are one range, cut only where an item left or came
    assert sum(isinstance(piece, tuple) for piece in pieces) <= 2 + len(removed) + len(inserted) + 1


@pytest.mark.parametrize("seed", range(5))
def test_a_start_is_sortable_in_the_order_of_its_text(seed):
    rng = random.Random(seed)
    starts = [f"{rng.randrange(1990, 2100):04d}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T"
              f"{rng.randrange(24):02d}:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z" for _ in range(500)]
    assert sorted(starts) == sorted(starts, key=itemfile.sortable)
    assert itemfile.sortable("2027-05-11T07:30:00Z") == 20270511073000
    for odd in ("2027-05-11 07:30:00Z", "2027-05-11T07:30:00+00:00", "2027-05-11T07:30Z", ""):
        assert itemfile.sortable(odd) is None
