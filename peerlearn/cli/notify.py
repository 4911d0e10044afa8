"""``peerlearn notify``: the outbox of notices to people — list, preview, send, remind, opt out."""

from __future__ import annotations

import os

import click

from ..limits import MAX_DAYS, MAX_NUMBER, MAX_RETRIES, MAX_RETRY_DELAY
from .common import FiniteFloatRange, dry_run_option, echo_json, echo_rows, json_option, note, one_line, pass_env

#: Where each SMTP setting comes from in the environment.
SETTINGS_ENV = {"host": "PEERLEARN_SMTP_HOST", "port": "PEERLEARN_SMTP_PORT", "security": "PEERLEARN_SMTP_SECURITY",
                "user": "PEERLEARN_SMTP_USER", "password": "PEERLEARN_SMTP_PASSWORD", "from": "PEERLEARN_MAIL_FROM"}
#: What ``notify list`` shows without --all: everything not yet settled for good.
OPEN_STATUSES = ("held", "queued", "sending", "interrupted", "failed")
STATUSES = ("held", "queued", "sending", "sent", "failed", "interrupted", "skipped")
config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False), envvar="PEERLEARN_NOTIFY_CONFIG",
    help="A TOML file whose [smtp] table holds host, port, security, user, password and from"
         " (default: $PEERLEARN_NOTIFY_CONFIG); the PEERLEARN_SMTP_* and PEERLEARN_MAIL_FROM variables override it.")


@click.group()
def notify() -> None:
    """Notices to people: what changed for them, by email their calendar applies.

    \b
    Changes queue notices as they are made; then:
        peerlearn notify list              what waits in the outbox
        peerlearn notify preview 12        one message as it will be sent
        peerlearn notify send              hand the outbox to the SMTP server
        peerlearn notify remind --pending  chase roles still tbc, and tbd slots
    """


def _settings_values(config_path: str | None) -> dict[str, str]:
    from pathlib import Path

    from ..notify.settings import read_file

    values: dict[str, str] = {}
    if config_path:
        values, exposed = read_file(Path(config_path))
        if exposed:
            note(f"Warning: {config_path} holds a password and other users can read it (chmod 600 it).")
    for name, variable in SETTINGS_ENV.items():
        if os.environ.get(variable):
            values[name] = os.environ[variable]
    return values


def _settings(config_path: str | None):
    from ..errors import MailError
    from ..notify.settings import from_values, missing

    values = _settings_values(config_path)
    absent = missing(values)
    if absent:
        raise MailError(f"SMTP settings missing: {', '.join(SETTINGS_ENV[name] for name in absent)} (set them in the"
                        f" environment, or {' and '.join(absent)} under [smtp] in a --config file)")
    try:
        return from_values(values)
    except MailError as error:  # a setting at fault, named where it came from: the variable, else the file's key
        variable = SETTINGS_ENV.get(error.field or "")
        if variable and os.environ.get(variable):
            raise MailError(f"${variable}: {error.message}") from None
        if error.field:
            raise MailError(f"{error.field} under [smtp] in {config_path}: {error.message}") from None
        raise


def _row(message) -> dict:
    from ..notify.outbox import summary

    notice = message.notice
    note_text = notice.held or message.reason
    if message.status == "queued" and message.next_attempt_at:
        note_text = f"{message.reason}; next attempt after {message.next_attempt_at[:16]}"
    return {"id": message.id, "status": message.status, "kind": notice.kind, "network": notice.network,
            "to": notice.name, "email": bool(notice.email), "events": len(notice.items),
            "about": summary(notice.items), "attempts": message.attempts, "note": note_text}


def _json(message) -> dict:
    notice = message.notice
    return {"id": message.id, "status": message.status, "kind": notice.kind, "network": notice.network,
            "to": notice.name, "has_email": bool(notice.email), "held": notice.held or None,
            "sender": notice.sender or None, "subject": notice.subject or None,
            "items": [{key: value for key, value in item.to_dict().items()} for item in notice.items],
            "attempts": message.attempts, "reason": message.reason or None,
            "next_attempt_at": message.next_attempt_at, "message_id": message.message_id,
            "created_at": message.created_at, "updated_at": message.updated_at, "sent_at": message.sent_at}


@notify.command(name="list")
@click.option("--status", "statuses", type=click.Choice(STATUSES), multiple=True,
              help="Only messages with this status (repeatable).")
