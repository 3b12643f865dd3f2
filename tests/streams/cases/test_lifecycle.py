import json
from datetime import timedelta, timezone

import pytest

from streams.cases import transitions
from streams.cases.commands import Command
from streams.cases.lifecycle import RECENT_COMMAND_IDS, Refusal, apply, is_open

STATES = [
    None,
    "reported",
    "accepted",
    "not_registered",
    "registered",
    "dispatched",
    "postponement_requested",
    "returned",
    "handled",
    "verified",
    "closed",
    "suspended",
    "cancelled",
]
ROLES = [
    "supervisor",
    "call_taker",
    "dispatcher",
    "department_handler",
    "leader",
    "admin",
    "system",
]
DESK = {"admin"}  # admin acts for call-taker, dispatcher and leader
OPEN = set(STATES) - {None, "not_registered", "closed", "cancelled"}
CLOCKED = {"dispatched", "postponement_requested"}

# command: (states it may be issued in, resulting state (None: unchanged), roles that may issue it)
EXPECTED: dict[str, tuple[set, str | None, set]] = {
    "report": ({None}, "reported", {"supervisor", "call_taker", "system"} | DESK),
    "accept": ({"reported"}, "accepted", {"call_taker", "system"} | DESK),
    "register": ({"accepted"}, "registered", {"leader", "system"} | DESK),
    "not_register": ({"accepted"}, "not_registered", {"leader"} | DESK),
    "dispatch": ({"registered", "returned"}, "dispatched", {"dispatcher", "system"} | DESK),
    "return": ({"dispatched"}, "returned", {"department_handler"}),
    "request_postponement": ({"dispatched"}, "postponement_requested", {"department_handler"}),
    "approve_postponement": (
        {"postponement_requested"},
        "dispatched",
        {"dispatcher", "leader"} | DESK,
    ),
    "reject_postponement": (
        {"postponement_requested"},
        "dispatched",
        {"dispatcher", "leader"} | DESK,
    ),
    "handle": ({"dispatched"}, "handled", {"department_handler"}),
    "verify": ({"handled"}, "verified", {"supervisor"}),
    "rework": ({"handled"}, "dispatched", {"supervisor"}),
    "close": ({"verified"}, "closed", {"leader"} | DESK),
    "suspend": ({"registered", "dispatched", "returned"}, "suspended", {"leader"} | DESK),
    "resume": ({"suspended"}, "registered", {"leader"} | DESK),
    "cancel": (
        {"reported", "accepted", "registered", "returned", "suspended"},
        "cancelled",
        {"leader"} | DESK,
    ),
    "link": (OPEN, None, {"system", "call_taker"} | DESK),
    "warn_deadline": (CLOCKED, None, {"system"}),
    "mark_overdue": (CLOCKED, None, {"system"}),
}


def test_the_rule_table_is_the_expected_table():
    actual = {
        name.value: (
            {None if s is None else s.value for s in rule.from_states},
            None if rule.to_state is None else rule.to_state.value,
            {r.value for r in rule.roles},
        )
        for name, rule in transitions.RULES.items()
    }
    assert actual == EXPECTED
    assert {s.value for s in transitions.State} == set(STATES) - {None}
    assert {r.value for r in transitions.Role} == set(ROLES)


@pytest.mark.parametrize("state", STATES, ids=str)
def test_every_state_command_role_is_accepted_as_stated_or_refused(state, command):
    case = command.walk(state)
    for name, (from_states, to_state, roles) in EXPECTED.items():
        for role in ROLES:
            result = apply(case, command(name, role))
            if state in from_states and role in roles:
                assert not isinstance(result, Refusal), (state, name, role, result)
                new_case, event = result
                to_state = to_state or state
                assert new_case["state"] == to_state
                assert (event["from_state"], event["to_state"]) == (state, to_state)
                assert event["command"] == name and event["role"] == role
            else:
                assert isinstance(result, Refusal), (state, name, role)
                assert result.reason
                if state in from_states:
                    expected_code = "role_not_allowed"
                elif state is None:
                    expected_code = "no_case"
                else:
                    expected_code = "case_exists" if name == "report" else "invalid_state"
                assert result.code == expected_code, (state, name, role, result)


