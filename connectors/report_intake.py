"""The report intake: Open311 GeoReport v2 and the 12345 hotline → ``reports.citizen``.

An aiohttp app over the pure parsers :mod:`connectors.open311` and
:mod:`connectors.hotline12345` (``citybrain intake serve``); its answers, error formats and
bounded body reads are :mod:`connectors.intake_http`'s:

- ``GET /open311/v2/services.{json,xml}``: the service list;
- ``GET /open311/v2/services/{code}.{json,xml}``: 404, no service has a definition;
- ``POST /open311/v2/requests.{json,xml}``: form or JSON body → 201
  ``[{"service_request_id": ...}]``;
- ``GET /open311/v2/requests.{json,xml}``: filters ``service_request_id``,
  ``service_code``, ``start_date``, ``end_date``, ``status``;
- ``GET /open311/v2/requests/{id}.{json,xml}``: ``[request]``, or 404;
- ``POST /hotline/12345/webhook``: one JSON work order → 201 ``{"event_id": ...}``;
- ``POST /hotline/12345/batch``: CSV, JSON or XLSX export → 200, or 422 with the
  refused rows (the valid ones are published);
- ``GET /intake/stats``: counters.

Open311 errors are the spec's list ``[{"code": 400, "description": "..."}]``
(XML ``<errors><error>`` on ``.xml`` paths) with the same HTTP status; the
hotline answers ``{"error": ..., "message": ...}``. With API keys configured,
POSTs need one (``api_key`` field or query parameter, or ``X-Api-Key``): 403.
``jurisdiction_id`` is accepted and ignored (one jurisdiction per endpoint).

Delivery: a report is answered 201 only after Kafka acknowledged it (acks=all,
idempotent producer), keyed by its H3 res-8 cell as the topic registry
declares; 503 means retry (ids are stable, downstream dedups by event id).
Refused input is answered 4xx with the reason and dead-lettered to
``reports.citizen.rejected`` with its raw bytes; valid rows of a batch are
published even when others are refused. A handler bug answers 500; the
process lives on.

On Kafka (:mod:`connectors.report_kafka`), reading back: GET requests reads an
in-process :class:`ReportIndex` of the
newest ``max_reports`` reports, filled by a consumer without a group reading
``reports.citizen`` from the earliest retained offset (every restart re-reads
the topic; older reports drop out of the bound). Only reports of ``channels``
(default: ``open311``) are shown, so hotline callers' words are not
published. Status comes from a :class:`RequestStatuses`: on Kafka, the case
engine's ``cases.events`` folded per report (:mod:`connectors.case_status`);
until a case names the report, the request is ``open`` as reported.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

import orjson
from aiohttp import web

from citybrain.contracts import ContractViolation
from connectors import hotline12345, open311, open311_services
from connectors.intake_http import (
    OPEN311,
    STATS,
    answer_errors,
    georeport,
    json_answer,
    read_body,
    request_fields,
)
from connectors.open311 import Bounds, Open311Error, RequestFilter, RequestStatus

log = logging.getLogger(__name__)

FMT = "{fmt:json|xml}"
MAX_BODY_BYTES = 16 * 1024 * 1024  # a batch export; Open311 bodies are checked smaller
SEND_TIMEOUT_S = 15.0
STATUS_CHUNK = 1000
# never copied into dead letters: the API key and the caller's personal data
PRIVATE_FIELDS = frozenset(
    {"api_key", "email", "phone", "first_name", "last_name", "device_id", "account_id"}
    | set(hotline12345.PRIVATE_COLUMNS)
)


class ReportSink(Protocol):
    async def publish(
        self, rows: Sequence[dict[str, Any]], rejections: Sequence[tuple[str, bytes]]
    ) -> None:
        """Return once Kafka acknowledged every row and dead letter; raise otherwise."""


class RequestStatuses(Protocol):
    async def statuses(self, event_ids: Sequence[str]) -> Mapping[str, RequestStatus]:
        """Status of the service requests the case engine knows (others: absent)."""


class ReportedStatus:
    """No case engine yet: every request stands as it was reported (open)."""

    async def statuses(self, event_ids: Sequence[str]) -> Mapping[str, RequestStatus]:
        return {}


class ReportIndex:
    """The newest ``max_reports`` report rows by event_id, oldest evicted first."""

    def __init__(self, max_reports: int = 100_000) -> None:
        self.max_reports = max_reports
        self._rows: OrderedDict[str, dict[str, Any]] = OrderedDict()

    def add(self, row: dict[str, Any]) -> None:
        self._rows[row["event_id"]] = row
        self._rows.move_to_end(row["event_id"])
        while len(self._rows) > self.max_reports:
            self._rows.popitem(last=False)

    def get(self, event_id: str) -> dict[str, Any] | None:
        return self._rows.get(event_id)

    def rows(self) -> list[dict[str, Any]]:
        return list(self._rows.values())

    def __len__(self) -> int:
        return len(self._rows)


def _now() -> datetime:
    return datetime.now(UTC)


def _now() -> datetime:
    return datetime.now(UTC)


class Intake:
    """The handlers, bound to a sink, an index and a status source."""

    def __init__(
        self,
        *,
        sink: ReportSink,
        index: ReportIndex,
        statuses: RequestStatuses,
        bounds: Bounds | None,
        api_keys: frozenset[str],
        channels: frozenset[str],
        stats: dict[str, int],
        body_timeout_s: float = 30.0,
    ) -> None:
        self.body_timeout_s = body_timeout_s
        self.sink, self.index, self.statuses = sink, index, statuses
        self.bounds, self.api_keys, self.channels = bounds, api_keys, channels
        self.stats = stats

    def check_key(self, request: web.Request, body: Mapping[str, Any]) -> None:
        if not self.api_keys:
            return
        key = (
            body.get("api_key") or request.query.get("api_key") or request.headers.get("X-Api-Key")
        )
        if not isinstance(key, str) or key not in self.api_keys:
            raise Open311Error(403, "api_key is missing or not valid")

    async def publish(
        self, rows: Sequence[dict[str, Any]], rejections: Sequence[tuple[str, bytes]] = ()
    ) -> None:
        try:
            await asyncio.wait_for(self.sink.publish(rows, rejections), SEND_TIMEOUT_S)
        except Exception as exc:
            log.warning("publishing %d report(s) failed: %r", len(rows), exc)
            raise Open311Error(503, "the report could not be stored; try again") from None
        for row in rows:  # read your writes before the topic consumer catches up
            self.index.add(row)
        self.stats["published"] += len(rows)
        self.stats["rejected"] += len(rejections)

    async def dead_letter(self, reason: str, raw: bytes) -> None:
        """Keep refused input on the dead-letter topic (a failure is logged: the
        client still hears why its input was refused)."""
        try:
            await self.publish([], [(reason, raw)])
        except Open311Error:
            self.stats["dead_letter_failures"] += 1

    async def services(self, request: web.Request) -> web.Response:
        return georeport(request, open311_services.services(), "service")

    async def service_definition(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        raise Open311Error(404, f"service {code!r} has no service definition (metadata is false)")

    async def post_request(self, request: web.Request) -> web.Response:
        body = await request_fields(request, timeout_s=self.body_timeout_s)
        self.check_key(request, body)
        try:
            row = open311.report_from_request(body, received_at=_now(), bounds=self.bounds)
        except Open311Error as exc:
            await self.dead_letter(exc.description, _kept(body))
            raise
        await self.publish([row])
        return georeport(request, open311.posted(row), "request", status=201)

    def visible(self, row: Mapping[str, Any] | None) -> bool:
        return row is not None and row["channel"] in self.channels

    async def requests(self, request: web.Request) -> web.Response:
        wanted = RequestFilter.from_query(request.query, now=_now())
        rows = [self.index.get(i) for i in wanted.ids] if wanted.ids else self.index.rows()
        rows = open311.newest_first(r for r in rows if self.visible(r) and wanted.admits(r))
        found: list[dict[str, Any]] = []
        for start in range(0, len(rows), STATUS_CHUNK):
            chunk = rows[start : start + STATUS_CHUNK]
            statuses = await self.status_of([r["event_id"] for r in chunk])
            for row in chunk:
                status = statuses.get(row["event_id"])
                if wanted.admits_status(status.status if status else "open"):
                    found.append(open311.service_request(row, status))
            if len(found) >= open311.MAX_REQUESTS:
                break
        return georeport(request, found[: open311.MAX_REQUESTS], "request")

    async def request(self, request: web.Request) -> web.Response:
        event_id = request.match_info["service_request_id"]
        row = self.index.get(event_id)
        if not self.visible(row):
            raise Open311Error(404, f"service_request_id {event_id!r} not found")
        statuses = await self.status_of([event_id])
        return georeport(request, [open311.service_request(row, statuses.get(event_id))], "request")

    async def status_of(self, event_ids: Sequence[str]) -> Mapping[str, RequestStatus]:
        try:
            return await self.statuses.statuses(event_ids)
        except Exception as exc:
            log.warning("case status lookup failed: %r", exc)
            raise Open311Error(503, "request status is unavailable; try again") from None

    async def webhook(self, request: web.Request) -> web.Response:
        self.check_key(request, {})
        raw = await read_body(request, timeout_s=self.body_timeout_s)
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            await self.dead_letter(f"not valid JSON: {exc}", raw)
            raise Open311Error(400, f"not valid JSON: {exc}") from None
        try:
            if not isinstance(record, dict):
                raise ContractViolation("the webhook takes one JSON object; send exports to batch")
            row = hotline12345.report_from_record(record, loaded_at=_now(), bounds=self.bounds)
        except ContractViolation as exc:
            await self.dead_letter(exc.reason, _kept(record))
            raise Open311Error(400, exc.reason) from None
        await self.publish([row])
        return json_answer({"event_id": row["event_id"]}, status=201)

    async def batch(self, request: web.Request) -> web.Response:
        self.check_key(request, {})
        raw = await read_body(request, timeout_s=self.body_timeout_s, max_bytes=MAX_BODY_BYTES)
        kind = next((k for k in ("csv", "json") if k in request.content_type), None)
        if "spreadsheetml" in request.content_type:
            kind = "xlsx"
        try:
            records, first_row = hotline12345.read_export(raw, kind=kind)
        except hotline12345.ExportError as exc:
            await self.dead_letter(exc.reason, raw)
            raise Open311Error(400, exc.reason) from None
        rows, refused = hotline12345.reports_from_records(
            records, loaded_at=_now(), bounds=self.bounds, first_row=first_row
        )
        await self.publish(rows, [refusal_dead_letter(r) for r in refused])
        answer = {
            "published": len(rows),
            "refused": [{"row": r.row, "reason": r.reason} for r in refused],
        }
        return json_answer(answer, status=422 if refused else 200)

    async def stats_view(self, request: web.Request) -> web.Response:
        return json_answer({**self.stats, "index_size": len(self.index)})


def _kept(record: Any) -> bytes:
    """What a dead letter keeps of a decoded record: JSON without keys and personal data."""
    if isinstance(record, Mapping):
        record = {k: v for k, v in record.items() if str(k).strip() not in PRIVATE_FIELDS}
    return orjson.dumps(record, default=str)


def refusal_dead_letter(refusal: hotline12345.Refusal) -> tuple[str, bytes]:
    """(reason with row number, kept record) of a refused work order, for the sink."""
    return f"row {refusal.row}: {refusal.reason}", _kept(refusal.record)


def intake_app(
    *,
    sink: ReportSink,
    index: ReportIndex,
    statuses: RequestStatuses | None = None,
    bounds: Bounds | None = None,
    api_keys: frozenset[str] = frozenset(),
    channels: frozenset[str] = frozenset({"open311"}),
    body_timeout_s: float = 30.0,
) -> web.Application:
    """The intake's web app over ``sink`` and ``index`` (see the module doc).

    ``bounds`` (south, west, north, east) refuses reports outside the service
    area; ``api_keys`` empty leaves POSTs open; ``channels`` are the report
    channels Open311 GET answers show; a body must arrive within
    ``body_timeout_s`` (else 408).
    """
    app = web.Application(middlewares=[answer_errors], client_max_size=MAX_BODY_BYTES)
    stats = app[STATS] = dict.fromkeys(
        ("published", "rejected", "errors", "index_skipped", "dead_letter_failures"), 0
    )
    intake = Intake(
        sink=sink,
        index=index,
        statuses=statuses or ReportedStatus(),
        bounds=bounds,
        api_keys=api_keys,
        channels=channels,
        stats=stats,
        body_timeout_s=body_timeout_s,
    )
    app.router.add_get(f"{OPEN311}/services.{FMT}", intake.services)
    app.router.add_get(f"{OPEN311}/services/{{code:[^/]+?}}.{FMT}", intake.service_definition)
    app.router.add_post(f"{OPEN311}/requests.{FMT}", intake.post_request)
    app.router.add_get(f"{OPEN311}/requests.{FMT}", intake.requests)
    app.router.add_get(f"{OPEN311}/requests/{{service_request_id:[^/]+?}}.{FMT}", intake.request)
    app.router.add_post("/hotline/12345/webhook", intake.webhook)
    app.router.add_post("/hotline/12345/batch", intake.batch)
    app.router.add_get("/intake/stats", intake.stats_view)
    return app
