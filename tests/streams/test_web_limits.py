"""Abuse of the HTTP servers over real loopback sockets: the worker's web server and the intake.

The worker's server is the one ``create_app`` builds (its hardened aiohttp
runner) with the case API, vehicle positions, flood stream and ``/metrics``
on it; the intake is ``kafka_intake_app`` on the real broker with the
options ``citybrain intake serve`` uses. Each abuse — a request head
dribbled a line at a time, a body dribbled a byte at a time, oversized
request lines, headers and bodies, a connection flood, a flood of SSE
streams — gets a clean 4xx/503 or a close, and afterwards the server still
answers a valid request. Limits are small so each test stops by itself.
"""

from __future__ import annotations

import asyncio
import sys
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web as aiohttp_web

from citybrain.settings import load
from connectors.report_kafka import kafka_intake_app
from pipelines.broker import free_port
from streams import metrics
from streams.app import create_app
from streams.cases.api import register_api
from streams.flood import feed
from streams.vehicles import web as vehicles_web
from streams.vehicles.fleet import Fleet
from streams.web_limits import InFlight, in_flight_of, limit_requests, server_options

sys.path.insert(0, str(Path(__file__).parent / "cases"))
from test_case_api_support import SECRET, MemoryStore, engine_of

BOUND_S = 20.0  # a bound on each wait, not a speed claim: closes come after ~1 s
FLOOD_CONNECTIONS = 200


def small_limits(settings):
    return replace(settings, http_idle_timeout_s=1.0, http_body_timeout_s=1.0, http_max_streams=3)


@asynccontextmanager
async def worker_web(settings):
    """The worker's web server as ``create_app`` builds it, serving our pages on loopback."""
    settings = replace(small_limits(settings), web_port=free_port(), api_secret=SECRET)
    app = create_app(settings, app_id="web-abuse")
    store = MemoryStore()
    store.seed("case-1", "dispatched")
    register_api(app, engine_of(store), settings)
    vehicles_web.register(app, {}, Fleet(vehicles=[], permits=[]), settings)
    feed.register(app, {}, settings)
    metrics.register(app, {"intake": {"accepted": 1}, "http": in_flight_of(app).refused})
    runner = app.web._runner  # the hardened runner create_app installed
    await runner.setup()
    site = aiohttp_web.TCPSite(runner, "127.0.0.1", settings.web_port)
    await site.start()
    try:
        yield "127.0.0.1", settings.web_port
    finally:
        await runner.cleanup()


@asynccontextmanager
async def intake_web(settings, **overrides):
    """The report intake as ``citybrain intake serve`` runs it, on loopback."""
    settings = replace(small_limits(settings), **overrides)
    app = kafka_intake_app(bootstrap=settings.broker, body_timeout_s=settings.http_body_timeout_s)
    limit_requests(app, settings)
    runner = aiohttp_web.AppRunner(app, **server_options(settings))
    await runner.setup()
    port = free_port()
    await aiohttp_web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield "127.0.0.1", port
    finally:
        await runner.cleanup()


async def http(host: str, port: int, raw: bytes) -> tuple[int | None, bytes]:
    """Send raw bytes on a fresh connection; (status, whole answer) until the server closes."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(raw)
        await writer.drain()
        data = b""
        while chunk := await asyncio.wait_for(reader.read(65536), BOUND_S):
            data += chunk
            if b"\r\n\r\n" in data and b"Connection: close" not in raw:
                head, _, body = data.partition(b"\r\n\r\n")
                length = next(
                    (
                        int(h.split(b":")[1])
                        for h in head.split(b"\r\n")
                        if h.lower().startswith(b"content-length:")
                    ),
                    None,
                )
                if length is not None and len(body) >= length:
                    break
    except ConnectionError:
        data = b""
    finally:
        writer.close()
    status = int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else None
    return status, data


def get(path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    try:
        while await asyncio.wait_for(reader.read(65536), BOUND_S):
            pass
    except ConnectionError:
        return True
    except TimeoutError:
        return False
    return True


async def slow_head(host: str, port: int, path: str) -> None:
    """A request head that never ends: one header line every 0.2 s."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(f"GET {path} HTTP/1.1\r\nHost: x\r\n".encode())
    lines = 0
    try:
        while not reader.at_eof() and lines < 100:
            writer.write(f"X-Slow-{lines}: 1\r\n".encode())
            await writer.drain()
            lines += 1
            await asyncio.sleep(0.2)
    except ConnectionError:
        pass
    assert await closed_by_server(reader)
    assert lines < 100, "the server waited for a head that never ended"
    writer.close()


