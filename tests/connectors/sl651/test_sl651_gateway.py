"""The SL 651 gateway over a real socket into the real broker."""

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer

from citybrain.contracts import decode
from connectors.sl651.frames import FrameSplitter, decode_frame
from connectors.sl651.gateway import sl651_gateway
from connectors.sl651.session import Station

REAL = bytes.fromhex(
    "7E7E010010100001A000"
    "32002B02"
    "000C200724172349"
    "F1F10010100001"
    "48"
    "F0F02007241723"
    "2019000130"
    "2219000040"
    "392300000550"
    "38121268"
    "03"
    "8397"
)


async def run(bootstrap: str) -> tuple[list, list[bytes]]:
    stations = {"0010100001": Station("0010100001", "water_level", 30.25, 120.15)}
    gateway = sl651_gateway(bootstrap=bootstrap, stations=stations)
    host, port = await gateway.start(port=0)
    reader, writer = await asyncio.open_connection(host, port)
    splitter, acks = FrameSplitter(), []
    try:
        writer.write(b"\x00\x01noise" + REAL[:25])  # split across writes, after garbage
        await writer.drain()
        writer.write(REAL[25:])
        await writer.drain()
        while not acks:
            acks += [decode_frame(raw) for raw in splitter.feed(await reader.read(1024))]
    finally:
        writer.close()
        await gateway.stop()
    consumer = AIOKafkaConsumer(
        "hydro.readings",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=f"t-{uuid.uuid4()}",
    )
    await consumer.start()
    found: list[bytes] = []
    try:
        for _ in range(40):
            batch = await consumer.getmany(timeout_ms=500)
            found += [r.value for rs in batch.values() for r in rs if b"0010100001-" in r.value]
            if len(found) >= 2:
                break
    finally:
        await consumer.stop()
    return acks, found


@pytest.mark.integration
def test_a_station_report_reaches_kafka_and_is_acknowledged(kafka):
    acks, found = asyncio.run(run(kafka.bootstrap))
    assert acks[0].downlink and acks[0].function == 0x32
    rows = sorted((decode("hydro.readings", raw) for raw in found), key=lambda r: r["element"])
    assert [(r["element"], r["value"]) for r in rows] == [
        ("rain_period_mm", 4.0),
        ("water_level_m", 0.55),
    ]
