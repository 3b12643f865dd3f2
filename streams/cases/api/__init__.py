"""The case HTTP API without a web framework: a request in, a status and a JSON body out.

Every endpoint is a row of :data:`ENDPOINTS`; the handlers validate input
with the JSON Schemas of :data:`FIELDS` and of each endpoint's query
parameters, and ``streams.cases.openapi`` publishes the same rows, so the
document and the handlers cannot drift. :func:`register_api` binds
:func:`handle` to the faust worker's web server.

| method | path (under ``/api/v1``) | who | success |
| --- | --- | --- | --- |
| POST | ``/cases`` | supervisor, call_taker, admin | 202, a ``report`` command produced |
| GET | ``/cases`` | every role | 200, one page of cases |
| GET | ``/cases/{case_id}`` | every role | 200, the case |
| GET | ``/cases/{case_id}/events`` | every role | 200, the case's events |
| POST | ``/cases/{case_id}/commands/{name}`` | the command's roles in ``RULES`` | 202 |
| GET | ``/summary`` | leader, admin | 200, the leader summary |
| GET | ``/openapi.json`` | anyone | 200, the OpenAPI 3.1 document |

Checks run in this order and the first failure answers, as JSON
``{"error": code, "message": ...}``: 503 no usable ``CITYBRAIN_API_SECRET``;
404 / 405 no such endpoint or method; 413 body over :data:`MAX_BODY_BYTES`;
401 token missing, invalid, expired or revoked; 403 role (or department)
not allowed; 400 bad path, query or body; 404 unknown case; then the case
core (``checks.refusal_for``): 409 wrong state or case exists, 400 bad
payload; 503 when the tables cannot be read or the command not produced.

Department scope: a department handler's token names its department, and
it sees and acts on only the cases currently assigned to that department.
Any other case (another department's, or one not yet dispatched) answers
404 exactly like a case that does not exist, so the API does not reveal
which cases other departments hold; asking to list another department's
cases is a 403.

A 202 means the command is on ``cases.commands`` (acknowledged by Kafka):
the engine applies it shortly after, or refuses it if the case changed in
between; GET the case to see the result. A client may send its own
``command_id`` to make retries harmless; a report's case id then derives from
the subject and that id, so a retried report opens one case.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from streams.cases.api.endpoints import (
    ALL_ROLES,
    COMMANDS_PATH,
    ENDPOINTS,
    HUMAN_COMMANDS,
    SUMMARY_ROLES,
)
from streams.cases.api.handlers import (
    URGENT,
    case_events,
    get_case,
    list_cases,
    openapi_document,
    summary,
)
from streams.cases.api.issuing import REPORT_CASE_NAMESPACE, create_case, issue_command
from streams.cases.api.model import (
    API_PREFIX,
    MAX_BODY_BYTES,
    ApiConfig,
    ApiError,
    Call,
    CaseStore,
    Endpoint,
    Handler,
    Param,
    Produce,
    Request,
    Response,
    StoreUnavailable,
    error,
)
from streams.cases.api.routing import authenticate, handle, route
from streams.cases.api.schema import (
    DEPARTMENT_PATTERN,
    FIELDS,
    GRID_PATTERN,
    ID_PATTERN,
    LIST_PARAMS,
    MAX_OFFSET,
    MAX_PAGE_SIZE,
    MAX_TOP,
    OTHER_FIELD,
    PATH_PARAMS,
    REPORT_OPTIONAL,
    SUMMARY_PARAMS,
    body_fields,
    field_schema,
)
from streams.cases.api.validation import parse_body, parse_query, value_problem
from streams.cases.api.views import (
    CLOCK_STATES,
    can_see,
    case_view,
    deadline_of,
    is_overdue,
)
from streams.cases.commands import Command

if TYPE_CHECKING:
    import faust

    from citybrain.settings import Settings

log = logging.getLogger(__name__)

SEND_TIMEOUT_S = 10.0


class EngineStore:
    """The engine's faust tables and command topic as a :class:`CaseStore`.

    Reads see the partitions this worker holds: run one worker, or send
    each request to the worker that holds the case (not done here).
    """

    def __init__(self, engine: Any, *, ready: Callable[[], bool] = lambda: True) -> None:
        self.engine = engine
        self.ready = ready

    def _read(self, read: Callable[[], Any]) -> Any:
        if not self.ready():
            raise StoreUnavailable("case tables are being restored; retry shortly")
        try:
            return read()
        except Exception as exc:  # a table that cannot be read now
            raise StoreUnavailable(f"case tables cannot be read: {exc!r}") from exc

    def get(self, case_id: str) -> Mapping[str, Any] | None:
        return self._read(lambda: self.engine.table.get(case_id))

    def cases(self) -> list[Mapping[str, Any]]:
        return self._read(lambda: list(self.engine.table.values()))

    def history(self, case_id: str) -> Sequence[Mapping[str, Any]]:
        return self._read(lambda: self.engine.history.get(case_id)) or []

    async def send(self, command: Command) -> None:
        topic = self.engine.commands
        doc = command.to_dict()
        raw = getattr(topic, "value_serializer", None) == "raw"
        try:
            sent: Awaitable[Any] = await topic.send(
                key=command.case_id, value=orjson.dumps(doc) if raw else doc
            )
            await asyncio.wait_for(sent, SEND_TIMEOUT_S)  # acknowledged by Kafka
        except Exception as exc:  # any producer failure means "not sent"
            raise StoreUnavailable(f"command not sent: {exc!r}") from exc


async def _read_body(request: Any) -> bytes:
    """At most MAX_BODY_BYTES + 1 bytes of the body (enough to tell it is too large)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        return b"x" * (MAX_BODY_BYTES + 1)
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BODY_BYTES:
        chunk = await request.content.read(MAX_BODY_BYTES + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


def register_api(app: faust.App, engine: Any, settings: Settings) -> None:
    """Serve the case API under /api/v1 on the worker's web server.

    ``engine`` has ``table`` (cases), ``history`` (case_history) and
    ``commands`` (the cases.commands topic). Refuses to start when faust's own
    ``/table`` pages are on: they would serve case data without a token.
    """
    import faust

    if app.conf.web_tables_enabled:
        raise RuntimeError(
            "faust's /table/ pages would serve case data without a token: "
            "create the app with web_tables_enabled=False"
        )
    config = ApiConfig.from_settings(settings)
    store = EngineStore(
        engine,
        ready=lambda: (
            not (getattr(app, "in_recovery", False) or getattr(app, "rebalancing", False))
        ),
    )

    async def answer(view: faust.web.View, request: Any) -> faust.web.Response:
        try:
            query: dict[str, list[str]] = {}
            for key, value in request.query.items():
                query.setdefault(key, []).append(value)
            call = Request(
                request.method,
                request.path,
                query,
                await _read_body(request),
                request.headers.get("Authorization"),
            )
            response = await handle(call, store, config, now_at=datetime.now(UTC))
        except Exception:
            log.exception("case API request failed: %s %s", request.method, request.path)
            response = error(500, "internal_error", "the case API failed; see the worker's log")
        return view.bytes(
            orjson.dumps(response.body, default=str),
            content_type="application/json",
            status=response.status,
            headers=dict(response.headers),
        )

    @app.page(API_PREFIX + r"/{tail:[\s\S]*}", name="case_api")  # any path, newlines too
    class CaseApi(faust.web.View):
        async def get(self, request: faust.web.Request, **_: Any) -> faust.web.Response:
            return await answer(self, request)

        async def head(self, request: faust.web.Request, **_: Any) -> faust.web.Response:
            return await answer(self, request)

        async def post(self, request: faust.web.Request, **_: Any) -> faust.web.Response:
            return await answer(self, request)

        async def put(self, request: faust.web.Request, **_: Any) -> faust.web.Response:
            return await answer(self, request)

        async def patch(self, request: faust.web.Request, **_: Any) -> faust.web.Response:
            return await answer(self, request)

        async def delete(self, request: faust.web.Request, **_: Any) -> faust.web.Response:
            return await answer(self, request)

        async def options(self, request: faust.web.Request, **_: Any) -> faust.web.Response:
            return await answer(self, request)


__all__ = [
    "ALL_ROLES",
    "API_PREFIX",
    "CLOCK_STATES",
    "COMMANDS_PATH",
    "DEPARTMENT_PATTERN",
    "ENDPOINTS",
    "FIELDS",
    "GRID_PATTERN",
    "HUMAN_COMMANDS",
    "ID_PATTERN",
    "LIST_PARAMS",
    "MAX_BODY_BYTES",
    "MAX_OFFSET",
    "MAX_PAGE_SIZE",
    "MAX_TOP",
    "OTHER_FIELD",
    "PATH_PARAMS",
    "REPORT_CASE_NAMESPACE",
    "REPORT_OPTIONAL",
    "SEND_TIMEOUT_S",
    "SUMMARY_PARAMS",
    "SUMMARY_ROLES",
    "URGENT",
    "ApiConfig",
    "ApiError",
    "Call",
    "CaseStore",
    "Endpoint",
    "EngineStore",
    "Handler",
    "Param",
    "Produce",
    "Request",
    "Response",
    "StoreUnavailable",
    "authenticate",
    "body_fields",
    "can_see",
    "case_events",
    "case_view",
    "create_case",
    "deadline_of",
    "error",
    "field_schema",
    "get_case",
    "handle",
    "is_overdue",
    "issue_command",
    "list_cases",
    "openapi_document",
    "parse_body",
    "parse_query",
    "register_api",
    "route",
    "summary",
    "value_problem",
]
