"""The case engine's part of event-time order: the intake's marks out, dedup's hold in.

On only with ``Settings.event_time_order_idle_s`` (:mod:`streams.progress`).

- **Intake.** A progress record on ``alerts`` moves the upstream marks of its
  partition (kept in ``case_intake_alerts`` under ``progress.marks_key``); a
  citizen report moves its own partition's mark to the report's time. After a
  batch's signals are in Kafka, the intake sends the marks of the partitions
  the batch moved to every partition of ``cases.alerts-by-place``: for an
  ``alerts`` partition the lowest of its upstream channels' marks, for a
  reports partition the latest report time. A timer re-sends them every
  quarter of ``idle_s``, so dedup also looks at its held signals when no path
  moves.
- **Dedup.** Signals and marks go to :class:`streams.cases.holding.Hold`
  (kept in ``case_dedup``); after the batch, the due signals are placed in
  event-time order.

A partition with a gap in its offsets (``streams.cases.continuity``) takes no
marks from that batch: the records past the gap come again after the seek back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from citybrain.topics import spec
from streams import progress
from streams.cases import wire
from streams.cases.holding import Hold, IdleClock, held_key
from streams.cases.places import PlaceIndex

STAGE = "cases-intake"
Read = Callable[[str], Any]


class EventTimeOrder:
    """The intake's marks and dedup's holds of one worker."""

    def __init__(self, *, idle_s: float, clock: Callable[[], float] | None = None) -> None:
        self.idle = IdleClock(idle_s) if clock is None else IdleClock(idle_s, clock)
        self.mine = progress.SourceMarks(STAGE)
        self.upstream = progress.expected(wire.ALERTS)
        self.channels = progress.expected(wire.PLACES)
        self.places_partitions = spec(wire.PLACES).partitions
        self.held: dict[int, int] = {}  # per dedup partition: signals held (a gauge)

    # -- intake ---------------------------------------------------------------------------

    def alerts_marks(self, partition: int, old: Mapping | None, value: bytes | None) -> dict:
        """A progress record on ``alerts`` ``partition``: its upstream marks, to write back.

        The partition's own mark becomes the lowest of them. ValueError when malformed.
        """
        marks, low = progress.passed_on(old, value, self.upstream)
        self.mine.note(wire.ALERTS, partition, low)
        return marks

    def note_report(self, partition: int, raised_at: float) -> None:
        self.mine.note(wire.REPORTS, partition, raised_at)

    def messages(self, moved: Iterable[tuple[str, int]] | None = None) -> list[wire.Outgoing]:
        """Progress to every dedup partition: of the ``moved`` sources, or all (None)."""
        names = (
            list(self.mine.marks)
            if moved is None
            else [progress.channel(STAGE, t, p) for t, p in moved]
        )
        marks = self.mine.of(names)
        if not marks:
            return []
        doc = {"type": "progress", "marks": marks}
        return [
            wire.Outgoing(wire.PLACES, progress.KEY.decode(), doc, partition=p)
            for p in range(self.places_partitions)
        ]

    # -- dedup ----------------------------------------------------------------------------

    @staticmethod
    def hold(read: Read, partition: int) -> Hold:
        """The partition's hold as its table has it."""
        return Hold(
            held=list(read(held_key(partition)) or []),
            marks=dict(read(progress.marks_key(partition)) or {}),
        )

    def take(
        self, hold: Hold, partition: int, doc: Mapping[str, Any], *, kafka_key: str, gapped: bool
    ) -> bool:
        """Hold a signal or take marks; False for anything else (the index applies it)."""
        kind = doc.get("type")
        if kind == "progress":
            if not gapped:
                self.idle.moved(partition, hold.note(doc["marks"]))
            return True
        if kind == "signal":
            signal = doc["signal"]
            raised = doc.get("raised_at")
            raised = progress.epoch_s(signal["at"]) if raised is None else float(raised)
            hold.add(signal, kafka_key=kafka_key, raised_at=raised)
            return True
        return False

    def release(self, hold: Hold, partition: int, index: PlaceIndex) -> list[wire.Outgoing]:
        """Place the held signals every path has passed, in event-time order."""
        out: list[wire.Outgoing] = []
        for entry in hold.due(self.idle.waited_for(partition, self.channels)):
            out += index.signal(entry["signal"], kafka_key=entry["kafka_key"])
        return out

    def count_held(self, holds: Mapping[int, Hold]) -> int:
        """Signals held now on this worker's dedup partitions (as of their last batch)."""
        self.held.update({p: len(h.held) for p, h in holds.items()})
        return sum(self.held.values())

    @staticmethod
    def table_items(hold: Hold, partition: int) -> dict[str, Any]:
        """What to write to ``case_dedup`` for the partition (nothing when unchanged)."""
        if not hold.changed:
            return {}
        held, marks = hold.to_table()
        return {held_key(partition): held, progress.marks_key(partition): marks}

    @staticmethod
    def settled_items(hold: Hold, partition: int) -> dict[str, Any]:
        """What to write once the batch's commands are in Kafka: the hold without them."""
        return {held_key(partition): hold.to_table()[0]} if hold.settle() else {}
