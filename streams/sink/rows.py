"""Derived-topic messages → landing rows (hotspots, alerts, case events, dead letters).

Pure functions: raw Kafka value bytes in, rows in the topic's landing schema
(:func:`warehouse.landing.topic_columns`) out, or ``ValueError`` saying why
the message cannot land. Timestamps become tz-aware UTC datetimes; JSON
objects held by a message (an alert's ``details``, a case event's
``payload``) land as JSON text with sorted keys.

- ``alerts`` are checked with their contract (:mod:`citybrain.contracts.alert`).
- ``cases.events`` (:mod:`streams.cases.lifecycle`, plus the engine's
  ``deadline_at``) have no contract module; :func:`case_event_row` checks what
  the landing and the models rely on: ids, version, command, state, ``at``
  with its zone, and a payload that is an object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson

from citybrain.contracts.alert import validate as validate_alert
from citybrain.contracts.base import decode_json_object, utc_timestamp
from streams.hotspots.windows import explode
from warehouse.landing import (
    ALERTS_TOPIC,
    CASE_EVENTS_TOPIC,
    HOTSPOT_COLUMNS,
    REJECTED_COLUMNS,
)

Row = dict[str, Any]
CASE_EVENT_REQUIRED = ("event_id", "case_id", "command_id", "command", "to_state", "at")
CASE_EVENT_TEXT = ("actor", "role", "actor_department_id", "from_state", "department_id", "reason")


def json_text(value: Mapping[str, Any]) -> str:
    """A JSON object as compact text with sorted keys (the same object, the same text)."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _timestamps(doc: Row, columns: Mapping[str, str]) -> Row:
    for name, kind in columns.items():
        if kind == "timestamp" and doc.get(name) is not None:
            doc[name] = utc_timestamp(doc[name], field=name)
    return doc


def hotspot_rows(raw: bytes) -> list[Row]:
    """A hotspot window message → one row per cell x category."""
    return explode(_timestamps(decode_json_object(raw), HOTSPOT_COLUMNS))


def rejected_rows(raw: bytes) -> list[Row]:
    """A dead-letter record → one row."""
    return [_timestamps(decode_json_object(raw), REJECTED_COLUMNS)]


def alert_rows(raw: bytes) -> list[Row]:
    """An ``alerts`` message → one row (contract-checked; details as JSON text)."""
    row = validate_alert(decode_json_object(raw))
    details = row.pop("details")
    return [{**row, "details_json": json_text(details)}]


def case_event_row(doc: Mapping[str, Any]) -> Row:
    """A decoded ``cases.events`` event → its landing row (``at`` lands as event_at)."""
    for name in CASE_EVENT_REQUIRED:
        if not isinstance(doc.get(name), str) or not doc[name].strip():
            raise ValueError(f"case event field '{name}' must be a non-empty string")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"case event version must be a positive integer, got {version!r}")
    for name in CASE_EVENT_TEXT:
        if doc.get(name) is not None and not isinstance(doc[name], str):
            raise ValueError(f"case event field '{name}' must be a string or null")
    payload = doc.get("payload")
    if payload is None:
        payload = {}
    if not isinstance(payload, Mapping):
        raise ValueError("case event payload must be a JSON object")
    deadline = doc.get("deadline_at")
    return {
        "event_id": doc["event_id"],
        "event_at": utc_timestamp(doc["at"], field="at"),
        "case_id": doc["case_id"],
        "version": version,
        "command_id": doc["command_id"],
        "command": doc["command"],
        **{name: doc.get(name) for name in CASE_EVENT_TEXT},
        "to_state": doc["to_state"],
        "deadline_at": None if deadline is None else utc_timestamp(deadline, field="deadline_at"),
        "payload_json": json_text(payload),
    }


def case_event_rows(raw: bytes) -> list[Row]:
    """A ``cases.events`` message → one row."""
    return [case_event_row(decode_json_object(raw))]


PARSERS: dict[str, Callable[[bytes], list[Row]]] = {
    "hotspots": hotspot_rows,
    ALERTS_TOPIC: alert_rows,
    CASE_EVENTS_TOPIC: case_event_rows,
}


def derived_rows(topic: str, raw: bytes) -> list[Row]:
    """Rows of one message of a derived topic or a dead-letter topic; ValueError if malformed."""
    parse = PARSERS.get(topic) or (rejected_rows if topic.endswith(".rejected") else None)
    if parse is None:
        raise KeyError(f"topic {topic!r} is not a derived topic the sink lands")
    return parse(raw)
