"""Replay a scenario's messages into Kafka, as fast as possible or at N× real time.

Delivery: the producer is idempotent with ``acks=all``, so a message is
written once per replay; replaying a day twice writes it twice, and the
landing's event-id dedup keeps the warehouse exact. Kafka's own message
timestamp is left to the broker clock: setting it to a past event time would
let retention delete a replayed day at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from aiokafka import AIOKafkaProducer

from pipelines.scenarios.demo_county import SourceMessage

PROGRESS_EVERY = 2_000


@dataclass
class ReplayStats:
    """What a replay published."""

    per_topic: Counter = field(default_factory=Counter)
    valid: int = 0
    invalid: int = 0
    elapsed_s: float = 0.0

    @property
    def messages(self) -> int:
        return self.valid + self.invalid

    @property
    def messages_per_s(self) -> float:
        return self.messages / self.elapsed_s if self.elapsed_s > 0 else float("nan")


def wait_s(
    *,
    first_event: datetime,
    event: datetime,
    started_monotonic: float,
    now_monotonic: float,
    speed: float,
) -> float:
    """Seconds to sleep before sending ``event`` when pacing at ``speed``× real time."""
    due = started_monotonic + (event - first_event).total_seconds() / speed
    return max(0.0, due - now_monotonic)


async def replay(
    messages: Sequence[SourceMessage],
    *,
    bootstrap: str,
    speed: float | None,
    on_progress: Callable[[int], None] | None = None,
) -> ReplayStats:
    """Publish messages in order; ``speed=None`` means as fast as possible."""
    stats = ReplayStats()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        max_batch_size=1_048_576,
        compression_type=None,
        request_timeout_ms=60_000,
    )
    await producer.start()
    started = time.monotonic()
    try:
        first = messages[0].event_at if messages else None
        pending = []
        for i, message in enumerate(messages, 1):
            if speed is not None:
                delay = wait_s(
                    first_event=first,
                    event=message.event_at,
                    started_monotonic=started,
                    now_monotonic=time.monotonic(),
                    speed=speed,
                )
                if delay > 0:
                    await asyncio.sleep(delay)
            pending.append(await producer.send(message.topic, message.value, key=message.key))
            stats.per_topic[message.topic] += 1
            if message.valid:
                stats.valid += 1
            else:
                stats.invalid += 1
            if i % PROGRESS_EVERY == 0:
                await asyncio.gather(*pending)  # bounded in-flight futures
                pending.clear()
                if on_progress:
                    on_progress(i)
        await asyncio.gather(*pending)
        await producer.flush()
        if on_progress:
            on_progress(len(messages))
    finally:
        await producer.stop()
    stats.elapsed_s = time.monotonic() - started
    return stats
