"""Read a whole topic as it stands: every record up to the end offsets seen at start."""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer, TopicPartition

from citybrain.topics import spec


async def read_all(bootstrap: str, *, topic: str, poll_ms: int = 500) -> list[bytes | None]:
    """Every record value of ``topic`` up to the end offsets seen at start, per partition."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=f"read-all-{uuid.uuid4()}")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(spec(topic).partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        values: list[bytes | None] = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(*tps, timeout_ms=poll_ms)
            for tp, records in batch.items():
                values += [r.value for r in records if r.offset < ends[tp]]
        return values
    finally:
        await consumer.stop()
