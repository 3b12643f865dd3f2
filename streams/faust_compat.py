"""The one place citybrain reaches into faust internals.

faust routes a table write to the changelog partition of the *current event*.
In a batch from ``stream.take_events`` the current event is whichever came
last, possibly from another partition. :func:`event_context` makes a chosen
event current, so writes made for partition P go to changelog partition P and
the table stays co-partitioned with its source topic. The consumer accessors
serve ``streams.stalls``, which watches faust's commit bookkeeping, and
:func:`complete_producer_flush` makes the flush before each offset commit
complete, so table changelog writes are in Kafka before their offsets commit;
and :func:`hold_commits_at_gaps` keeps each commit at or before the first
record an in-order check (``streams.ordered``, ``streams.cases.continuity``)
still misses.

:func:`seek_and_hold` must survive faust's fetch loop: after delivering each
record the loop writes the record's offset as the partition's read offset,
and drops later records below it. A seek made while a record (or the rest of
a fetched batch) is being delivered, as when the agents' buffers are full,
was undone at once by the next such write, and the records sought back were
dropped as already read. :class:`ReadOffsets` (installed by
:func:`sticky_seeks`) keeps such a sought offset until the records from it
come round again. Only the stages that apply a partition's records strictly
in offset order (``streams.ordered``: the video stages) ask for that; every
other seek (:func:`seek`: the case engine's continuity check, the stall
guard, the hotspot agent) sets the read offset exactly as faust's own seek
does and ends any hold on that partition.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections import defaultdict
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, Protocol

from faust.exceptions import ConsumerNotStarted
from faust.streams import _current_event
from faust.types import TP, EventT
from faust.types.transports import ConsumerT

log = logging.getLogger(__name__)


@contextmanager
def event_context(event: EventT) -> Iterator[None]:
    """Make ``event`` the current event for table reads and writes in the block."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


def committed_offsets(consumer: ConsumerT) -> dict[tuple[str, int], int | None]:
    """The offset faust last committed (next to read) per assigned partition.

    A consumer not started yet (faust's test context) has none.
    """
    committed = consumer._committed_offset
    try:
        assignment = consumer.assignment()
    except ConsumerNotStarted:
        return {}
    return {(tp.topic, tp.partition): committed.get(tp) for tp in assignment}


def acked_heads(consumer: ConsumerT) -> dict[tuple[str, int], int]:
    """The lowest acknowledged, not yet committed offset per partition that has one."""
    return {(tp.topic, tp.partition): min(acked) for tp, acked in consumer._acked.items() if acked}