async def slow_body(host: str, port: int, path: str) -> int | None:
    """A POST announcing 1,000 bytes and sending one every 0.2 s: answered 408 (or closed)."""
    reader, writer = await asyncio.open_connection(host, port)
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    writer.write(f"{head}Content-Length: 1000\r\n\r\n{{".encode())
    data = b""
    try:
        for _ in range(100):
            writer.write(b" ")
            await writer.drain()
            await asyncio.sleep(0.2)
            if reader.at_eof() or (data := data + await _ready(reader)):
                break
        data += await asyncio.wait_for(reader.read(65536), BOUND_S)
    except (ConnectionError, TimeoutError):
        pass
    writer.close()
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.") else None


async def _ready(reader: asyncio.StreamReader) -> bytes:
    try:
        return await asyncio.wait_for(reader.read(65536), 0.01)
    except TimeoutError:
        return b""


async def connection_flood(host: str, port: int) -> None:
    """Many connections that send nothing: all are closed by the server, none served."""
    opened = [await asyncio.open_connection(host, port) for _ in range(FLOOD_CONNECTIONS)]
    closed = await asyncio.gather(*(closed_by_server(r) for r, _ in opened))
    assert all(closed)
    for _, writer in opened:
        writer.close()


def huge_line(path: str) -> bytes:
    return f"GET {path}?q={'a' * 20_000} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()


def huge_header(path: str) -> bytes:
    big = "a" * 20_000
    return f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\nConnection: close\r\n\r\n".encode()


def many_headers(path: str) -> bytes:
    headers = "".join(f"X-{i}: 1\r\n" for i in range(500))
    return f"GET {path} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n".encode()


def huge_body(path: str) -> bytes:
    head = f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    return f"{head}Content-Length: 104857600\r\nConnection: close\r\n\r\n{{".encode()


WORKER_PAGES = ("/api/v1/openapi.json", "/vehicles/positions", "/metrics", "/flood/stream")
INTAKE_PAGES = ("/open311/v2/services.json", "/open311/v2/requests.json", "/intake/stats")
WORKER_POSTS = ("/api/v1/cases", "/api/v1/cases/case-1/commands/handle")
INTAKE_POSTS = ("/open311/v2/requests.json", "/hotline/12345/webhook", "/hotline/12345/batch")


async def still_serves(host: str, port: int, path: str) -> None:
    status, _ = await http(host, port, get(path))
    assert status == 200, (path, status)


async def abuse_all(host: str, port: int, pages, posts, alive: str) -> dict:
    seen: dict = {}
    for path in pages:
        for name, raw in (
            ("huge_line", huge_line(path)),
            ("huge_header", huge_header(path)),
            ("many_headers", many_headers(path)),
        ):
            seen[name, path] = (await http(host, port, raw))[0]
        await slow_head(host, port, path)
    for path in posts:
        seen["huge_body", path] = (await http(host, port, huge_body(path)))[0]
        seen["slow_body", path] = await slow_body(host, port, path)
    await connection_flood(host, port)
    await still_serves(host, port, alive)
    return seen


def check_refusals(seen: dict) -> None:
    for (name, path), status in seen.items():
        if name in {"huge_line", "huge_header", "many_headers"}:
            assert status in (400, 413, 414, 431), (name, path, status)
        elif name == "huge_body":
            assert status == 413, (name, path, status)
        else:  # slow body: a 408 with a message, or the connection closed
            assert status in (408, None), (name, path, status)


@pytest.mark.integration
def test_worker_web_server_survives_abuse(settings_env):
    async def run() -> dict:
        async with worker_web(settings_env) as (host, port):
            seen = await abuse_all(host, port, WORKER_PAGES, WORKER_POSTS, "/api/v1/openapi.json")
            await still_serves(host, port, "/metrics")
            return seen

    check_refusals(asyncio.run(run()))


@pytest.mark.integration
def test_intake_survives_abuse(settings_env):
    async def run() -> dict:
        async with intake_web(settings_env) as (host, port):
            seen = await abuse_all(host, port, INTAKE_PAGES, INTAKE_POSTS, "/intake/stats")
            await still_serves(host, port, "/open311/v2/services.json")
            return seen

    check_refusals(asyncio.run(run()))


