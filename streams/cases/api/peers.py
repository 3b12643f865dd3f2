"""The other workers of the group, seen from a faust worker: who holds what, and HTTP to them.

:func:`faust_cluster` reads the case partitions' workers from faust's
partition assignor (the changelog distribution every member receives with
its assignment, each worker named by its ``canonical_url``) and asks another
worker over HTTP with the caller's ``Authorization`` header and
:data:`~streams.cases.api.model.LOCAL_HEADER`, within ``timeout_s``.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping
from typing import TYPE_CHECKING, Any

import aiohttp
import orjson
from yarl import URL

from streams.cases.api.model import LOCAL_HEADER, Request, Response, StoreUnavailable
from streams.cases.api.placement import Cluster, Placement

if TYPE_CHECKING:
    import faust

PASSED_HEADERS = ("Allow", "Location", "Retry-After", "WWW-Authenticate")


def target_url(base_url: str, request: Request) -> URL:
    """The URL of ``request`` on the worker at ``base_url`` (path and query kept)."""
    query = [(name, value) for name, values in request.query.items() for value in values]
    return URL(base_url).with_path(request.path).with_query(query)


def peer_headers(request: Request) -> dict[str, str]:
    """The headers a request to another worker carries: the caller's token, the scope."""
    headers = {"Accept": "application/json"}
    if request.local:
        headers[LOCAL_HEADER] = "local"
    if request.authorization is not None:
        headers["Authorization"] = request.authorization
    if request.body:
        headers["Content-Type"] = "application/json"
    return headers


async def ask_over_http(
    session: aiohttp.ClientSession, url: str, request: Request, *, timeout_s: float
) -> Response:
    """``request`` answered by the worker at ``url``; StoreUnavailable when that fails."""
    method = "GET" if request.method.upper() == "HEAD" else request.method.upper()
    try:
        async with session.request(
            method,
            target_url(url, request),
            headers=peer_headers(request),
            data=request.body or None,
            timeout=aiohttp.ClientTimeout(total=timeout_s),
            allow_redirects=False,
        ) as answer:
            raw = await answer.read()
            headers = {k: answer.headers[k] for k in PASSED_HEADERS if k in answer.headers}
            status = answer.status
    except (TimeoutError, aiohttp.ClientError, OSError) as exc:
        raise StoreUnavailable(f"worker {url} did not answer: {exc!r}") from exc
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise StoreUnavailable(f"worker {url} answered {status} without JSON") from None
    return Response(status, body, headers)


def faust_cluster(
    app: faust.App,
    table: Any,
    *,
    ready: Callable[[], bool],
    timeout_s: float,
    counts: MutableMapping[str, int] | None = None,
) -> Cluster:
    """The :class:`Cluster` of ``app``'s consumer group for the case ``table``.

    ``counts`` (for ``/metrics``): ``peer_requests`` asked of other workers,
    ``peer_failures`` of them unanswered (each a 503 to the caller).
    """
    counts = {} if counts is None else counts

    def changelog() -> str:
        return table.changelog_topic.get_topic_name()

    def placement() -> Placement:
        if not ready():
            raise StoreUnavailable("the case partitions are being reassigned; retry shortly")
        topic = changelog()
        owners = {
            partition: url
            for url, topics in app.assignor.changelog_distribution.items()
            for partition in topics.get(topic, ())
        }
        return Placement(str(app.conf.canonical_url), table.partitions, owners)

    def held() -> frozenset[int]:
        if not ready():
            raise StoreUnavailable("the case partitions are being reassigned; retry shortly")
        topic = changelog()
        return frozenset(
            tp.partition for tp in app.assignor.assigned_actives() if tp.topic == topic
        )

    async def ask(url: str, request: Request) -> Response:
        counts["peer_requests"] = counts.get("peer_requests", 0) + 1
        try:
            return await ask_over_http(app.http_client, url, request, timeout_s=timeout_s)
        except StoreUnavailable:
            counts["peer_failures"] = counts.get("peer_failures", 0) + 1
            raise

    return Cluster(placement=placement, held=held, ask=ask)
