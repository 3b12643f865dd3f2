"""Shared pieces of the connector tests: a published SL 651 frame and a topic reader."""

import uuid
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

SL651_FIXTURE = Path(__file__).parents[1] / "fixtures" / "sl651" / "timed_report.hex"


@pytest.fixture
def sl651_frame() -> bytes:
    """A published SL 651 timed report (see tests/fixtures/sl651/SOURCE.txt)."""
    return bytes.fromhex(SL651_FIXTURE.read_text().strip())


async def records_containing(bootstrap: str, topic: str, needle: bytes, expect: int) -> list[bytes]:
    """Values of ``topic`` containing ``needle``, read from the start (up to ~20 s)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"test-{uuid.uuid4()}",
    )
    await consumer.start()
    found: list[bytes] = []
    try:
        for _ in range(40):
            batch = await consumer.getmany(timeout_ms=500)
            found += [r.value for rs in batch.values() for r in rs if needle in r.value]
            if len(found) >= expect:
                break
    finally:
        await consumer.stop()
    return found


@pytest.fixture
def read_topic():
    """``await read_topic(bootstrap, topic, needle, expect)`` → matching record values."""
    return records_containing
