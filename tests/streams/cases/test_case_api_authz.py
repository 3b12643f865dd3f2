"""The authorisation matrix: every role against every endpoint, own and other department.

The expectations are written out here, not derived from ``RULES``, so a change
to who may do what has to change this table too.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_case_api_support import (
    NOW,
    OTHER,
    OWN,
    REPORT,
    SECRET,
    MemoryStore,
    call,
    config,
    token,
)

from citybrain import auth
from streams.cases import api

ROLES = ("supervisor", "call_taker", "dispatcher", "department_handler", "leader", "admin")
DESK = {"call_taker", "dispatcher", "leader", "admin"}

# command: (state the case is in, roles that may issue it, body)
COMMANDS: dict[str, tuple[str, set[str], dict]] = {
    "accept": ("reported", {"call_taker", "admin"}, {}),
    "register": ("accepted", {"leader", "admin"}, {}),
    "not_register": ("accepted", {"leader", "admin"}, {"reason": "not in the service area"}),
    "dispatch": ("registered", {"dispatcher", "admin"}, {"department_id": OWN}),
    "return": ("dispatched", {"department_handler"}, {"reason": "not our street"}),
    "request_postponement": (
        "dispatched",
        {"department_handler"},
        {"hours": 4, "reason": "waiting for parts"},
    ),
    "approve_postponement": ("postponement_requested", {"dispatcher", "leader", "admin"}, {}),
    "reject_postponement": (
        "postponement_requested",
        {"dispatcher", "leader", "admin"},
        {"reason": "can be done today"},
    ),
    "handle": ("dispatched", {"department_handler"}, {"feedback": "vendor moved on"}),
    "verify": ("handled", {"supervisor"}, {}),
    "rework": ("handled", {"supervisor"}, {"reason": "still there"}),
    "close": ("verified", {"leader", "admin"}, {}),
    "suspend": ("dispatched", {"leader", "admin"}, {"reason": "ownership unclear"}),
    "resume": ("suspended", {"leader", "admin"}, {}),
    "cancel": ("reported", {"leader", "admin"}, {"reason": "duplicate report"}),
    "link": ("dispatched", {"call_taker", "admin"}, {"signal_id": "report-12345-7"}),
}
OWN_DEPARTMENT_COMMANDS = {"return", "request_postponement", "handle"}


def _expected(role: str, department: str | None, allowed: set[str], *, scoped: bool) -> int:
    """202 for allowed roles; 403 for others; 404 for another department's (or no) case."""
    if role not in allowed:
        return 403
    if role == "department_handler" and (not scoped or department != OWN):
        return 404
    return 202


def _rows():
    """(endpoint id, role, token department, method, url, body, state, expected status)."""
    rows = []
    for role in ROLES:
        departments = (OWN, OTHER) if role == "department_handler" else (None,)
        for dept in departments:
            handler_other = role == "department_handler" and dept == OTHER
            reads = 404 if handler_other else 200
            rows += [
                ("create_case", role, dept, "POST", "/api/v1/cases", REPORT, None,
                 202 if role in {"supervisor", "call_taker", "admin"} else 403),
                ("list_cases", role, dept, "GET", "/api/v1/cases", None, "dispatched", 200),
                ("list_cases_other_department", role, dept, "GET",
                 f"/api/v1/cases?department={OTHER}", None, "dispatched",
                 403 if role == "department_handler" and dept == OWN else 200),
                ("get_case", role, dept, "GET", "/api/v1/cases/case-1", None, "dispatched", reads),
                ("case_events", role, dept, "GET", "/api/v1/cases/case-1/events", None,
                 "dispatched", reads),
                ("get_case_before_dispatch", role, dept, "GET", "/api/v1/cases/case-1", None,
                 "registered", 404 if role == "department_handler" else 200),
                ("summary", role, dept, "GET", "/api/v1/summary", None, "dispatched",
                 200 if role in {"leader", "admin"} else 403),
                ("openapi", role, dept, "GET", "/api/v1/openapi.json", None, None, 200),
            ]  # fmt: skip
            for name, (state, allowed, body) in COMMANDS.items():
                scoped = state not in {"reported", "accepted", "registered"}
                expected = _expected(role, dept, allowed, scoped=scoped)
                url = f"/api/v1/cases/case-1/commands/{name}"
                rows.append((f"command_{name}", role, dept, "POST", url, body, state, expected))
    return rows


ROWS = _rows()


def test_matrix_covers_every_endpoint_and_role():
    covered = {row[0] for row in ROWS}
    assert {e.operation_id for e in api.ENDPOINTS} <= covered
    assert {row[1] for row in ROWS} == set(auth.API_ROLES)
    assert set(COMMANDS) == {n.value for n in api.HUMAN_COMMANDS}


@pytest.mark.parametrize(
    ("endpoint", "role", "department", "method", "url", "body", "state", "expected"),
    ROWS,
    ids=[f"{r[0]}-{r[1]}-{r[2] or 'all'}" for r in ROWS],
)
def test_authorisation_matrix(endpoint, role, department, method, url, body, state, expected):
    store = MemoryStore(engine_applies=False)
    if state is not None:
        store.seed("case-1", state)
    response = call(store, method, url, bearer=token(role, department), json=body)
    assert response.status == expected, response.body
    if expected >= 400:
        assert response.body["error"] and response.body["message"]
        assert store.sent == []
    if expected == 202:
        (command,) = store.sent
        assert (command.role, command.actor) == (role, f"{role}-01")
        assert command.department_id == department


