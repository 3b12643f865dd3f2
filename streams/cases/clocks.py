"""The deadline timer's decision: which clock marks a case is due at a moment.

A case whose department clock runs gets ``warn_deadline`` once the clock
turns yellow (``Clock.warn_from`` of its limit used) and ``mark_overdue``
once its deadline has passed; an overdue case needs no warning. Command ids
name the case, the dispatch and the deadline, so a timer that fires twice,
or on two workers during a rebalance, asks for the same mark twice and the
second changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from streams.cases.commands import Command
from streams.cases.engine import ENGINE_ACTOR
from streams.cases.policy import Clock
from streams.cases.transitions import CLOCK_STATES, Name, Role, State

REASONS = {Name.WARN_DEADLINE: "handling time nearly used", Name.MARK_OVERDUE: "handling overdue"}


def due_mark(case: Mapping[str, Any], *, now_at: datetime, clock: Clock) -> Command | None:
    """The clock mark ``case`` is due at ``now_at`` (UTC), or None."""
    deadline = case.get("deadline_at")
    if deadline is None or State(case["state"]) not in CLOCK_STATES or case.get("overdue"):
        return None
    light = clock.light(case, now_at=now_at)
    if light == "red":
        name = Name.MARK_OVERDUE
    elif light == "yellow" and case.get("warned_at") is None:
        name = Name.WARN_DEADLINE
    else:
        return None
    return Command(
        command_id=f"{case['case_id']}:{name.value}:{case['dispatch_count']}:{deadline}",
        case_id=case["case_id"],
        name=name.value,
        actor=ENGINE_ACTOR,
        role=Role.SYSTEM.value,
        at=now_at,
        payload={"deadline_at": deadline, "reason": f"{REASONS[name]} (deadline {deadline})"},
    )


def is_listed_overdue(case: Mapping[str, Any]) -> bool:
    """True for a case on the overdue list: marked overdue while its clock still runs."""
    return bool(case.get("overdue")) and State(case["state"]) in CLOCK_STATES
