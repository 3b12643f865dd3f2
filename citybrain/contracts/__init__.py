"""Source contracts: one module per source, each with TOPIC, COLUMNS, a typed
faust Record and a pure ``validate(doc) -> row``.

:func:`decode_rows` is the door: raw Kafka value bytes of a source topic in,
its normalised rows out (one, or one per object of a DeepStream minimal-schema
frame, possibly none), or :class:`ContractViolation` with the reason.
:func:`decode` is the one-row door for topics whose messages are one record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from citybrain.contracts import gps, hydro, permit, report, video
from citybrain.contracts.base import ContractViolation, decode_json_object


@dataclass(frozen=True)
class SourceContract:
    """What a source topic's records must look like."""

    name: str
    topic: str
    columns: dict[str, str]
    validate: Callable[[dict[str, Any]], dict[str, Any]]
    record: type
    validate_rows: Callable[[dict[str, Any]], list[dict[str, Any]]] | None = None

    def rows(self, doc: dict[str, Any]) -> list[dict[str, Any]]:
        """Every row one message holds."""
        return self.validate_rows(doc) if self.validate_rows else [self.validate(doc)]


CONTRACTS: dict[str, SourceContract] = {
    c.topic: c
    for c in (
        SourceContract(
            "video",
            video.TOPIC,
            video.COLUMNS,
            video.validate,
            video.VideoDetection,
            validate_rows=video.validate_rows,
        ),
        SourceContract("gps", gps.TOPIC, gps.COLUMNS, gps.validate, gps.GpsFix),
        SourceContract("hydro", hydro.TOPIC, hydro.COLUMNS, hydro.validate, hydro.HydroReading),
        SourceContract("permit", permit.TOPIC, permit.COLUMNS, permit.validate, permit.Permit),
        SourceContract(
            "report", report.TOPIC, report.COLUMNS, report.validate, report.CitizenReport
        ),
    )
}

SOURCE_TOPICS: tuple[str, ...] = tuple(CONTRACTS)


def decode(topic: str, raw: bytes | None) -> dict[str, Any]:
    """Validate one raw message of a source topic into its normalised row."""
    if raw is None:
        raise ContractViolation("message has no value")
    return CONTRACTS[topic].validate(decode_json_object(raw))


def decode_rows(topic: str, raw: bytes | None) -> list[dict[str, Any]]:
    """Validate one raw message of a source topic into every row it holds."""
    if raw is None:
        raise ContractViolation("message has no value")
    return CONTRACTS[topic].rows(decode_json_object(raw))


def _default(value: Any) -> Any:
    raise TypeError(f"cannot encode {type(value).__name__}")


def encode_row(row: dict[str, Any]) -> bytes:
    """JSON bytes of a flat row; datetimes as ISO-8601 with their zone."""
    for value in row.values():
        if isinstance(value, datetime) and value.tzinfo is None:
            raise ValueError("naive datetime in row: event times must carry a zone")
    return orjson.dumps(row, default=_default)


__all__ = [
    "CONTRACTS",
    "SOURCE_TOPICS",
    "ContractViolation",
    "SourceContract",
    "decode",
    "decode_rows",
    "encode_row",
]
