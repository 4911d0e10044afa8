"""Every writing command as a scenario to break: its state before, its state after, and what may be seen between.

A :class:`Lab` prepares, once, the registries, inputs and earlier outputs
that each scenario starts from, and runs each scenario once without a fault
to learn its "after" state. :meth:`Lab.trial` then starts the command afresh
under a fault (SIGKILL after a delay, a file-size limit, eight copies at
once) and :meth:`Lab.verify` says what, if anything, is wrong afterwards:

- the registry passes ``PRAGMA integrity_check`` and its row counts are all
  those before or all those after;
- every output file holds its old bytes or its new ones (for outputs built
  from a fresh demo, whose UIDs differ at each run: its old bytes or a
  complete file of its kind);
- a build run again cleanly leaves no temporary file behind.

Used by ``tests/test_fault_injection.py`` (a few faults per command) and
``benchmarks/fault_injection.py`` (50 kills per command, a table).
"""

from __future__ import annotations

import csv
import html.parser
import json
import os
import re
import shutil
import signal
import subprocess
import time
import xml.etree.ElementTree
from dataclasses import dataclass
from pathlib import Path

import faults
import feedcheck
import yaml

#: What a killed command leaves, never an output: temporary and staging files (and the files of a temporary
#: folder, ``atomic.new_folder.NewFolder``), and the marker of a publication under way
#: (``.peerlearn-publishing``), which has the next publication clear the folder and then goes.
LEFTOVER = re.compile(r"(^|/)(\.[^/]+\.[a-z0-9_]{8}\.(tmp|building)(-wal|-shm|-journal)?(/|$)|\.peerlearn-publishing$)")


@dataclass
class Scenario:
    name: str
    args: tuple[str, ...]
    registry: str | None  # the prepared registry copied in as registry.db (None: no file yet)
    outputs: tuple[str, ...] = ()  # output folders (relative), with the earlier tree copied in from old/
    exact: bool = True  # outputs are the same bytes at every clean run
    again: tuple[str, ...] | None = None  # how a secretariat recovers: run this (a build, a demo) again


@dataclass
class Trial:
    returncode: int
    killed: bool
    stderr: str
    problems: list[str]
    #: killed while at work: it had the registry, a staging file or an output open then (not still starting)
    at_work: bool = False


