"""Retiring ended cases from the worker's tables, on event time (pure).

An ended case (closed, cancelled, not registered) changes no more; its
events are on ``cases.events`` (kept a year) and landed to Parquet, where
the marts read them. The worker keeps it in ``cases`` and ``case_history``
for ``policy.retire_after_h`` of **event time** after the day it ended, then
replaces both with a small tombstone in ``case_retired``: commands for it are
refused with code ``retired`` and the API answers 410 naming where its
history is. ``policy.forget_retired_after_h`` later the tombstone goes too
(by then no command for the case can still be in ``cases.commands``).

Event time, not the wall clock, so a replay retires the same cases at the
same records whatever its speed. Each ``cases.commands`` partition keeps, in
``case_retired``, a small record under :func:`clock_key`::

    {"newest_at": ISO UTC | None, "days": {"YYYY-MM-DD": "ended" | "retired"}}

and the ids of the cases that ended on each UTC day under
:func:`day_key` (a list). ``newest_at`` is the newest ``at`` of the engine's
own commands the partition has taken: the signals it placed (reports and
links, timed by their observation) and its follow-ups to them. Not its clock
marks, which are timed by the wall clock, and not people's acts: the API
stamps those with the wall clock, which on a replay of a past day is months
ahead of the day's signals and would retire the replay's ended cases at once
(a city's partitions never go long without a signal). A day's cases
are retired once ``newest_at`` is ``retire_after_h`` past the day's end, and
forgotten ``forget_retired_after_h`` after that. Days, not cases, so the
record written with every batch stays a few hundred bytes; a case leaves
the tables at most a day later than its own end plus the retention. Noting
a case twice, or retiring a day twice, changes nothing, so a batch decided
again after a crash retires the same cases.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
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
ENDED, RETIRED = "ended", "retired"


def clock_key(partition: int) -> str:
    """The ``case_retired`` key of a commands partition's record (never a case id)."""
    return f"~partition:{partition}"


def day_key(partition: int, day: str) -> str:
    """The ``case_retired`` key of the ids of a partition's cases that ended on ``day``."""
    return f"~ended:{partition}:{day}"


def moves_event_time(command: Command) -> bool:
    """True when ``command.at`` is event time: the engine's commands but its clock marks."""
    return command.role == Role.SYSTEM and command.name not in CLOCK_MARKS


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _day_end(day: str) -> datetime:
    return _parse(f"{day}T00:00:00+00:00") + timedelta(days=1)


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
class Due:
    """What one batch retires and forgets on one partition."""

    retire: list[str] = field(default_factory=list)
    forget: list[str] = field(default_factory=list)


class Retirement:
    """One partition's retirement record and day lists while one batch is applied.

    ``read(key)`` reads ``case_retired``; :meth:`writes` is what to write back
    (None: delete the key).
    """

    def __init__(
        self, record: Mapping[str, Any] | None, read: Callable[[str], Any], *, partition: int
    ) -> None:
        record = record or {}
        self.record = {"newest_at": record.get("newest_at"), "days": dict(record.get("days") or {})}
        self._read = read
        self.partition = partition
        self.days: dict[str, list[str] | None] = {}
        self.dirty: set[str] = set()
        self.late: list[str] = []

    def _ids(self, day: str) -> list[str]:
        if day not in self.days:
            self.days[day] = list(self._read(day_key(self.partition, day)) or [])
        return self.days[day] or []

    def observe(self, command: Command) -> None:
        """Move the partition's event time forward to ``command.at`` if it is later."""
        if not moves_event_time(command):
            return
        at = isoformat_utc(command.at)
        newest = self.record["newest_at"]
        if newest is None or _parse(at) > _parse(newest):
            self.record["newest_at"] = at
            self.dirty.add(clock_key(self.partition))

    def note(self, case: Mapping[str, Any] | None) -> None:
        """Remember an ended case until its day is due; open cases and known ones change nothing."""
        if case is None or is_open(case) or not case.get("ended_at"):
            return
        day = case["ended_at"][:10]
        ids = self._ids(day)
        if case["case_id"] in ids:
            return
        self.days[day] = [*ids, case["case_id"]]
        self.dirty.add(day)
        status = self.record["days"].get(day)
        if status == RETIRED:  # ended on a day already retired (a late end): retire it now
            self.late.append(case["case_id"])
        elif status is None:
            self.record["days"][day] = ENDED
            self.dirty.add(clock_key(self.partition))

    def due(self, *, retire_after_h: float, forget_after_h: float) -> Due:
        """The cases to retire and the tombstones to forget now; the record moves on."""
        due = Due(retire=list(self.late))
        self.late = []
        newest = self.record["newest_at"]
        if newest is None:
            return due
        now = _parse(newest)
        retire_by = timedelta(hours=retire_after_h)
        forget_by = retire_by + timedelta(hours=forget_after_h)
        for day, status in sorted(self.record["days"].items()):
            if status == ENDED and _day_end(day) + retire_by <= now:
                due.retire += self._ids(day)
                self.record["days"][day] = status = RETIRED
                self.dirty.add(clock_key(self.partition))
            if status == RETIRED and _day_end(day) + forget_by <= now:
                due.forget += self._ids(day)
                del self.record["days"][day]
                self.days[day] = None
                self.dirty |= {day, clock_key(self.partition)}
        return due

    def writes(self) -> dict[str, Any]:
        """The ``case_retired`` keys this batch changed and their values (None: delete)."""
        out: dict[str, Any] = {}
        for key in sorted(self.dirty):
            if key == clock_key(self.partition):
                out[key] = {"newest_at": self.record["newest_at"], "days": self.record["days"]}
            else:
                out[day_key(self.partition, key)] = self.days.get(key)
        return out
