"""The feed, log and report queries use indexes whatever ``ANALYZE`` has recorded.

A generated registry (``benchmarks/registry_factory.py``) gets planner
statistics with ``ANALYZE``; every statement a feed, the activity log and the
yearly report run is captured as SQLite runs it and its ``EXPLAIN QUERY
PLAN`` read: no feed of one member or one activity reads the whole
``activities`` table, and no statement of the log or the report scans it once
per row of another (a correlated subquery).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from generated import registry_factory

from peerlearn.feeds import blocks, selection

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def analyzed(tmp_path_factory):
    registry = registry_factory().make(tmp_path_factory.mktemp("plans") / "registry.db", 2000, sessions_per=3, now=NOW)
    registry.db.execute("ANALYZE")
    yield registry
    registry.close()


def statements(registry, action) -> list[str]:
    """The queries ``action()`` runs, with their parameters written in (as SQLite expands them)."""
    seen: list[str] = []
    registry.db.conn.set_trace_callback(seen.append)
    try:
        action()
    finally:
        registry.db.conn.set_trace_callback(None)
    return [sql for sql in seen if sql.lstrip().upper().startswith(("SELECT", "WITH"))]


def plan(registry, sql: str) -> list[str]:
    return [row[3] for row in registry.db.execute(f"EXPLAIN QUERY PLAN {sql}")]


def scans_of_activities(lines: list[str]) -> list[str]:
    return [line for line in lines if re.match(r"SCAN (activities|a)\b", line)]


def test_the_planner_has_statistics(analyzed):
    assert analyzed.db.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'activities'").fetchone()[0] > 0


def _feed(registry, scope, key):
    def action():
        feed = selection.resolve(registry, selection.FeedQuery(scope, key), now=NOW)
        blocks.render(registry, feed, cache=blocks.BlockCache(registry))
    return action


@pytest.mark.parametrize("scope, key", [("member", "7"), ("member", "6"), ("activity", "6"), ("activity", "10")])
def test_one_member_or_activity_feed_never_scans_the_activities(analyzed, scope, key):
    _feed(analyzed, scope, key)()  # blocks cached: the plans of a warm feed, then of a cold one below
    for warm in (True, False):
        if not warm:
            analyzed.db.execute("DELETE FROM ical_blocks")
        found = statements(analyzed, _feed(analyzed, scope, key))
        assert any("activities" in sql for sql in found)
        for sql in found:
            lines = plan(analyzed, sql)
            assert not scans_of_activities(lines), (sql, lines)
            assert not any(re.match(r"SCAN (activity_peers|participations|sessions|roles)\b", line)
                           for line in lines), (sql, lines)


def test_the_member_feed_query_reads_each_way_by_its_index(analyzed):
    feed = selection.resolve(analyzed, selection.FeedQuery("member", "7"), now=NOW)
    lines = plan(analyzed, f"SELECT a.uid FROM activities a WHERE {feed.where}".replace("?", "7"))
    text = "\n".join(lines)
    assert "USING INTEGER PRIMARY KEY" in text  # activities reached by their number, not scanned
    assert "activity_peers_by_member" in text and "participations_by_member" in text \
        and "activities_by_host" in text, text


def test_a_network_feed_reads_its_network_only(analyzed):
    """(Serializing a quarter of a small registry's events at once may rightly read the table: warm only.)"""
    _feed(analyzed, "network", "pes")()
    for sql in statements(analyzed, _feed(analyzed, "network", "pes")):
        lines = plan(analyzed, sql)
        assert not [line for line in scans_of_activities(lines)], (sql, lines)


def test_the_log_and_the_report_never_scan_the_activities_per_row(analyzed):
    from peerlearn.reports import activity_log, yearly

    found = statements(analyzed, lambda: list(activity_log.rows(analyzed, "pes")))
    found += statements(analyzed, lambda: yearly.build(analyzed, "pes", NOW.year))
    assert found
    for sql in found:
        lines = plan(analyzed, sql)
        nested = [line for line in lines if "CORRELATED" in line]
        assert len(scans_of_activities(lines)) <= 1, (sql, lines)
        assert not (nested and scans_of_activities(lines)), (sql, lines)


def test_the_report_s_figures_read_the_year_s_range_of_one_index_and_write_nothing(analyzed):
    """Every figure of the report finds the year's activities as one range of the index on (network, local
    start, ...); those counted by what the index holds (kind, status, month, country) read no row at all, and
    nothing is written on the way (the report once copied the year to a temporary table)."""
    from peerlearn.reports import yearly

    seen: list[str] = []
    analyzed.db.conn.set_trace_callback(seen.append)
    try:
        report = yearly.build(analyzed, "pes", NOW.year)
    finally:
        analyzed.db.conn.set_trace_callback(None)
    assert report.totals["total"] > 0
    assert [sql for sql in seen if not sql.lstrip().upper().startswith("SELECT")] == []
    figures = [sql for sql in seen if " FROM activities y" in sql]
    assert len(figures) >= 3
    for sql in figures:
        text = "\n".join(plan(analyzed, sql))
        assert "SEARCH y USING COVERING INDEX activities_year_figures (network=? AND start_local>? AND start_local<?)" \
            in text, (sql, text)
        assert not re.search(r"SCAN (y|activities|participations|p)\b", text), (sql, text)


def test_the_report_s_lists_read_what_was_cancelled_and_the_year_s_index_only(analyzed):
    """The report's lists (outputs, good practices, cancellations), read as its page is written, find the
    year's activities in the index on (network, local start, ...), and the cancelled ones in the partial
    indexes: never the year's rows, never every session."""
    from peerlearn.reports import yearly

    def action():
        report = yearly.build(analyzed, "pes", NOW.year)
        for listed in (report.outputs, report.good_practices, report.cancellations):
            bool(listed)
            list(listed)

    found = [sql for sql in statements(analyzed, action) if " outputs o " in sql or " sessions s " in sql]
    assert len(found) >= 3
    for sql in found:
        lines = plan(analyzed, sql)
        text = "\n".join(lines)
        assert not [line for line in lines if re.fullmatch(r"SCAN (s|y|o)", line)], (sql, lines)
        assert "activities_by_network_start" not in text, (sql, lines)
        if " sessions s " in sql:
            assert "USING INDEX sessions_cancelled" in text and "USING INDEX activities_cancelled" in text, lines
        else:
            assert "INDEX activities_year_figures" in text, lines
