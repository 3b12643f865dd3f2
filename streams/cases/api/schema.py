"""What the API accepts, as JSON Schema: body fields, query and path parameters.

:mod:`streams.cases.api.validation` checks requests against these tables and
``streams.cases.openapi`` publishes them, so the document and the handlers
cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from citybrain.categories import CATEGORIES
from streams.cases.api.model import Param
from streams.cases.classify import Urgency
from streams.cases.commands import MAX_POSTPONEMENT_HOURS
from streams.cases.transitions import RULES, Name, State

MAX_PAGE_SIZE = 500
MAX_OFFSET = 1_000_000
MAX_TOP = 50

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$"
DEPARTMENT_PATTERN = r"^[A-Za-z0-9_.-]{1,64}$"
GRID_PATTERN = r"^[0-9]{14,15}$"


def _list_pattern(values: Iterable[str]) -> str:
    one = "|".join(sorted(values))
    return f"^({one})(,({one}))*$"


def _text(max_chars: int, description: str) -> dict[str, Any]:
    return {
        "type": "string",
        "minLength": 1,
        "maxLength": max_chars,
        "pattern": r"\S",
        "description": description,
    }


# JSON Schema of every body field the API accepts (payload fields of commands + command_id)
FIELDS: dict[str, dict[str, Any]] = {
    "command_id": {
        "type": "string",
        "pattern": ID_PATTERN,
        "description": "client-chosen id that makes a retried request harmless",
    },
    "category": {"type": "string", "enum": sorted(CATEGORIES), "description": "citybrain category"},
    "lat": {"type": "number", "minimum": -90, "maximum": 90, "description": "WGS-84 latitude, °"},
    "lng": {
        "type": "number",
        "minimum": -180,
        "maximum": 180,
        "description": "WGS-84 longitude, °",
    },
    "urgency": {
        "type": "string",
        "enum": [u.value for u in Urgency],
        "description": "requested urgency; the category's default applies when higher",
    },
    "grid_code": {
        "type": "string",
        "pattern": GRID_PATTERN,
        "description": "unit grid code (单元网格, 14 or 15 digits)",
    },
    "description": {"type": "string", "maxLength": 2000, "description": "what the reporter saw"},
    "reason": _text(1000, "why (required by returns, rejections, suspensions, cancellations)"),
    "feedback": _text(2000, "what the department did (处理反馈)"),
    "department_id": {
        "type": "string",
        "pattern": DEPARTMENT_PATTERN,
        "description": "the department to dispatch to",
    },
    "signal_id": {
        "type": "string",
        "pattern": ID_PATTERN,
        "description": "id of the further report or alert of the same problem",
    },
    "hours": {
        "type": "number",
        "exclusiveMinimum": 0,
        "maximum": MAX_POSTPONEMENT_HOURS,
        "description": "extension asked for, hours on the case's clock",
    },
}
REPORT_OPTIONAL = ("urgency", "grid_code", "description")
# a field a newer core requires that FIELDS does not describe yet: any short text
OTHER_FIELD: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": 1000}


def field_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of body field ``name``."""
    return FIELDS.get(name, OTHER_FIELD)


def body_fields(name: Name) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(required, optional) body fields of the request that issues command ``name``."""
    optional = ("command_id", *(REPORT_OPTIONAL if name is Name.REPORT else ()))
    return RULES[name].required, optional


LIST_PARAMS: tuple[Param, ...] = (
    Param(
        "status",
        {"type": "string", "pattern": _list_pattern(s.value for s in State)},
        "case states, comma-separated",
    ),
    Param("department", {"type": "string", "pattern": DEPARTMENT_PATTERN}, "assigned department"),
    Param(
        "category",
        {"type": "string", "pattern": _list_pattern(CATEGORIES)},
        "categories, comma-separated",
    ),
    Param("grid", {"type": "string", "pattern": GRID_PATTERN}, "unit grid code"),
    Param(
        "overdue", {"type": "boolean"}, "only cases past (true) or within (false) their deadline"
    ),
    Param("from", {"type": "string", "format": "date-time"}, "reported at or after (with zone)"),
    Param("to", {"type": "string", "format": "date-time"}, "reported before (with zone)"),
    Param("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": 50}, ""),
    Param("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}, ""),
)
SUMMARY_PARAMS: tuple[Param, ...] = (
    Param("date", {"type": "string", "format": "date"}, "local day of 'today' counts"),
    Param("top", {"type": "integer", "minimum": 1, "maximum": MAX_TOP, "default": 5}, ""),
)

PATH_PARAMS: dict[str, dict[str, Any]] = {"case_id": {"type": "string", "pattern": ID_PATTERN}}
