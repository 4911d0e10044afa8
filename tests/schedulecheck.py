"""Checks shared by the schedule tests: validation against the format's published JSON schema and XSD.

The schemas are vendored in ``tests/schedule_schemas/`` (see its README for
their source and the one known quirk of the JSON schema).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import re
import uuid
from pathlib import Path

import jsonschema
import xmlschema

SCHEMAS = Path(__file__).parent / "schedule_schemas"


@functools.cache
def json_validator() -> jsonschema.Draft6Validator:
    text = (SCHEMAS / "schema.json").read_text(encoding="utf-8")
    schema = json.loads(re.sub(r"^\s*//.*$", "", text, flags=re.MULTILINE))
    jsonschema.Draft6Validator.check_schema(schema)
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.Draft6Validator.FORMAT_CHECKER)


@functools.cache
def xml_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(SCHEMAS / "schedule.xml.xsd"))


def _start_of_an_event(error: jsonschema.ValidationError) -> bool:
    """The schema's one quirk: an event's ``start`` is a time of day (HH:MM) in every real file."""
    path = list(error.absolute_path)
    return (error.validator == "format" and path[-1:] == ["start"] and "rooms" in path
            and re.fullmatch(r"\d{2}:\d{2}", error.instance or "") is not None)


def check_json(text: str) -> dict:
    """Assert ``text`` is a valid schedule.json; return it parsed."""
    data = json.loads(text)
    errors = [f"{error.json_path}: {error.message}" for error in json_validator().iter_errors(data)
              if not _start_of_an_event(error)]
    assert errors == [], errors[:5]
    for day in data["schedule"]["conference"]["days"]:
        for moment in (day["day_start"], day["day_end"]):
            assert dt.datetime.fromisoformat(moment).utcoffset() is not None
        for events in day["rooms"].values():
            for event in events:
                assert str(uuid.UUID(event["guid"])) == event["guid"]
                assert dt.datetime.fromisoformat(event["date"]).utcoffset() is not None
    return data


def check_xml(text: str):
    """Assert ``text`` is a valid schedule.xml; return its ElementTree root."""
    import xml.etree.ElementTree as ET

    errors = [f"{error.path}: {error.reason}" for error in xml_schema().iter_errors(text)]
    assert errors == [], errors[:5]
    return ET.fromstring(text.encode("utf-8"))


def json_events(data: dict) -> list[dict]:
    """Every event of a schedule.json, in file order."""
    return [event for day in data["schedule"]["conference"]["days"] for events in day["rooms"].values()
            for event in events]
