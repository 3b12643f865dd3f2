"""1,000 concurrent simulated terminals through the real gateway into the real broker."""

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from citybrain.contracts import decode
from connectors.jt808.gateway import jt808_gateway
from connectors.jt808.simulator import Fix, Terminal

TERMINALS = 1_000
FIXES_EACH = 3
T0 = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


async def end_offsets(bootstrap: str, topic: str) -> dict:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        if not tps:
            await consumer.topics()
            tps = [TopicPartition(topic, p) for p in range(6)]
        return await consumer.end_offsets(tps)
    finally:
        await consumer.stop()


async def read_from(bootstrap: str, start: dict, prefix: bytes) -> list[bytes]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
    await consumer.start()
    try:
        consumer.assign(list(start))
        for tp, offset in start.items():
            consumer.seek(tp, offset)
        end = await consumer.end_offsets(list(start))
        out = []
        while [tp for tp in start if await consumer.position(tp) < end[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            out += [r.value for rs in batch.values() for r in rs if prefix in r.value]
        return out
    finally:
        await consumer.stop()


async def drive(bootstrap: str, garbage_connections: int = 20) -> tuple:
    gateway = jt808_gateway(bootstrap=bootstrap, secret=b"many")
    host, port = await gateway.start(port=0)
    start = await end_offsets(bootstrap, "gps.fixes")

    async def terminal(i: int) -> None:
        t = Terminal(f"0199{i:08d}", version_2019=i % 2 == 0)
        await t.connect(host, port)
        await t.report(
            [
                Fix(lat=30.2 + i / 100_000, lng=120.1, at=T0 + timedelta(seconds=k))
                for k in range(FIXES_EACH)
            ]
        )
        await t.close()

    async def vandal(i: int) -> None:
        _, writer = await asyncio.open_connection(host, port)
        writer.write(bytes(range(256)) * 4 + b"\x7e\x7e\x7d\x7e")
        await writer.drain()
        writer.close()

    try:
        await asyncio.gather(
            *(terminal(i) for i in range(TERMINALS)),
            *(vandal(i) for i in range(garbage_connections)),
        )
    finally:
        await gateway.stop()
    return gateway.stats, await read_from(bootstrap, start, b"0199")


@pytest.mark.integration
def test_a_thousand_terminals_each_fix_arrives_once(kafka):
    stats, found = asyncio.run(drive(kafka.bootstrap))
    rows = [decode("gps.fixes", raw) for raw in found]
    # 2019 terminals have 20-digit numbers: 00000000019900000000
    per_fix = Counter((r["vehicle_id"][-12:], r["event_at"]) for r in rows)
    assert {v[-12:][:4] for v, _ in per_fix} == {"0199"}
    assert len(per_fix) == TERMINALS * FIXES_EACH
    assert set(per_fix.values()) == {1}
    assert stats.rows == TERMINALS * FIXES_EACH
    assert stats.connections >= TERMINALS
