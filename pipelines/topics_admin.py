"""Apply the topic registry to a broker: create what is missing, check what exists."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from citybrain.topics import TopicSpec


class TopicMismatch(RuntimeError):
    """An existing topic disagrees with the registry (e.g. its partition count)."""


async def list_topics(bootstrap: str) -> set[str]:
    """Names of the topics on the broker (internal ones excluded)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return {t for t in await admin.list_topics() if not t.startswith("__")}
    finally:
        await admin.close()


async def create_topics(
    bootstrap: str, specs: Iterable[TopicSpec], *, timeout_s: float = 30.0
) -> list[str]:
    """Create the missing topics of ``specs``; return the names created.

    Existing topics are left alone, but one whose partition count differs
    from its spec raises TopicMismatch: a changed count would silently break
    co-partitioning with its table. Returns once every created topic has a
    leader for each partition.
    """
    specs = list(specs)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        present = [s for s in specs if s.name in existing]
        if present:
            await _check_partitions(admin, present)
        missing = [s for s in specs if s.name not in existing]
        if missing:
            await admin.create_topics(
                [NewTopic(s.name, s.partitions, 1, topic_configs=s.config()) for s in missing]
            )
            await _wait_for_leaders(admin, [s.name for s in missing], timeout_s)
        return [s.name for s in missing]
    finally:
        await admin.close()


async def _check_partitions(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> None:
    described = {d["topic"]: d for d in await admin.describe_topics([s.name for s in specs])}
    for spec in specs:
        found = len(described[spec.name]["partitions"])
        if found != spec.partitions:
            raise TopicMismatch(
                f"topic {spec.name} has {found} partitions, the registry says {spec.partitions}"
            )


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        described = await admin.describe_topics(names)
        if all(
            d["error_code"] == 0
            and d["partitions"]
            and all(p["leader"] >= 0 for p in d["partitions"])
            for d in described
        ):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics without leaders after {timeout_s}s: {names}")
        await asyncio.sleep(0.2)
