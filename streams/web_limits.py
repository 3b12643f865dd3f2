"""Limits of the worker's HTTP server against slow and oversized clients.

faust builds its aiohttp ``AppRunner`` with aiohttp's defaults, whose
keep-alive timeout (3,630 s) is also the only bound on a client that opens a
connection and never finishes its request head: a slow-loris client could
hold sockets for an hour each. :func:`harden` rebuilds the runner with
:func:`server_options`: ``CITYBRAIN_HTTP_IDLE_TIMEOUT_S`` for a connection
without a whole request head, and aiohttp's limits on request-line and header
sizes (over them: 400 and close). Bodies have their own deadline
(``CITYBRAIN_HTTP_BODY_TIMEOUT_S``, :func:`read_body`): 408 when it passes.
"""

from __future__ import annotations

import asyncio
from typing import Any

from citybrain.settings import Settings

MAX_LINE_BYTES = 8190  # request line and each header line
MAX_HEADERS = 64


class BodyTimeout(Exception):
    """The request body did not arrive within the deadline."""


def server_options(settings: Settings) -> dict[str, Any]:
    """aiohttp server options (``AppRunner`` / ``web.run_app`` keywords) from the settings."""
    return {
        "keepalive_timeout": settings.http_idle_timeout_s,
        "max_line_size": MAX_LINE_BYTES,
        "max_field_size": MAX_LINE_BYTES,
        "max_headers": MAX_HEADERS,
    }


def harden(app: Any, settings: Settings) -> None:
    """Serve ``app``'s (a faust App's) web pages with :func:`server_options`."""
    from aiohttp.web import AppRunner

    web = app.web
    web._runner = AppRunner(web.web_app, access_log=None, **server_options(settings))


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
