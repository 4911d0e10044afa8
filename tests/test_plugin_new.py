"""``peerlearn plugin new``: a plugin project that installs and works without touching the core."""

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from peerlearn.testing import public_api_violations

FILES = ["pyproject.toml", "peerlearn_nordic_network.py", "tests/test_peerlearn_nordic_network.py", "README.md",
         ".gitignore"]


def files_under(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): path.read_text(encoding="utf-8")
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_plugin_new_writes_a_project(env, tmp_path):
    result = env.run("plugin", "new", "nordic-network", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    project = tmp_path / "peerlearn-nordic-network"
    written = files_under(project)
    assert sorted(written) == sorted(FILES)
    assert all(name in result.stdout for name in FILES)
    pyproject = written["pyproject.toml"]
    assert 'name = "peerlearn-nordic-network"' in pyproject
    assert '[project.entry-points.peerlearn]\nnordic_network = "peerlearn_nordic_network"' in pyproject
    module = written["peerlearn_nordic_network.py"]
    assert public_api_violations(module) == []
    assert "@hookimpl\ndef peerlearn_networks" in module and "@hookimpl\ndef peerlearn_validate_activity" in module
    assert "peerlearn_env" in written["tests/test_peerlearn_nordic_network.py"]
    assert "$" not in "".join(written.values())


def test_plugin_new_dry_run_writes_nothing(env, tmp_path):
    result = env.run("plugin", "new", "nordic", "--dir", str(tmp_path), "--dry-run")
    assert result.exit_code == 0
    assert "Dry run: nothing written" in result.stdout and "peerlearn_nordic.py" in result.stdout
    assert list(tmp_path.iterdir()) == []


def test_plugin_new_refuses_an_existing_folder_and_overwrites_nothing(env, tmp_path):
    project = tmp_path / "peerlearn-nordic"
    project.mkdir()
    (project / "pyproject.toml").write_text("# my own work\n", encoding="utf-8")
    result = env.run("plugin", "new", "nordic", "--dir", str(tmp_path))
    assert result.exit_code == 1
    assert result.stderr == (f"Error: --dir: {project} already exists; nothing was written"
                             " (choose another name, or another folder)\n")
    assert files_under(project) == {"pyproject.toml": "# my own work\n"}


@pytest.mark.parametrize("name", ["Nordic Network", "9lives", "nordic--network", "nordic/../x", "-x"])
def test_plugin_new_refuses_a_bad_name(env, tmp_path, name):
    result = env.run("plugin", "new", name, "--dir", str(tmp_path))
    assert result.exit_code in (1, 2)
    assert "lower-case letters and digits" in result.stderr or result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_plugin_new_accepts_the_name_with_its_prefix(env, tmp_path):
    assert env.run("plugin", "new", "peerlearn-nordic", "--dir", str(tmp_path)).exit_code == 0
    assert (tmp_path / "peerlearn-nordic" / "peerlearn_nordic.py").exists()


def make_venv(folder: Path) -> Path:
    """A throwaway venv that sees this environment's packages (peerlearn, pytest, pip) behind its own.

    ``--system-site-packages`` would show the base interpreter's packages,
    not those of the environment the tests run in, so a ``.pth`` file adds
    this environment's site-packages instead (with their own ``.pth`` files,
    so an editable peerlearn works too).
    """
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True, timeout=120)
    python = folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    child = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                           check=True, capture_output=True, text=True).stdout.strip()
    ours = dict.fromkeys([sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]])
    lines = "".join(f"import site; site.addsitedir({path!r})\n" for path in ours)
    (Path(child) / "_peerlearn_test_parent.pth").write_text(lines, encoding="utf-8")
    return python


def can_build_here() -> bool:
    """Whether this environment's setuptools can build an editable wheel without fetching anything."""
    import importlib.util

    return importlib.util.find_spec("setuptools") is not None and (
        importlib.util.find_spec("wheel") is not None
        or importlib.util.find_spec("setuptools.command.bdist_wheel") is not None)


def clean_environment(tmp_path: Path) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PEERLEARN_", "PYTEST_"))}
    environment["PEERLEARN_DB"] = str(tmp_path / "registry.db")
    return environment


@pytest.mark.slow
def test_plugin_new_project_installs_shows_up_and_its_tests_pass(env, tmp_path):
    assert env.run("plugin", "new", "nordic-network", "--dir", str(tmp_path)).exit_code == 0
    project = tmp_path / "peerlearn-nordic-network"
    python = make_venv(tmp_path / "venv")
    environment = clean_environment(tmp_path)
    install = [str(python), "-m", "pip", "install", "--quiet", "--no-deps", "-e", str(project)]
    if can_build_here():
        install.insert(5, "--no-build-isolation")
    installed = subprocess.run(install, env=environment, capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr

    listed = subprocess.run([str(python), "-m", "peerlearn", "plugins", "--json"], env=environment,
                            capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    rows = {row["name"]: row for row in json.loads(listed.stdout)}
    assert rows["nordic_network"]["loaded"] and rows["nordic_network"]["version"] == "0.1.0"
    assert "peerlearn_validate_activity" in rows["nordic_network"]["hooks"]

    environment["PEERLEARN_LOAD_PLUGINS"] = "nordic_network"
    for command, code in ((["init"], 0), (["activities", "add", "--network", "nordic_network", "--kind", "workshop",
                                          "--title", "Kick-off", "--start", "2026-09-15"], 1)):
        ran = subprocess.run([str(python), "-m", "peerlearn", *command], env=environment, capture_output=True,
                             text=True, timeout=60)
        assert ran.returncode == code, ran.stderr
    assert "Error: activity 'Kick-off': Nordic Network activities need a place" in ran.stderr

    tested = subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=project,
                            env=clean_environment(tmp_path), capture_output=True, text=True, timeout=300)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "5 passed" in tested.stdout
