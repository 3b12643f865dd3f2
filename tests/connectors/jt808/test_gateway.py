"""The JT/T 808 gateway against the real broker, spoken to over a real TCP socket."""

import asyncio
import uuid
from datetime import UTC, datetime

import orjson
import pytest

from citybrain.contracts import decode
from connectors.jt808 import messages as m
from connectors.jt808.frames import FrameSplitter, decode_frame, encode_frame
from connectors.jt808.gateway import jt808_gateway

AT = datetime(2026, 7, 15, 14, 0, tzinfo=UTC)


async def exchange(reader, writer, splitter, frame: bytes, replies: int = 1) -> list:
    writer.write(frame)
    await writer.drain()
    got = []
    while len(got) < replies:
        data = await asyncio.wait_for(reader.read(4096), 10)
        assert data, "the gateway closed the connection"
        got += [decode_frame(raw) for raw in splitter.feed(data)]
    return got


async def session(bootstrap: str, phone: str) -> dict:
    gateway = jt808_gateway(bootstrap=bootstrap, secret=b"test-secret")
    host, port = await gateway.start(port=0)
    reader, writer = await asyncio.open_connection(host, port)
    splitter, out = FrameSplitter(), {}
    try:
        location = m.encode_location(lat=30.25, lng=120.15, fixed_at=AT, speed_kmh=30)
        # a location before authentication is refused
        out["early"] = await exchange(
            reader,
            writer,
            splitter,
            encode_frame(msg_id=m.LOCATION_REPORT, phone=phone, serial=1, body=location),
        )
        (registered,) = await exchange(
            reader,
            writer,
            splitter,
            encode_frame(msg_id=m.REGISTRATION, phone=phone, serial=2, body=b"\x00" * 37),
        )
        out["registered"] = registered
        code = registered.body[3:]
        out["auth"] = await exchange(
            reader,
            writer,
            splitter,
            encode_frame(msg_id=m.AUTHENTICATION, phone=phone, serial=3, body=code),
        )
        out["location"] = await exchange(
            reader,
            writer,
            splitter,
            encode_frame(msg_id=m.LOCATION_REPORT, phone=phone, serial=4, body=location),
        )
        bad = bytearray(
            encode_frame(msg_id=m.LOCATION_REPORT, phone=phone, serial=5, body=location)
        )
        bad[-2] ^= 0xFF  # break the checksum
        out["bad"] = await exchange(reader, writer, splitter, bytes(bad))
        batch = (
            (2).to_bytes(2, "big")
            + b"\x01"
            + b"".join(
                len(b).to_bytes(2, "big") + b
                for b in (
                    m.encode_location(lat=30.26, lng=120.16, fixed_at=AT.replace(minute=1)),
                    m.encode_location(lat=30.27, lng=120.17, fixed_at=AT.replace(minute=2)),
                )
            )
        )
        out["batch"] = await exchange(
            reader,
            writer,
            splitter,
            encode_frame(msg_id=m.BATCH_LOCATION, phone=phone, serial=6, body=batch),
        )
        writer.write(b"\x7e\x01\x02garbage\x7e")  # undecodable: dead-lettered, no reply
        out["heartbeat"] = await exchange(
            reader,
            writer,
            splitter,
            encode_frame(msg_id=m.HEARTBEAT, phone=phone, serial=7, body=b""),
        )
    finally:
        writer.close()
        await gateway.stop()
    out["stats"] = gateway.stats
    return out


def result(frame) -> int:
    assert frame.header.msg_id == m.PLATFORM_GENERAL_RESPONSE
    return frame.body[4]


@pytest.mark.integration
def test_a_terminal_session_through_the_gateway(kafka, read_topic):
    phone = f"0{uuid.uuid4().int % 10**11:011d}"
    out = asyncio.run(session(kafka.bootstrap, phone))
    assert result(out["early"][0]) == m.RESULT_FAILED
    assert out["registered"].header.msg_id == m.REGISTRATION_RESPONSE
    assert out["registered"].body[:3] == b"\x00\x02\x00"  # answers serial 2, result OK
    assert result(out["auth"][0]) == m.RESULT_OK
    assert result(out["location"][0]) == m.RESULT_OK
    assert result(out["bad"][0]) == m.RESULT_MALFORMED
    assert result(out["batch"][0]) == m.RESULT_OK
    assert result(out["heartbeat"][0]) == m.RESULT_OK  # the connection survived the garbage

    fixes = asyncio.run(read_topic(kafka.bootstrap, "gps.fixes", phone.encode(), 3))
    rows = sorted((decode("gps.fixes", raw) for raw in fixes), key=lambda r: r["event_at"])
    assert [(r["lat"], r["lng"]) for r in rows] == [
        (30.25, 120.15),
        (30.26, 120.16),
        (30.27, 120.17),
    ]
    assert rows[0]["speed_kmh"] == 30 and rows[0]["event_at"] == AT
    stats = out["stats"]
    assert (stats.rows, stats.rejected) == (3, 3)
    reasons = set(stats.by_reason)
    assert "terminal has not authenticated on this connection" in reasons
    assert any(r.startswith("checksum mismatch") for r in reasons)
    dead = asyncio.run(read_topic(kafka.bootstrap, "gps.fixes.rejected", b"checksum mismatch", 1))
    assert orjson.loads(dead[0])["source_topic"] == "gps.fixes"
