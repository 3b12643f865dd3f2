"""Consumer lag: how far each consumer group is behind the end of its topics.

Used by the demo and tests to know when the workers have caught up, and by
``citybrain status``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable, Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError


async def group_lag(bootstrap: str, group: str, topics: Iterable[str]) -> dict[str, int]:
    """Messages not yet committed by ``group``, per topic (uncommitted partitions count fully)."""
    topics = list(topics)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await admin.start()
    await consumer.start()
    try:
        described = await admin.describe_topics(topics)
        tps = [
            TopicPartition(d["topic"], p["partition"])
            for d in described
            if d["error_code"] == 0
            for p in d["partitions"]
        ]
        ends = await consumer.end_offsets(tps)
        begins = await consumer.beginning_offsets(tps)
        committed = await admin.list_consumer_group_offsets(group, partitions=tps)
    finally:
        await consumer.stop()
        await admin.close()
    return lag_by_topic(ends, begins, {tp: meta.offset for tp, meta in committed.items()})


def lag_by_topic(
    ends: Mapping[TopicPartition, int],
    begins: Mapping[TopicPartition, int],
    committed: Mapping[TopicPartition, int],
) -> dict[str, int]:
    """Sum per topic of end offset minus committed offset (or beginning when none)."""
    lag: dict[str, int] = {}
    for tp, end in ends.items():
        done = committed.get(tp, -1)
        start = done if done is not None and done >= 0 else begins.get(tp, 0)
        lag[tp.topic] = lag.get(tp.topic, 0) + max(end - start, 0)
    return lag


async def wait_caught_up(
    bootstrap: str,
    groups: Mapping[str, Iterable[str]],
    *,
    timeout_s: float = 300.0,
    poll_s: float = 1.0,
    stable_polls: int = 3,
    on_poll: Callable[[], object] | None = None,
) -> dict[str, dict[str, int]]:
    """Wait until every group has zero lag on its topics for ``stable_polls`` polls in a row.

    Groups are checked in order, so a group that consumes what an earlier one
    produces is only judged once the earlier one has caught up. ``on_poll`` is
    called before each poll (the chaos runner restarts processes that died).
    """
    deadline = time.monotonic() + timeout_s
    groups = {g: list(t) for g, t in groups.items()}
    calm = 0
    while True:
        if on_poll is not None:
            on_poll()
        try:
            lags = {g: await group_lag(bootstrap, g, t) for g, t in groups.items()}
            caught_up = all(v == 0 for lag in lags.values() for v in lag.values())
        except KafkaError as exc:  # e.g. the group coordinator is still being elected
            lags, caught_up = {"error": {type(exc).__name__: -1}}, False
        calm = calm + 1 if caught_up else 0
        if calm >= stable_polls:
            return lags
        if time.monotonic() > deadline:
            raise TimeoutError(f"consumers still behind after {timeout_s:.0f}s: {lags}")
        await asyncio.sleep(poll_s)
