"""Privacy: after notices are queued and sent, no address appears in anything public.

Every public output is built after a notify run — feeds, the website, the
activity logs and reports, the change log, the programme export, the member
export — and scanned for every address in the registry and in the outbox.
"""

import datetime as dt
import json

import peerlearn_plugins.site

from mailserver import MailServer
from notifying import PANEL, day, ok

ADDRESSES = ("thomas@oecd.example", "bmas@bund.example", "secretariat@businesseurope.example",
             "empl-mlp@ec.example", "speaker.private@example.org")


def test_no_public_output_holds_an_address_after_a_notify_run(conference, tmp_path):
    env = conference
    env.register(peerlearn_plugins.site, name="site")
    ok(env, "members", "edit", "European Commission, DG Employment, Social Affairs and Inclusion",
       "--email", "empl-mlp@ec.example")
    ok(env, "roles", "add", str(env.conference), "welcome", "--role", "moderator", "--name", "Private Speaker",
       "--email", "speaker.private@example.org", "--status", "tbc")
    ok(env, "sessions", "move", str(env.conference), PANEL, "--start", day(env) + " 10:00", "--end", "10:50")
    ok(env, "notify", "remind", "--pending", "--days", "400")
    ok(env, "notify", "opt-out", "--member", "BusinessEurope")
    with MailServer() as server:
        ok(env, "notify", "send", env=server.env())
        sent = server.messages()
    assert {m["To"].addresses[0].addr_spec for m in sent} >= {"thomas@oecd.example", "speaker.private@example.org"}
    with env.open() as registry:
        in_outbox = {row["email"] for row in registry.query("SELECT email FROM outbox WHERE email != ''")}
    assert set(ADDRESSES) - {"secretariat@businesseurope.example"} <= in_outbox

    public = tmp_path / "public"
    public.mkdir()
    outputs = []
    ok(env, "feeds", "build", str(public / "feeds"))
    ok(env, "site", "build", str(public / "site"))
    year = dt.date.today().year
    for slug in ("esf_migration", "integration_network", "mutual_learning", "pes"):
        for fmt in ("csv", "jsonl", "md", "html"):
            ok(env, "log", "--network", slug, "--format", fmt, "-o", str(public / f"{slug}-log.{fmt}"))
        for report_year in (year, year + 1):
            ok(env, "report", "--network", slug, "--year", str(report_year), "--format", "html",
               "-o", str(public / f"{slug}-report-{report_year}.html"))
    for fmt in ("csv", "jsonl", "md", "html"):
        ok(env, "changes", "--format", fmt, "-o", str(public / f"changes.{fmt}"))
    outputs.append(ok(env, "changes", "--json").stdout)
    outputs.append(ok(env, "export", "ics", "--activity", str(env.conference)).stdout)
    outputs.append(ok(env, "export", "ics", "--network", "mutual_learning").stdout)
    outputs.append(ok(env, "agenda", "export", str(env.conference)).stdout)
    outputs.append(ok(env, "members", "export").stdout)
    outputs.append(ok(env, "roles", "list", str(env.conference), "--json").stdout)
    outputs.append(ok(env, "practices", "list", "--json").stdout)

    files = [path for path in public.rglob("*") if path.is_file()]
    assert len(files) > 40, "the public outputs were built"
    for path in files:
        outputs.append(path.read_bytes().decode("utf-8", "replace"))
    for text in outputs:
        for address in ADDRESSES:
            assert address not in text
        assert "outbox" not in text.lower()
    # the change log says who opted out, and nothing of their address
    changes = json.loads(outputs[0])
    assert any(change["action"] == "opt-out" for change in changes)