@pytest.mark.parametrize("endpoint", [e for e in api.ENDPOINTS if e.roles is not None])
@pytest.mark.parametrize(
    ("bearer", "code"),
    [
        (None, "missing_token"),
        ("not-a-token", "invalid_token"),
        (token("leader", ttl_h=1, now_at=NOW - timedelta(hours=2)), "expired_token"),
        (token("admin", secret="another-secret-0123456789-abcdefghijk"), "invalid_token"),
    ],
    ids=["missing", "garbage", "expired", "foreign"],
)
def test_every_protected_endpoint_refuses_bad_tokens_with_401(endpoint, bearer, code):
    store = MemoryStore()
    store.seed("case-1", "dispatched")
    url = "/api/v1" + endpoint.path.replace("{case_id}", "case-1")
    response = call(store, endpoint.method, url, bearer=bearer, json={})
    assert response.status == 401
    assert response.body["error"] == code
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert store.sent == []


@pytest.mark.parametrize("endpoint", [e for e in api.ENDPOINTS if e.roles is not None])
def test_revoked_token_is_refused_everywhere(endpoint):
    bearer = token("admin")
    claims = auth.decode(bearer, secret=SECRET)
    store = MemoryStore()
    store.seed("case-1", "dispatched")
    cfg = config(revocations=auth.RevocationList({claims.token_id}))
    url = "/api/v1" + endpoint.path.replace("{case_id}", "case-1")
    response = call(store, endpoint.method, url, bearer=bearer, json={}, cfg=cfg)
    assert (response.status, response.body["error"]) == (401, "revoked_token")


@pytest.mark.parametrize("endpoint", api.ENDPOINTS)
@pytest.mark.parametrize("secret", [None, "", "too-short"])
def test_without_a_usable_secret_every_request_is_503(endpoint, secret):
    url = "/api/v1" + endpoint.path.replace("{case_id}", "case-1")
    response = call(
        MemoryStore(), endpoint.method, url, bearer=token("admin"), cfg=config(secret=secret)
    )
    assert response.status == 503
    assert response.body["error"] == "not_configured"
    assert "CITYBRAIN_API_SECRET" in response.body["message"]


def test_department_handler_lists_only_its_own_department():
    store = MemoryStore()
    store.seed("case-own", "dispatched")
    store.seed("case-other", "dispatched")
    store.cases_by_id["case-other"] = {**store.cases_by_id["case-other"], "department_id": OTHER}
    store.seed("case-new", "registered")
    for bearer, expected in (
        (token("department_handler", OWN), ["case-own"]),
        (token("department_handler", OTHER), ["case-other"]),
        (token("dispatcher"), ["case-new", "case-other", "case-own"]),
    ):
        response = call(store, "GET", "/api/v1/cases", bearer=bearer)
        assert sorted(c["case_id"] for c in response.body["items"]) == expected
    own = call(store, "GET", f"/api/v1/cases?department={OWN}", bearer=token("department_handler"))
    assert [c["case_id"] for c in own.body["items"]] == ["case-own"]


def test_another_departments_case_is_indistinguishable_from_no_case():
    store = MemoryStore()
    store.seed("case-1", "dispatched")
    bearer = token("department_handler", OTHER)
    hidden = call(store, "GET", "/api/v1/cases/case-1", bearer=bearer)
    absent = call(store, "GET", "/api/v1/cases/case-404", bearer=bearer)
    assert hidden.status == absent.status == 404
    assert hidden.body["error"] == absent.body["error"] == "unknown_case"
    handle = call(
        store,
        "POST",
        "/api/v1/cases/case-1/commands/handle",
        bearer=bearer,
        json={"feedback": "done"},
    )
    assert handle.status == 404
    assert store.get("case-1")["state"] == "dispatched"


def test_desk_roles_see_the_buttons_their_role_has():
    store = MemoryStore()
    store.seed("case-1", "dispatched")
    buttons = {
        role: call(store, "GET", "/api/v1/cases/case-1", bearer=token(role)).body[
            "commands_allowed"
        ]
        for role in ROLES
    }
    assert buttons["department_handler"] == ["return", "request_postponement", "handle"]
    assert buttons["leader"] == ["suspend"]
    assert "link" in buttons["call_taker"]
    assert buttons["supervisor"] == []


# every row of the matrix again, with a token that may not be used: (state, error code)
BAD_STATES = {
    "expired": "expired_token",
    "revoked": "revoked_token",
    "bad_signature": "invalid_token",
    "issued_in_the_future": "invalid_token",
}


def _bad_token(state: str, role: str, department: str | None) -> tuple[str, set[str]]:
    if state == "expired":
        return token(role, department, ttl_h=1, now_at=NOW - timedelta(hours=2)), set()
    if state == "issued_in_the_future":
        return token(role, department, now_at=NOW + timedelta(hours=1)), set()
    if state == "bad_signature":
        return token(role, department, secret="another-secret-0123456789-abcdefghijk"), set()
    bearer = token(role, department)
    return bearer, {auth.decode(bearer, secret=SECRET).token_id}


@pytest.mark.parametrize("state", sorted(BAD_STATES))
@pytest.mark.parametrize(
    ("endpoint", "role", "department", "method", "url", "body", "state_of_case", "expected"),
    ROWS,
    ids=[f"{r[0]}-{r[1]}-{r[2] or 'all'}" for r in ROWS],
)
def test_authorisation_matrix_with_unusable_tokens(
    endpoint, role, department, method, url, body, state_of_case, expected, state
):
    store = MemoryStore(engine_applies=False)
    if state_of_case is not None:
        store.seed("case-1", state_of_case)
    bearer, revoked = _bad_token(state, role, department)
    cfg = config(revocations=auth.RevocationList(revoked))
    response = call(store, method, url, bearer=bearer, json=body, cfg=cfg)
    if endpoint == "openapi":  # the document is public
        assert response.status == 200
        return
    assert (response.status, response.body["error"]) == (401, BAD_STATES[state])
    assert response.body["message"] and store.sent == []