@pytest.mark.integration
def test_flood_streams_beyond_the_limit_get_503_and_the_rest_keep_streaming(settings_env):
    async def run() -> list:
        async with worker_web(settings_env) as (host, port):
            held = []
            for _ in range(3):  # http_max_streams
                reader, writer = await asyncio.open_connection(host, port)
                writer.write(b"GET /flood/stream HTTP/1.1\r\nHost: x\r\n\r\n")
                await writer.drain()
                head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND_S)
                held.append((head, reader, writer))
            refused = await http(host, port, get("/flood/stream"))
            for _, _, writer in held:
                writer.close()
            await asyncio.sleep(0.5)
            again = await http(host, port, get("/flood/stream?last_event_id=x"))
            return [h.split(b" ", 2)[1] for h, _, _ in held], refused, again

    held, refused, again = asyncio.run(run())
    assert held == [b"200"] * 3
    assert refused[0] == 503 and b"Retry-After" in refused[1]
    assert again[0] == 400  # a slot is free again: the request reaches its own checks


def test_in_flight_refuses_over_the_total_with_503_and_over_a_client_with_429():
    limits = InFlight(total=3, per_client=2)
    assert limits.refusal("10.0.0.1") is None
    limits.by_client.update({"10.0.0.1": 2})
    status, reason = limits.refusal("10.0.0.1")
    assert status == 429 and reason == ("too many requests in progress from 10.0.0.1: 2 (limit 2)")
    assert limits.refusal("10.0.0.2") is None  # another client still gets in
    limits.by_client.update({"10.0.0.2": 1})
    assert limits.refusal("10.0.0.3") == (
        503,
        "server busy: 3 requests in progress (limit 3)",
    )


async def hold_requests(host: str, port: int, raw: bytes, count: int) -> list:
    """``count`` connections whose requests stay in progress (streams, or bodies not sent)."""
    held = []
    for _ in range(count):
        reader, writer = await asyncio.open_connection(host, port)
        writer.write(raw)
        await writer.drain()
        held.append((reader, writer))
    await asyncio.sleep(0.3)  # let the server start handling them
    return held


async def refused_then_served(host: str, port: int, hold: bytes, path: str) -> tuple:
    """Two requests held in progress, a GET of ``path`` meanwhile, and once they are let go."""
    held = await hold_requests(host, port, hold, 2)
    refused = await http(host, port, get(path))
    for _, writer in held:
        writer.close()
    await asyncio.sleep(0.5)
    return refused, await http(host, port, get(path))


@pytest.mark.integration
@pytest.mark.parametrize(("limits", "status"), [((10, 2), 429), ((2, 10), 503)])
def test_worker_requests_in_progress_beyond_a_limit_are_refused_then_served_again(
    settings_env, limits, status
):
    total, per_client = limits
    settings = replace(
        settings_env, http_max_requests=total, http_max_requests_per_client=per_client
    )

    async def run() -> tuple:
        async with worker_web(settings) as (host, port):
            stream = b"GET /flood/stream HTTP/1.1\r\nHost: x\r\n\r\n"
            return await refused_then_served(host, port, stream, "/metrics")

    (refused_status, refused_body), (served_status, metrics_text) = asyncio.run(run())
    assert refused_status == status
    assert b"Retry-After: 1" in refused_body and b"in progress" in refused_body
    assert served_status == 200
    line = f'citybrain_records_total{{agent="http",counter="refused_{status}"}} 1'
    assert line.encode() in metrics_text


@pytest.mark.integration
def test_intake_refuses_a_client_holding_too_many_requests(settings_env):
    limits = {"http_max_requests_per_client": 2, "http_body_timeout_s": 30.0}

    async def run() -> tuple:
        async with intake_web(settings_env, **limits) as (host, port):
            head = (
                "POST /hotline/12345/webhook HTTP/1.1\r\nHost: x\r\n"
                "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
            )
            return await refused_then_served(host, port, head.encode(), "/intake/stats")

    (refused_status, refused_body), (served_status, _) = asyncio.run(run())
    assert refused_status == 429 and b"from 127.0.0.1" in refused_body
    assert served_status == 200


def test_a_refused_body_is_discarded_for_a_second_at_most_then_the_connection_closes(tmp_path):
    """aiohttp would read a refused body for 10 s (its lingering close), a socket per refusal."""
    settings = load({"HOME": str(tmp_path)})
    assert server_options(settings)["lingering_time"] == 1.0
    quick = replace(settings, http_idle_timeout_s=0.5)
    assert server_options(quick)["lingering_time"] == 0.5
