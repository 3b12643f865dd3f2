"""Query strings and JSON bodies checked against the schema tables (a JSON Schema subset).

Pure functions: text or bytes in, validated values out, or an
:class:`~streams.cases.api.model.ApiError` 400 saying what is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import orjson

from streams.cases.api.model import ApiError, Endpoint, Param
from streams.cases.api.schema import body_fields, field_schema


def _pattern_ok(pattern: str, value: str) -> bool:
    anchored_end = pattern.endswith("$") and value.endswith("\n")  # Python's $ allows "\n"
    return re.search(pattern, value) is not None and not anchored_end


def value_problem(schema: Mapping[str, Any], value: Any) -> str | None:
    """Why ``value`` does not match ``schema`` (the JSON Schema subset used here), or None."""
    kind = schema["type"]
    if kind == "boolean":
        return None if isinstance(value, bool) else f"must be true or false, got {value!r}"
    if kind == "string":
        if not isinstance(value, str):
            return f"must be a string, got {type(value).__name__}"
        if "enum" in schema and value not in schema["enum"]:
            return f"must be one of {', '.join(schema['enum'])}, got {value!r}"
        if not schema.get("minLength", 0) <= len(value) <= schema.get("maxLength", math.inf):
            return f"must have {schema.get('minLength', 0)}-{schema.get('maxLength')} characters"
        if "pattern" in schema and not _pattern_ok(schema["pattern"], value):
            return f"must match {schema['pattern']}, got {value[:80]!r}"
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"must be a number, got {type(value).__name__}"
    if kind == "integer" and not isinstance(value, int):
        return "must be an integer"
    if not math.isfinite(value):
        return "must be finite"
    low, high = schema.get("minimum", -math.inf), schema.get("maximum", math.inf)
    above = schema.get("exclusiveMinimum", -math.inf)
    if not (low <= value <= high and value > above):
        bound = f"> {above}" if "exclusiveMinimum" in schema else f">= {low}"
        return f"must be {bound} and <= {high}, got {value}"
    return None


def _query_value(param: Param, text: str) -> Any:
    kind, fmt = param.schema["type"], param.schema.get("format")
    try:
        if kind == "integer":
            if not re.fullmatch(r"-?[0-9]{1,12}", text):
                raise ValueError
            value: Any = int(text)
        elif kind == "boolean":
            value = {"true": True, "false": False}[text]
        elif fmt == "date-time":
            value = datetime.fromisoformat(text)
            if value.tzinfo is None:
                raise ApiError(400, "invalid_request", f"'{param.name}' needs a zone: {text!r}")
            return value
        elif fmt == "date":
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                raise ValueError
            return date.fromisoformat(text)
        else:
            value = text
    except (KeyError, ValueError, OverflowError):
        expected = fmt or kind
        raise ApiError(400, "invalid_request", f"'{param.name}' must be {expected}") from None
    if (problem := value_problem(param.schema, value)) is not None:
        raise ApiError(400, "invalid_request", f"'{param.name}' {problem}")
    return value


def parse_query(params: Sequence[Param], query: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """Validated query values (defaults filled in); ApiError 400 for anything unexpected."""
    known = {p.name: p for p in params}
    if unknown := sorted(set(query) - set(known)):
        allowed = ", ".join(known) or "none"
        raise ApiError(400, "invalid_request", f"unknown query parameter {unknown[0]!r}; {allowed}")
    parsed: dict[str, Any] = {}
    for name, param in known.items():
        values = query.get(name, ())
        if len(values) > 1:
            raise ApiError(400, "invalid_request", f"query parameter '{name}' given twice")
        if values:
            parsed[name] = _query_value(param, values[0])
        elif "default" in param.schema:
            parsed[name] = param.schema["default"]
    return parsed


def parse_body(endpoint: Endpoint, raw: bytes) -> dict[str, Any]:
    """The validated JSON body of a command-issuing POST ({} for others)."""
    if endpoint.command is None:
        return {}
    try:
        doc = orjson.loads(raw) if raw.strip() else {}
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "invalid_request", f"body is not JSON: {exc}") from None
    if not isinstance(doc, dict):
        raise ApiError(400, "invalid_request", "body must be a JSON object")
    required, optional = body_fields(endpoint.command)
    if unknown := sorted(set(doc) - set(required) - set(optional)):
        allowed = ", ".join((*required, *optional))
        raise ApiError(400, "invalid_request", f"unknown field {unknown[0]!r}; allowed: {allowed}")
    for name in required:
        if name not in doc:
            raise ApiError(400, "invalid_request", f"'{endpoint.command}' needs field '{name}'")
    for name, value in doc.items():
        if (problem := value_problem(field_schema(name), value)) is not None:
            raise ApiError(400, "invalid_request", f"field '{name}' {problem}")
    return doc
