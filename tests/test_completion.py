"""Shell completion through click's real protocol: network slugs, activity kinds and activities from the registry.

Each test runs ``peerlearn`` in a child process as the shell's completion
script does (``_PEERLEARN_COMPLETE=bash_complete`` with ``COMP_WORDS`` and
``COMP_CWORD``), and checks the answer against the registry read with
``sqlite3``, never with peerlearn.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

import faults

ROOT = Path(__file__).resolve().parents[1]


def complete(words: str, *, shell: str = "bash", db: Path | None = None, cwd: Path | None = None) -> list[str]:
    """What ``peerlearn`` offers for the last word of ``words`` (a trailing space: a new, empty word)."""
    parts = words.split(" ")
    environment = faults.child_environment(_PEERLEARN_COMPLETE=f"{shell}_complete", COMP_WORDS=words,
                                           COMP_CWORD=str(len(parts) - 1) if shell != "fish" else parts[-1])
    if db is not None:
        environment["PEERLEARN_DB"] = str(db)
    result = subprocess.run([sys.executable, "-m", "peerlearn"], env=environment, capture_output=True, text=True,
                            timeout=60, cwd=cwd)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    return result.stdout.splitlines()


def _values(lines: list[str]) -> list[str]:
    """The values of bash's answer (``type,value`` lines)."""
    return [line.split(",", 1)[1] for line in lines if line.startswith("plain,")]


def _query(db: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        return connection.execute(sql, params).fetchall()


def _state(db: Path) -> tuple:
    files = sorted(path.name for path in db.parent.iterdir())
    return hashlib.sha256(db.read_bytes()).hexdigest(), files


def test_network_slugs_complete_for_network_options_and_arguments(demo_env):
    slugs = sorted(row[0] for row in _query(demo_env.db, "SELECT slug FROM networks"))
    assert len(slugs) >= 4
    assert sorted(_values(complete("peerlearn activities list --network ", db=demo_env.db))) == slugs
    assert _values(complete("peerlearn log --network m", db=demo_env.db)) == [s for s in slugs if s.startswith("m")]
    assert sorted(_values(complete("peerlearn members join 12 ", db=demo_env.db))) == slugs
    assert sorted(_values(complete("peerlearn networks show ", db=demo_env.db))) == slugs


def test_the_network_name_is_the_help_where_the_shell_shows_it(demo_env):
    lines = complete("peerlearn changes --network ", shell="zsh", db=demo_env.db)
    pairs = dict(zip(lines[1::3], lines[2::3]))  # zsh: type, value, help
    names = dict(_query(demo_env.db, "SELECT slug, name FROM networks"))
    assert pairs == names


def test_activity_kinds_complete(demo_env):
    kinds = _values(complete("peerlearn activities list --kind ", db=demo_env.db))
    used = {row[0] for row in _query(demo_env.db, "SELECT DISTINCT kind FROM activities")}
    assert used <= set(kinds) and {"workshop", "peer_review"} <= set(kinds)
    assert _values(complete("peerlearn export ics --kind pe", db=demo_env.db)) == sorted(
        kind for kind in kinds if kind.startswith("pe"))


def test_activities_complete_with_their_title_as_help(demo_env):
    rows = _query(demo_env.db, "SELECT id, title FROM activities ORDER BY start_utc, id")
    lines = complete("peerlearn agenda show ", shell="zsh", db=demo_env.db)
    offered = list(zip(lines[1::3], lines[2::3]))
    assert [number for number, _ in offered] == [str(number) for number, _ in rows]
    for (number, title), (_, help_text) in zip(rows, offered):
        assert help_text.endswith(f" {title}")
    one = str(rows[0][0])
    assert one in _values(complete(f"peerlearn activities show {one}", db=demo_env.db))
    pes = [str(row[0]) for row in _query(demo_env.db, "SELECT id FROM activities WHERE network = 'pes'"
                                         " ORDER BY start_utc, id")]
    assert _values(complete("peerlearn changes --network pes --activity ", db=demo_env.db)) == pes


def test_the_db_option_names_the_registry_read(demo_env, tmp_path):
    other = tmp_path / "elsewhere"
    other.mkdir()
    lines = complete(f"peerlearn --db {demo_env.db} activities list --network ", db=other / "none.db")
    assert "pes" in _values(lines)


def test_completion_writes_nothing(demo_env):
    before = _state(demo_env.db)
    for words in ("peerlearn activities list --network ", "peerlearn agenda show ", "peerlearn log --kind "):
        complete(words, db=demo_env.db)
    assert _state(demo_env.db) == before


@pytest.mark.parametrize("words", ["peerlearn activities list --network ", "peerlearn agenda show "])
def test_without_a_registry_completion_offers_nothing_and_creates_nothing(tmp_path, words):
    missing = tmp_path / "none.db"
    assert _values(complete(words, db=missing, cwd=tmp_path)) == []
    assert list(tmp_path.iterdir()) == []


def test_without_a_registry_kinds_still_come_from_the_plugins(tmp_path):
    kinds = _values(complete("peerlearn activities add --kind ", db=tmp_path / "none.db", cwd=tmp_path))
    assert {"workshop", "peer_review"} <= set(kinds)
    assert list(tmp_path.iterdir()) == []


def test_an_unreadable_registry_offers_nothing(tmp_path):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all" * 100)
    assert _values(complete("peerlearn agenda show ", db=broken)) == []
    assert broken.read_bytes() == b"not a database at all" * 100


def test_the_readme_documents_completion_for_three_shells():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for shell in ("bash", "zsh", "fish"):
        assert f"_PEERLEARN_COMPLETE={shell}_source" in readme
