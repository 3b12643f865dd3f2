"""The faust binding: the case API on a faust app's aiohttp web server, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from test_case_api_support import (
    OWN,
    REPORT,
    SECRET,
    MemoryStore,
    engine_of,
    faust_app,
    token,
)

from citybrain.settings import load
from streams.cases import api
from streams.cases.api import binding
from streams.cases.wire import partition_of


def settings(tmp_path, **env):
    return load({"HOME": str(tmp_path), "CITYBRAIN_API_SECRET": SECRET, **env})


@pytest.fixture
def store() -> MemoryStore:
    store = MemoryStore()
    store.seed("case-1", "dispatched")
    return store


@pytest.fixture
async def client(store, tmp_path):
    app = faust_app()
    engine = engine_of(store)
    api.register_api(app, engine, settings(tmp_path))
    async with TestClient(TestServer(app.web.web_app)) as client:
        client.engine = engine
        yield client


def auth_header(role: str, department: str | None = None) -> dict[str, str]:
    """A token valid now: the server checks it against the real clock."""
    return {"Authorization": f"Bearer {token(role, department, now_at=datetime.now(UTC))}"}


async def test_get_case_over_http(client):
    response = await client.get("/api/v1/cases/case-1", headers=auth_header("leader"))
    assert response.status == 200
    assert response.content_type == "application/json"
    body = await response.json()
    assert (body["case_id"], body["department_id"]) == ("case-1", OWN)


async def test_report_is_produced_to_the_command_topic_keyed_by_case_id(client, store):
    response = await client.post(
        "/api/v1/cases", json={**REPORT, "command_id": "pad-1"}, headers=auth_header("supervisor")
    )
    assert response.status == 202
    body = await response.json()
    assert response.headers["Location"] == body["case_url"]
    ((key, value),) = client.engine.commands.messages
    doc = orjson.loads(value)
    assert key == body["case_id"] == doc["case_id"]
    assert (doc["name"], doc["command_id"], doc["role"]) == ("report", "pad-1", "supervisor")
    assert store.get(body["case_id"])["state"] == "reported"


async def test_errors_are_json_with_their_headers(client):
    no_token = await client.get("/api/v1/cases")
    assert no_token.status == 401
    assert no_token.headers["WWW-Authenticate"].startswith("Bearer")
    assert (await no_token.json())["error"] == "missing_token"

    wrong_method = await client.delete("/api/v1/cases/case-1", headers=auth_header("admin"))
    assert wrong_method.status == 405
    assert wrong_method.headers["Allow"] == "GET"
    assert (await wrong_method.json())["error"] == "method_not_allowed"

    unknown = await client.get("/api/v1/no/such/thing", headers=auth_header("admin"))
    assert (unknown.status, (await unknown.json())["error"]) == (404, "not_found")

    head = await client.head("/api/v1/cases/case-1", headers=auth_header("admin"))
    assert head.status == 200


async def test_query_strings_and_department_scope_over_http(client):
    response = await client.get(
        "/api/v1/cases",
        params={"status": "dispatched", "limit": "5"},
        headers=auth_header("department_handler", "E02"),
    )
    assert response.status == 200
    assert (await response.json())["items"] == []


async def test_large_body_is_413_without_reading_it_all(client):
    big = b"{" + b" " * (api.MAX_BODY_BYTES * 4) + b"}"
    response = await client.post("/api/v1/cases", data=big, headers=auth_header("supervisor"))
    assert response.status == 413

    async def chunks():
        yield big[:1000]
        yield big[1000:]

    chunked = await client.post("/api/v1/cases", data=chunks(), headers=auth_header("supervisor"))
    assert chunked.status == 413


async def test_producer_failure_is_503(store, tmp_path):
    app = faust_app()
    api.register_api(app, engine_of(store, fail=True), settings(tmp_path))
    async with TestClient(TestServer(app.web.web_app)) as client:
        response = await client.post(
            "/api/v1/cases/case-1/commands/handle",
            json={"feedback": "done"},
            headers=auth_header("department_handler"),
        )
        assert response.status == 503
        assert "broker down" in (await response.json())["message"]
    assert store.get("case-1")["state"] == "dispatched"


async def test_tables_restoring_is_503(store, tmp_path):
    app = faust_app()
    api.register_api(app, engine_of(store), settings(tmp_path))
    app.in_recovery = True
    async with TestClient(TestServer(app.web.web_app)) as client:
        response = await client.get("/api/v1/cases/case-1", headers=auth_header("leader"))
        assert response.status == 503
        assert "restored" in (await response.json())["message"]


async def test_no_secret_is_503_over_http(store, tmp_path):
    app = faust_app()
    api.register_api(app, engine_of(store), load({"HOME": str(tmp_path)}))
    async with TestClient(TestServer(app.web.web_app)) as client:
        response = await client.get("/api/v1/openapi.json")
        assert response.status == 503
        assert "CITYBRAIN_API_SECRET" in (await response.json())["message"]


async def test_a_handler_bug_is_a_json_500_not_a_crash(store, tmp_path, monkeypatch):
    app = faust_app()
    api.register_api(app, engine_of(store), settings(tmp_path))

    async def broken(*args, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(binding, "handle", broken)  # the name the aiohttp view calls
    async with TestClient(TestServer(app.web.web_app)) as client:
        response = await client.get("/api/v1/cases")
        assert response.status == 500
        assert (await response.json())["error"] == "internal_error"


def test_refuses_to_serve_next_to_faust_table_pages(store, tmp_path):
    with pytest.raises(RuntimeError, match="web_tables_enabled=False"):
        api.register_api(faust_app(web_tables_enabled=True), engine_of(store), settings(tmp_path))


def test_engine_store_reads_real_faust_tables(store):
    app = faust_app()
    cases = app.Table("cases", default=None, partitions=3)
    history = app.Table("case_history", default=None, partitions=3)
    cases.data["case-1"] = store.get("case-1")
    history.data["case-1"] = store.history("case-1")
    engine_store = api.EngineStore(SimpleNamespace(table=cases, history=history, commands=None))
    assert engine_store.get("case-1")["state"] == "dispatched"
    assert engine_store.get("case-2") is None
    assert [c["case_id"] for c in engine_store.cases()] == ["case-1"]
    assert len(engine_store.history("case-1")) == 4
    assert engine_store.history("case-2") == []


def test_engine_store_lists_only_the_partitions_this_worker_holds():
    store = MemoryStore()
    for n in range(9):
        store.seed(f"case-{n}", "reported")
    held = frozenset({0, 2})
    engine_store = api.EngineStore(engine_of(store), held=lambda: held, partitions=3)
    listed = {c["case_id"] for c in engine_store.cases()}
    assert listed == {c for c in store.cases_by_id if partition_of(c, 3) in held}
    assert set() < listed < set(store.cases_by_id)
    assert len(api.EngineStore(engine_of(store)).cases()) == 9
