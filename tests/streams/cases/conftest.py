"""Factories for case-engine tests: commands, and cases walked to a given state."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from streams.cases.commands import Command
from streams.cases.lifecycle import Refusal, apply

T0 = datetime(2026, 7, 15, 2, 0, tzinfo=UTC)  # Wednesday 10:00 Asia/Shanghai
CASE_ID = "case-1"
DEPARTMENT = "E01"

VALID_PAYLOADS: dict[str, dict] = {
    "report": {"category": "unlicensed_peddler", "lat": 30.2521, "lng": 120.1705},
    "not_register": {"reason": "not in the service area"},
    "dispatch": {"department_id": DEPARTMENT},
    "return": {"reason": "not our responsibility"},
    "request_postponement": {"hours": 4, "reason": "waiting for parts"},
    "reject_postponement": {"reason": "can be done today"},
    "handle": {"feedback": "vendor moved on, pavement cleared"},
    "rework": {"reason": "vendor still there"},
    "suspend": {"reason": "ownership unclear"},
    "cancel": {"reason": "duplicate report"},
    "link": {"signal_id": "alert:cam-7:1"},
    "warn_deadline": {"deadline_at": "2026-07-15T05:00:00.000Z"},
    "mark_overdue": {"deadline_at": "2026-07-15T05:00:00.000Z"},
}

# the commands (name, role) that walk a new case to each state
PATHS: dict[str | None, list[tuple[str, str]]] = {None: []}
PATHS["reported"] = [("report", "supervisor")]
PATHS["accepted"] = [*PATHS["reported"], ("accept", "call_taker")]
PATHS["not_registered"] = [*PATHS["accepted"], ("not_register", "leader")]
PATHS["registered"] = [*PATHS["accepted"], ("register", "leader")]
PATHS["dispatched"] = [*PATHS["registered"], ("dispatch", "dispatcher")]
PATHS["postponement_requested"] = [
    *PATHS["dispatched"],
    ("request_postponement", "department_handler"),
]
PATHS["returned"] = [*PATHS["dispatched"], ("return", "department_handler")]
PATHS["handled"] = [*PATHS["dispatched"], ("handle", "department_handler")]
PATHS["verified"] = [*PATHS["handled"], ("verify", "supervisor")]
PATHS["closed"] = [*PATHS["verified"], ("close", "leader")]
PATHS["suspended"] = [*PATHS["registered"], ("suspend", "leader")]
PATHS["cancelled"] = [*PATHS["reported"], ("cancel", "leader")]


class CommandFactory:
    """Makes commands with fresh ids and times one minute apart."""

    t0 = T0
    case_id = CASE_ID
    department = DEPARTMENT
    paths = PATHS
    payloads = VALID_PAYLOADS

    def __init__(self) -> None:
        self._ids = itertools.count(1)

    def __call__(
        self,
        name: str,
        role: str,
        *,
        case_id: str = CASE_ID,
        department_id: str | None = None,
        command_id: str | None = None,
        payload: dict | None = None,
    ) -> Command:
        n = next(self._ids)
        if department_id is None and role == "department_handler":
            department_id = DEPARTMENT
        return Command(
            command_id=command_id or f"cmd-{n}",
            case_id=case_id,
            name=name,
            actor=f"{role}-01",
            role=role,
            at=T0 + timedelta(minutes=n),
            department_id=department_id,
            payload=VALID_PAYLOADS.get(name, {}) if payload is None else payload,
        )

    def walk(self, state: str | None, **report_payload) -> dict | None:
        """A case walked to ``state`` through valid commands (None: no case)."""
        case = None
        for name, role in PATHS[state]:
            payload = {**VALID_PAYLOADS["report"], **report_payload} if name == "report" else None
            result = apply(case, self(name, role, payload=payload))
            assert not isinstance(result, Refusal), (name, role, result)
            case = result[0]
        return case


@pytest.fixture
def command() -> CommandFactory:
    return CommandFactory()
