"""What the case engine acts on by itself: which alerts, which cases it dispatches, its clocks.

Which cases the engine registers and dispatches on its own (自动立案派遣):
cases opened from **machine alerts** (``video``, ``vehicles``, ``hotspots``
and ``flood``) whose place and category have an owning department are
accepted, registered and dispatched to that department by the ``system``
role as soon as they open, as the AI auto-dispatch deployments do (即墨,
平湖, 江北; see ``reference/urban-management-standards.md`` §6). Without an
owner they stop at ``registered`` for a dispatcher. Cases opened from
**citizen reports** stop at ``reported``: a call taker verifies public
reports (核实) before anyone registers them, as the national flow asks; the
routed owner is kept as ``suggested_department_id``. A report or alert of a
problem that already has an open case joins that case instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from citybrain.contracts.alert import SEVERITIES
from citybrain.contracts.base import isoformat_utc
from streams.cases.deadlines import WorkCalendar, traffic_light
from streams.cases.dedup import DedupPolicy
from streams.cases.limits import DEFAULT_TIME_LIMITS, TimeLimit, case_deadline_at, time_limit
from streams.cases.transitions import CLOCK_STATES, State

ALL_SEVERITIES = frozenset(SEVERITIES)
DEFAULT_ALERT_SEVERITIES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "video": ALL_SEVERITIES,
        "vehicles": ALL_SEVERITIES,
        "hotspots": ALL_SEVERITIES,
        "flood": frozenset({"Severe", "Extreme"}),
        # "cases" (the engine's own deadline alerts) is absent: never a case of its own
    }
)
MACHINE_SOURCES = frozenset({"video", "vehicles", "hotspots", "flood"})
CITIZEN_SOURCE = "citizen"


@dataclass(frozen=True)
class Clock:
    """Handling time limits on a work calendar; warn once ``warn_from`` of the limit is used.

    ``warn_from`` 0.8 is the yellow light of the traffic-light rule (80 % of a
    step's limit used).
    """

    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    limits: Mapping[Any, TimeLimit] = field(default_factory=lambda: DEFAULT_TIME_LIMITS)
    warn_from: float = 0.8

    def deadline_at(self, case: Mapping[str, Any]) -> str | None:
        """ISO UTC deadline of a case whose department clock runs, else None."""
        if case.get("state") is None or State(case["state"]) not in CLOCK_STATES:
            return None
        moment = case_deadline_at(case, calendar=self.calendar, limits=self.limits)
        return None if moment is None else isoformat_utc(moment)

    def light(self, case: Mapping[str, Any], *, now_at: datetime) -> str | None:
        """``green`` / ``yellow`` / ``red`` of a running clock at ``now_at``; None if none runs."""
        deadline = case.get("deadline_at")
        if deadline is None or case.get("dispatched_at") is None:
            return None
        limit = time_limit(case["category"], case["urgency"], limits=self.limits)
        return traffic_light(
            start_at=datetime.fromisoformat(case["dispatched_at"]),
            deadline_at=datetime.fromisoformat(deadline),
            now_at=now_at.astimezone(UTC),
            calendar=self.calendar,
            working=limit.working,
            yellow_from=self.warn_from,
        )


@dataclass(frozen=True)
class CasePolicy:
    """The engine's choices; every default is stated in the module docstring.

    ``alert_severities``: per alert source, the severities that open or join
    a case (a source not listed: none). ``auto_dispatch_sources``: case
    sources the engine registers and dispatches itself. ``urgency_by_severity``
    raises a case's urgency above its category default. ``max_links_per_case``
    bounds the ``link`` commands one case gets through one index key (a camera
    that re-reports one stall all day): later sightings are counted in the
    index but sent nowhere; so a case's history holds at most that many
    ``link`` events per index key it is reached from.
    ``retire_after_h`` (default 720 h, the commands topic's 30-day retention):
    an ended case leaves the worker's tables once the newest command its
    partition has seen is this many event-time hours past the end of the day
    the case ended (:mod:`streams.cases.retirement`); its tombstone is
    forgotten ``forget_retired_after_h`` (default 720 h) later.
    ``deadline_check_s``: how often the clock timer runs.
    """

    alert_severities: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: DEFAULT_ALERT_SEVERITIES
    )
    auto_dispatch_sources: frozenset[str] = MACHINE_SOURCES
    urgency_by_severity: Mapping[str, str] = field(
        default_factory=lambda: MappingProxyType({"Extreme": "emergency", "Severe": "urgent"})
    )
    dedup: DedupPolicy = field(default_factory=DedupPolicy)
    clock: Clock = field(default_factory=Clock)
    max_links_per_case: int = 200
    retire_after_h: float = 720.0
    forget_retired_after_h: float = 720.0
    deadline_check_s: float = 30.0

    def acts_on_alert(self, *, source: str, msg_type: str, severity: str) -> bool:
        """True for an alert, or an update raising it, of a severity the source acts on.

        A flood warning that starts yellow and rises to red arrives as an Update;
        acting on it opens the case then (or joins the open one: dedup by place).
        Cancellations never open a case.
        """
        return msg_type in ("Alert", "Update") and severity in self.alert_severities.get(source, ())

    def auto_dispatches(self, case: Mapping[str, Any]) -> bool:
        """True when the engine registers and dispatches ``case`` itself."""
        return case.get("source") in self.auto_dispatch_sources
