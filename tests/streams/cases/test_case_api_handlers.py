"""The case API's handlers against an in-memory engine: what each endpoint answers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_case_api_support import (
    NOW,
    OWN,
    REPORT,
    MemoryStore,
    call,
    command,
    config,
    token,
)

from citybrain import auth
from streams.cases import api

LEADER, SUPERVISOR, DISPATCHER = token("leader"), token("supervisor"), token("dispatcher")
HANDLER, CALL_TAKER = token("department_handler"), token("call_taker")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def test_a_case_walks_its_whole_life_over_the_api(store):
    created = call(store, "POST", "/api/v1/cases", bearer=SUPERVISOR, json=REPORT)
    assert created.status == 202
    case_id = created.body["case_id"]
    assert created.headers["Location"] == f"/api/v1/cases/{case_id}"
    assert created.body["expected_state"] == "reported"
    steps = [
        ("accept", CALL_TAKER, {}),
        ("register", LEADER, {}),
        ("dispatch", DISPATCHER, {"department_id": OWN}),
        ("request_postponement", HANDLER, {"hours": 2, "reason": "needs a truck"}),
        ("approve_postponement", DISPATCHER, {}),
        ("handle", HANDLER, {"feedback": "vendor moved on"}),
        ("rework", SUPERVISOR, {"reason": "back again"}),
        ("handle", HANDLER, {"feedback": "stall removed"}),
        ("verify", SUPERVISOR, {}),
        ("close", LEADER, {}),
    ]
    for name, bearer, body in steps:
        response = command(store, name, bearer, case_id, **body)
        assert response.status == 202, (name, response.body)
        case = call(store, "GET", f"/api/v1/cases/{case_id}", bearer=LEADER).body
        assert case["state"] == response.body["expected_state"]
    events = call(store, "GET", f"/api/v1/cases/{case_id}/events", bearer=LEADER).body["events"]
    assert [e["command"] for e in events] == ["report"] + [s[0] for s in steps]
    assert [e["version"] for e in events] == list(range(1, len(steps) + 2))
    assert case["rework_count"] == 1 and case["postponement_count"] == 1
    assert case["commands_allowed"] == [] and "command_ids" not in case
    assert store.refused == []


def test_report_with_a_command_id_is_idempotent(store):
    body = {**REPORT, "command_id": "tablet-7:0042", "description": "游商占道"}
    first = call(store, "POST", "/api/v1/cases", bearer=SUPERVISOR, json=body)
    again = call(store, "POST", "/api/v1/cases", bearer=SUPERVISOR, json=body)
    assert first.status == again.status == 202
    assert first.body["case_id"] == again.body["case_id"]
    assert again.body["status"] == "already_applied"
    assert len(store.cases_by_id) == 1 and len(store.sent) == 1
    case = store.get(first.body["case_id"])
    assert (case["description"], case["source"]) == ("游商占道", "supervisor")
    other = call(store, "POST", "/api/v1/cases", bearer=token("call_taker"), json=body)
    assert other.body["case_id"] != first.body["case_id"]  # ids are per subject


def test_report_requests_urgency_and_grid(store):
    body = {**REPORT, "urgency": "urgent", "grid_code": "330106001002003"}
    created = call(store, "POST", "/api/v1/cases", bearer=CALL_TAKER, json=body)
    case = store.get(created.body["case_id"])
    assert (case["urgency"], case["grid_code"], case["source"]) == (
        "urgent",
        "330106001002003",
        "call_taker",
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"lat": 30.25, "lng": 120.17}, "needs field 'category'"),
        ({**REPORT, "category": "ufo"}, "must be one of"),
        ({**REPORT, "lat": 91}, "'lat' must be >= -90 and <= 90"),
        ({**REPORT, "lat": "30.2"}, "'lat' must be a number"),
        ({**REPORT, "lng": True}, "'lng' must be a number"),
        ({**REPORT, "urgency": "asap"}, "must be one of"),
        ({**REPORT, "grid_code": "12"}, "'grid_code' must match"),
        ({**REPORT, "reporter": "x"}, "unknown field 'reporter'"),
        ({**REPORT, "command_id": ""}, "'command_id' must match"),
        ({**REPORT, "command_id": "a\n"}, "'command_id' must match"),
        ([REPORT], "must be a JSON object"),
    ],
)
def test_bad_reports_are_400_with_a_message(store, body, message):
    response = call(store, "POST", "/api/v1/cases", bearer=SUPERVISOR, json=body)
    assert response.status == 400
    assert response.body["error"] == "invalid_request"
    assert message in response.body["message"]
    assert store.sent == []


@pytest.mark.parametrize("raw", [b"{", b"\xff", b'{"lat": NaN}', b"[" * 2000])
def test_unparseable_bodies_are_400(store, raw):
    response = call(store, "POST", "/api/v1/cases", bearer=SUPERVISOR, body=raw)
    assert response.status == 400
    assert "JSON" in response.body["message"]


def test_too_large_body_is_413(store):
    raw = b'{"description": "' + b"x" * api.MAX_BODY_BYTES + b'"}'
    response = call(store, "POST", "/api/v1/cases", bearer=SUPERVISOR, body=raw)
    assert (response.status, response.body["error"]) == (413, "payload_too_large")


@pytest.mark.parametrize(
    ("state", "name", "bearer", "body", "status", "code"),
    [
        ("reported", "register", LEADER, {}, 409, "invalid_state"),
        ("closed", "cancel", LEADER, {"reason": "late"}, 409, "invalid_state"),
        ("registered", "dispatch", DISPATCHER, {}, 400, "invalid_request"),
        ("registered", "dispatch", DISPATCHER, {"department_id": "E 1"}, 400, "invalid_request"),
        ("dispatched", "handle", HANDLER, {"feedback": "   "}, 400, "invalid_request"),
        ("dispatched", "request_postponement", HANDLER, {"hours": 0, "reason": "x"}, 400,
         "invalid_request"),
        ("dispatched", "request_postponement", HANDLER, {"hours": 721, "reason": "x"}, 400,
         "invalid_request"),
        ("verified", "close", LEADER, {"reason": "why"}, 400, "invalid_request"),
    ],
)  # fmt: skip
def test_transitions_the_case_does_not_allow_now(store, state, name, bearer, body, status, code):
    store.seed("case-1", state)
    response = command(store, name, bearer, **body)
    assert (response.status, response.body["error"]) == (status, code), response.body
    assert response.body["message"]
    assert store.sent == []
    assert store.get("case-1")["state"] == state


def test_invalid_state_message_says_when_it_is_allowed(store):
    store.seed("case-1", "reported")
    response = command(store, "register", LEADER)
    assert "allowed when: accepted" in response.body["message"]


def test_unknown_case_is_404(store):
    response = command(store, "accept", CALL_TAKER, case_id="case-404")
    assert (response.status, response.body["error"]) == (404, "unknown_case")
    response = call(store, "GET", "/api/v1/cases/case-404/events", bearer=LEADER)
    assert response.status == 404


def test_retried_transition_with_the_same_command_id_is_harmless(store):
    store.seed("case-1", "reported")
    first = command(store, "accept", CALL_TAKER, command_id="desk-3:17")
    again = command(store, "accept", CALL_TAKER, command_id="desk-3:17")
    assert (first.status, again.status) == (202, 202)
    assert again.body["status"] == "already_applied"
    assert len(store.sent) == 1


def test_a_202_only_promises_processing(store):
    store.engine_applies = False
    store.seed("case-1", "reported")
    response = command(store, "accept", CALL_TAKER)
    assert response.status == 202
    assert store.get("case-1")["state"] == "reported"  # the engine has not applied it yet
    (sent,) = store.sent
    assert sent.to_dict()["payload"] == {} and sent.at == NOW


@pytest.mark.parametrize(
    ("method", "url", "status", "code"),
    [
        ("GET", "/api/v1/nothing", 404, "not_found"),
        ("GET", "/api/v2/cases", 404, "not_found"),
        ("GET", "/api/v1/", 404, "not_found"),
        ("POST", "/api/v1/cases/case-1/commands/teleport", 404, "unknown_command"),
        ("POST", "/api/v1/cases/case-1/commands/report", 404, "unknown_command"),
        ("POST", "/api/v1/cases/case-1/commands/mark_overdue", 404, "unknown_command"),
        ("DELETE", "/api/v1/cases/case-1", 405, "method_not_allowed"),
        ("PUT", "/api/v1/cases", 405, "method_not_allowed"),
        ("GET", "/api/v1/cases/case-1/commands/accept", 405, "method_not_allowed"),
        ("GET", "/api/v1/cases/bad%20id", 400, "invalid_request"),
        ("GET", "/api/v1/cases?colour=red", 400, "invalid_request"),
        ("GET", "/api/v1/cases?limit=1&limit=2", 400, "invalid_request"),
        ("GET", "/api/v1/cases/case-1?verbose=1", 400, "invalid_request"),
    ],
)
def test_routing_and_input_errors(store, method, url, status, code):
    store.seed("case-1", "reported")
    response = call(store, method, url, bearer=LEADER)
    assert (response.status, response.body["error"]) == (status, code), response.body
    if status == 405:
        assert response.headers["Allow"]


def test_trailing_slash_and_head_are_accepted(store):
    store.seed("case-1", "reported")
    assert call(store, "GET", "/api/v1/cases/case-1/", bearer=LEADER).status == 200
    assert call(store, "HEAD", "/api/v1/cases/case-1", bearer=LEADER).status == 200


def _seed_listing(store):
    store.seed("case-a", "dispatched", at=NOW - timedelta(days=2))  # overdue: 1 working hour
    store.seed("case-b", "reported", at=NOW - timedelta(hours=1), category="exposed_garbage")
    store.seed("case-c", "closed", at=NOW - timedelta(days=1), grid_code="330106001002003")
    store.seed("case-d", "dispatched", at=NOW - timedelta(minutes=20))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["case-d", "case-b", "case-c", "case-a"]),
        ("status=dispatched", ["case-d", "case-a"]),
        ("status=reported,closed", ["case-b", "case-c"]),
        ("category=exposed_garbage", ["case-b"]),
        ("category=exposed_garbage,unlicensed_peddler&status=closed", ["case-c"]),
        (f"department={OWN}", ["case-d", "case-c", "case-a"]),
        ("department=E99", []),
        ("grid=330106001002003", ["case-c"]),
        ("overdue=true", ["case-a"]),
        ("overdue=false", ["case-d", "case-b", "case-c"]),
        ("from=2026-07-14T12:00:00%2B08:00", ["case-d", "case-b"]),
        ("to=2026-07-14T02:00:00Z", ["case-a"]),
        ("from=2026-07-13T00:00:00Z&to=2026-07-15T00:00:00Z", ["case-c", "case-a"]),
        ("limit=2", ["case-d", "case-b"]),
        ("limit=2&offset=3", ["case-a"]),
        ("offset=10", []),
    ],
)
def test_list_filters_and_pages(store, query, expected):
    _seed_listing(store)
    response = call(store, "GET", f"/api/v1/cases?{query}", bearer=LEADER)
    assert response.status == 200, response.body
    assert [c["case_id"] for c in response.body["items"]] == expected
    if query.startswith("limit=2"):
        assert response.body["total"] == 4
        assert response.body["limit"] == 2


@pytest.mark.parametrize(
    "query",
    [
        "status=open",
        "status=reported,",
        "category=ufo",
        "grid=abc",
        "overdue=yes",
        "from=yesterday",
        "from=2026-07-14T12:00:00",  # no zone
        "from=2026-07-15T00:00:00Z&to=2026-07-14T00:00:00Z",
        "limit=0",
        "limit=501",
        "limit=ten",
        "offset=-1",
        "department=",
    ],
)
def test_bad_list_queries_are_400_with_a_message(store, query):
    response = call(store, "GET", f"/api/v1/cases?{query}", bearer=LEADER)
    assert response.status == 400, response.body
    assert response.body["message"]


def test_overdue_case_shows_its_deadline(store):
    _seed_listing(store)
    case = call(store, "GET", "/api/v1/cases/case-a", bearer=LEADER).body
    assert case["overdue_now"] is True
    assert case["deadline_at"] == "2026-07-13T03:03:00.000Z"  # dispatched 10:03 + 1 working h
    fresh = call(store, "GET", "/api/v1/cases/case-b", bearer=LEADER).body
    assert (fresh["deadline_at"], fresh["overdue_now"]) == (None, False)


def test_the_engines_own_deadline_wins(store):
    case = store.seed("case-1", "dispatched")
    store.cases_by_id["case-1"] = {**case, "deadline_at": "2026-07-15T01:59:00.000Z"}
    view = call(store, "GET", "/api/v1/cases/case-1", bearer=LEADER).body
    assert (view["deadline_at"], view["overdue_now"]) == ("2026-07-15T01:59:00.000Z", True)
    store.cases_by_id["case-1"] = {**case, "deadline_at": None}
    view = call(store, "GET", "/api/v1/cases/case-1", bearer=LEADER).body
    assert (view["deadline_at"], view["overdue_now"]) == (None, False)


def test_summary_counts_what_a_leader_looks_at(store):
    store.seed("case-1", "dispatched", at=NOW - timedelta(days=2))  # overdue, yesterday-ish
    store.seed("case-2", "reported", at=NOW - timedelta(hours=1), category="manhole_cover")
    store.seed("case-3", "registered", at=NOW - timedelta(hours=1), actor="supervisor-02")
    store.seed("case-4", "closed", at=NOW - timedelta(minutes=50))
    store.seed("case-5", "cancelled", at=NOW - timedelta(minutes=40), category="manhole_cover")
    created = call(
        store, "POST", "/api/v1/cases", bearer=CALL_TAKER, json={**REPORT, "category": "noise"}
    )
    assert created.status == 202
    summary = call(store, "GET", "/api/v1/summary", bearer=LEADER).body
    assert summary["date"] == "2026-07-15"
    assert summary["open"] == 4
    assert summary["open_by_state"] == {"dispatched": 1, "registered": 1, "reported": 2}
    assert summary["overdue"] == 1
    assert summary["urgent"] == 1  # the open manhole cover
    assert summary["reported"] == 5
    assert summary["sources"] == {"call_taker": 1, "supervisor": 4}
    assert summary["top_categories"] == [  # ties by category code
        {"category": "manhole_cover", "name": "井盖破损", "reported": 2, "open": 1},
        {"category": "unlicensed_peddler", "name": "无证游商", "reported": 2, "open": 2},
        {"category": "noise", "name": "噪声扰民", "reported": 1, "open": 1},
    ]
    assert summary["supervisors"] == [
        {"supervisor": "supervisor-01", "reports": 3, "registered": 1},
        {"supervisor": "supervisor-02", "reports": 1, "registered": 1},
    ]
    top1 = call(store, "GET", "/api/v1/summary?top=1&date=2026-07-13", bearer=LEADER).body
    assert top1["reported"] == 1 and len(top1["top_categories"]) == 1


@pytest.mark.parametrize("query", ["date=15/07/2026", "date=2026-7-15", "top=0", "top=51"])
def test_bad_summary_queries_are_400(store, query):
    assert call(store, "GET", f"/api/v1/summary?{query}", bearer=LEADER).status == 400


class BrokenStore(MemoryStore):
    async def send(self, command):
        raise api.StoreUnavailable("Kafka does not answer")

    def cases(self):
        raise api.StoreUnavailable("tables are being restored")


def test_engine_unavailable_is_503_with_retry_after():
    store = BrokenStore()
    store.seed("case-1", "reported")
    sent = command(store, "accept", CALL_TAKER)
    assert (sent.status, sent.body["error"]) == (503, "unavailable")
    assert sent.headers["Retry-After"]
    listed = call(store, "GET", "/api/v1/cases", bearer=LEADER)
    assert listed.status == 503


def test_unreadable_revocation_list_fails_closed(store, tmp_path):
    cfg = config(revocations=auth.RevocationList(path=tmp_path / "missing"))
    response = call(store, "GET", "/api/v1/cases", bearer=LEADER, cfg=cfg)
    assert (response.status, response.body["error"]) == (503, "unavailable")


def test_openapi_document_is_public_once_a_secret_is_set(store):
    response = call(store, "GET", "/api/v1/openapi.json")
    assert response.status == 200
    assert response.body["openapi"] == "3.1.0"


@pytest.mark.parametrize(
    "authorization", ["Basic dXNlcjpwYXNz", "Bearer", "Bearer    ", "token abc"]
)
def test_authorization_header_must_be_bearer(store, authorization):
    from test_case_api_support import request

    req = request("GET", "/api/v1/cases")
    req = api.Request(req.method, req.path, req.query, req.body, authorization)
    import asyncio

    response = asyncio.run(api.handle(req, store, config(), now_at=NOW))
    assert (response.status, response.body["error"]) == (401, "invalid_token")
