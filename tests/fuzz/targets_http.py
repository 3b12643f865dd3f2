"""Fuzz targets of the HTTP request decoders and the case API.

The API token, the vehicle filters and track query, the flood feed cursor, a
``cases.commands`` message, and whole case API requests (command bodies and
request lines) through its router against an in-memory store.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import orjson
from target_base import Target, query_of

from citybrain import auth
from streams.cases import api
from streams.flood import feed
from streams.vehicles import playback, web

sys.path.insert(0, str(Path(__file__).parents[1] / "streams" / "cases"))
from test_case_api_support import NOW, OTHER, SECRET, MemoryStore, token


def api_token(data: bytes) -> None:
    auth.verify(data.decode("latin-1"), secret=SECRET, now_at=NOW, revoked=frozenset())


def vehicle_filters(data: bytes) -> None:
    web.parse_filters(query_of(data))


def vehicle_track_query(data: bytes) -> None:
    playback.parse_request(query_of(data))


def flood_cursor(data: bytes) -> None:
    feed.parse_cursor(data.decode("latin-1"), partitions=4)


def case_command_message(data: bytes) -> None:
    """A ``cases.commands`` message as the engine reads it (any producer may write the topic):
    parsed, then applied to a case in each of a few states; apply refuses, never raises."""
    from streams.cases.commands import command_from_dict
    from streams.cases.lifecycle import apply

    doc = orjson.loads(data)  # JSONDecodeError is a ValueError, as the engine counts it
    command = command_from_dict(doc if isinstance(doc, dict) else {})
    for state in (None, "reported", "dispatched", "postponement_requested", "handled"):
        case = None if state is None else _STORE.get(f"case-{state}")
        if case is not None:
            case = {**case, "case_id": command.case_id}
        apply(case, command)


# --- the case API: whole requests through its router --------------------------------------

_LOOP = asyncio.new_event_loop()
_STORE = MemoryStore(engine_applies=False)
for _state in ("reported", "dispatched", "handled", "postponement_requested"):
    _STORE.seed(f"case-{_state}", _state)
_CONFIG = api.ApiConfig(secret=SECRET)
_TOKENS = (*tuple(token(r) for r in auth.API_ROLES), token("department_handler", OTHER))
_COMMAND_PATHS = tuple(e.path for e in api.ENDPOINTS if e.method == "POST")


def _answer(request: api.Request) -> api.Response:
    response = _LOOP.run_until_complete(api.handle(request, _STORE, _CONFIG, now_at=NOW))
    assert 200 <= response.status < 500, response.body  # never a 5xx with a healthy store
    if response.status >= 400:
        assert response.body["error"] and response.body["message"]
    orjson.dumps(response.body, default=str)
    _STORE.sent.clear()
    return response


def case_command_body(data: bytes) -> None:
    """First byte picks the POST endpoint, case and role; the rest is the JSON body."""
    pick = data[0] if data else 0
    path = _COMMAND_PATHS[pick % len(_COMMAND_PATHS)]
    case = ("reported", "dispatched", "handled", "postponement_requested")[(pick >> 4) % 4]
    bearer = _TOKENS[(pick >> 2) % len(_TOKENS)]
    url = "/api/v1" + path.replace("{case_id}", f"case-{case}")
    _answer(api.Request("POST", url, {}, data[1:], f"Bearer {bearer}"))


def case_request_line(data: bytes) -> None:
    """Any method, path and query string (text) as an admin would send them."""
    import urllib.parse

    text = data.decode("latin-1")
    method, _, target = text.partition(" ")
    path, _, query = target.partition("?")
    parsed: dict[str, list[str]] = {}
    for key, value in urllib.parse.parse_qsl(query, keep_blank_values=True):
        parsed.setdefault(key, []).append(value)
    _answer(api.Request(method[:8] or "GET", path, parsed, b"", f"Bearer {_TOKENS[-2]}"))


# --- seeds ---------------------------------------------------------------------------------

CASE_BODIES = (
    b"\x00" + orjson.dumps({"category": "unlicensed_peddler", "lat": 30.2521, "lng": 120.1705}),
    b"\x13" + orjson.dumps({"department_id": "E01"}),
    b"\x21" + orjson.dumps({"hours": 4, "reason": "waiting for parts"}),
    b"\x22" + orjson.dumps({"feedback": "vendor moved on", "command_id": "c-1"}),
)
COMMAND_MESSAGES = tuple(
    orjson.dumps(
        {
            "command_id": f"c-{name}",
            "case_id": "case-x",
            "name": name,
            "actor": "ops-01",
            "role": role,
            "at": "2026-07-15T02:00:00Z",
            "department_id": dept,
            "payload": payload,
        }
    )
    for name, role, dept, payload in (
        (
            "report",
            "supervisor",
            None,
            {"category": "unlicensed_peddler", "lat": 30.25, "lng": 120.15},
        ),
        ("dispatch", "dispatcher", None, {"department_id": "E01"}),
        ("request_postponement", "department_handler", "E01", {"hours": 4, "reason": "parts"}),
        ("handle", "department_handler", "E01", {"feedback": "done"}),
        ("approve_postponement", "leader", None, {}),
    )
)
CASE_LINES = (
    b"GET /api/v1/cases?status=dispatched,handled&limit=10&offset=0&overdue=true",
    b"GET /api/v1/cases?from=2026-07-01T00:00:00Z&to=2026-07-16T00:00:00Z&department=E01",
    b"GET /api/v1/cases/case-dispatched/events",
    b"GET /api/v1/summary?date=2026-07-15&top=5",
    b"POST /api/v1/cases/case-reported/commands/accept",
)

HTTP_TARGETS: tuple[Target, ...] = (
    Target("api_token", api_token, (auth.TokenError,), (token("admin").encode(),)),
    Target(
        "vehicle_filters",
        vehicle_filters,
        (ValueError,),
        (b"type=muck_truck&bbox=30.2,120.1,30.3,120.2&offline=true&offline_s=60",),
    ),
    Target(
        "vehicle_track_query",
        vehicle_track_query,
        (ValueError,),
        (b"start=2026-07-15T00:00:00Z&end=2026-07-15T14:00:00%2B08:00&tolerance_m=5",),
    ),
    Target("flood_cursor", flood_cursor, (ValueError,), (feed.cursor_text([1, 2, 3, 4]).encode(),)),
    Target("case_command_body", case_command_body, (), CASE_BODIES),
    Target("case_request_line", case_request_line, (), CASE_LINES),
    Target("case_command_message", case_command_message, (ValueError,), COMMAND_MESSAGES),
)
