"""The OpenAPI document matches the handlers, is valid, and no request gets a 5xx.

Two generated-request tests: hypothesis throws arbitrary requests (any method,
path, query, body and token) at the framework-free handlers; schemathesis
(when installed) generates requests from the document and sends them over
HTTP to the faust binding, checking every answer against the document.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import openapi_spec_validator
import orjson
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from test_case_api_support import (
    NOW,
    OTHER,
    OWN,
    REPORT,
    SECRET,
    MemoryStore,
    config,
    engine_of,
    faust_app,
    token,
)

from citybrain.settings import load
from streams.cases import api
from streams.cases.openapi import document
from streams.cases.transitions import Name, State

DOC = document()


def _resolve(ref: str) -> dict:
    node = DOC
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _refs(node) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_handler_route_is_in_the_document_and_nothing_else():
    documented = {
        (method.upper(), path) for path, operations in DOC["paths"].items() for method in operations
    }
    routes = {(e.method, api.API_PREFIX + e.path) for e in api.ENDPOINTS}
    assert documented == routes
    assert {"/api/v1/cases", "/api/v1/summary", "/api/v1/openapi.json"} <= set(DOC["paths"])
    for name in api.HUMAN_COMMANDS:
        assert f"/api/v1/cases/{{case_id}}/commands/{name}" in DOC["paths"]


def test_document_is_valid_openapi_3_1():
    openapi_spec_validator.validate(orjson.loads(orjson.dumps(DOC)))


def test_document_structure():
    assert DOC["openapi"] == "3.1.0"
    operation_ids = [op["operationId"] for ops in DOC["paths"].values() for op in ops.values()]
    assert len(operation_ids) == len(set(operation_ids))
    for ref in _refs(DOC):
        assert _resolve(ref), ref
    for path, operations in DOC["paths"].items():
        for op in operations.values():
            declared = {p["name"] for p in op["parameters"] if p["in"] == "path"}
            assert declared == {s[1:-1] for s in path.split("/") if s.startswith("{")}
            assert op["responses"], path


def test_document_is_built_from_the_handlers_tables():
    dispatch = DOC["paths"]["/api/v1/cases/{case_id}/commands/dispatch"]["post"]
    body = dispatch["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["department_id"]
    assert body["properties"]["department_id"] == api.FIELDS["department_id"]
    assert body["additionalProperties"] is False
    assert "dispatcher" in dispatch["description"]
    report = DOC["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"]["application/json"]
    assert set(report["schema"]["required"]) == {"category", "lat", "lng"}
    listing = DOC["paths"]["/api/v1/cases"]["get"]
    assert [p["name"] for p in listing["parameters"]] == [p.name for p in api.LIST_PARAMS]
    assert DOC["paths"]["/api/v1/openapi.json"]["get"]["security"] == []
    for path, operations in DOC["paths"].items():
        for op in operations.values():
            if op.get("security") != []:
                assert {"401", "403"} <= set(op["responses"]), path


def test_every_status_the_handlers_answer_is_documented():
    """Each status seen in a sweep of valid and invalid requests is in its operation."""
    store = MemoryStore()
    for state in ("reported", "dispatched", "verified"):
        store.seed(f"case-{state}", state)
    for endpoint in api.ENDPOINTS:
        responses = DOC["paths"][api.API_PREFIX + endpoint.path][endpoint.method.lower()][
            "responses"
        ]
        for case_id in ("case-reported", "case-dispatched", "case-verified", "case-x", "x y"):
            url = api.API_PREFIX + endpoint.path.replace("{case_id}", case_id)
            for bearer in (None, token("admin"), token("department_handler", OTHER)):
                for body in (None, {}, REPORT, {"reason": "x"}, {"x": 1}):
                    req = api.Request(
                        endpoint.method,
                        url,
                        {},
                        b"" if body is None else orjson.dumps(body),
                        None if bearer is None else f"Bearer {bearer}",
                    )
                    response = asyncio.run(api.handle(req, store, config(), now_at=NOW))
                    assert str(response.status) in responses, (endpoint.path, response)


# ---------------------------------------------------------------- hypothesis, any request


def _json_bytes(value) -> bytes:
    return json.dumps(value).encode()  # stdlib: integers of any size, unlike orjson


SEGMENTS = st.sampled_from(
    ["api", "v1", "cases", "case-1", "case-2", "commands", "events", "summary", "openapi.json"]
    + [n.value for n in Name]
    + ["", "..", "%00", "x" * 300, "😀", "case-1;drop"]
)
ANY_TEXT = st.text(max_size=40)
TOKENS = st.one_of(
    st.none(),
    ANY_TEXT,
    st.sampled_from(
        [
            "Bearer " + token(role, dept)
            for role, dept in [
                ("admin", None),
                ("leader", None),
                ("supervisor", None),
                ("call_taker", None),
                ("dispatcher", None),
                ("department_handler", OWN),
                ("department_handler", OTHER),
            ]
        ]
    ),
    st.builds(lambda t: "Bearer " + t, ANY_TEXT),
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False) | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=10,
)
FIELD_NAMES = st.sampled_from([*api.FIELDS, "x"])
BODIES = st.one_of(
    st.binary(max_size=200),
    JSON_VALUES.map(_json_bytes),
    st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=6).map(_json_bytes),
    st.builds(
        lambda extra: _json_bytes({**REPORT, **extra}),
        st.dictionaries(FIELD_NAMES, JSON_VALUES, max_size=2),
    ),
)
QUERIES = st.dictionaries(
    st.sampled_from([p.name for p in (*api.LIST_PARAMS, *api.SUMMARY_PARAMS)] + ["x", ""]),
    st.lists(
        st.one_of(
            ANY_TEXT,
            st.sampled_from(
                ["true", "2026-07-15", "2026-07-15T00:00:00Z", "10", "-1", "dispatched"]
            ),
        ),
        min_size=1,
        max_size=2,
    ),
    max_size=4,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "BREW"]),
    segments=st.lists(SEGMENTS, max_size=6),
    prefix=st.booleans(),
    query=QUERIES,
    body=BODIES,
    authorization=TOKENS,
    state=st.sampled_from([s.value for s in State]),
)
def test_no_generated_request_gets_a_5xx(
    method, segments, prefix, query, body, authorization, state
):
    store = MemoryStore()
    store.seed("case-1", state)
    path = ("/api/v1/" if prefix else "/") + "/".join(segments)
    request = api.Request(method, path, query, body, authorization)
    response = asyncio.run(api.handle(request, store, config(), now_at=NOW))
    assert response.status < 500, response
    orjson.dumps(response.body)  # always JSON
    if response.status >= 400:
        assert response.body["error"] and response.body["message"]


# ---------------------------------------------------------------- schemathesis, over HTTP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def live_api(tmp_path_factory) -> Iterator[str]:
    """The faust binding serving an in-memory engine on a real port, in a thread."""
    from aiohttp import web

    store = MemoryStore()
    for i, state in enumerate(s.value for s in State):
        store.seed(f"case-{i}", state, at=datetime.now(UTC) - timedelta(hours=i))
    app = faust_app()
    home = tmp_path_factory.mktemp("api-home")
    api.register_api(
        app, engine_of(store), load({"HOME": str(home), "CITYBRAIN_API_SECRET": SECRET})
    )
    port = _free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        runner = web.AppRunner(app.web.web_app)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    assert started.wait(10)
    yield f"http://127.0.0.1:{port}"
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


SCHEMA = schemathesis.openapi.from_dict(orjson.loads(orjson.dumps(DOC)))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@SCHEMA.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_schemathesis_finds_no_5xx_and_no_undocumented_answer(case, live_api):
    admin = token("admin", now_at=datetime.now(UTC))
    case.call_and_validate(
        base_url=live_api, headers={"Authorization": f"Bearer {admin}"}, checks=CHECKS
    )
