"""The ``peerlearn_site_blocks`` hook: plugins add blocks to an activity's page."""

from __future__ import annotations

from markupsafe import Markup

from peerlearn import hookimpl


class Blocks:
    def __init__(self):
        self.seen = []

    @hookimpl
    def peerlearn_site_blocks(self, network, activity, sessions, roles, outputs):
        self.seen.append((network.slug, activity.id, len(sessions), {role.status for role in roles}, len(outputs),
                          {role.email for role in roles}))
        if activity.kind != "conference":
            return None
        return [Markup("<h2>Venue</h2><p>{}</p>").format(f"Getting to {activity.city} <by train>"),
                "Plain text & <not HTML>"]


def test_peerlearn_site_blocks_adds_blocks_to_the_activity_page(demo_env, tmp_path, mlc_id, parse):
    import peerlearn_plugins.site

    demo_env.register(peerlearn_plugins.site, name="site")
    with demo_env.open() as registry:
        role = registry.one("SELECT id FROM roles WHERE name = 'Ylva Johansson'")["id"]
    assert demo_env.run("roles", "decline", str(role)).exit_code == 0
    assert demo_env.run("roles", "add", str(mlc_id), "workshop-1", "--role", "speaker", "--name", "Ada Secret",
                        "--email", "ada@example.org", "--status", "confirmed").exit_code == 0
    out = tmp_path / "out"
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    assert "Venue" not in (out / "activities" / f"{mlc_id}.html").read_text(encoding="utf-8")

    blocks = Blocks()
    demo_env.register(blocks, name="venue-blocks")
    assert demo_env.run("site", "build", str(out)).exit_code == 0
    html = (out / "activities" / f"{mlc_id}.html").read_text(encoding="utf-8")
    page = parse(html)
    assert (2, "Venue") in page.headings
    assert "Getting to Brussels <by train>" in page.text and "&lt;by train&gt;" in html
    assert "<p>Plain text &amp; &lt;not HTML&gt;</p>" in html
    assert {"class": "plugin-block", "data-plugin": "venue-blocks"} in page.all("section")
    seen = {entry[1]: entry for entry in blocks.seen}
    assert seen[mlc_id][:3] == ("mutual_learning", mlc_id, 14)
    assert "declined" not in seen[mlc_id][3]  # declined roles are not handed to plugins either
    assert seen[mlc_id][5] == {""}  # nor are emails
    assert "Ada Secret" in page.text and "ada@example.org" not in html
    other = next(number for number in seen if number != mlc_id)
    assert "plugin-block" not in (out / "activities" / f"{other}.html").read_text(encoding="utf-8")


def test_peerlearn_site_blocks_failure_names_the_plugin(site_env, tmp_path):
    class Broken:
        @hookimpl
        def peerlearn_site_blocks(self, activity):
            raise RuntimeError("no venue data")

    class Wrong:
        @hookimpl
        def peerlearn_site_blocks(self):
            return Markup("<p>one block, not a list</p>")

    assert site_env.run("activities", "add", "--network", "pes", "--kind", "event", "--title", "Event",
                        "--start", "2030-05-07 10:00", "--end", "12:00").exit_code == 0
    site_env.register(Broken(), name="broken")
    result = site_env.run("site", "build", str(tmp_path / "out"))
    assert result.exit_code == 1
    assert result.stderr == ("Error: plugin 'broken' in hook peerlearn_site_blocks: raised RuntimeError:"
                             " no venue data\n")
    assert not (tmp_path / "out").exists()  # a failed build writes nothing
    site_env.register(Wrong(), name="wrong")
    from peerlearn import plugins

    plugins.unregister("broken")
    result = site_env.run("site", "build", str(tmp_path / "out2"))
    assert result.exit_code == 1
    assert "plugin 'wrong' in hook peerlearn_site_blocks: returned Markup, expected a list of str" in result.stderr