class ReadOffsets(defaultdict):
    """faust's read offset per partition, where a seek holds until its record is read again.

    faust's fetch loop delivers a record when its offset is at or above the
    partition's read offset, then stores the record's offset. After
    :meth:`sought`, stores of offsets above the read offset the partition had
    at the seek are ignored (records fetched before the seek, still being
    delivered: they come after everything read) until a record at or below
    it is read: the first record fetched again from the sought offset (the
    sought one, or the next that exists in a compacted topic). Anything
    faust itself writes in bulk (``update``, after a rebalance) or removes
    ends the hold.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__(lambda: None, *args)
        self.held: dict[Any, int] = {}

    def sought(self, tp: Any, offset: int, *, read: int | None) -> None:
        """Hold ``tp`` at ``offset`` until a record fetched again from there is read.

        ``read`` is the partition's read offset before the seek (faust's own
        seek has overwritten it with ``offset`` by the time this is called).
        A hold still open keeps its own, higher, bound.
        """
        bound = max(offset, read if read is not None else offset, self.held.get(tp, offset))
        self.held[tp] = bound
        super().__setitem__(tp, offset if offset else None)

    def release(self, tp: Any) -> None:
        """End any hold on ``tp``: its read offset moves with every record again."""
        self.held.pop(tp, None)

    def __setitem__(self, tp: Any, offset: int | None) -> None:
        held = self.held.get(tp)
        if held is not None:
            if offset is not None and offset > held:
                return  # fetched before the seek: reading it does not move the partition on
            del self.held[tp]
        super().__setitem__(tp, offset)

    def __delitem__(self, tp: Any) -> None:
        self.held.pop(tp, None)
        super().__delitem__(tp)

    def pop(self, tp: Any, *default: Any) -> Any:
        self.held.pop(tp, None)
        return super().pop(tp, *default)

    def update(self, *args: Any, **kwargs: Any) -> None:
        new = dict(*args, **kwargs)
        for tp in new:
            self.held.pop(tp, None)
        super().update(new)


def sticky_seeks() -> None:
    """Give every faust consumer created from now on a :class:`ReadOffsets` (idempotent)."""
    from faust.transport.consumer import Consumer

    if getattr(Consumer.__init__, "citybrain_sticky_seeks", False):
        return
    original = Consumer.__init__

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        original(self, *args, **kwargs)
        self._read_offset = ReadOffsets(self._read_offset)

    __init__.citybrain_sticky_seeks = True  # type: ignore[attr-defined]
    Consumer.__init__ = __init__  # type: ignore[method-assign]


def _assigned(consumer: ConsumerT, tp: TP) -> bool:
    try:
        return tp in consumer.assignment()
    except ConsumerNotStarted:
        return False


async def seek(consumer: ConsumerT, *, topic: str, partition: int, offset: int) -> bool:
    """Seek one partition so its records from ``offset`` on are delivered again.

    Exactly faust's seek: the next record faust delivers from before the seek
    moves the read offset on again. A hold :func:`seek_and_hold` put on the
    partition ends. A partition no longer assigned to this worker is left
    alone (False; the consumer would refuse the seek): its new owner reads it
    from the committed offset and its own tables.
    """
    tp = TP(topic, partition)
    if not _assigned(consumer, tp):
        log.info("%s[%d]: not assigned here any more, not sought back", topic, partition)
        return False
    read_offsets = consumer._read_offset
    if isinstance(read_offsets, ReadOffsets):
        read_offsets.release(tp)
    await consumer.seek(tp, offset)
    return True


async def seek_and_hold(consumer: ConsumerT, *, topic: str, partition: int, offset: int) -> bool:
    """Seek one partition back and hold it there until the record at ``offset`` is read again.

    For a stage that applies a partition's records only in offset order
    (:mod:`streams.ordered`). A partition no longer assigned to this worker
    is left alone (False): its new owner reads it from the committed offset
    and its own table state.
    """
    tp = TP(topic, partition)
    if not _assigned(consumer, tp):
        log.info("%s[%d]: not assigned here any more, not sought back", topic, partition)
        return False
    read_offsets = consumer._read_offset
    read = read_offsets.get(tp)
    await consumer.seek(tp, offset)
    if isinstance(read_offsets, ReadOffsets):
        read_offsets.sought(tp, offset, read=read)
    return True


def repair_acks(consumer: ConsumerT) -> int:
    """Drop duplicate and already committed offsets from faust's ack lists; return how many.

    faust commits the first run of consecutive offsets in a partition's ack
    list. Records delivered twice (as after a restart that rebuilt tables from
    the changelog) leave duplicates and committed offsets in that list, which
    cut every run short: commits then crawl one offset per commit interval.
    """
    removed = 0
    for tp, acked in consumer._acked.items():
        committed = consumer._committed_offset.get(tp)
        kept = sorted({o for o in acked if committed is None or o >= committed})
        if len(kept) != len(acked):
            removed += len(acked) - len(kept)
            acked[:] = kept
            consumer._acked_index[tp] = set(kept)
    return removed


def sending(buffer: Any) -> int:
    """Messages the buffer has taken off its queue and is still handing to the producer."""
    return getattr(buffer, "citybrain_sending", 0)


async def drain(buffer: Any) -> None:
    """Wait until faust's producer buffer is empty (a flush that does not give up).

    faust's ``ProducerBuffer.flush`` returns after 0.1 s without progress even
    when messages are still waiting, and the consumer commits offsets right
    after it: a table's changelog writes could then be lost in a crash while
    the offsets that produced them are committed. This version waits, checking
    every second, until the buffer is empty and the message it took last has
    reached the producer: the queue is empty as soon as that message is taken,
    while its send may still wait for metadata or room in the producer, and
    the producer's own flush that follows only covers what reached it.
    """
    while buffer.size or sending(buffer):
        if buffer.state != "running":
            raise RuntimeError("cannot flush: the producer is not running")
        buffer.message_sent.clear()
        try:
            await asyncio.wait_for(buffer.message_sent.wait(), timeout=1.0)
        except TimeoutError:
            continue


def complete_producer_flush() -> None:
    """Make every faust producer buffer's ``flush`` wait until it is empty (idempotent).

    Install before any buffer starts: its sending task binds ``_send_pending``
    when it starts, and the count of sends under way lives in that method.
    """
    from faust.transport.producer import ProducerBuffer

    if getattr(ProducerBuffer.flush, "citybrain_complete", False):
        return
    send_pending = ProducerBuffer._send_pending

    async def _send_pending(self: Any, fut: Any) -> None:
        self.citybrain_sending = sending(self) + 1
        try:
            await send_pending(self, fut)
        finally:
            self.citybrain_sending -= 1

    async def flush(self: Any) -> None:
        await drain(self)

    flush.citybrain_complete = True  # type: ignore[attr-defined]
    ProducerBuffer._send_pending = _send_pending  # type: ignore[method-assign]
    ProducerBuffer.flush = flush  # type: ignore[method-assign]


class GapTracker(Protocol):
    """An in-order check: the first offset it still misses, per source partition."""

    gaps: Mapping[tuple[str, int], int]


def commit_hold(consumer: ConsumerT, tp: TP) -> int | None:
    """The first offset of ``tp`` a stage of this consumer's app still waits for, or None."""
    holds = [
        gap
        for tracker in getattr(consumer.app, "citybrain_gap_trackers", ())
        if (gap := tracker.gaps.get((tp.topic, tp.partition))) is not None
    ]
    return min(holds, default=None)


