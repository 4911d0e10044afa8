"""Every writing command under injected faults: SIGKILL, a full disk, eight writers at once.

After each fault the registry passes ``PRAGMA integrity_check`` and holds
the row counts of before or of after, never a mix; every output file is its
old or its new complete version; and running the command again leaves no
temporary file. ``benchmarks/fault_injection.py`` runs 50 kills per command
and prints a table.
"""

from __future__ import annotations

import pytest

from fault_scenarios import Lab

SCENARIOS = ["members import", "demo", "demo --force", "agenda import", "feeds build", "site build",
             "demo --publish"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    return Lab(tmp_path_factory.mktemp("faults"))


@pytest.mark.parametrize("name", SCENARIOS)
def test_sigkill_at_any_moment_leaves_registry_and_outputs_whole(lab, name):
    for fraction in (0.15, 0.5, 0.85):
        trial = lab.kill_trial(name, fraction)
        assert trial.problems == [], (fraction, trial)


@pytest.mark.parametrize("limit", [40_000, 150_000, 600_000])
@pytest.mark.parametrize("name", SCENARIOS)
def test_full_disk_leaves_registry_and_outputs_whole_and_says_so_in_one_line(lab, name, limit):
    trial = lab.disk_full_trial(name, limit)
    assert trial.problems == [], trial


@pytest.mark.parametrize("name", SCENARIOS)
def test_eight_concurrent_writers_leave_registry_and_outputs_whole(lab, name):
    trials = lab.concurrent_trial(name, writers=8)
    assert trials[0].problems == [], [(trial.returncode, trial.stderr) for trial in trials]
    assert any(trial.returncode == 0 for trial in trials)
