"""Dedup's hold: a signal waits until every path has passed it, then all go in event-time order.

With event-time order on (:mod:`streams.progress`), dedup does not place a
signal as it arrives. Per partition of ``cases.alerts-by-place`` it keeps the
signal in its table (key :func:`held_key`) with the time it was raised, and
the case intake's marks (key ``progress.marks_key``). After each batch, every
held signal raised at or before the lowest mark of the channels still waited
for is placed, in ``(raised_at, signal id, message id)`` order: the same order
in every run, whatever order the paths delivered the signals in.

A placed signal leaves the table only once its command is in Kafka
(:meth:`Hold.settle`, written after the batch's sends): the message that
releases a signal is a progress record, not the signal's, so a worker killed
between the table write and the sends would otherwise never send it. Kept,
it is placed again after the restart, and placing a signal the index knows
sends the same command again (harmless: same command id).

A channel silent for ``idle_s`` (wall clock, no higher mark since) is no
longer waited for, so a quiet path (a reports partition with nothing for an
hour) delays a case by at most ``idle_s``; it is waited for again as soon as
its mark moves. That is the one place the order can still depend on timing:
a fault that stalls a path for longer than ``idle_s``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from streams.progress import Marks, low_water, merged

Held = dict[str, Any]  # {"raised_at", "kafka_key", "signal"}


def held_key(partition: int) -> str:
    """Table key of one partition's held signals (co-partitioned with the topic)."""
    return f"~held|{partition}"


def _order(entry: Mapping[str, Any]) -> tuple:
    signal = entry["signal"]
    return (entry["raised_at"], signal["signal_id"], signal.get("message_id") or "")


@dataclass
class Hold:
    """One partition's held signals and marks while a batch is applied."""

    held: list[Held] = field(default_factory=list)
    marks: Marks = field(default_factory=dict)
    changed: bool = False
    releasing: list[Held] = field(default_factory=list)  # placed, commands not yet in Kafka

    def add(self, signal: Mapping[str, Any], *, kafka_key: str, raised_at: float) -> bool:
        """Hold ``signal``; False when this very message is held already."""
        ids = (signal["signal_id"], signal.get("message_id"))
        if any((h["signal"]["signal_id"], h["signal"].get("message_id")) == ids for h in self.held):
            return False
        self.held.append({"raised_at": raised_at, "kafka_key": kafka_key, "signal": dict(signal)})
        self.changed = True
        return True

    def note(self, marks: Mapping[str, float]) -> list[str]:
        """Take new marks; return the channels whose mark moved."""
        new = merged(self.marks, marks)
        moved = [c for c, t in new.items() if self.marks.get(c) != t]
        if moved:
            self.marks = new
            self.changed = True
        return moved

    def due(self, waited: Iterable[str]) -> list[Held]:
        """Take the held signals every ``waited`` channel has passed, in event-time order.

        No channel waited for (all silent): everything held is due.
        """
        waited = list(waited)
        low = low_water(self.marks, waited) if waited else float("inf")
        if low is None or not self.held:
            return []
        ready = sorted((h for h in self.held if h["raised_at"] <= low), key=_order)
        if ready:
            self.held = [h for h in self.held if h["raised_at"] > low]
            self.releasing += ready
            self.changed = True
        return ready

    def to_table(self) -> tuple[list[Held], Marks]:
        """The values to write under ``held_key`` and ``marks_key`` before the batch's sends.

        Signals placed in this batch stay until :meth:`settle`.
        """
        return [*self.releasing, *self.held], dict(self.marks)

    def settle(self) -> bool:
        """The batch's commands are in Kafka: its placed signals leave; True if any did."""
        settled = bool(self.releasing)
        self.releasing = []
        return settled


class IdleClock:
    """When each channel of each partition last moved (wall clock, in memory).

    After a restart every channel counts as moved at the restart: a restarted
    worker waits ``idle_s`` for a path before it stops waiting for it.
    """

    def __init__(self, idle_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_s = idle_s
        self.clock = clock
        self.started: dict[int, float] = {}
        self.last: dict[tuple[int, str], float] = {}

    def moved(self, partition: int, channels: Iterable[str]) -> None:
        now = self.clock()
        self.started.setdefault(partition, now)
        for c in channels:
            self.last[(partition, c)] = now

    def waited_for(self, partition: int, expected: Iterable[str]) -> list[str]:
        """The ``expected`` channels of ``partition`` not silent for ``idle_s``."""
        now = self.clock()
        start = self.started.setdefault(partition, now)
        return [c for c in expected if now - self.last.get((partition, c), start) <= self.idle_s]
