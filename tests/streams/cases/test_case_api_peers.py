"""Asking another worker over real HTTP: the request arrives whole, failures are refusals."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer
from test_case_api_support import SECRET, MemoryStore, engine_of, faust_app, request, token

from citybrain.settings import load
from pipelines.broker import free_port
from streams.cases import api
from streams.cases.api.model import LOCAL_HEADER
from streams.cases.api.peers import ask_over_http, faust_cluster, peer_headers, target_url
from streams.cases.wire import partition_of


@pytest.fixture
async def worker(tmp_path):
    """A worker's web server with the case API over one dispatched case."""
    store = MemoryStore()
    store.seed("case-1", "dispatched", at=datetime.now(UTC))
    app = faust_app()
    settings = load({"HOME": str(tmp_path), "CITYBRAIN_API_SECRET": SECRET})
    api.register_api(app, engine_of(store), settings)
    async with TestServer(app.web.web_app) as server, aiohttp.ClientSession() as session:
        yield str(server.make_url("")).rstrip("/"), session


def bearer() -> str:
    return token("leader", now_at=datetime.now(UTC))


def test_the_request_keeps_its_path_query_token_and_scope():
    req = request("GET", "/api/v1/cases?from=2026-07-15T08:00:00%2B08:00&status=reported")
    url = target_url("http://127.0.0.1:7002", req)
    assert (url.host, url.port, url.path) == ("127.0.0.1", 7002, "/api/v1/cases")
    assert url.query["from"] == "2026-07-15T08:00:00+08:00" and "%2B08" in str(url)
    local = request("POST", "/api/v1/cases", bearer="t0k", json={"a": 1})
    headers = peer_headers(replace(local, local=True))
    assert headers[LOCAL_HEADER] == "local" and headers["Authorization"] == "Bearer t0k"
    assert headers["Content-Type"] == "application/json"
    assert LOCAL_HEADER not in peer_headers(request("GET", "/api/v1/cases"))


async def test_a_worker_answers_an_asked_request(worker):
    url, session = worker
    path = "/api/v1/cases?from=2026-07-15T08:00:00%2B08:00"
    listed = await ask_over_http(session, url, request("GET", path, bearer=bearer()), timeout_s=5)
    assert listed.status == 200 and listed.body["total"] == 1
    refused = await ask_over_http(session, url, request("GET", "/api/v1/cases"), timeout_s=5)
    assert refused.status == 401 and "WWW-Authenticate" in refused.headers
    command = request(
        "POST",
        "/api/v1/cases/case-1/commands/handle",
        bearer=token("department_handler", now_at=datetime.now(UTC)),
        json={"feedback": "cleared"},
    )
    accepted = await ask_over_http(session, url, command, timeout_s=5)
    assert accepted.status == 202 and accepted.headers["Location"].endswith("/cases/case-1")


async def test_an_unreachable_worker_is_unavailable():
    async with aiohttp.ClientSession() as session:
        gone = f"http://127.0.0.1:{free_port()}"
        with pytest.raises(api.StoreUnavailable, match="did not answer"):
            await ask_over_http(session, gone, request("GET", "/api/v1/cases"), timeout_s=5)


async def test_an_answer_that_is_not_json_is_unavailable():
    async def proxy_error(_: web.Request) -> web.Response:
        return web.Response(text="<html>proxy error")

    page = web.Application()
    page.router.add_get("/api/v1/cases", proxy_error)
    async with TestServer(page) as server, aiohttp.ClientSession() as session:
        url = str(server.make_url("")).rstrip("/")
        with pytest.raises(api.StoreUnavailable, match="without JSON"):
            await ask_over_http(session, url, request("GET", "/api/v1/cases"), timeout_s=5)


def test_the_placement_is_the_groups_changelog_distribution():
    app = faust_app(canonical_url="http://127.0.0.1:7001")
    table = app.Table("cases", default=None, partitions=3)
    topic = table.changelog_topic.get_topic_name()
    app.assignor.changelog_distribution = {
        "http://127.0.0.1:7001": {topic: [0, 2], "other-changelog": [1]},
        "http://127.0.0.1:7002": {topic: [1]},
    }
    cluster = faust_cluster(app, table, ready=lambda: True, timeout_s=5)
    placement = cluster.placement()
    assert (placement.self_url, placement.partitions) == ("http://127.0.0.1:7001", 3)
    assert placement.owners == {
        0: "http://127.0.0.1:7001",
        1: "http://127.0.0.1:7002",
        2: "http://127.0.0.1:7001",
    }
    assert placement.others() == ("http://127.0.0.1:7002",)
    on_1 = next(f"case-{n}" for n in range(50) if partition_of(f"case-{n}", 3) == 1)
    assert placement.owner_of(on_1) == "http://127.0.0.1:7002"
    rebalancing = faust_cluster(app, table, ready=lambda: False, timeout_s=5)
    with pytest.raises(api.StoreUnavailable, match="reassigned"):
        rebalancing.placement()


async def test_asks_and_their_failures_are_counted(worker):
    url, _ = worker
    app = faust_app()
    counts: dict[str, int] = {}
    table = app.Table("cases", default=None, partitions=3)
    cluster = faust_cluster(app, table, ready=lambda: True, timeout_s=5, counts=counts)
    try:
        assert (await cluster.ask(url, request("GET", "/api/v1/cases"))).status == 401
        with pytest.raises(api.StoreUnavailable):
            await cluster.ask(f"http://127.0.0.1:{free_port()}", request("GET", "/api/v1/cases"))
    finally:
        await app.http_client.close()
    assert counts == {"peer_requests": 2, "peer_failures": 1}
