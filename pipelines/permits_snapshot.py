"""The compacted ``permits`` topic → the ``permits`` reference file the vehicles worker reads.

Reads every partition of ``permits`` from its beginning to the end offsets
seen at start, keeps the last valid version of each permit (Kafka order
within a partition, as compaction keeps it; the topic is keyed by permit id),
and writes them with :func:`citybrain.reference.write_tables` (atomic
replace), which the worker notices before its next batch. Records that fail
the permit contract are counted and left out (they are in
``permits.rejected`` already).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from citybrain.contracts import ContractViolation, decode, permit
from citybrain.reference import write_tables
from citybrain.topics import spec


def latest_versions(values: Iterable[bytes | None]) -> tuple[list[dict[str, Any]], int]:
    """(last valid version of each permit in first-seen order, invalid record count)."""
    latest: dict[str, dict[str, Any]] = {}
    invalid = 0
    for value in values:
        try:
            row = decode(permit.TOPIC, value)
        except ContractViolation:
            invalid += 1
            continue
        latest[row["permit_id"]] = row
    return list(latest.values()), invalid


async def read_all(
    bootstrap: str, *, topic: str = permit.TOPIC, poll_ms: int = 500
) -> list[bytes | None]:
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


async def snapshot(bootstrap: str, reference_dir: Path) -> tuple[Path, int, int]:
    """Write the permits reference file from the topic; (path, permits, invalid records)."""
    rows, invalid = latest_versions(await read_all(bootstrap))
    (path,) = write_tables(reference_dir, {"permits": rows})
    return path, len(rows), invalid
