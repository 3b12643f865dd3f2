"""Open311 status from the case engine's events, folded per report."""

import asyncio
from datetime import UTC, datetime, timedelta

from connectors.case_status import CaseStatuses
from streams.cases.commands import command_from_dict
from streams.cases.engine import step
from streams.cases.policy import Clock

T0 = datetime(2026, 7, 15, 2, tzinfo=UTC)
STEPS = [
    (
        "report",
        "case-engine",
        "system",
        {
            "category": "road_damage",
            "lat": 30.25,
            "lng": 120.15,
            "signal_id": "report:R1",
            "source": "citizen",
        },
    ),
    ("accept", "ct-01", "call_taker", {}),
    ("register", "ld-01", "leader", {}),
    ("dispatch", "dp-01", "dispatcher", {"department_id": "D02"}),
    ("handle", "D02-op", "department_handler", {"feedback": "已修复"}),
    ("verify", "sv-01", "supervisor", {}),
    ("close", "ld-01", "leader", {}),
]


def events():
    """The real engine's events for one report worked from 上报 to 结案."""
    case, out = None, []
    for i, (name, actor, role, payload) in enumerate(STEPS):
        command = command_from_dict(
            {
                "command_id": f"k{i}",
                "case_id": "case-1",
                "name": name,
                "actor": actor,
                "role": role,
                "at": (T0 + timedelta(minutes=10 * i)).isoformat(),
                "department_id": "D02" if role == "department_handler" else None,
                "payload": payload,
            }
        )
        case, event = step(case, command, clock=Clock())
        out.append(event)
    return out


def test_a_request_follows_its_case_from_reported_to_closed():
    fold, trail = CaseStatuses(), []
    for event in events():
        fold.apply(event)
        status = fold.status("R1")
        trail.append((status.status, status.notes, status.agency))
    assert trail[0] == ("open", "已上报 reported", None)
    assert trail[3] == ("open", "已派遣 dispatched to the department", "D02")
    assert fold.status("R1").expected_at is None  # closed: nothing more is expected
    assert trail[-1] == ("closed", "已结案 closed", "D02")
    assert fold.status("R1").updated_at == T0 + timedelta(minutes=60)


def test_a_dispatched_request_says_by_when_and_old_events_change_nothing():
    fold = CaseStatuses()
    history = events()
    for event in history[:4]:
        fold.apply(event)
    expected = fold.status("R1").expected_at
    assert expected is not None and expected > T0
    fold.apply(history[1])  # a redelivered older event
    assert fold.status("R1").notes == "已派遣 dispatched to the department"


def test_unknown_reports_are_absent_and_the_fold_is_bounded():
    fold = CaseStatuses(max_cases=1)
    fold.apply(events()[0])
    assert asyncio.run(fold.statuses(["R1", "R2"])).keys() == {"R1"}
    other = {**events()[0], "case_id": "case-2", "payload": {"signal_id": "report:R2"}}
    fold.apply(other)
    assert fold.status("R1") is None and fold.status("R2") is not None


def test_a_refusal_carries_its_reason():
    history = events()[:2]
    fold = CaseStatuses()
    for event in history:
        fold.apply(event)
    fold.apply(
        {**history[1], "version": 3, "to_state": "not_registered", "reason": "不属于城管受理范围"}
    )
    status = fold.status("R1")
    assert (status.status, status.notes) == (
        "closed",
        "不予立案 not registered: 不属于城管受理范围",
    )
