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


def test_an_output_file_picks_the_format_of_its_extension(demo_env, tmp_path):
    """``Exporter.extension``: ``-o log.html`` writes HTML without --format; a plugin's ``.tsv`` picks its format."""
    page = tmp_path / "log.html"
    assert demo_env.run("log", "--network", "pes", "-o", str(page)).exit_code == 0
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    plain = tmp_path / "log.txt"  # no format has .txt: the default, CSV
    assert demo_env.run("log", "--network", "pes", "-o", str(plain)).exit_code == 0
    assert plain.read_text(encoding="utf-8").startswith("id,date,end date,kind,title")
    demo_env.register(TabSeparated(), name="tsv-plugin")
    table = tmp_path / "changes.tsv"
    assert demo_env.run("changes", "--network", "pes", "-o", str(table)).exit_code == 0
    assert table.read_text(encoding="utf-8").startswith("# Change log\nid\tat\tactor")
    report = tmp_path / "report.md"
    assert demo_env.run("report", "--network", "pes", "--year", "2030", "-o", str(report)).exit_code == 0
    assert report.read_text(encoding="utf-8").startswith("# ")
    refused = demo_env.run("changes", "-o", str(tmp_path / "changes.xyz"))
    assert refused.exit_code == 2 and "--output needs --format" in refused.stderr


def test_feeds_are_served_as_the_calendar_exporter_says(demo_env):
    """``Exporter.media_type``: the server answers a feed with the calendar exporter's media type."""
    import io

    from peerlearn.feeds.server import FeedApp

    headers = {}
    app = FeedApp(demo_env.db)
    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/networks/pes.ics", "wsgi.input": io.BytesIO()},
                        lambda status, found: headers.update(found)))
    app.discard()
    assert body.startswith(b"BEGIN:VCALENDAR") and headers["Content-Type"] == "text/calendar; charset=utf-8"
