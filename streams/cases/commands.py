"""Commands to the case engine (the ``cases.commands`` topic) and their payload checks.

A command is one act of one person (or of the engine) on one case. Its
``command_id`` is chosen by the sender and makes re-delivery harmless: the
lifecycle applies a command id at most once per case.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from citybrain.categories import CATEGORIES
from citybrain.geo import is_valid_wgs84
from streams.cases.classify import Urgency
from streams.cases.transitions import RULES, Name, Role

MAX_POSTPONEMENT_HOURS = 720.0  # 30 natural days, the longest one extension may ask for
NUMERIC_FIELDS = frozenset({"lat", "lng", "hours"})


@dataclass(frozen=True)
class Command:
    """One command. ``at`` is UTC tz-aware; ``department_id`` is the actor's department."""

    command_id: str
    case_id: str
    name: str
    actor: str
    role: str
    at: datetime
    department_id: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("command 'at' must be a tz-aware datetime")
        object.__setattr__(self, "at", self.at.astimezone(UTC))
        object.__setattr__(self, "payload", MappingProxyType(dict(self.payload)))

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form, the inverse of :func:`command_from_dict`."""
        return {
            "command_id": self.command_id,
            "case_id": self.case_id,
            "name": self.name,
            "actor": self.actor,
            "role": self.role,
            "at": self.at.isoformat(),
            "department_id": self.department_id,
            "payload": dict(self.payload),
        }


def command_from_dict(doc: Mapping[str, Any]) -> Command:
    """Parse a decoded ``cases.commands`` message; raises ValueError saying what is wrong."""
    for key in ("command_id", "case_id", "name", "actor", "role", "at"):
        if not isinstance(doc.get(key), str) or not doc[key].strip():
            raise ValueError(f"command field '{key}' must be a non-empty string")
    department_id = doc.get("department_id")
    if department_id is not None and not isinstance(department_id, str):
        raise ValueError("command field 'department_id' must be a string or null")
    payload = doc.get("payload") or {}
    if not isinstance(payload, Mapping):
        raise ValueError("command field 'payload' must be an object")
    try:
        at = datetime.fromisoformat(doc["at"].replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"command field 'at' is not ISO-8601: {doc['at']!r}") from None
    return Command(
        doc["command_id"],
        doc["case_id"],
        doc["name"],
        doc["actor"],
        doc["role"],
        at,
        department_id,
        payload,
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _report_problem(payload: Mapping[str, Any]) -> str | None:
    if payload["category"] not in CATEGORIES:
        return f"unknown category {payload['category']!r}"
    lat, lng = payload["lat"], payload["lng"]
    if not (_is_number(lat) and _is_number(lng) and is_valid_wgs84(lat=lat, lng=lng)):
        return f"lat/lng must be WGS-84 degrees, got lat={lat!r} lng={lng!r}"
    urgency = payload.get("urgency")
    if urgency is not None and urgency not in {u.value for u in Urgency}:
        return f"unknown urgency {urgency!r}; expected one of {[u.value for u in Urgency]}"
    return None


def payload_problem(name: Name, payload: Mapping[str, Any]) -> str | None:
    """Why ``payload`` is not acceptable for command ``name``, or None when it is."""
    for key in RULES[name].required:
        value = payload.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            return f"'{name}' needs payload field '{key}'"
        if key not in NUMERIC_FIELDS and not isinstance(value, str):
            return f"payload field '{key}' must be a string, got {type(value).__name__}"
    if name is Name.REPORT:
        return _report_problem(payload)
    if name is Name.REQUEST_POSTPONEMENT:
        hours = payload["hours"]
        if not _is_number(hours) or not 0 < hours <= MAX_POSTPONEMENT_HOURS:
            return f"postponement 'hours' must be in (0, {MAX_POSTPONEMENT_HOURS}], got {hours!r}"
    if name in (Name.WARN_DEADLINE, Name.MARK_OVERDUE):
        try:
            datetime.fromisoformat(payload["deadline_at"].replace("Z", "+00:00"))
        except ValueError:
            return f"'deadline_at' is not ISO-8601: {payload['deadline_at']!r}"
    return None


def role_problem(name: Name, role: str) -> str | None:
    """Why ``role`` may not issue ``name``, or None when it may."""
    if role not in {r.value for r in Role}:
        return f"unknown role {role!r}"
    allowed = sorted(r.value for r in RULES[name].roles)
    if role not in allowed:
        return f"role '{role}' may not '{name}'; allowed: {', '.join(allowed)}"
    return None
