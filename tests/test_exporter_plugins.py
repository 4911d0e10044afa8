"""``peerlearn_exporters``: formats are plugins, the core's own included."""

import json

import pytest

from peerlearn import Exporter, hookimpl


class TabSeparated:
    """An in-test plugin adding a ``tsv`` format to the activity log and the change log."""

    @hookimpl
    def peerlearn_exporters(self):
        def write(records, out, *, columns, title="", **context):
            out.write(f"# {title}\n")
            out.write("\t".join(column.name for column in columns) + "\n")
            for record in records:
                out.write("\t".join(column.text(record.get(column.name)) for column in columns) + "\n")

        return [Exporter("tsv", kind, write, "text/tab-separated-values", ".tsv") for kind in ("activity-log",
                                                                                               "change-log")]


def test_core_formats_are_registered_through_the_hook(demo_env):
    plugins = {p["name"]: p for p in json.loads(demo_env.run("plugins", "--json").stdout)}
    formats = plugins["peerlearn.default_plugins.formats"]
    assert "peerlearn_exporters" in formats["hooks"] and formats["default"]


def test_a_plugin_format_works_end_to_end(demo_env, tmp_path):
    result = demo_env.run("log", "--network", "pes", "--format", "tsv")
    assert result.exit_code == 1 and "(available: csv, html, jsonl, md)" in result.stderr
    demo_env.register(TabSeparated(), name="tsv-plugin")
    activities = json.loads(demo_env.run("activities", "list", "--network", "pes", "--json").stdout)
    target = tmp_path / "log.tsv"
    result = demo_env.run("log", "--network", "pes", "--format", "tsv", "-o", str(target))
    assert result.exit_code == 0, result.output
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Activity log: European Network of Public Employment Services"
    assert lines[1].split("\t")[:5] == ["id", "date", "end_date", "kind", "title"]
    assert [line.split("\t")[4] for line in lines[2:]] == [a["title"] for a in activities]
    changes = demo_env.run("changes", "--network", "pes", "--format", "tsv")
    assert changes.exit_code == 0 and changes.stdout.startswith("# Change log\nid\tat\tactor")
    result = demo_env.run("log", "--network", "pes", "--format", "xlsx")
    assert "(available: csv, html, jsonl, md, tsv)" in result.stderr


class Clashing:
    @hookimpl
    def peerlearn_exporters(self):
        return [Exporter("csv", "activity-log", lambda records, out, **context: None)]


class Broken:
    @hookimpl
    def peerlearn_exporters(self):
        def write(records, out, **context):
            raise RuntimeError("disk on fire")

        return [Exporter("broken", "activity-log", write)]


@pytest.mark.parametrize(("plugin", "message"), [
    (Clashing(), "format 'csv' for activity-log is already offered by plugin 'bad-format'"),
    (Broken(), "format 'broken' for activity-log raised RuntimeError: disk on fire"),
])
def test_a_bad_plugin_format_is_blamed_in_one_line(demo_env, plugin, message, tmp_path):
    demo_env.register(plugin, name="bad-format")
    fmt = "csv" if isinstance(plugin, Clashing) else "broken"
    target = tmp_path / "out.txt"
    result = demo_env.run("log", "--network", "pes", "--format", fmt, "-o", str(target))
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not target.exists()


def test_plotting_and_templates_load_only_for_the_commands_that_need_them(demo_env):
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from peerlearn.cli import cli\n"
        "def run(*args):\n"
        "    result = CliRunner().invoke(cli, ['--db', sys.argv[1], *args])\n"
        "    assert result.exit_code == 0, result.output\n"
        "run('--help')\n"
        "assert 'jinja2' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "run('log', '--network', 'pes', '--format', 'html')\n"
        "assert 'jinja2' in sys.modules and 'matplotlib' not in sys.modules\n"
        "run('report', '--network', 'pes', '--year', '2020', '--format', 'md')\n"
        "assert 'matplotlib' not in sys.modules\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(demo_env.db)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
