"""Programme files in and out: peerlearn's programme YAML, schedule.json and schedule.xml.

``agenda export --format`` and ``agenda import`` go through here: an export
names its format; an import recognises it by content (JSON or XML is a
schedule, anything else is read as a programme YAML).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ValidationError
from . import reader, versions, writer
from .importer import ImportReport, import_schedule

if TYPE_CHECKING:  # pragma: no cover
    from ..registry.store import Registry

FORMATS = ("yaml", "schedule-xml", "schedule-json")


def export_text(registry: "Registry", activity_id: int | str, format_name: str = "yaml", *,
                version: str | None = None, options: writer.Options = writer.Options(),
                include_private: bool = False) -> str:
    """An activity's programme in ``format_name``: the working programme, or the released ``version``."""
    from ..agenda import programme
    from ..registry import activities, networks

    if format_name not in FORMATS:
        raise ValidationError(f"unknown programme format {format_name!r} (formats: {', '.join(FORMATS)})")
    if format_name == "yaml":
        if version is not None:
            raise ValidationError("a released version is exported as schedule-xml or schedule-json, not yaml")
        return programme.export_programme(registry, activity_id, include_private=include_private)
    activity = activities.get(registry, activity_id)
    network = networks.known(registry).get(activity.network)
    found = versions.load(registry, activity, version)
    write = writer.to_xml if format_name == "schedule-xml" else writer.to_json
    return write(activity, network.network if network else None, found, options)


def import_data(registry: "Registry", activity_id: int | str, data: bytes,
                source: str = "<programme>") -> ImportReport | dict:
    """Import a schedule.json, a schedule.xml or a programme YAML into an activity, recognised by content.

    Returns the schedule import's :class:`ImportReport`, or the programme
    import's counts (:func:`peerlearn.agenda.programme.import_programme`).
    """
    from ..agenda import programme

    if reader.detect(data) is not None:
        return import_schedule(registry, activity_id, reader.read(data, source))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ValidationError(f"{source}: not a schedule.json, schedule.xml or programme YAML: not UTF-8 text"
                              f" (byte {error.start})") from None
    if not _looks_like_a_programme(text):
        raise ValidationError(f"{source}: not a schedule.json, schedule.xml or programme YAML (expected JSON, XML,"
                              " or YAML with 'tracks:' and 'sessions:')")
    return programme.import_programme(registry, activity_id, text, source)


def _looks_like_a_programme(text: str) -> bool:
    """Whether ``text`` is YAML holding a mapping (or broken or empty YAML, which the programme reader explains)."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, RecursionError):  # the programme reader says what is wrong
        return True
    return root is None or isinstance(root, yaml.MappingNode)
