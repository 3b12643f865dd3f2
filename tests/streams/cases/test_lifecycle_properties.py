"""Random command sequences never reach an undefined or inconsistent case."""

import json
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from streams.cases.commands import Command
from streams.cases.lifecycle import Refusal, apply
from streams.cases.transitions import FINAL_STATES, RULES, Name, Role, State

T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)
PAYLOADS = {
    "report": {"category": "exposed_garbage", "lat": 30.25, "lng": 120.16},
    "not_register": {"reason": "r"},
    "dispatch": {"department_id": "D01"},
    "return": {"reason": "r"},
    "request_postponement": {"hours": 2.5, "reason": "r"},
    "reject_postponement": {"reason": "r"},
    "handle": {"feedback": "f"},
    "rework": {"reason": "r"},
    "suspend": {"reason": "r"},
    "cancel": {"reason": "r"},
    "link": {"signal_id": "alert:1"},
    "warn_deadline": {"deadline_at": "2026-07-15T05:00:00Z"},
    "mark_overdue": {"deadline_at": "2026-07-15T05:00:00Z"},
}
ASSIGNED_STATES = {"dispatched", "postponement_requested", "handled", "verified"}

steps = st.lists(
    st.tuples(
        st.sampled_from([n.value for n in Name]),
        st.sampled_from([r.value for r in Role]),
        st.sampled_from(["D01", "D02", None]),
        st.booleans(),  # send a valid payload?
        st.integers(min_value=0, max_value=5),  # re-use an earlier command id (re-delivery)
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(steps)
def test_random_command_sequences_keep_the_case_consistent(sequence):
    case = None
    version = 0
    for i, (name, role, department_id, valid, back) in enumerate(sequence):
        command_id = f"c{max(i - back, 0)}"
        payload = PAYLOADS.get(name, {}) if valid else {}
        at = T0 + timedelta(minutes=i)
        command = Command(command_id, "k", name, "a", role, at, department_id, payload)
        before = None if case is None else dict(case)
        result = apply(case, command)
        if isinstance(result, Refusal):
            assert result.reason and case == before
            continue
        case, event = result
        if event is None:  # a re-delivered command id, or a clock mark already set
            assert case == before
            continue
        version += 1
        rule = RULES[Name(name)]
        assert State(case["state"]) is (rule.to_state or State(before["state"]))
        assert event["from_state"] in {None if s is None else s.value for s in rule.from_states}
        assert event["from_state"] not in {s.value for s in FINAL_STATES}
        assert role in {r.value for r in rule.roles}
        assert case["version"] == event["version"] == version
        assert (case["pending_extension_hours"] is not None) == (
            case["state"] == "postponement_requested"
        )
        if case["state"] in ASSIGNED_STATES:
            assert case["department_id"] is not None and case["dispatched_at"] is not None
        assert (case["ended_at"] is not None) == (State(case["state"]) in FINAL_STATES)
        if case["overdue"]:  # marks belong to a running clock
            assert case["dispatched_at"] is not None and case["overdue_at"] is not None
        assert json.loads(json.dumps([case, event])) == [case, event]