@click.option("--all", "show_all", is_flag=True, help="Include the messages sent or skipped.")
@json_option
@pass_env
def list_messages(env, statuses, show_all, as_json) -> None:
    """List the outbox: queued messages, people held back (no email, opted out), failures.

    Addresses are not shown: "email" says whether the person has one.
    """
    from ..notify import outbox

    with env.registry() as registry:
        messages = outbox.list_messages(registry, statuses or (None if show_all else OPEN_STATUSES))
        counts = outbox.counts(registry)
    if as_json:
        echo_json([_json(message) for message in messages])
        return
    rows = [_row(message) for message in messages]
    for row in rows:
        if len(row["about"]) > 70:
            row["about"] = row["about"][:69] + "…"
    echo_rows(rows, False, ["id", "status", "kind", "network", "to", "email", "events", "about", "attempts", "note"],
              empty="The outbox holds nothing to show.")
    if counts:
        note("Outbox: " + ", ".join(f"{counts[status]} {status}" for status in STATUSES if counts.get(status)) + ".")


@notify.command()
@click.argument("message_id", metavar="ID")
@click.option("--raw", is_flag=True, help="Print the whole message as sent (RFC 5322, MIME parts encoded).")
@config_option
@json_option
@pass_env
def preview(env, message_id, raw, config_path, as_json) -> None:
    """Show one message (by its number) as it will be sent: headers, text, and each calendar part."""
    import datetime as dt

    from ..notify import outbox
    from ..notify.messages import Renderer, build_email, new_message_id

    values = _settings_values(config_path)
    default_sender = values.get("from") or "peerlearn <notices@peerlearn.invalid>"
    with env.registry() as registry:
        message = outbox.get(registry, message_id)
        sender = message.notice.sender or default_sender
        rendered = Renderer(registry).render(message.notice, sender)
    rendered_to = None if message.notice.held else message.notice.email
    mail = build_email(message.notice, rendered, sender, message.message_id or new_message_id(message.id, sender),
                       dt.datetime.now(dt.timezone.utc)) if rendered_to else None
    if raw and mail is None:
        raise click.ClickException(f"message #{message.id} is never sent ({message.notice.held})")
    if not message.notice.sender and not values.get("from") and not as_json:  # said once the message is shown
        note(f"Note: {SETTINGS_ENV['from']} is not set; the sender shown is a placeholder.")
    if raw:
        click.echo(mail.as_string(), nl=False)
        return
    headers = {"From": sender, "To": f"{message.notice.name} <{rendered_to}>" if rendered_to else
               f"{message.notice.name} ({message.notice.held}: not sent)", "Subject": rendered.subject}
    if message.notice.reply_to:
        headers["Reply-To"] = message.notice.reply_to
    if as_json:
        echo_json({"id": message.id, "status": message.status, "headers": headers, "text": rendered.text,
                   "html": rendered.html, "calendars": [{"filename": name, "method": method, "text": text}
                                                        for name, method, text in rendered.calendars]})
        return
    for key, value in headers.items():
        click.echo(f"{key}: {value}")
    click.echo(f"Status: {message.status}" + (f" ({message.reason})" if message.reason else ""))
    click.echo("")
    click.echo(rendered.text.rstrip("\n"))
    for name, method, text in rendered.calendars:
        click.echo("")
        click.echo(f"--- {name} (text/calendar; method={method}) ---")
        click.echo(text.replace("\r\n", "\n").rstrip("\n"))


@notify.command()
@config_option
@click.option("--limit", type=click.IntRange(1, MAX_NUMBER), help="Send at most this many messages in this run.")
@click.option("--retries", type=click.IntRange(0, MAX_RETRIES), default=3, show_default=True,
              help="Rounds of retries in this run for messages the server could not take yet.")
@click.option("--retry-delay", type=FiniteFloatRange(0, MAX_RETRY_DELAY), default=10.0, show_default=True,
              help="Seconds before the first round of retries; doubled at each round.")
@click.option("--resend", "resend", type=int, multiple=True, metavar="ID",
              help="Send again an interrupted message (one that may have been delivered) by its number; repeatable.")
@json_option
@pass_env
def send(env, config_path, limit, retries, retry_delay, resend, as_json) -> None:
    """Send the outbox over SMTP: each message once, retrying what the server cannot take yet.

    The server and the sender come from PEERLEARN_SMTP_HOST, PEERLEARN_SMTP_PORT, PEERLEARN_SMTP_SECURITY
    (none, starttls or tls), PEERLEARN_SMTP_USER, PEERLEARN_SMTP_PASSWORD and PEERLEARN_MAIL_FROM, or a
    --config file; never from an option. Safe to run again, or from cron: a message is never sent twice.

    \b
    Examples:
        peerlearn notify send --config notify.toml
        peerlearn notify send --config notify.toml --limit 50 --retries 5
        peerlearn notify send --config notify.toml --resend 31
    """
    from ..notify.sending import send as send_outbox

    settings = _settings(config_path)
    with env.registry() as registry:
        report = send_outbox(registry, settings, limit=limit, retries=retries, retry_delay=retry_delay,
                             resend=resend)
    if as_json:
        echo_json({"sent": list(report.sent), "failed": [{"id": i, "reason": r} for i, r in report.failed],
                   "deferred": [{"id": i, "reason": r} for i, r in report.deferred],
                   "interrupted": list(report.interrupted), "skipped": report.skipped})
    else:
        parts = [f"Sent {len(report.sent)} message{'s' if len(report.sent) != 1 else ''}"]
        if report.failed:
            parts.append(f"{len(report.failed)} failed (" + "; ".join(f"#{i}: {r}" for i, r in report.failed[:3])
                         + (", …" if len(report.failed) > 3 else "") + ")")
        if report.deferred:
            parts.append(f"{len(report.deferred)} left for a later run (#{report.deferred[0][0]}:"
                         f" {report.deferred[0][1]})")
        if report.skipped:
            parts.append(f"{report.skipped} not sent to people with no email or who opted out")
        if report.interrupted:
            ids = ", ".join(f"#{i}" for i in report.interrupted)
            parts.append(f"{len(report.interrupted)} interrupted by an earlier run and not sent again ({ids}:"
                         " it may have been delivered; --resend ID sends it again)")
        click.echo(one_line("; ".join(parts) + "."))
    if report.deferred and not report.sent and not report.failed:
        raise click.ClickException(one_line(f"nothing could be handed to {settings.host}:{settings.port}"
                                            f" ({report.deferred[0][1]}); the messages stay queued"))


