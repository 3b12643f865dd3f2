"""The case API on a case retired from the engine's tables: 410 Gone, naming where it went."""

from __future__ import annotations

import pytest
from test_case_api_support import OTHER, OWN, REPORT, MemoryStore, call, command, token

LEADER, SUPERVISOR = token("leader"), token("supervisor")
CALL_TAKER = token("call_taker")


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


def test_a_retired_case_is_410_with_where_its_history_is(store):
    store.tombstones["case-old"] = {
        "case_id": "case-old",
        "state": "closed",
        "department_id": OWN,
        "ended_at": "2026-06-01T02:00:00Z",
        "retired_at": "2026-07-01T02:00:00Z",
    }
    for response in (
        call(store, "GET", "/api/v1/cases/case-old", bearer=LEADER),
        call(store, "GET", "/api/v1/cases/case-old/events", bearer=LEADER),
        command(store, "accept", CALL_TAKER, case_id="case-old"),
    ):
        assert (response.status, response.body["error"]) == (410, "case_retired")
        assert "2026-06-01T02:00:00Z" in response.body["message"]
        assert "landing" in response.body["message"]
    assert store.sent == []
    created = call(
        store, "POST", "/api/v1/cases", bearer=SUPERVISOR, json=REPORT | {"command_id": "r1"}
    )
    case_id = created.body["case_id"]  # the same report retried long after: its case retired
    store.tombstones[case_id] = store.tombstones["case-old"] | {"case_id": case_id}
    store.cases_by_id.pop(case_id)
    again = call(
        store, "POST", "/api/v1/cases", bearer=SUPERVISOR, json=REPORT | {"command_id": "r1"}
    )
    assert (again.status, again.body["error"]) == (410, "case_retired")
    assert len(store.sent) == 1
    other = token("department_handler", OTHER)
    response = call(store, "GET", "/api/v1/cases/case-old", bearer=other)
    assert response.status == 404  # never the other department's case: nothing to tell
