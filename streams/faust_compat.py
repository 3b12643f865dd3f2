"""The one place citybrain reaches into faust internals.

faust routes a table write to the changelog partition of the *current event*.
In a batch from ``stream.take_events`` the current event is whichever came
last, possibly from another partition. :func:`event_context` makes a chosen
event current, so writes made for partition P go to changelog partition P and
the table stays co-partitioned with its source topic. The consumer accessors
serve ``streams.stalls``, which watches faust's commit bookkeeping, and
:func:`complete_producer_flush` makes the flush before each offset commit
complete, so table changelog writes are in Kafka before their offsets commit.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from faust.streams import _current_event
from faust.types import TP, EventT
from faust.types.transports import ConsumerT


@contextmanager
def event_context(event: EventT) -> Iterator[None]:
    """Make ``event`` the current event for table reads and writes in the block."""
    token = _current_event.set(weakref.ref(event))
    try:
        yield
    finally:
        _current_event.reset(token)


def committed_offsets(consumer: ConsumerT) -> dict[tuple[str, int], int | None]:
    """The offset faust last committed (next to read) per assigned partition."""
    committed = consumer._committed_offset
    return {(tp.topic, tp.partition): committed.get(tp) for tp in consumer.assignment()}


def acked_heads(consumer: ConsumerT) -> dict[tuple[str, int], int]:
    """The lowest acknowledged, not yet committed offset per partition that has one."""
    return {(tp.topic, tp.partition): min(acked) for tp, acked in consumer._acked.items() if acked}


async def seek(consumer: ConsumerT, *, topic: str, partition: int, offset: int) -> None:
    """Seek one partition so its records from ``offset`` on are delivered again."""
    await consumer.seek(TP(topic, partition), offset)


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


async def drain(buffer: Any) -> None:
    """Wait until faust's producer buffer is empty (a flush that does not give up).

    faust's ``ProducerBuffer.flush`` returns after 0.1 s without progress even
    when messages are still waiting, and the consumer commits offsets right
    after it: a table's changelog writes could then be lost in a crash while
    the offsets that produced them are committed. This version waits, checking
    every second, until the buffer is empty.
    """
    while buffer.size:
        if buffer.state != "running":
            raise RuntimeError("cannot flush: the producer is not running")
        buffer.message_sent.clear()
        try:
            await asyncio.wait_for(buffer.message_sent.wait(), timeout=1.0)
        except TimeoutError:
            continue


def complete_producer_flush() -> None:
    """Make every faust producer buffer's ``flush`` wait until it is empty (idempotent)."""
    from faust.transport.producer import ProducerBuffer

    async def flush(self: Any) -> None:
        await drain(self)

    ProducerBuffer.flush = flush  # type: ignore[method-assign]
