"""The demo county's duty desk: the people who work the day's cases.

The case engine opens cases from alerts and reports and dispatches machine
alerts itself; people do the rest. This module plays them for the demo, as
pure functions: from the day's case events (``cases.events``) it writes the
commands that call takers (受理), the duty leader (立案, 结案), dispatchers
(派遣), department operators (处置) and field supervisors (上报, 核查) send to
``cases.commands``, each stamped with the scenario time it happens at.

What it plants, so the dashboards and evaluation marts have a day to show:
supervisors report problems of their own on patrol; a share of reports is
not registered; handling takes from a quarter of to twice its time limit (so
some cases are late); some verifications fail and send the case back
(返工); everything that would happen after the end of the day does not, so
the day ends with cases open at every step. Randomness is seeded per case:
the same events give the same commands.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

SUPERVISORS = tuple(f"sv-{n:02d}" for n in range(1, 7))
CALL_TAKERS = ("ct-01", "ct-02", "ct-03")
DISPATCHERS = ("dp-01", "dp-02")
LEADER = "ld-01"
NOT_REGISTERED_SHARE = 0.07
REWORK_SHARE = 0.15
SUPERVISOR_REPORTS = 36


@dataclass(frozen=True)
class CaseAt:
    """A case as its latest event leaves it."""

    case_id: str
    state: str
    at: datetime
    source: str | None
    category: str
    department_id: str | None
    suggested_department_id: str | None


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def cases_from_events(events: Iterable[Mapping[str, Any]]) -> dict[str, CaseAt]:
    """Fold ``cases.events`` documents into each case's latest state.

    The case's time is its latest event *time*, not the time of its highest
    version: the engine numbers events in the order it applies them, and two
    signals linked to one case from different partitions arrive in either
    order (a replay after a crash may swap them), while their times do not change.
    """
    first: dict[str, Mapping[str, Any]] = {}
    latest: dict[str, Mapping[str, Any]] = {}
    last_at: dict[str, datetime] = {}
    for event in events:
        case_id = event["case_id"]
        if event["version"] == 1:
            first[case_id] = event
        if case_id not in latest or event["version"] > latest[case_id]["version"]:
            latest[case_id] = event
        at = _time(event["at"])
        last_at[case_id] = max(at, last_at.get(case_id, at))
    cases = {}
    for case_id, event in latest.items():
        opened = first.get(case_id, {}).get("payload", {})
        cases[case_id] = CaseAt(
            case_id=case_id,
            state=event["to_state"],
            at=last_at[case_id],
            source=opened.get("source"),
            category=opened.get("category", "other"),
            department_id=event.get("department_id"),
            suggested_department_id=opened.get("suggested_department_id"),
        )
    return cases


def _rng(seed: int, key: str) -> random.Random:
    return random.Random(int.from_bytes(hashlib.sha256(f"{seed}:{key}".encode()).digest()[:8]))


class _Case:
    """Commands for one case, in time order, stopping at the end of the day."""

    def __init__(self, case_id: str, at: datetime, end_at: datetime, seed: int) -> None:
        self.case_id, self.at, self.end_at = case_id, at, end_at
        self.rng = _rng(seed, case_id)
        self.commands: list[dict[str, Any]] = []
        self.open = True

    def after(self, low_min: float, high_min: float) -> datetime | None:
        at = self.at + timedelta(minutes=self.rng.uniform(low_min, high_min))
        if at > self.end_at:
            self.open = False
            return None
        self.at = at
        return at

    def send(self, name: str, actor: str, role: str, wait_min: tuple[float, float], **kw) -> bool:
        if not self.open or self.after(*wait_min) is None:
            return False
        department = kw.pop("actor_department_id", None)
        self.commands.append(
            {
                "command_id": f"desk:{self.case_id}:{len(self.commands) + 1}",
                "case_id": self.case_id,
                "name": name,
                "actor": actor,
                "role": role,
                "at": self.at.isoformat().replace("+00:00", "Z"),
                "department_id": department,
                "payload": kw,
            }
        )
        return True


def _handle_and_verify(case: _Case, department_id: str) -> None:
    """处置 → 核查 (返工 at most once) → 结案."""
    for attempt in range(2):
        handled = case.send(
            "handle",
            f"{department_id}-op",
            "department_handler",
            (15, 240),  # from a quarter of to twice a typical limit of 2 working hours
            actor_department_id=department_id,
            feedback="已到场处置，现场已恢复" if attempt == 0 else "返工整改完成",
        )
        if not handled:
            return
        supervisor = case.rng.choice(SUPERVISORS)
        if attempt == 0 and case.rng.random() < REWORK_SHARE:
            case.send(
                "rework", supervisor, "supervisor", (10, 90), reason="核查未通过：现场仍有问题"
            )
            continue
        if case.send("verify", supervisor, "supervisor", (10, 180)):
            case.send("close", LEADER, "leader", (5, 30))
        return


def _desk(case: _Case, department_id: str | None) -> None:
    """受理 → 立案 (or 不予立案) → 派遣 → the department's part."""
    case.send("accept", case.rng.choice(CALL_TAKERS), "call_taker", (2, 15))
    if case.rng.random() < NOT_REGISTERED_SHARE:
        case.send("not_register", LEADER, "leader", (5, 20), reason="经核实不属于城管受理范围")
        return
    case.send("register", LEADER, "leader", (5, 20))
    if department_id is None:
        return  # unrouted: waits for a dispatcher who knows the owner
    dispatcher = case.rng.choice(DISPATCHERS)
    if case.send("dispatch", dispatcher, "dispatcher", (5, 25), department_id=department_id):
        _handle_and_verify(case, department_id)