def test_a_case_walks_from_report_to_closed(command):
    case = None
    events = []
    for name, role in command.paths["closed"]:
        case, event = apply(case, command(name, role))
        events.append(event)
    assert [(e["from_state"], e["to_state"]) for e in events] == [
        (None, "reported"),
        ("reported", "accepted"),
        ("accepted", "registered"),
        ("registered", "dispatched"),
        ("dispatched", "handled"),
        ("handled", "verified"),
        ("verified", "closed"),
    ]
    assert [e["version"] for e in events] == list(range(1, 8))
    assert [e["event_id"] for e in events] == [f"case-1:{v}" for v in range(1, 8)]
    assert case["department_id"] == "E01" and case["dispatch_count"] == 1
    assert case["ended_at"] == events[-1]["at"] and not is_open(case)
    assert case["urgency"] == "normal" and case["source"] == "supervisor"


def test_events_carry_who_when_and_why_in_utc(command):
    case = command.walk("dispatched")
    local_at = command.t0.astimezone(timezone(timedelta(hours=8)))
    c = Command(
        "r-1", "case-1", "return", "wang", "department_handler", local_at, "E01", {"reason": "x"}
    )
    case, event = apply(case, c)
    assert event == {
        "event_id": "case-1:5",
        "case_id": "case-1",
        "version": 5,
        "command_id": "r-1",
        "command": "return",
        "actor": "wang",
        "role": "department_handler",
        "actor_department_id": "E01",
        "at": "2026-07-15T02:00:00.000Z",
        "from_state": "dispatched",
        "to_state": "returned",
        "department_id": "E01",
        "reason": "x",
        "payload": {"reason": "x"},
    }
    assert json.loads(json.dumps(case)) == case
    assert case["updated_at"] == "2026-07-15T02:00:00.000Z"


def test_a_repeated_command_id_changes_nothing(command):
    case = command.walk("registered")
    dispatch = command("dispatch", "dispatcher")
    once, event = apply(case, dispatch)
    assert event is not None
    again, no_event = apply(once, dispatch)
    assert (again, no_event) == (once, None)
    handled, _ = apply(once, command("handle", "department_handler"))
    assert apply(handled, dispatch) == (handled, None)  # still known after later commands
    report = command("report", "system", command_id="cmd-1")  # the case's own report
    assert apply(handled, report) == (handled, None)


def test_only_recent_command_ids_are_kept(command):
    case = command.walk("dispatched")
    for _ in range(RECENT_COMMAND_IDS):
        case, _ = apply(case, command("request_postponement", "department_handler"))
        case, _ = apply(case, command("reject_postponement", "dispatcher"))
    assert len(case["command_ids"]) == RECENT_COMMAND_IDS
    assert case["command_ids"][-1] == f"cmd-{4 + 2 * RECENT_COMMAND_IDS}"


@pytest.mark.parametrize("name", ["return", "handle", "request_postponement"])
def test_department_handlers_act_only_on_their_own_department(command, name):
    case = command.walk("dispatched")
    other = apply(case, command(name, "department_handler", department_id="E02"))
    assert isinstance(other, Refusal) and other.code == "wrong_department"
    assert "E01" in other.reason and "E02" in other.reason
    nobody = Command("x", "case-1", name, "a", "department_handler", command.t0, None, {})
    assert apply(case, nobody).code == "wrong_department"
    assert not isinstance(apply(case, command(name, "department_handler")), Refusal)


def test_return_then_redispatch_to_another_department(command):
    case = command.walk("returned")
    assert case["return_count"] == 1
    case, event = apply(case, command("dispatch", "dispatcher", payload={"department_id": "D01"}))
    assert case["department_id"] == event["department_id"] == "D01"
    assert case["dispatch_count"] == 2
    refused = apply(case, command("handle", "department_handler"))  # E01 no longer owns it
    assert refused.code == "wrong_department"


def test_failed_verification_is_rework_by_the_same_department_on_a_new_clock(command):
    case = command.walk("handled")
    first_dispatch = case["dispatched_at"]
    case, event = apply(case, command("rework", "supervisor"))
    assert case["state"] == "dispatched" and case["department_id"] == "E01"
    assert case["rework_count"] == 1 and case["dispatch_count"] == 2
    assert case["dispatched_at"] > first_dispatch and case["handled_at"] is None
    assert event["reason"] == "vendor still there"