class Lab:
    """Prepared starting points for every scenario, in ``root``."""

    def __init__(self, root: Path, members: int = 1500, days: int = 4) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._prepare(members, days)
        self.scenarios = {scenario.name: scenario for scenario in self._scenarios()}
        self.before: dict[str, dict] = {}
        self.after: dict[str, dict] = {}
        self.duration: dict[str, float] = {}
        #: seconds from start until the command first had a file of its workspace open (it is at work)
        self.opened: dict[str, float] = {}
        for scenario in self.scenarios.values():
            self._reference(scenario)

    # -- preparing --------------------------------------------------------

    def _run(self, db: Path, *args: str, cwd: Path | None = None) -> None:
        result = faults.run(db, *args, cwd=cwd)
        assert result.returncode == 0, (args, result.stderr)

    def _prepare(self, members: int, days: int) -> None:
        root = self.root
        first, second = root / "first.db", root / "second.db"
        self._run(first, "demo")
        shutil.copy(first, second)
        with open(root / "extra.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["name", "country", "network", "category"])
            writer.writerows([f"Extra public employment service {i}", "BE", "pes", "public employment service"]
                             for i in range(200))
        self._run(second, "members", "import", str(root / "extra.csv"))
        self._run(second, "activities", "edit", "1", "--title", "Renamed before the fault")
        added = faults.run(second, "activities", "add", "--network", "mutual_learning", "--kind", "conference",
                           "--title", "Conference under faults", "--start", "2031-03-03", "--end", "2031-03-07",
                           "--json")
        self.conference = str(json.loads(added.stdout)["id"])
        (root / "old").mkdir()
        self._write_programme(days)
        added = faults.run(second, "activities", "add", "--network", "mutual_learning", "--kind", "conference",
                           "--title", "Conference with a long programme", "--start", "2031-05-05",
                           "--end", "2031-05-09", "--json")
        self._run(second, "agenda", "import", str(json.loads(added.stdout)["id"]), str(root / "programme.yaml"))
        # sessions get their calendar version (and its time) when first built: from now on builds are the same
        self._run(second, "feeds", "build", str(root / "scratch"))
        for name in ("feeds", "site"):
            self._run(first, name, "build", str(root / "old" / name))
        self._run(root / "published.db", "demo", "--publish", str(root / "old" / "publish"))
        with open(root / "members.csv", "w", newline="", encoding="utf-8") as out:
            writer = csv.writer(out)
            writer.writerow(["name", "country", "network", "category"])
            writer.writerows([f"Imported member {i}", "DE", "mutual_learning", "ministry"] for i in range(members))

    def _write_programme(self, days: int) -> None:
        """The demo conference's programme, once on each of ``days`` days."""
        programme = Path(__file__).parents[1] / "plugins" / "peerlearn_plugins" / "demo" / "mlc-programme.yaml"
        seed = yaml.safe_load(programme.read_text("utf-8"))
        sessions = [{**session, "id": f"{session['id']}-{day}", "day": day}
                    for day in range(1, days + 1) for session in seed["sessions"]]
        (self.root / "programme.yaml").write_text(yaml.safe_dump({"tracks": seed["tracks"], "sessions": sessions},
                                                                 allow_unicode=True), encoding="utf-8")

    def _scenarios(self) -> list[Scenario]:
        feeds, site = ("feeds", "build", "feeds"), ("site", "build", "site")
        publish = ("demo", "--force", "--publish", "publish")
        return [
            Scenario("members import", ("members", "import", "members.csv"), "second.db"),
            Scenario("demo", ("demo",), None, again=("demo", "--force")),
            Scenario("demo --force", ("demo", "--force"), "second.db", again=("demo", "--force")),
            Scenario("agenda import", ("agenda", "import", self.conference, "programme.yaml"), "second.db"),
            Scenario("feeds build", feeds, "second.db", outputs=("feeds",), again=feeds),
            Scenario("site build", site, "second.db", outputs=("site",), again=site),
            Scenario("demo --publish", publish, "second.db", outputs=("publish",), exact=False, again=publish),
        ]

    def workspace(self, scenario: Scenario, name: str) -> Path:
        """A fresh folder holding the scenario's starting point."""
        work = self.root / "runs" / name
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        if scenario.registry:
            shutil.copy(self.root / scenario.registry, work / "registry.db")
        for name in ("members.csv", "programme.yaml"):
            shutil.copy(self.root / name, work / name)
        for output in scenario.outputs:
            shutil.copytree(self.root / "old" / output, work / output)
        return work

    def state(self, scenario: Scenario, work: Path) -> dict:
        return {"registry": faults.registry_state(work / "registry.db"),
                "outputs": {output: outputs(work / output) for output in scenario.outputs}}

    def _reference(self, scenario: Scenario) -> None:
        work = self.workspace(scenario, f"reference-{scenario.name}")
        self.before[scenario.name] = self.state(scenario, work)
        started = time.monotonic()
        child = self.start(scenario, work)
        while child.poll() is None and scenario.name not in self.opened:
            if has_open(child.pid, work):
                self.opened[scenario.name] = time.monotonic() - started
            time.sleep(0.01)
        _, stderr = child.communicate(timeout=300)
        self.duration[scenario.name] = time.monotonic() - started
        self.opened.setdefault(scenario.name, 0.0)
        assert child.returncode == 0, (scenario.name, stderr)
        self.after[scenario.name] = after = self.state(scenario, work)
        assert after["registry"] != self.before[scenario.name]["registry"] or scenario.outputs, scenario.name
        shutil.rmtree(work)

    # -- faults -----------------------------------------------------------

    def start(self, scenario: Scenario, work: Path, *, limit: int | None = None) -> subprocess.Popen:
        return subprocess.Popen(faults.command(work / "registry.db", *scenario.args), cwd=work,
                                env=faults.child_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True, preexec_fn=faults.file_size_limit(limit) if limit else None)

    def kill_trial(self, name: str, fraction: float) -> Trial:
        """Run scenario ``name`` and SIGKILL it ``fraction`` of the way through its work.

        The work starts when the command first has a file of its workspace
        open (before that it is only starting up) and lasts as long as it did
        in the clean run; a fraction past 1 may come after the end.
        """
        scenario = self.scenarios[name]
        work = self.workspace(scenario, "kill")
        child = self.start(scenario, work)
        deadline = time.monotonic() + 10 * self.duration[name]
        while child.poll() is None and not has_open(child.pid, work) and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep((self.duration[name] - self.opened[name]) * fraction)
        killed = child.poll() is None
        at_work = killed and has_open(child.pid, work)
        if killed:
            child.send_signal(signal.SIGKILL)
        _, stderr = child.communicate(timeout=120)
        killed = killed and child.returncode == -signal.SIGKILL
        return Trial(child.returncode, killed, stderr, self.verify(scenario, work, recover=True),
                     at_work=at_work and killed)

    def disk_full_trial(self, name: str, limit: int) -> Trial:
        """Run scenario ``name`` with every file limited to ``limit`` bytes (writes past it fail with EFBIG)."""
        scenario = self.scenarios[name]
        work = self.workspace(scenario, "full")
        child = self.start(scenario, work, limit=limit)
        _, stderr = child.communicate(timeout=300)
        problems = self.verify(scenario, work, recover=True)
        if child.returncode != 0 and not re.fullmatch(r"Error: [^\n]+\n", stderr):
            problems.append(f"exit {child.returncode} without a one-line error: {stderr[-500:]!r}")
        return Trial(child.returncode, False, stderr, problems)

    def concurrent_trial(self, name: str, writers: int = 8) -> list[Trial]:
        """Run ``writers`` copies of scenario ``name`` at once on the same registry and folders."""
        scenario = self.scenarios[name]
        work = self.workspace(scenario, "concurrent")
        children = [self.start(scenario, work) for _ in range(writers)]
        results = [(child, child.communicate(timeout=600)[1]) for child in children]
        problems = self.verify(scenario, work, recover=False, several=True)
        for child, stderr in results:
            if child.returncode != 0 and not re.fullmatch(r"Error: [^\n]+\n", stderr):
                problems.append(f"exit {child.returncode} without a one-line error: {stderr[-500:]!r}")
        succeeded = sum(child.returncode == 0 for child, _ in results)
        if succeeded == 0:
            problems.append("no writer succeeded")
        return [Trial(child.returncode, False, stderr, problems) for child, stderr in results]

    # -- checking ---------------------------------------------------------

    def verify(self, scenario: Scenario, work: Path, *, recover: bool, several: bool = False) -> list[str]:
        """What is wrong in ``work`` after a fault (an empty list where nothing is).

        ``several``: the fault was several writers at once, each of which
        may have recorded its own changes (the change log is not compared).
        ``recover``: then run the scenario's recovery command cleanly and
        check that it leaves no temporary or staging file and, for a build,
        the clean run's outputs.
        """
        before, after = self.before[scenario.name], self.after[scenario.name]
        problems = []
        registry = faults.registry_state(work / "registry.db")
        if registry is not None and registry["integrity"] != "ok":
            problems.append(f"registry damaged: {registry['integrity']}")
        elif _comparable(registry, several) not in (_comparable(before["registry"], several),
                                                    _comparable(after["registry"], several)):
            problems.append(f"registry neither before nor after: {registry} not in {before['registry']},"
                            f" {after['registry']}")
        for output in scenario.outputs:
            problems += self._check_outputs(scenario, output, outputs(work / output), before, after)
        if several:
            problems += [f"temporary files left: {left}" for left in [leftovers(work)] if left]
        if recover and scenario.again:
            result = faults.run(work / "registry.db", *scenario.again, cwd=work)
            if result.returncode != 0:
                problems.append(f"running it again failed: {result.stderr.strip()}")
            problems += [f"running it again left temporary files: {left}" for left in [leftovers(work)] if left]
            for output in scenario.outputs:
                if scenario.exact and outputs(work / output) != after["outputs"][output]:
                    problems.append(f"running it again did not give the clean run's {output}")
        return problems

    def _check_outputs(self, scenario, output, now, before, after) -> list[str]:
        old, new = before["outputs"][output], after["outputs"][output]
        problems = []
        for path in sorted(now.keys() | old.keys() | new.keys()):
            data = now.get(path)
            if data == old.get(path) or data == new.get(path):
                continue
            if not scenario.exact and (data is None or complete(path, data)):
                continue
            what = "missing" if data is None else f"{len(data)} bytes, neither old nor new"
            problems.append(f"{output}/{path}: {what}")
        return problems


#: Files of a build that say when it ran (the feeds build's stamp holds its window's start): whole, never compared.
MOMENT_FILES = re.compile(r"(^|/)\.peerlearn-feeds-stamp\.json$")
#: The mark a feeds build keeps while it writes (a killed build leaves it; the next one clears up and removes it).
BUILDING_MARK = re.compile(r"(^|/)\.peerlearn-feeds-building$")


#: A publication's manifest (SQLite) and its rollback journal: compared by what they say, not byte for byte.
PUBLICATION_MANIFEST = re.compile(r"(^|/)\.peerlearn-publish\.db$")
MANIFEST_JOURNAL = re.compile(r"(^|/)\.peerlearn-publish\.db-journal$")


def outputs(folder: Path) -> dict[str, bytes]:
    """The output files under ``folder`` (temporary files left by a killed build, its mark, and moments, aside)."""
    found = {}
    for path, data in faults.tree(folder).items():
        if MOMENT_FILES.search(path):
            json.loads(data)  # whole, whatever moment it holds
        elif PUBLICATION_MANIFEST.search(path):
            found[path] = manifest_content(folder / path)
        elif not LEFTOVER.search(path) and not BUILDING_MARK.search(path) and not MANIFEST_JOURNAL.search(path):
            found[path] = data
    return found


def manifest_content(path: Path) -> bytes:
    """What a publication's manifest says (its files and the parts' states), as the next publication reads it.

    A killed publication leaves a rollback journal beside it: the manifest is
    read from a copy of the two, so that looking rolls nothing back here.
    The publication's number and the folders' times it noted vary from run to run and are left out.
    """
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / path.name
        shutil.copy(path, copy)
        journal = path.with_name(path.name + "-journal")
        if journal.exists():
            shutil.copy(journal, copy.with_name(copy.name + "-journal"))
        db = sqlite3.connect(copy)
        try:
            files = sorted(db.execute("SELECT path, part FROM files"))
            state = sorted(row for row in db.execute("SELECT key, value FROM state")
                           if row[0].startswith("part:"))
        except sqlite3.Error as error:
            return f"damaged: {error}".encode()
        finally:
            db.close()
    return json.dumps({"files": files, "state": state}).encode()


def leftovers(folder: Path) -> list[str]:
    """Temporary files (``.<name>.<random>.tmp``) and registry staging files anywhere under ``folder``."""
    return sorted(path for path in faults.tree(folder) if LEFTOVER.search(path))


def has_open(pid: int, work: Path) -> bool:
    """Whether process ``pid`` has a file under ``work`` open (the registry, a staging file, an output)."""
    folder = Path(f"/proc/{pid}/fd")
    try:
        targets = [os.readlink(folder / name) for name in os.listdir(folder)]
    except OSError:  # not Linux, or the process has ended
        return False
    return any(target.startswith(f"{work.resolve()}/") for target in targets)


def _comparable(registry: dict | None, several: bool) -> dict | None:
    if registry is None or not several:
        return registry
    return {**registry, "counts": {k: v for k, v in registry["counts"].items() if k != "changes"}}


def complete(path: str, data: bytes) -> bool:
    """Whether ``data`` is a whole file of its kind (by the name's extension)."""
    try:
        if path.endswith(".ics"):
            feedcheck.check(data)
        elif path.endswith(".json"):
            json.loads(data)
        elif PUBLICATION_MANIFEST.search(path):  # read by manifest_content: whole where it could be read
            return "files" in json.loads(data)
        elif path.endswith((".xml", ".atom")):
            xml.etree.ElementTree.fromstring(data)
        elif path.endswith(".html"):
            text = data.decode("utf-8")
            html.parser.HTMLParser().feed(text)
            return text.rstrip().endswith("</html>")
        elif path.endswith(".csv"):
            rows = list(csv.reader(data.decode("utf-8").splitlines()))
            return data.endswith(b"\n") and len({len(row) for row in rows}) == 1
        elif path.endswith(".css"):
            return data.rstrip().endswith(b"}")
        else:
            return False
    except Exception:  # noqa: BLE001 - any failure to read it whole means it is not complete
        return False
    return True
