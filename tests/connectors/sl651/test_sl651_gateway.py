"""The SL 651 gateway over a real socket into the real broker."""

import asyncio

import pytest

from citybrain.contracts import decode
from connectors.sl651.frames import FrameSplitter, decode_frame
from connectors.sl651.gateway import sl651_gateway
from connectors.sl651.session import Station


async def run(bootstrap: str, frame: bytes, read_topic) -> tuple[list, list[bytes]]:
    stations = {"0010100001": Station("0010100001", "water_level", 30.25, 120.15)}
    gateway = sl651_gateway(bootstrap=bootstrap, stations=stations)
    host, port = await gateway.start(port=0)
    reader, writer = await asyncio.open_connection(host, port)
    splitter, acks = FrameSplitter(), []
    try:
        writer.write(b"\x00\x01noise" + frame[:25])  # split across writes, after garbage
        await writer.drain()
        writer.write(frame[25:])
        await writer.drain()
        while not acks:
            acks += [decode_frame(raw) for raw in splitter.feed(await reader.read(1024))]
    finally:
        writer.close()
        await gateway.stop()
    found = await read_topic(bootstrap, "hydro.readings", b"0010100001-", 2)
    return acks, found


@pytest.mark.integration
def test_a_station_report_reaches_kafka_and_is_acknowledged(kafka, sl651_frame, read_topic):
    acks, found = asyncio.run(run(kafka.bootstrap, sl651_frame, read_topic))
    assert acks[0].downlink and acks[0].function == 0x32
    rows = sorted((decode("hydro.readings", raw) for raw in found), key=lambda r: r["element"])
    assert [(r["element"], r["value"]) for r in rows] == [
        ("rain_period_mm", 4.0),
        ("water_level_m", 0.55),
    ]
