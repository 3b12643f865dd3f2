"""The case API's OpenAPI 3.1 document, built from the tables the handlers use.

Paths, methods, roles, query parameters and request bodies come from
``api.ENDPOINTS``, ``api.FIELDS`` and ``api.body_fields`` (which reads the
lifecycle's ``RULES``), so a new command or field appears here as soon as the
handlers accept it. Served at ``GET /api/v1/openapi.json``.
"""

from __future__ import annotations

import functools
from typing import Any

from streams.cases import api
from streams.cases.checks import REFUSAL_CODES
from streams.cases.transitions import Name, State

VERSION = "1.0.0"
JSON = "application/json"


def _nullable(kind: str) -> dict[str, Any]:
    return {"type": [kind, "null"]}


STATE = {"type": "string", "enum": [s.value for s in State]}
COMMAND = {"type": "string", "enum": [n.value for n in Name]}

SCHEMAS: dict[str, dict[str, Any]] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {
                "type": "string",
                "description": "machine code, e.g. invalid_token, role_not_allowed, "
                + ", ".join(REFUSAL_CODES),
            },
            "message": {"type": "string", "description": "what is wrong, for people"},
        },
    },
    "Case": {
        "type": "object",
        "description": "A case as the engine keeps it, plus deadline and the caller's commands.",
        "required": ["case_id", "state", "deadline_at", "overdue_now", "commands_allowed"],
        "properties": {
            "case_id": {"type": "string"},
            "state": STATE,
            "version": {"type": "integer", "description": "accepted transitions so far"},
            "category": {"type": "string"},
            "lat": {"type": "number"},
            "lng": {"type": "number"},
            "grid_code": _nullable("string"),
            "urgency": {"type": "string"},
            "source": {"type": "string"},
            "description": {"type": "string"},
            "reported_at": {"type": "string", "format": "date-time"},
            "updated_at": {"type": "string", "format": "date-time"},
            "department_id": _nullable("string"),
            "dispatched_at": _nullable("string"),
            "extension_hours": {"type": "number"},
            "ended_at": _nullable("string"),
            "deadline_at": {
                **_nullable("string"),
                "description": "the current department's deadline (UTC), null when not dispatched",
            },
            "overdue_now": {
                "type": "boolean",
                "description": "a department holds the case past its deadline",
            },
            "commands_allowed": {
                "type": "array",
                "items": COMMAND,
                "description": "commands the caller's role may issue in this state",
            },
        },
    },
    "CaseList": {
        "type": "object",
        "required": ["items", "total", "limit", "offset"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/Case"}},
            "total": {"type": "integer", "description": "matching cases, all pages"},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        },
    },
    "Event": {
        "type": "object",
        "description": "One accepted transition, as published on cases.events.",
        "required": ["case_id", "version", "command", "to_state"],
        "properties": {
            "event_id": {"type": "string"},
            "case_id": {"type": "string"},
            "version": {"type": "integer"},
            "command_id": {"type": "string"},
            "command": COMMAND,
            "actor": {"type": "string"},
            "role": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "from_state": {"type": ["string", "null"]},
            "to_state": STATE,
            "department_id": _nullable("string"),
            "reason": _nullable("string"),
            "payload": {"type": "object"},
        },
    },
    "EventList": {
        "type": "object",
        "required": ["case_id", "events"],
        "properties": {
            "case_id": {"type": "string"},
            "events": {"type": "array", "items": {"$ref": "#/components/schemas/Event"}},
        },
    },
    "Accepted": {
        "type": "object",
        "description": "The command is on cases.commands; GET case_url to see it applied.",
        "required": ["status", "case_id", "command_id", "command", "expected_state", "case_url"],
        "properties": {
            "status": {"type": "string", "enum": ["accepted", "already_applied"]},
            "case_id": {"type": "string"},
            "command_id": {"type": "string"},
            "command": COMMAND,
            "expected_state": {**STATE, "description": "the state once the engine applies it"},
            "case_url": {"type": "string"},
        },
    },
    "Summary": {
        "type": "object",
        "required": [
            "as_of",
            "date",
            "open",
            "overdue",
            "urgent",
            "sources",
            "top_categories",
            "supervisors",
        ],
        "properties": {
            "as_of": {"type": "string", "format": "date-time"},
            "date": {"type": "string", "format": "date", "description": "local day counted"},
            "timezone": {"type": "string"},
            "open": {"type": "integer", "description": "cases not closed/cancelled/rejected"},
            "open_by_state": {"type": "object", "additionalProperties": {"type": "integer"}},
            "overdue": {"type": "integer", "description": "dispatched cases past deadline"},
            "urgent": {"type": "integer", "description": "open urgent or emergency cases"},
            "reported": {"type": "integer", "description": "cases reported on the day"},
            "sources": {
                "type": "object",
                "additionalProperties": {"type": "integer"},
                "description": "cases reported on the day, by source",
            },
            "top_categories": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["category", "reported", "open"],
                    "properties": {
                        "category": {"type": "string"},
                        "name": {"type": "string"},
                        "reported": {"type": "integer"},
                        "open": {"type": "integer"},
                    },
                },
            },
            "supervisors": {
                "type": "array",
                "description": "supervisors' reports (监督员上报) on the day; registered = 立案",
                "items": {
                    "type": "object",
                    "required": ["supervisor", "reports", "registered"],
                    "properties": {
                        "supervisor": {"type": "string"},
                        "reports": {"type": "integer"},
                        "registered": {"type": "integer"},
                    },
                },
            },
        },
    },
    "OpenApi": {"type": "object"},
}

