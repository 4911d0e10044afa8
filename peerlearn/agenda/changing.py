"""What goes with every change of a programme: refusing frozen activities, the checks after it, the SEQUENCE.

A cancelled or completed activity keeps its programme for the record and
refuses changes to it; a session lies inside its activity's time. After a
change the plugins' ``peerlearn_validate_activity`` and the programme's
checks (:mod:`peerlearn.agenda.clashes`) run: errors refuse the change,
warnings are kept on ``registry.warnings``. A change that alters what the
activity's own calendar event shows of its programme (a session added,
removed, moved, renamed, cancelled…) raises the activity's SEQUENCE once per
command (:func:`programme_change`), so every calendar holding the activity,
a participant's included, sees it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, Iterator

from .. import plugins
from ..errors import ValidationError
from ..models import Activity, Session
from ..registry import networks
from ..registry.store import Registry
from ..registry.validation import enforce
from . import timetable
from .reading import sessions_of

FROZEN_STATUSES = ("cancelled", "completed")


def open_for_changes(activity: Activity) -> None:
    if activity.status in FROZEN_STATUSES:
        raise ValidationError(
            f"activity #{activity.id} is {activity.status}; its programme is kept for the record and cannot change")


def _span(moment: dt.datetime, end: dt.datetime, tzname: str) -> str:
    from ..timeutil import zone

    tz = zone(tzname)
    start, finish = moment.astimezone(tz), end.astimezone(tz)
    if start.date() == finish.date():
        return f"{start:%Y-%m-%d %H:%M}-{finish:%H:%M}"
    return f"{start:%Y-%m-%d %H:%M} to {finish:%Y-%m-%d %H:%M}"


def check_inside(activity: Activity, session: Session) -> None:
    """Refuse a session that lies outside its activity's time."""
    if session.start < activity.start or session.end > activity.end:
        raise ValidationError(
            f"session {session.title!r} ({_span(session.start, session.end, activity.timezone)}) lies outside"
            f" activity #{activity.id} ({_span(activity.start, activity.end, activity.timezone)})")


def check_programme(registry: Registry, activity: Activity, *, refuse: bool = True) -> None:
    """Check ``activity``'s programme after a change: errors refuse it, warnings are kept.

    With ``refuse=False`` (removing things only lessens problems) errors are
    kept as warnings too.
    """
    from . import checks

    findings = checks.check_activity(registry, activity)
    subject = f"activity #{activity.id} programme"
    errors = [finding.message for finding in findings if finding.severity == "error"]
    warnings = [finding.message for finding in findings if finding.severity == "warning"]
    registry.warnings.extend(f"{subject}: {message}" for message in warnings)
    if errors and refuse:
        raise ValidationError(f"{subject}: {'; '.join(errors)}")
    registry.warnings.extend(f"{subject}: {message}" for message in errors)


def _validate_with_plugins(registry: Registry, activity: Activity) -> None:
    network = networks.ensure(registry, activity.network)
    problems = plugins.validate_activity(network=network, activity=activity,
                                         sessions=sessions_of(registry, activity.id))
    enforce(registry, problems, f"activity {activity.title!r}")


def after_change(registry: Registry, activity: Activity, *, refuse: bool = True) -> None:
    """Run every check that follows a change of ``activity``'s programme."""
    _validate_with_plugins(registry, activity)
    check_programme(registry, activity, refuse=refuse)


@contextlib.contextmanager
def programme_change(registry: Registry, activity: Activity) -> Iterator[None]:
    """Around a change of ``activity``'s programme: raise its SEQUENCE once if its event's programme changed.

    The activity's calendar event carries its programme
    (:func:`peerlearn.agenda.timetable.programme_lines`); when those lines differ
    after the change, the activity's SEQUENCE rises by one and its last
    change becomes now, so every feed holding the activity shows the new
    programme. A change they do not show (a role, a key) raises nothing.
    """
    before = programme_lines_of(registry, activity)
    yield
    raise_sequence_if_changed(registry, activity, before)


def programme_lines_of(registry: Registry, activity: Activity) -> list[str]:
    """What ``activity``'s calendar event shows of its programme now."""
    return timetable.programme_lines(activity, sessions_of(registry, activity.id))


def raise_sequence_if_changed(registry: Registry, activity: Activity, before: list[str]) -> None:
    """Raise the activity's SEQUENCE (and its last change) when its programme lines differ from ``before``."""
    if programme_lines_of(registry, activity) != before:
        registry.conn.execute("UPDATE activities SET sequence = sequence + 1, updated_at = ? WHERE id = ?",
                            [now_text(), activity.id])


def insert_row(registry: Registry, table: str, row: dict[str, Any]) -> int:
    """Insert one row (its columns as they are); its new id."""
    columns = ", ".join(f"[{name}]" for name in row)
    marks = ", ".join("?" for _ in row)
    return registry.conn.execute(f"INSERT INTO [{table}] ({columns}) VALUES ({marks})", list(row.values())).lastrowid


def now_text() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat()
