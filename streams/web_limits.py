"""Limits of the worker's HTTP server against slow and oversized clients.

faust builds its aiohttp ``AppRunner`` with aiohttp's defaults, whose
keep-alive timeout (3,630 s) is also the only bound on a client that opens a
connection and never finishes its request head: a slow-loris client could
hold sockets for an hour each. :func:`harden` rebuilds the runner with
:func:`server_options`: ``CITYBRAIN_HTTP_IDLE_TIMEOUT_S`` for a connection
without a whole request head, and aiohttp's limits on request-line and header
sizes (over them: 400 and close). Bodies have their own deadline
(``CITYBRAIN_HTTP_BODY_TIMEOUT_S``, :func:`read_body`): 408 when it passes.
After a refusal with the body unread (413, 408), aiohttp keeps the connection
and reads the body to discard it for ``lingering_time`` (10 s by default), so
a client announcing 100 MB held a socket for 10 s per refusal; the server
lingers :data:`LINGER_S` at most (never longer than the idle timeout), long
enough for a client still sending to read its answer before the close.

A flood of requests is bounded by :class:`InFlight`, a middleware on both
HTTP servers (the worker's and the report intake's): at most
``CITYBRAIN_HTTP_MAX_REQUESTS`` requests in progress at once (then 503) and
``CITYBRAIN_HTTP_MAX_REQUESTS_PER_CLIENT`` from one address (then 429), each
with ``Retry-After`` and a JSON reason. Behind a reverse proxy every client
has the proxy's address: raise the per-client limit to the total there.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from aiohttp import web

from citybrain.settings import Settings

MAX_LINE_BYTES = 8190  # request line and each header line
MAX_HEADERS = 64
LINGER_S = 1.0  # discarding an unread body after its answer: then the connection closes


class BodyTimeout(Exception):
    """The request body did not arrive within the deadline."""


def server_options(settings: Settings) -> dict[str, Any]:
    """aiohttp server options (``AppRunner`` / ``web.run_app`` keywords) from the settings."""
    return {
        "keepalive_timeout": settings.http_idle_timeout_s,
        "max_line_size": MAX_LINE_BYTES,
        "max_field_size": MAX_LINE_BYTES,
        "max_headers": MAX_HEADERS,
        "lingering_time": min(LINGER_S, settings.http_idle_timeout_s),
    }


class InFlight:
    """Requests in progress, in all and per client address; refuses those over a limit."""

    def __init__(self, *, total: int, per_client: int) -> None:
        self.total = total
        self.per_client = per_client
        self.by_client: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()  # "refused_429", "refused_503": for /metrics

    @classmethod
    def from_settings(cls, settings: Settings) -> InFlight:
        return cls(
            total=settings.http_max_requests, per_client=settings.http_max_requests_per_client
        )

    def refusal(self, client: str) -> tuple[int, str] | None:
        """``(status, reason)`` if one more request from ``client`` is over a limit, else None."""
        in_progress = sum(self.by_client.values())
        if in_progress >= self.total:
            return 503, f"server busy: {in_progress} requests in progress (limit {self.total})"
        if self.by_client[client] >= self.per_client:
            return 429, (
                f"too many requests in progress from {client}: "
                f"{self.by_client[client]} (limit {self.per_client})"
            )
        return None

    async def middleware(self, request: Any, handler: Any) -> Any:
        client = request.remote or "unknown"
        refused = self.refusal(client)
        if refused is not None:
            status, reason = refused
            self.refused[f"refused_{status}"] += 1
            return web.json_response({"error": reason}, status=status, headers={"Retry-After": "1"})
        self.by_client[client] += 1
        try:
            return await handler(request)
        finally:
            self.by_client[client] -= 1
            if not self.by_client[client]:
                del self.by_client[client]


def limit_requests(web_app: Any, settings: Settings) -> InFlight:
    """Put an :class:`InFlight` in front of every handler of an aiohttp ``web_app``.

    The ``web_app`` keeps it under :data:`IN_FLIGHT` (its refusals go to ``/metrics``).
    """
    limits = InFlight.from_settings(settings)

    @web.middleware
    async def in_flight(request: Any, handler: Any) -> Any:
        return await limits.middleware(request, handler)

    web_app.middlewares.insert(0, in_flight)
    web_app[IN_FLIGHT] = limits
    return limits


def harden(app: Any, settings: Settings) -> None:
    """Serve ``app``'s (a faust App's) web pages with :func:`server_options` and limits."""
    faust_web = app.web
    limit_requests(faust_web.web_app, settings)
    faust_web._runner = web.AppRunner(
        faust_web.web_app, access_log=None, **server_options(settings)
    )


async def read_body(request: Any, *, max_bytes: int, timeout_s: float) -> bytes:
    """At most ``max_bytes + 1`` bytes of the body (enough to tell it is too large),
    within ``timeout_s`` of the first read; BodyTimeout otherwise."""
    if (request.content_length or 0) > max_bytes:
        return b"x" * (max_bytes + 1)

    async def read() -> bytes:
        chunks: list[bytes] = []
        size = 0
        while size <= max_bytes:
            chunk = await request.content.read(max_bytes + 1 - size)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)

    try:
        return await asyncio.wait_for(read(), timeout_s)
    except TimeoutError:
        raise BodyTimeout(f"the request body did not arrive within {timeout_s:g} s") from None


IN_FLIGHT = web.AppKey("citybrain_in_flight", InFlight)  # where limit_requests keeps it


def in_flight_of(app: Any) -> InFlight | None:
    """The :class:`InFlight` of a faust App's web server, if :func:`harden` installed one."""
    try:
        return app.web.web_app.get(IN_FLIGHT)
    except Exception:  # no web server (web disabled)
        return None
