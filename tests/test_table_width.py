"""Plain-text tables fit $COLUMNS: the widest text columns are cut short with an ellipsis; --json is untouched."""

from __future__ import annotations

import json
import unicodedata

import pytest

from peerlearn.cli.tables import cut, fit_widths, text_width

LISTINGS = [
    ("activities", "list"),
    ("members", "list"),
    ("networks", "list"),
    ("changes",),
    ("participants", "list", "1"),
    ("roles", "list", "CONFERENCE"),
    ("sessions", "list", "CONFERENCE"),
    ("outputs", "list"),
    ("practices", "list"),
]


def _width(line: str) -> int:
    """Display width, counted independently of the code under test (East Asian wide = 2, marks = 0)."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def _args(args, demo_env):
    if "CONFERENCE" not in args:
        return args
    found = json.loads(demo_env.run("activities", "list", "--kind", "conference", "--json").stdout)
    return tuple(str(found[0]["id"]) if arg == "CONFERENCE" else arg for arg in args)


@pytest.mark.parametrize("args", LISTINGS, ids=" ".join)
def test_tables_fit_80_and_200_columns(demo_env, args):
    args = _args(args, demo_env)
    whole = demo_env.run(*args)
    assert whole.exit_code == 0, whole.output
    natural = max(_width(line) for line in whole.stdout.splitlines())
    for columns in (80, 200):
        result = demo_env.run(*args, env={"COLUMNS": str(columns)})
        assert result.exit_code == 0, result.output
        lines = result.stdout.splitlines()
        assert len(lines) == len(whole.stdout.splitlines())
        assert max(_width(line) for line in lines) <= columns, result.stdout
        if natural > columns:
            assert "…" in result.stdout
        else:
            assert result.stdout == whole.stdout


def test_truncated_cells_end_with_an_ellipsis_and_start_as_the_whole(demo_env):
    whole = demo_env.run("activities", "list").stdout.splitlines()
    cut_short = demo_env.run("activities", "list", env={"COLUMNS": "80"}).stdout.splitlines()
    titles = [row["title"] for row in json.loads(demo_env.run("activities", "list", "--json").stdout)]
    assert max(_width(line) for line in whole) > 80  # the demo's titles do not fit 80 columns
    shortened = [cell for line in cut_short[2:] for cell in line.split("  ") if "…" in cell]
    assert shortened and all(cell.strip().endswith("…") for cell in shortened)
    for title in titles:  # every title shows as itself or as its beginning and an ellipsis
        assert any(title in line or any(cell.strip()[:-1] and title.startswith(cell.strip()[:-1])
                                        for cell in line.split("  ") if cell.strip().endswith("…"))
                   for line in cut_short[2:])


def test_dates_and_numbers_stay_whole_when_text_columns_can_make_room(demo_env):
    rows = json.loads(demo_env.run("activities", "list", "--json").stdout)
    table = demo_env.run("activities", "list", env={"COLUMNS": "80"}).stdout.splitlines()
    for row, line in zip(rows, table[2:]):
        assert line.startswith(f"{row['id']}".ljust(len(table[1].split()[0])) + "  " + row["when"])


@pytest.mark.parametrize("args", [("activities", "list"), ("members", "list"), ("networks", "list"), ("changes",)])
def test_json_is_the_same_at_any_width(demo_env, args):
    plain = demo_env.run(*args, "--json").stdout
    assert plain == demo_env.run(*args, "--json", env={"COLUMNS": "40"}).stdout
    assert "…" not in plain or "…" in json.dumps(json.loads(plain), ensure_ascii=False)


def test_a_wide_table_without_columns_keeps_every_cell_in_a_pipe(demo_env):
    result = demo_env.run("activities", "list")
    assert "…" not in result.stdout


def test_wide_characters_count_twice():
    assert text_width("東京") == 4 and text_width("é") == 1 and text_width("e\u0301") == 1
    assert cut("東京都庁舎", 6) == "東京…" and _width(cut("東京都庁舎", 6)) <= 6
    assert cut("short", 10) == "short" and cut("exactly", 7) == "exactly" and cut("exactly!", 7) == "exactl…"


def test_the_widest_text_columns_give_way_first():
    widths = fit_widths({"id": 3, "title": 60, "where": 12, "kind": 30}, 60, shrink=["title", "where", "kind"])
    assert widths["id"] == 3 and widths["where"] == 12
    assert sum(widths.values()) + 2 * 3 <= 60 and widths["title"] == widths["kind"]
