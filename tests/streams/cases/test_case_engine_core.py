"""The engine's step over the lifecycle: links, clock marks, deadlines, follow-ups, the fold."""

from datetime import UTC, datetime, timedelta

import pytest

from streams.cases.clocks import due_mark, is_listed_overdue
from streams.cases.commands import Command
from streams.cases.engine import command_of, follow_ups, replay, restore, step
from streams.cases.lifecycle import Refusal, apply
from streams.cases.policy import CasePolicy, Clock

CLOCK = Clock()
POLICY = CasePolicy()
T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)  # Wednesday 10:00 in Asia/Shanghai


def cmd(name, role="system", *, n, case_id="case-1", payload=None, at=None, department_id=None):
    return Command(f"c{n}", case_id, name, "someone", role, at or T0, department_id, payload or {})


def machine_report(**extra):
    payload = {"category": "unlicensed_peddler", "lat": 30.2521, "lng": 120.1705}
    return cmd("report", payload={**payload, "source": "video", **extra}, n=0)


def walk(commands):
    case, events = None, []
    for c in commands:
        result = step(case, c, clock=CLOCK)
        assert not isinstance(result, Refusal), (c.name, result)
        case, event = result
        if event is not None:
            events.append(event)
    return case, events


def dispatched(**report_extra):
    report = machine_report(suggested_department_id="E01", **report_extra)
    case, events = walk([report])
    return walk([report, *follow_ups(case, events[0], policy=POLICY)])


def test_a_machine_case_is_classified_routed_and_dispatched_by_the_engine():
    case, events = dispatched(grid_code="33019900100101")
    assert [(e["command"], e["role"], e["to_state"]) for e in events] == [
        ("report", "system", "reported"),
        ("accept", "system", "accepted"),
        ("register", "system", "registered"),
        ("dispatch", "system", "dispatched"),
    ]
    assert (case["class_code"], case["class_name"], case["class_standard"]) == (
        "04-01",
        "无照经营游商",
        "GB/T 30428.2-2013",
    )
    assert case["department_id"] == "E01" and case["grid_code"] == "33019900100101"
    # unlicensed_peddler: 1 working hour from 10:00 local on a Wednesday
    assert case["deadline_at"] == events[-1]["deadline_at"] == "2026-07-15T03:00:00.000Z"
    assert all(e["deadline_at"] is None for e in events[:-1])


def test_citizen_cases_and_unowned_places_are_not_dispatched_by_the_engine():
    citizen = cmd("report", payload={**machine_report().payload, "source": "citizen"}, n=0)
    case, events = walk([citizen])
    assert follow_ups(case, events[0], policy=POLICY) == []
    unowned = machine_report()  # no suggested department
    case, events = walk([unowned])
    assert [c.name for c in follow_ups(case, events[0], policy=POLICY)] == ["accept", "register"]
    case, events = walk([unowned, *follow_ups(case, events[0], policy=POLICY)])
    assert follow_ups(case, events[-1], policy=POLICY) == []  # only after the report


def test_links_count_further_sightings_without_moving_the_case():
    case, _ = dispatched()
    for n in range(1, 4):
        case, event = step(case, cmd("link", payload={"signal_id": f"alert:{n}"}, n=n), clock=CLOCK)
        assert (event["from_state"], event["to_state"]) == ("dispatched", "dispatched")
    assert case["merged_count"] == 3 and case["state"] == "dispatched"
    closed = {**case, "state": "closed"}
    refused = apply(closed, cmd("link", payload={"signal_id": "alert:9"}, n=9))
    assert isinstance(refused, Refusal) and refused.code == "invalid_state"


def test_clock_marks_are_idempotent_per_clock_and_a_new_clock_clears_them():
    case, _ = dispatched()
    deadline = {"deadline_at": case["deadline_at"]}
    case, warned = step(case, cmd("warn_deadline", payload=deadline, n=1), clock=CLOCK)
    assert warned is not None and case["warned_at"] is not None
    assert step(case, cmd("warn_deadline", payload=deadline, n=2), clock=CLOCK)[1] is None
    case, _ = step(case, cmd("mark_overdue", payload=deadline, n=3), clock=CLOCK)
    assert case["overdue"] and case["overdue_count"] == 1 and is_listed_overdue(case)
    assert step(case, cmd("mark_overdue", payload=deadline, n=4), clock=CLOCK)[1] is None
    assert step(case, cmd("warn_deadline", payload=deadline, n=5), clock=CLOCK)[1] is None
    handler = {"role": "department_handler", "department_id": "E01"}
    ask = {"hours": 2, "reason": "parts"}
    case, _ = step(case, cmd("request_postponement", payload=ask, n=6, **handler), clock=CLOCK)
    case, _ = step(case, cmd("approve_postponement", "dispatcher", n=7), clock=CLOCK)
    assert (case["overdue"], case["warned_at"], case["overdue_count"]) == (False, None, 1)
    assert case["deadline_at"] > deadline["deadline_at"]  # two more working hours
    stale = step(case, cmd("mark_overdue", payload=deadline, n=8), clock=CLOCK)
    assert stale == (case, None)  # a mark for a deadline that has moved changes nothing
    handled = {"feedback": "done"}
    case, _ = step(case, cmd("handle", payload=handled, n=9, **handler), clock=CLOCK)
    assert case["deadline_at"] is None and not is_listed_overdue(case)


def test_the_timer_asks_for_a_warning_then_for_overdue_with_stable_ids():
    case, _ = dispatched()  # dispatched 10:00, deadline 11:00 local
    assert due_mark(case, now_at=T0 + timedelta(minutes=30), clock=CLOCK) is None
    warn = due_mark(case, now_at=T0 + timedelta(minutes=50), clock=CLOCK)
    assert warn.name == "warn_deadline" and warn.role == "system"
    again = due_mark(case, now_at=T0 + timedelta(minutes=55), clock=CLOCK)
    assert again.command_id == warn.command_id
    late = due_mark(case, now_at=T0 + timedelta(minutes=61), clock=CLOCK)
    assert late.name == "mark_overdue" and late.payload["deadline_at"] == case["deadline_at"]
    case, _ = step(case, late, clock=CLOCK)
    assert due_mark(case, now_at=T0 + timedelta(hours=5), clock=CLOCK) is None


def test_the_fold_of_the_events_is_the_case_and_restore_trusts_the_history():
    case, events = dispatched()
    case, link = step(case, cmd("link", payload={"signal_id": "alert:2"}, n=2), clock=CLOCK)
    events.append(link)
    assert command_of(events[0]).to_dict()["payload"] == dict(events[0]["payload"])
    assert replay(events, clock=CLOCK) == case
    assert restore(case, events, clock=CLOCK) == case
    behind = replay(events[:-2], clock=CLOCK)
    assert restore(behind, events, clock=CLOCK) == case  # the case write was lost
    assert restore(case, events[:-1], clock=CLOCK) == replay(events[:-1], clock=CLOCK)
    with pytest.raises(ValueError, match="does not follow"):
        replay([events[0], events[2]], clock=CLOCK)