def hold_commits_at_gaps(app: Any, tracker: GapTracker) -> None:
    """Never commit a partition past an offset ``tracker`` still misses.

    faust books a jump in a partition's offsets as acknowledged, so without
    this its commits pass a record an agent never saw: a worker killed, or a
    partition handed to another worker, before the seek back brings it round
    left it out for good. Held at the gap, the partition's next owner reads
    from there. A tracker keeps its gaps across a rebalance: the records faust
    drops for some agents while a rebalance suspends the flow are acknowledged
    by the others and committed over, and only the next offset a tracker
    still expects from before shows them missing.
    """
    holds_commits()
    app.__dict__.setdefault("citybrain_gap_trackers", []).append(tracker)


def holds_commits() -> None:
    """Make faust's next commit offset stop at :func:`commit_hold` (idempotent)."""
    from faust.transport.consumer import Consumer

    if getattr(Consumer._new_offset, "citybrain_holds", False):
        return
    new_offset = Consumer._new_offset

    def _new_offset(self: Any, tp: TP) -> int | None:
        hold = commit_hold(self, tp)
        if hold is None:
            return new_offset(self, tp)
        committed = self._committed_offset.get(tp)
        if committed is not None and hold <= committed:
            return None
        offset = new_offset(self, tp)
        if offset is None or offset <= hold:
            return offset
        # faust took hold..offset-1 off its ack list: put them back for a later commit
        past = set(range(hold, offset))
        acked = self._acked[tp]
        acked[:] = sorted(set(acked) | past)
        self._acked_index[tp].update(past)
        return hold

    _new_offset.citybrain_holds = True  # type: ignore[attr-defined]
    Consumer._new_offset = _new_offset  # type: ignore[method-assign]
