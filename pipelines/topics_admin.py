"""Apply the topic registry to a broker: create what is missing, check what exists."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError, for_code

from citybrain.topics import TopicSpec


class TopicMismatch(RuntimeError):
    """An existing topic disagrees with the registry (e.g. its partition count)."""


class TopicCreationError(RuntimeError):
    """The broker refused to create a topic (e.g. an invalid config)."""


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
    co-partitioning with its table. A topic created concurrently by someone
    else counts as existing. A refused creation raises TopicCreationError.
    Returns once every created topic has a leader for each partition, waiting
    at most ``timeout_s`` seconds.
    """
    specs = list(specs)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        created = await _create(admin, missing) if missing else set()
        present = [s for s in specs if s.name not in created]
        if present:
            await _check_partitions(admin, present)
        if created:
            await _wait_for_leaders(admin, sorted(created), timeout_s)
        return [s.name for s in specs if s.name in created]
    finally:
        await admin.close()


async def _create(admin: AIOKafkaAdminClient, specs: list[TopicSpec]) -> set[str]:
    """Ask the controller to create ``specs``; the names it created."""
    response = await admin.create_topics(
        [NewTopic(s.name, s.partitions, 1, topic_configs=s.config()) for s in specs]
    )
    created, refused = set(), []
    for topic, code, *message in response.topic_errors:
        if code == 0:
            created.add(topic)
        elif code != TopicAlreadyExistsError.errno:  # lost a race: checked as existing
            reason = (message[0] if message else None) or for_code(code).__name__
            refused.append(f"{topic}: {reason}")
    if refused:
        raise TopicCreationError("the broker refused to create " + "; ".join(refused))
    return created


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
