"""Where a partition's log starts: the first record a consumer group that never committed reads.

An agent that applies a partition in offset order (:mod:`streams.ordered`,
:mod:`streams.cases.continuity`) needs the offset it should have seen first.
It keeps the next one in its table; the group's committed offset stands in
when the table has none. When neither exists (the group never committed the
partition) the first record to expect is the log's start: faust's consumer
starts there (``auto_offset_reset="earliest"``). Taking the lowest offset
delivered instead lost a partition's first records for good when faust left
them out of the stream around a rebalance (a two-worker chaos run lost two
citizen reports at offset 0 that way, from the hotspot counts and the cases).

The query goes over its own connection on the event loop, never through the
faust consumer's thread, which a rebalance holds while it waits for the very
batch asking. While the broker is away it retries for ``WAIT_S``, then raises:
the batch fails and the worker restarts uncommitted (:mod:`streams.guard`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

Source = tuple[str, int]  # (topic, partition)
LogStarts = Callable[[Iterable[Source]], Awaitable[dict[Source, int]]]

WAIT_S = 60.0
RETRY_S = 1.0


async def log_starts(
    bootstrap: str, sources: Iterable[Source], *, wait_s: float = WAIT_S
) -> dict[Source, int]:
    """The first offset still in each of ``sources`` (retried while the broker is away)."""
    tps = [TopicPartition(topic, partition) for topic, partition in sources]
    if not tps:
        return {}
    deadline = asyncio.get_running_loop().time() + wait_s
    while True:
        try:
            begins = await _beginning_offsets(bootstrap, tps)
        except KafkaError:
            if asyncio.get_running_loop().time() > deadline:
                raise
            await asyncio.sleep(RETRY_S)
            continue
        return {(tp.topic, tp.partition): offset for tp, offset in begins.items()}


def for_broker(bootstrap: str) -> LogStarts:
    """:func:`log_starts` bound to ``bootstrap`` (what the ordered checks take)."""

    async def starts(sources: Iterable[Source]) -> dict[Source, int]:
        return await log_starts(bootstrap, sources)

    return starts


async def _beginning_offsets(
    bootstrap: str, tps: list[TopicPartition]
) -> dict[TopicPartition, int]:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    try:
        await consumer.start()
        return await consumer.beginning_offsets(tps)
    finally:
        await consumer.stop()  # also after a failed start: it closes the client
