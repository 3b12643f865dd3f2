"""Handling time limits (处置时限) per category and urgency, and a case's deadline.

A limit says how many hours and on which clock: working hours on the
calendar, or natural hours. Normal cases count working hours; urgent and
emergency cases count natural hours, day and night (as deployments do for
应急 cases). The default numbers are local working defaults in the range of
published city 立结案标准 (e.g. 暴露垃圾 4 working hours; see
``reference/urban-management-standards.md`` §3), not CJ/T 315 tables, which
were not available: a deployment passes its own table.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any

from citybrain.categories import CATEGORIES
from streams.cases.classify import Urgency
from streams.cases.deadlines import WorkCalendar, deadline_at


@dataclass(frozen=True)
class TimeLimit:
    """``hours`` on the working clock (``working=True``) or the natural clock."""

    hours: float
    working: bool = True


_NORMAL_WORKING_HOURS: dict[str, float] = {
    "unlicensed_peddler": 1,
    "illegal_parking": 1,
    "out_of_store_business": 2,
    "lane_occupation": 2,
    "street_drying": 2,
    "exposed_garbage": 4,
    "construction_waste": 4,
    "piled_materials": 4,
    "waterlogging": 4,
    "manhole_cover": 4,
    "noise": 4,
    "illegal_small_ads": 7,  # one working day
    "other": 7,
    "street_light": 14,  # two working days
    "road_damage": 35,  # five working days
}
_URGENT_NATURAL_HOURS: dict[str, float] = {"manhole_cover": 1, "waterlogging": 2}

DEFAULT_TIME_LIMITS: Mapping[tuple[str, Urgency], TimeLimit] = MappingProxyType(
    {
        **{(c, Urgency.NORMAL): TimeLimit(h) for c, h in _NORMAL_WORKING_HOURS.items()},
        **{
            (c, Urgency.URGENT): TimeLimit(_URGENT_NATURAL_HOURS.get(c, 2), working=False)
            for c in CATEGORIES
        },
        **{(c, Urgency.EMERGENCY): TimeLimit(1, working=False) for c in CATEGORIES},
    }
)


def time_limit(
    category: str,
    urgency: str,
    *,
    limits: Mapping[tuple[str, Urgency], TimeLimit] = DEFAULT_TIME_LIMITS,
) -> TimeLimit:
    """The limit of a category at an urgency; KeyError when the table has none."""
    return limits[(category, Urgency(urgency))]


def case_deadline_at(
    case: Mapping[str, Any],
    *,
    calendar: WorkCalendar,
    limits: Mapping[tuple[str, Urgency], TimeLimit] = DEFAULT_TIME_LIMITS,
) -> datetime | None:
    """Deadline of the current department's handling, or None when not dispatched.

    The clock starts at ``dispatched_at`` (each dispatch and rework restarts
    it) and runs for the limit plus the approved ``extension_hours``, on the
    limit's clock.
    """
    if case.get("dispatched_at") is None:
        return None
    limit = time_limit(case["category"], case["urgency"], limits=limits)
    return deadline_at(
        datetime.fromisoformat(case["dispatched_at"]),
        limit.hours + case["extension_hours"],
        calendar,
        working=limit.working,
    )