@notify.command()
@click.option("--pending", is_flag=True, help="Remind people whose role is still tbc, and tell each network's"
                                               " secretariat of the tbd slots.")
@click.option("--days", type=click.IntRange(0, MAX_DAYS), default=14, show_default=True,
              help="Look at sessions starting within this many days.")
@dry_run_option
@json_option
@pass_env
def remind(env, pending, days, dry_run, as_json) -> None:
    """Queue reminders: to each person on a role still tbc, and a summary of tbd slots to the secretariat.

    A person already reminded today is not reminded again; one who opted out is not sent anything.

    \b
    Examples:
        peerlearn notify remind --pending --dry-run
        peerlearn notify remind --pending --days 7
    """
    import datetime as dt

    from ..notify.outbox import describe
    from ..notify.reminders import remind_pending

    if not pending:
        raise click.UsageError("say what to remind of: --pending (roles still tbc, and tbd slots)")
    now = dt.datetime.now(dt.timezone.utc)

    def report(result) -> None:
        queued = result.queued
        if as_json:
            echo_json({"dry_run": dry_run, "queued": [{"id": None if dry_run else i, "kind": n.kind,
                                                        "network": n.network, "to": n.name, "held": n.held or None,
                                                        "items": len(n.items)} for i, n in queued.notices],
                       "already_reminded_today": result.already, "no_secretariat": list(result.no_secretariat)})
            return
        lines = describe(queued, dry_run=True)
        if lines:
            lines[0] = lines[0].replace("Would tell", "Would remind" if dry_run else "Reminded")
        for line in lines or ["No one to remind: no role is tbc and no slot tbd within the window."]:
            click.echo(line)
        if result.already:
            note(f"{result.already} already reminded today: not again.")
        for network in result.no_secretariat:
            note(f"Warning: network {network!r} has tbd slots but no secretariat member to tell"
                 f" (make one with 'peerlearn members join MEMBER {network} --role secretariat').")

    result = env.write(lambda registry: remind_pending(registry, days=days, now=now), dry_run=dry_run, report=report)
    if dry_run:
        report(result)


def _opt(env, member, role_id, opted_out: bool, dry_run: bool) -> None:
    from ..notify.people import set_opt_out

    if (member is None) == (role_id is None):
        raise click.UsageError("give exactly one of --member or --role")
    env.write(lambda registry: set_opt_out(registry, member=member, role=role_id, opted_out=opted_out),
              dry_run=dry_run,
              report=lambda who: click.echo(f"{'Opted out' if opted_out else 'Opted in'}: {who}"
                                            + (" receives no notices." if opted_out else " receives notices again.")))


@notify.command(name="opt-out")
@click.option("--member", help="A member (number or exact name).")
@click.option("--role", "role_id", type=int, help="A role (by its number): the person on it.")
@dry_run_option
@pass_env
def opt_out(env, member, role_id, dry_run) -> None:
    """Send a member, or the person on a role, no notices or reminders (they stay held in the outbox).

    \b
    Examples:
        peerlearn notify opt-out --member "VDAB"
        peerlearn notify opt-out --role 12 --dry-run
    """
    _opt(env, member, role_id, True, dry_run)


@notify.command(name="opt-in")
@click.option("--member", help="A member (number or exact name).")
@click.option("--role", "role_id", type=int, help="A role (by its number): the person on it.")
@dry_run_option
@pass_env
def opt_in(env, member, role_id, dry_run) -> None:
    """Send a member, or the person on a role, notices again after an opt-out.

    \b
    Examples:
        peerlearn notify opt-in --member "VDAB"
        peerlearn notify opt-in --role 12
    """
    _opt(env, member, role_id, False, dry_run)


COMMANDS = [notify]