def test_postponement_needs_approval_and_adds_hours(command):
    case = command.walk("postponement_requested")
    assert case["pending_extension_hours"] == 4.0
    assert apply(case, command("handle", "department_handler")).code == "invalid_state"
    case, _ = apply(case, command("approve_postponement", "dispatcher"))
    assert (case["state"], case["extension_hours"], case["pending_extension_hours"]) == (
        "dispatched",
        4.0,
        None,
    )
    case, _ = apply(case, command("request_postponement", "department_handler"))
    case, _ = apply(case, command("reject_postponement", "leader"))
    assert case["extension_hours"] == 4.0 and case["postponement_count"] == 1


def test_suspension_parks_the_case_and_resume_sends_it_back_for_dispatch(command):
    case = command.walk("dispatched")
    case, _ = apply(case, command("suspend", "leader"))
    assert case["suspended_at"] is not None and is_open(case)
    case, _ = apply(case, command("resume", "leader"))
    assert case["state"] == "registered" and case["suspended_at"] is None


@pytest.mark.parametrize(
    ("state", "name", "role", "payload", "says"),
    [
        ("accepted", "not_register", "leader", {}, "reason"),
        ("accepted", "not_register", "leader", {"reason": "  "}, "reason"),
        ("reported", "cancel", "leader", {}, "reason"),
        ("registered", "dispatch", "dispatcher", {}, "department_id"),
        ("dispatched", "handle", "department_handler", {"feedback": ""}, "feedback"),
        ("dispatched", "return", "department_handler", {"reason": 3}, "string"),
        ("dispatched", "request_postponement", "department_handler", {"reason": "r"}, "hours"),
        (
            "dispatched",
            "request_postponement",
            "department_handler",
            {"hours": 0, "reason": "r"},
            "hours",
        ),
        (
            "dispatched",
            "request_postponement",
            "department_handler",
            {"hours": True, "reason": "r"},
            "hours",
        ),
        ("handled", "rework", "supervisor", {}, "reason"),
        (None, "report", "system", {"category": "unicorns", "lat": 30.0, "lng": 120.0}, "category"),
        (None, "report", "system", {"category": "noise", "lat": 91.0, "lng": 120.0}, "lat"),
        (None, "report", "system", {"category": "noise", "lat": 30.0}, "lng"),
        (
            None,
            "report",
            "system",
            {"category": "noise", "lat": 30.0, "lng": 120.0, "urgency": "asap"},
            "urgency",
        ),
    ],
)
def test_commands_missing_required_payload_are_refused(command, state, name, role, payload, says):
    case = command.walk(state)
    result = apply(case, command(name, role, payload=payload))
    assert isinstance(result, Refusal) and result.code == "invalid_payload"
    assert says in result.reason


def test_unknown_commands_roles_and_other_cases_are_refused(command):
    case = command.walk("reported")
    assert apply(case, command("approve", "leader")).code == "unknown_command"
    assert apply(case, command("accept", "mayor")).code == "role_not_allowed"
    assert apply(case, command("accept", "call_taker", case_id="case-2")).code == "case_mismatch"


def test_report_sets_the_facts_and_raises_urgency_for_hazards(command):
    case = command.walk("reported", category="manhole_cover", grid_code="33019900100101")
    assert (case["category"], case["urgency"], case["grid_code"]) == (
        "manhole_cover",
        "urgent",
        "33019900100101",
    )
    assert case["reported_at"] == "2026-07-15T02:01:00.000Z"
    assert command.walk("reported", urgency="emergency")["urgency"] == "emergency"


def test_commands_allowed_lists_the_buttons_of_a_role_in_a_state():
    dispatched, handler = transitions.State.DISPATCHED, transitions.Role.DEPARTMENT_HANDLER
    assert transitions.commands_allowed(dispatched, handler) == [
        "return",
        "request_postponement",
        "handle",
    ]
    assert transitions.commands_allowed(None, transitions.Role.ADMIN) == ["report"]
    assert transitions.target_state(dispatched, transitions.Name.LINK) == dispatched
    assert transitions.commands_allowed(transitions.State.CLOSED, transitions.Role.ADMIN) == []
    assert (
        transitions.target_state(transitions.State.HANDLED, transitions.Name.REWORK) == dispatched
    )
    assert transitions.target_state(transitions.State.CLOSED, transitions.Name.REWORK) is None
