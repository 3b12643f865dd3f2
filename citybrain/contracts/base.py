"""What every source contract shares: the violation error and field checks.

A contract turns one decoded document (a dict) into one normalised row (a
dict of plain Python values) or raises :class:`ContractViolation` with a reason
a person can act on. Rows always carry ``event_id`` (str), ``event_at`` (UTC,
tz-aware ``datetime``) and WGS-84 ``lat`` / ``lng`` (float degrees).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from citybrain.geo import is_valid_wgs84

MAX_ID_CHARS = 128


class ContractViolation(ValueError):
    """A record broke its source contract; ``reason`` says how."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_json_object(raw: bytes) -> dict[str, Any]:
    """Decode bytes holding one JSON object, or raise ContractViolation."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ContractViolation(f"not valid JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ContractViolation(f"expected a JSON object, got {type(doc).__name__}")
    return doc


def require(doc: Mapping[str, Any], field: str) -> Any:
    """The value of a required field; missing or null is a violation."""
    value = doc.get(field)
    if value is None:
        raise ContractViolation(f"missing required field '{field}'")
    return value


def text(doc: Mapping[str, Any], field: str, *, required: bool = True, max_chars: int = 512) -> str:
    """A string field, stripped; empty counts as missing when required."""
    value = doc.get(field)
    if value is None:
        if required:
            raise ContractViolation(f"missing required field '{field}'")
        return ""
    if not isinstance(value, str):
        raise ContractViolation(f"field '{field}' must be a string, got {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise ContractViolation(f"field '{field}' is empty")
    if len(value) > max_chars:
        raise ContractViolation(f"field '{field}' is longer than {max_chars} characters")
    return value


def identifier(doc: Mapping[str, Any], field: str) -> str:
    """A required id: non-empty string of at most MAX_ID_CHARS characters."""
    return text(doc, field, max_chars=MAX_ID_CHARS)


def number(
    doc: Mapping[str, Any],
    field: str,
    *,
    required: bool = True,
    low: float | None = None,
    high: float | None = None,
) -> float | None:
    """A finite number field within [low, high] when bounds are given."""
    value = doc.get(field)
    if value is None:
        if required:
            raise ContractViolation(f"missing required field '{field}'")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ContractViolation(f"field '{field}' must be a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ContractViolation(f"field '{field}' is not finite")
    if low is not None and value < low:
        raise ContractViolation(f"field '{field}'={value} is below {low}")
    if high is not None and value > high:
        raise ContractViolation(f"field '{field}'={value} is above {high}")
    return value


def utc_timestamp(value: Any, *, field: str = "event_at") -> datetime:
    """Parse an ISO-8601 timestamp that states its zone; return it in UTC.

    A timestamp without a zone is a violation: guessing the zone of a field
    device is how a whole day of events shifts by eight hours.
    """
    if value is None:
        raise ContractViolation(f"missing required field '{field}'")
    if not isinstance(value, str):
        raise ContractViolation(f"field '{field}' must be an ISO-8601 string")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ContractViolation(
            f"field '{field}' is not an ISO-8601 timestamp: {value!r}"
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise ContractViolation(f"field '{field}' has no time zone: {value!r}")
    return parsed.astimezone(UTC)


def wgs84(*, lat: Any, lng: Any) -> tuple[float, float]:
    """Validated WGS-84 (lat, lng) in degrees; (0, 0) is treated as 'no fix'."""
    for name, value in (("lat", lat), ("lng", lng)):
        if value is None:
            raise ContractViolation(f"missing required field '{name}'")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ContractViolation(f"field '{name}' must be a number")
    lat_f, lng_f = float(lat), float(lng)
    if not is_valid_wgs84(lat=lat_f, lng=lng_f):
        raise ContractViolation(f"coordinates out of WGS-84 range: lat={lat_f}, lng={lng_f}")
    if lat_f == 0.0 and lng_f == 0.0:
        raise ContractViolation("coordinates are (0, 0): the device has no position fix")
    return lat_f, lng_f


def isoformat_utc(moment: datetime) -> str:
    """Render a tz-aware datetime as ISO-8601 UTC with a 'Z' suffix (ms precision)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: event times must carry a zone")
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
