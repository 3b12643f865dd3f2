"""SQL injection and path traversal on every path and query parameter of every HTTP endpoint.

Endpoints are enumerated, not listed: the case API from its OpenAPI document,
everything else from the aiohttp routers of the worker's web server (as
``create_app`` builds it, with every page registered) and of the intake, so a
new endpoint is attacked without editing this file. Query parameters are the
documented ones (OpenAPI, or the module docs' tables below) plus an unknown
one. Requests go over a real loopback socket as raw bytes (no client
normalises ``..`` away), with a valid admin token. Every answer is a 2xx or a
4xx with a message — never a 5xx — and carries no data it should not: no
line of ``/etc/passwd``, not the seeded case or report, not the API secret.
"""

from __future__ import annotations

import asyncio
import re
import sys
import urllib.parse
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from aiohttp import web as aiohttp_web

from connectors.report_kafka import kafka_intake_app
from pipelines.broker import free_port
from streams import metrics
from streams.app import create_app
from streams.cases.api import register_api
from streams.cases.openapi import document
from streams.flood import feed
from streams.vehicles import web as vehicles_web
from streams.vehicles.fleet import Fleet
from streams.web_limits import server_options

sys.path.insert(0, str(Path(__file__).parents[1] / "streams" / "cases"))
from test_case_api_support import SECRET, MemoryStore, engine_of, token

SQL = [
    "' OR '1'='1",
    "1; DROP TABLE cases; --",
    '" OR 1=1 --',
    "x' UNION SELECT * FROM read_csv('/etc/passwd') --",
    "admin'--",
    "1) OR (1=1",
]
TRAVERSAL = [
    "../../../../../../etc/passwd",
    "..%2F..%2F..%2F..%2Fetc%2Fpasswd",
    "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "....//....//....//etc/passwd",
    "/etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "case-1%00../../etc/passwd",
    "file:///etc/passwd",
]
PAYLOADS = SQL + TRAVERSAL
LEAKS = (b"root:x:0:0", b"root:*:0:0", SECRET.encode(), b"[boot loader]")

# query parameters of the pages not in an OpenAPI document (their module docs)
DOCUMENTED_QUERY = {
    "/vehicles/positions": ("type", "bbox", "cells", "offline", "offline_s"),
    "/vehicles/positions/{vehicle_id}": ("type", "bbox", "cells", "offline", "offline_s"),
    "/vehicles/tracks/{vehicle_id}": ("start", "end", "tolerance_m"),
    "/flood/cap": ("format",),
    "/flood/cap/{message_id}": ("format",),
    "/flood/stream": ("last_event_id",),
    "/open311/v2/requests.{fmt}": (
        "service_request_id",
        "service_code",
        "start_date",
        "end_date",
        "status",
        "jurisdiction_id",
    ),
}
IGNORED = {"jurisdiction_id", "q"}  # accepted and ignored: the answer is the one without them
STREAMING = {"/flood/stream"}  # a valid request there streams forever: only its cursor is attacked


def routes_of(app: aiohttp_web.Application) -> list[tuple[str, str]]:
    """(method, path template) of every route, HEAD and the catch-all case API left out."""
    found = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        template = info.get("formatter") or info.get("path")
        if template is None or route.method in ("HEAD", "OPTIONS") or "{tail}" in template:
            continue
        found.append((route.method if route.method != "*" else "GET", template))
    return sorted(set(found))