def supervisor_reports(
    *, seed: int, day_start_at: datetime, end_at: datetime, places: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Problems field supervisors find on patrol: ``report`` commands of new cases.

    ``places``: grids with ``grid_code``, ``centre_lat``, ``centre_lng`` and the
    ``category`` and ``department_id`` a problem there has.
    """
    rng = _rng(seed, "supervisor-reports")
    reports = []
    for n in range(SUPERVISOR_REPORTS):
        place = rng.choice(places)
        at = day_start_at + timedelta(hours=rng.uniform(1, 14))  # 09:00-22:00 local
        if at > end_at:
            continue
        reports.append(
            {
                "command_id": f"desk:patrol:{n}",
                "case_id": f"case-patrol-{seed}-{n:03d}",
                "name": "report",
                "actor": rng.choice(SUPERVISORS),
                "role": "supervisor",
                "at": at.isoformat().replace("+00:00", "Z"),
                "department_id": None,
                "payload": {
                    "category": place["category"],
                    "lat": round(place["centre_lat"] + rng.uniform(-0.001, 0.001), 6),
                    "lng": round(place["centre_lng"] + rng.uniform(-0.001, 0.001), 6),
                    "grid_code": place["grid_code"],
                    "description": "监督员巡查发现",
                },
            }
        )
    return reports


def desk_commands(
    cases: Mapping[str, CaseAt],
    patrol_reports: Sequence[Mapping[str, Any]],
    *,
    seed: int,
    end_at: datetime,
    owner_of: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The day's commands for ``cases`` and the supervisors' own reports, in time order.

    ``owner_of``: category → department that owns it (for cases the engine did
    not route). Reports by supervisors are worked like citizen reports.
    """
    out: list[dict[str, Any]] = list(patrol_reports)
    for report in patrol_reports:
        case = _Case(report["case_id"], _time(report["at"]), end_at, seed)
        _desk(case, owner_of.get(report["payload"]["category"]))
        out += case.commands
    for snapshot in sorted(cases.values(), key=lambda c: c.case_id):
        case = _Case(snapshot.case_id, snapshot.at, end_at, seed)
        if snapshot.state == "reported":
            owner = snapshot.suggested_department_id or owner_of.get(snapshot.category)
            _desk(case, owner)
        elif snapshot.state == "dispatched" and snapshot.department_id:
            _handle_and_verify(case, snapshot.department_id)
        out += case.commands
    return sorted(out, key=lambda c: (c["at"], c["case_id"], c["command_id"]))
