"""Retiring ended cases from the worker's tables, on event time (pure).

An ended case (closed, cancelled, not registered) changes no more; its
events are on ``cases.events`` (kept a year) and landed to Parquet, where
the marts read them. The worker keeps it in ``cases`` and ``case_history``
for ``policy.retire_after_h`` of **event time** after it ended, then replaces
both with a small tombstone in ``case_retired``: commands for it are refused
with code ``retired`` and the API answers 410 naming where its history is.

Event time, not the wall clock, so a replay retires the same cases at the
same records whatever its speed: each ``cases.commands`` partition keeps one
record in ``case_retired`` under :func:`clock_key`::

    {"newest_at": ISO UTC | None, "ended": [[ended_at, case_id], ...]}

``newest_at`` is the newest ``at`` of the commands the partition has taken
from the world (reports, links, people's acts; not the engine's clock marks,
which are timed by the wall clock); ``ended`` lists its ended cases not
retired yet, oldest first. A case is due once ``ended_at + retire_after_h <=
newest_at``. Noting a case twice, or retiring it twice, changes nothing, so
a batch decided again after a crash retires the same cases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from citybrain.contracts.base import isoformat_utc
from streams.cases.checks import Refusal
from streams.cases.commands import Command
from streams.cases.lifecycle import is_open
from streams.cases.transitions import Name, Role

CLOCK_MARKS = frozenset({Name.WARN_DEADLINE.value, Name.MARK_OVERDUE.value})
TOMBSTONE_FIELDS = ("case_id", "state", "category", "department_id", "reported_at", "ended_at")
LANDING_HINT = "its events are on cases.events and in the landing (marts: case_state_by_case)"


def clock_key(partition: int) -> str:
    """The ``case_retired`` key of a commands partition's record (never a case id)."""
    return f"~partition:{partition}"


def is_world_time(command: Command) -> bool:
    """True when ``command.at`` is event time: anything but the engine's clock marks."""
    return not (command.role == Role.SYSTEM and command.name in CLOCK_MARKS)


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def tombstone(case: Mapping[str, Any], *, retired_at: str) -> dict[str, Any]:
    """What stays of a retired case: who, what, when it ended, and when it was retired."""
    return {k: case.get(k) for k in TOMBSTONE_FIELDS} | {
        "version": case.get("version"),
        "retired_at": retired_at,
    }


def retired_refusal(stone: Mapping[str, Any]) -> Refusal:
    """The refusal of a command for a retired case."""
    return Refusal(
        "retired",
        f"case {stone['case_id']} ended ({stone.get('state')}) at {stone.get('ended_at')} and "
        f"was retired from the worker at {stone.get('retired_at')}; {LANDING_HINT}",
    )


@dataclass
class Retirement:
    """One partition's retirement record while one batch is applied."""

    record: dict[str, Any] = field(default_factory=lambda: {"newest_at": None, "ended": []})
    changed: bool = False

    @classmethod
    def load(cls, record: Mapping[str, Any] | None) -> Retirement:
        """The record as stored (None: a partition that has seen nothing yet)."""
        if not record:
            return cls()
        ended = [list(pair) for pair in record.get("ended") or ()]
        return cls({"newest_at": record.get("newest_at"), "ended": ended})

    def observe(self, command: Command) -> None:
        """Move the partition's event time forward to ``command.at`` if it is later."""
        if not is_world_time(command):
            return
        at = isoformat_utc(command.at)
        newest = self.record["newest_at"]
        if newest is None or _parse(at) > _parse(newest):
            self.record = self.record | {"newest_at": at}
            self.changed = True

    def note(self, case: Mapping[str, Any] | None) -> None:
        """Remember an ended case until it is due; open cases and known ones change nothing."""
        if case is None or is_open(case) or not case.get("ended_at"):
            return
        if any(case_id == case["case_id"] for _, case_id in self.record["ended"]):
            return
        pair = [case["ended_at"], case["case_id"]]
        ended = sorted([*self.record["ended"], pair], key=lambda p: (_parse(p[0]), p[1]))
        self.record = self.record | {"ended": ended}
        self.changed = True

    def due(self, *, retire_after_h: float) -> list[str]:
        """Take the ids of the ended cases due now out of the record, oldest first."""
        newest = self.record["newest_at"]
        if newest is None:
            return []
        cutoff = _parse(newest) - timedelta(hours=retire_after_h)
        ready = [p for p in self.record["ended"] if _parse(p[0]) <= cutoff]
        if ready:
            self.record = self.record | {"ended": self.record["ended"][len(ready) :]}
            self.changed = True
        return [case_id for _, case_id in ready]