def case_api_routes() -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, path, query parameters) of the case API from its OpenAPI document."""
    out = []
    for path, operations in document()["paths"].items():
        for method, op in operations.items():
            names = tuple(p["name"] for p in op.get("parameters", []) if p["in"] == "query")
            out.append((method.upper(), path, names))
    return out


def attacks(method: str, template: str, query_names) -> list[tuple[str, str, str | None]]:
    """(method, raw request target, ignored parameter or None) for every payload in every
    path and query parameter."""
    fill = {"fmt": "json"}
    params = re.findall(r"{(\w+)(?::[^}]*)?}", template)
    plain = re.sub(r"{(\w+)(?::[^}]*)?}", lambda m: fill.get(m.group(1), "case-404"), template)
    targets = []
    for payload in PAYLOADS:
        for name in params:
            if name == "fmt":
                continue
            for encoded in (
                urllib.parse.quote(payload, safe=""),
                urllib.parse.quote(payload, safe="/%"),
            ):
                path = re.sub(
                    r"{(\w+)(?::[^}]*)?}",
                    lambda m, name=name, encoded=encoded: (
                        encoded if m.group(1) == name else fill.get(m.group(1), "case-404")
                    ),
                    template,
                )
                targets.append((method, path, None))
        names = query_names if template in STREAMING else (*query_names, "q")
        for name in names:
            target = f"{plain}?{name}={urllib.parse.quote(payload, safe='')}"
            targets.append((method, target, plain if name in IGNORED else None))
    return targets


async def raw_request(host: str, port: int, method: str, target: str) -> tuple[int, bytes]:
    body = b"{}" if method == "POST" else b""
    head = (
        f"{method} {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        f"Authorization: Bearer {token('admin', now_at=datetime.now(UTC))}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(head.encode() + body)
    await writer.drain()
    data = b""
    try:
        while chunk := await asyncio.wait_for(reader.read(65536), 20):
            data += chunk
    finally:
        writer.close()
    status = int(data.split(b" ", 2)[1])
    return status, data.partition(b"\r\n\r\n")[2]


async def changed_by(host: str, port: int, verb: str, target: str, without: str) -> bool:
    """Whether an ignored parameter changed the answer: the answer without it is asked
    before and after; a page that changes by itself between those two (``/metrics``
    reports memory, the CAP feed the current second, the intake's stats other tests'
    reports) can only be judged by its status, which the caller has checked."""
    before = (await raw_request(host, port, verb, without))[1]
    attacked = (await raw_request(host, port, verb, target))[1]
    after = (await raw_request(host, port, verb, without))[1]
    return before == after and attacked != before


async def attack_all(host: str, port: int, routes, forbidden: bytes) -> list[str]:
    problems = []
    for method, template, names in routes:
        for verb, target, without in attacks(method, template, names):
            status, body = await raw_request(host, port, verb, target)
            if without is not None and status == 200:
                if await changed_by(host, port, verb, target, without):
                    problems.append(f"{verb} {target}: ignored parameter changed the answer")
                continue
            if status >= 500:
                problems.append(f"{verb} {target}: {status} {body[:200]!r}")
            elif status >= 400 and not body.strip():
                problems.append(f"{verb} {target}: {status} without a message")
            elif any(leak in body for leak in (*LEAKS, forbidden)):
                problems.append(f"{verb} {target}: {status} leaked {body[:200]!r}")
    return problems


@asynccontextmanager
async def serving(app: aiohttp_web.Application, runner: aiohttp_web.AppRunner | None = None):
    runner = runner or aiohttp_web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await aiohttp_web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield "127.0.0.1", port
    finally:
        await runner.cleanup()


@pytest.mark.integration
def test_worker_endpoints_refuse_injection_and_traversal(settings_env):
    settings = replace(settings_env, web_port=free_port(), api_secret=SECRET)
    app = create_app(settings, app_id="injection")
    store = MemoryStore()
    store.seed("case-1", "dispatched", description="secret-case-text")
    register_api(app, engine_of(store), settings)
    fleet = Fleet(vehicles=[{"vehicle_id": "V001", "vehicle_type": "muck_truck"}], permits=[])
    vehicles_web.register(app, {}, fleet, settings)
    feed.register(app, {}, settings)
    metrics.register(app, {})
    pages = [(m, t, DOCUMENTED_QUERY.get(t, ())) for m, t in routes_of(app.web.web_app)]
    assert {t for _, t, _ in pages} >= set(DOCUMENTED_QUERY) - {"/open311/v2/requests.{fmt}"}
    routes = case_api_routes() + pages
    assert len(routes) > 25

    async def run() -> list[str]:
        async with serving(app.web.web_app, app.web._runner) as (host, port):
            return await attack_all(host, port, routes, b"secret-case-text")

    problems = asyncio.run(run())
    assert not problems, "\n".join(problems[:20])


@pytest.mark.integration
def test_intake_endpoints_refuse_injection_and_traversal(settings_env):
    app = kafka_intake_app(bootstrap=settings_env.broker)
    routes = [(m, t, DOCUMENTED_QUERY.get(t, ())) for m, t in routes_of(app)]
    assert len(routes) >= 7
    report = {"service_code": "unlicensed_peddler", "lat": 30.25, "long": 120.15}
    report["description"] = "secret-report-text"

    async def run() -> list[str]:
        runner = aiohttp_web.AppRunner(app, **server_options(settings_env))
        async with serving(app, runner) as (host, port):
            reader, writer = await asyncio.open_connection(host, port)
            body = orjson.dumps(report)
            writer.write(
                b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body)
            )
            answer = await asyncio.wait_for(reader.read(), 30)
            writer.close()
            assert b" 201 " in answer.split(b"\r\n", 1)[0], answer
            return await attack_all(host, port, routes, b"secret-report-text")

    problems = asyncio.run(run())
    assert not problems, "\n".join(problems[:20])
