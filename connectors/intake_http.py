"""The HTTP edges of the report intake: each door's answers and errors, bounded bodies.

Both doors of :mod:`connectors.report_intake` answer through here: Open311 answers are
rendered JSON or XML by the path's ending (``.xml``), Open311 errors are the spec's list
``[{"code": ..., "description": ...}]``, the hotline's errors are
``{"error": ..., "message": ...}``. :func:`answer_errors` turns every :class:`Open311Error`
(an HTTP status and a reason) a handler raises into the right one of them, and a handler bug
into a 500 (the process lives on). Bodies are read within a time limit (408 after it) and a
size limit (413).
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import orjson
from aiohttp import web

from connectors import open311
from connectors.open311 import Open311Error

log = logging.getLogger(__name__)

OPEN311 = "/open311/v2"
MAX_REQUEST_BYTES = 64 * 1024  # an Open311 request or a hotline work order
CONTENT_TYPES = {"json": "application/json", "xml": "text/xml"}
STATS = web.AppKey("stats", dict)


def _fmt(request: web.Request) -> str:
    return "xml" if request.path.endswith(".xml") else "json"


def georeport(
    request: web.Request, items: list[dict[str, Any]], item: str, status: int = 200
) -> web.Response:
    """``items`` as an Open311 answer, JSON or XML by the path's ending."""
    fmt = _fmt(request)
    body = open311.render(items, fmt=fmt, item=item)
    return web.Response(body=body, status=status, content_type=CONTENT_TYPES[fmt], charset="utf-8")


def json_answer(doc: Any, status: int = 200) -> web.Response:
    """A JSON answer in UTF-8 (Chinese stays readable)."""
    return web.Response(body=orjson.dumps(doc), status=status, content_type="application/json")


def _problem(status: int, message: str) -> web.Response:
    error = HTTPStatus(status).phrase.lower().replace(" ", "_")  # e.g. bad_request
    return json_answer({"error": error, "message": message}, status=status)


def _error(request: web.Request, status: int, message: str) -> web.Response:
    if request.path.startswith(OPEN311):
        return georeport(request, Open311Error(status, message).errors(), "error", status)
    return _problem(status, message)


@web.middleware
async def answer_errors(request: web.Request, handler: Callable) -> web.StreamResponse:
    """Every refusal in the door's own error format; a handler bug is a 500, never a crash.

    Handlers of both doors raise :class:`Open311Error` (an HTTP status and a
    reason): under ``/open311/v2`` it becomes the spec's error list, elsewhere
    ``{"error": "bad_request", "message": ...}``.
    """
    try:
        return await handler(request)
    except Open311Error as exc:
        return _error(request, exc.code, exc.description)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        message = {
            404: f"no such endpoint: {request.path}",
            405: f"{request.method} is not allowed on {request.path}",
        }.get(exc.status, exc.text or exc.reason)
        return _error(request, exc.status, message)
    except Exception as exc:
        log.exception("intake handler failed on %s %s", request.method, request.path)
        request.app[STATS]["errors"] += 1
        return _error(request, 500, f"internal error {type(exc).__name__}")


async def read_body(
    request: web.Request,
    *,
    timeout_s: float,
    max_bytes: int = MAX_REQUEST_BYTES,
    form: bool = False,
) -> Any:
    """The body (or the parsed form) within ``timeout_s``; Open311Error 408 after it, 413
    at once when its announced length is over ``max_bytes``."""
    if (request.content_length or 0) > max_bytes:
        raise Open311Error(413, f"a request body may be at most {max_bytes} bytes")
    try:
        return await asyncio.wait_for(request.post() if form else request.read(), timeout_s)
    except TimeoutError:
        raise Open311Error(408, f"the request body did not arrive within {timeout_s:g} s") from None


async def request_fields(request: web.Request, *, timeout_s: float) -> dict[str, Any]:
    """A POST requests body (urlencoded, multipart or JSON object) → its fields."""
    if request.content_type == "multipart/form-data":
        form = await read_body(request, timeout_s=timeout_s, form=True)
        return {k: v for k, v in form.items() if isinstance(v, str)}  # media files: not kept
    raw = await read_body(request, timeout_s=timeout_s)
    if len(raw) > MAX_REQUEST_BYTES:
        raise Open311Error(413, f"a request body may be at most {MAX_REQUEST_BYTES} bytes")
    try:
        if request.content_type == "application/json" or raw.lstrip()[:1] == b"{":
            body = orjson.loads(raw)
            if not isinstance(body, dict):
                raise Open311Error(400, "a JSON request body must be one object")
            return body
        return dict(urllib.parse.parse_qsl(raw.decode("utf-8"), keep_blank_values=True))
    except (orjson.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Open311Error(400, f"the request body cannot be read: {exc}") from None
