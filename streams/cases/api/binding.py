"""The case API on a faust worker: the engine's tables as the store, aiohttp requests in.

:class:`EngineStore` is the :class:`~streams.cases.api.model.CaseStore` over
the engine's faust tables and the ``cases.commands`` topic; the rest of the
package reaches them only through that protocol. :func:`register_api` serves
:func:`~streams.cases.api.routing.handle` on the worker's web server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import orjson

from streams.cases.api.model import (
    API_PREFIX,
    LOCAL_HEADER,
    MAX_BODY_BYTES,
    ApiConfig,
    Request,
    StoreUnavailable,
    error,
)
from streams.cases.api.peers import faust_cluster
from streams.cases.api.routing import handle
from streams.cases.commands import Command
from streams.cases.wire import partition_of
from streams.web_limits import BodyTimeout, read_body

if TYPE_CHECKING:
    import faust

    from citybrain.settings import Settings

log = logging.getLogger(__name__)

SEND_TIMEOUT_S = 10.0


class EngineStore:
    """The engine's faust tables and command topic as a :class:`CaseStore`.

    Reads see the partitions this worker holds; with several workers,
    :func:`register_api` sends each request to the worker that holds the
    case, or gathers from every worker (:mod:`streams.cases.api.spread`).
    ``held`` (with the tables' ``partitions``) limits :meth:`cases` to the
    partitions this worker holds now: faust's in-memory store keeps the
    cases of partitions it gave away, which would count twice in a list.
    """

    def __init__(
        self,
        engine: Any,
        *,
        ready: Callable[[], bool] = lambda: True,
        held: Callable[[], frozenset[int]] | None = None,
        partitions: int = 1,
    ) -> None:
        self.engine = engine
        self.ready = ready
        self.held = held
        self.partitions = partitions

    def _read(self, read: Callable[[], Any]) -> Any:
        if not self.ready():
            raise StoreUnavailable("case tables are being restored; retry shortly")
        try:
            return read()
        except Exception as exc:  # a table that cannot be read now
            raise StoreUnavailable(f"case tables cannot be read: {exc!r}") from exc

    def get(self, case_id: str) -> Mapping[str, Any] | None:
        return self._read(lambda: self.engine.table.get(case_id))

    def _held_cases(self) -> list[Mapping[str, Any]]:
        if self.held is None:
            return list(self.engine.table.values())
        held = self.held()
        items = self.engine.table.items()
        return [case for key, case in items if partition_of(key, self.partitions) in held]

    def cases(self) -> list[Mapping[str, Any]]:
        return self._read(self._held_cases)

    def history(self, case_id: str) -> Sequence[Mapping[str, Any]]:
        return self._read(lambda: self.engine.history.get(case_id)) or []

    def retired(self, case_id: str) -> Mapping[str, Any] | None:
        table = getattr(self.engine, "retired", None)
        if table is None or case_id.startswith("~"):  # "~partition:N" is not a case
            return None
        return self._read(lambda: table.get(case_id))

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


def register_api(
    app: faust.App, engine: Any, settings: Settings, *, across_workers: bool = False
) -> dict[str, int]:
    """Serve the case API under /api/v1 on the worker's web server.

    ``engine`` has ``table`` (cases), ``history`` (case_history) and
    ``commands`` (the cases.commands topic). ``across_workers``: the tables
    are faust tables shared by the consumer group, so answer for every
    worker's partitions (the stream worker does; an engine of plain dicts
    cannot). Refuses to start when faust's own ``/table`` pages are on: they
    would serve case data without a token. Returns the API's live counters
    for ``/metrics`` (requests asked of other workers, and failed).
    """
    import faust

    if app.conf.web_tables_enabled:
        raise RuntimeError(
            "faust's /table/ pages would serve case data without a token: "
            "create the app with web_tables_enabled=False"
        )
    config = ApiConfig.from_settings(settings)

    def ready() -> bool:
        return not (getattr(app, "in_recovery", False) or getattr(app, "rebalancing", False))

    store = EngineStore(engine, ready=ready)
    counts = dict.fromkeys(("peer_requests", "peer_failures"), 0)
    cluster = None
    if across_workers:
        timeout_s = settings.api_peer_timeout_s
        cluster = faust_cluster(app, engine.table, ready=ready, timeout_s=timeout_s, counts=counts)
        partitions = engine.table.partitions
        store = EngineStore(engine, ready=ready, held=cluster.held, partitions=partitions)

    async def answer(view: faust.web.View, request: Any) -> faust.web.Response:
        try:
            query: dict[str, list[str]] = {}
            for key, value in request.query.items():
                query.setdefault(key, []).append(value)
            body = await read_body(
                request, max_bytes=MAX_BODY_BYTES, timeout_s=settings.http_body_timeout_s
            )
            call = Request(
                request.method,
                request.path,
                query,
                body,
                request.headers.get("Authorization"),
                local=request.headers.get(LOCAL_HEADER) == "local",
            )
            response = await handle(call, store, config, now_at=datetime.now(UTC), cluster=cluster)
        except BodyTimeout as exc:
            response = error(408, "request_timeout", str(exc), {"Connection": "close"})
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

    return counts