_HEADER = {"schema": {"type": "string"}}
ERRORS: dict[str, tuple[str, dict[str, Any]]] = {
    "400": ("bad path, query or body", {}),
    "401": (
        "token missing, invalid, expired or revoked",
        {"WWW-Authenticate": _HEADER},
    ),
    "403": ("role, or department, not allowed", {}),
    "404": ("no such case (or not the caller's department's)", {}),
    "409": ("the case's state does not allow this now, or the case exists", {}),
    "410": ("the case ended long ago and was retired from the engine (history: the landing)", {}),
    "413": (f"body over {api.MAX_BODY_BYTES} bytes", {}),
    "503": (
        "no API secret configured, the case engine unavailable, or the worker holding the "
        "case (or part of a list) not reachable",
        {"Retry-After": _HEADER},
    ),
}


def _error_response(status: str) -> dict[str, Any]:
    description, headers = ERRORS[status]
    response: dict[str, Any] = {
        "description": description,
        "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _body(name: Name) -> dict[str, Any]:
    required, optional = api.body_fields(name)
    return {
        "required": bool(required),
        "content": {
            JSON: {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": list(required),
                    "properties": {f: api.field_schema(f) for f in (*required, *optional)},
                }
            }
        },
    }


def _operation(endpoint: api.Endpoint) -> dict[str, Any]:
    who = "anyone" if endpoint.roles is None else ", ".join(sorted(endpoint.roles))
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": schema}
        for name, schema in api.PATH_PARAMS.items()
        if f"{{{name}}}" in endpoint.path
    ] + [
        {"name": p.name, "in": "query", "required": False, "schema": p.schema}
        | ({"description": p.description} if p.description else {})
        for p in endpoint.params
    ]
    success: dict[str, Any] = {
        "description": "OK" if endpoint.status == 200 else "accepted for processing",
        "content": {JSON: {"schema": {"$ref": f"#/components/schemas/{endpoint.response}"}}},
    }
    if endpoint.status == 202:
        success["headers"] = {"Location": _HEADER}
    errors = ["400", "413", "503"]
    if endpoint.roles is not None:
        errors += ["401", "403"]
    if "{case_id}" in endpoint.path:
        errors += ["404", "410"]
    if endpoint.command is not None:
        errors += ["409", "410"]  # a retried report of a case retired since: 410 too
    operation: dict[str, Any] = {
        "operationId": endpoint.operation_id,
        "summary": endpoint.summary,
        "description": f"Who may call: {who}.",
        "tags": ["meta" if endpoint.roles is None else "cases"],
        "parameters": parameters,
        "responses": {
            str(endpoint.status): success,
            **{status: _error_response(status) for status in sorted(set(errors))},
        },
    }
    if endpoint.command is not None:
        operation["requestBody"] = _body(endpoint.command)
    if endpoint.roles is None:
        operation["security"] = []
    return operation


@functools.cache
def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document (built once; do not mutate)."""
    paths: dict[str, dict[str, Any]] = {}
    for endpoint in api.ENDPOINTS:
        path = paths.setdefault(api.API_PREFIX + endpoint.path, {})
        path[endpoint.method.lower()] = _operation(endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "citybrain case API",
            "version": VERSION,
            "description": (api.__doc__ or "").strip(),
        },
        "security": [{"bearerAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "bearerAuth": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "cb1.<claims>.<HMAC-SHA256> (citybrain token issue)",
                }
            },
            "schemas": SCHEMAS,
        },
    }
