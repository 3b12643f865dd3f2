"""Abuse of the JT/T 808 and SL 651 TCP gateways over real loopback sockets into the real broker.

Oversized frames, garbage, slow-loris (a frame dribbled a byte at a time),
idle connections and a connection flood. After each: the abusive connection
was closed by the gateway (or refused at once), the counters say why, and a
fresh connection still gets its valid frame answered. Every test is bounded:
small limits, a handful of connections, loopback only, and it stops by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from connectors.jt808 import frames as jt_frames
from connectors.jt808 import messages as m
from connectors.jt808.gateway import jt808_gateway
from connectors.sl651 import frames as sl_frames
from connectors.sl651.gateway import sl651_gateway
from connectors.sl651.session import Station
from connectors.tcp_gateway import TcpGateway

LIMITS = {
    "idle_timeout_s": 1.0,
    "frame_timeout_s": 0.5,
    "max_connections": 6,
    "max_garbage_bytes": 8192,
}
CLOSE_WAIT_S = 20.0  # a bound on the test, not a speed claim: closes come after ~1 s
REGISTRATION = jt_frames.encode_frame(
    msg_id=m.REGISTRATION, phone="13300000001", serial=2, body=b"\x00" * 37
)


def make_jt808(bootstrap: str) -> TcpGateway:
    return jt808_gateway(bootstrap=bootstrap, secret=b"abuse", **LIMITS)


def make_sl651(bootstrap: str) -> TcpGateway:
    stations = {"0010100001": Station("0010100001", "rain", 30.2, 120.1)}
    return sl651_gateway(bootstrap=bootstrap, stations=stations, **LIMITS)


async def closed_by_server(reader: asyncio.StreamReader) -> bool:
    """True when the server closes the connection (EOF or reset) within the bound."""
    try:
        while await asyncio.wait_for(reader.read(4096), CLOSE_WAIT_S):
            pass
    except ConnectionError:
        return True
    except TimeoutError:
        return False
    return True


async def jt808_answers(host: str, port: int) -> bool:
    """A terminal's registration on a fresh connection gets its registration response."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(REGISTRATION)
        await writer.drain()
        splitter = jt_frames.FrameSplitter()
        while True:
            data = await asyncio.wait_for(reader.read(4096), CLOSE_WAIT_S)
            if not data:
                return False
            for raw in splitter.feed(data):
                return jt_frames.decode_frame(raw).header.msg_id == m.REGISTRATION_RESPONSE
    finally:
        writer.close()


async def sl651_answers(host: str, port: int, frame: bytes) -> bool:
    """A station's report on a fresh connection is acknowledged."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(frame)
        await writer.drain()
        splitter = sl_frames.FrameSplitter()
        while True:
            data = await asyncio.wait_for(reader.read(4096), CLOSE_WAIT_S)
            if not data:
                return False
            for raw in splitter.feed(data):
                return sl_frames.decode_frame(raw).downlink
    finally:
        writer.close()


Abuse = Callable[[str, int, bytes], Awaitable[None]]


async def oversized(host: str, port: int, frame: bytes) -> None:
    """A frame start followed by far more bytes than any frame may have."""
    reader, writer = await asyncio.open_connection(host, port)
    start = frame[:2]
    try:
        for _ in range(8):
            writer.write(start + b"\x30" * 4096)
            await writer.drain()
    except ConnectionError:
        pass
    assert await closed_by_server(reader)
    writer.close()


async def garbage(host: str, port: int, frame: bytes) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        for _ in range(16):
            writer.write(b"\x00GET / HTTP/1.1\r\n" * 64)
            await writer.drain()
    except ConnectionError:
        pass
    assert await closed_by_server(reader)
    writer.close()


async def slow_loris(host: str, port: int, frame: bytes) -> None:
    """A valid frame, one byte every 0.2 s: the gateway closes before it is complete."""
    reader, writer = await asyncio.open_connection(host, port)
    sent = 0
    try:
        for byte in frame[:-1]:
            writer.write(bytes([byte]))
            await writer.drain()
            sent += 1
            await asyncio.sleep(0.2)
            if reader.at_eof():
                break
    except ConnectionError:
        pass
    assert await closed_by_server(reader)
    assert sent < len(frame) - 1, "the gateway waited for the whole dribbled frame"
    writer.close()


async def idle(host: str, port: int, frame: bytes) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    assert await closed_by_server(reader)
    writer.close()


async def flood(host: str, port: int, frame: bytes) -> None:
    """Three times max_connections at once: the extra ones are closed without service."""
    opened = [
        await asyncio.open_connection(host, port) for _ in range(LIMITS["max_connections"] * 3)
    ]
    closed = await asyncio.gather(*(closed_by_server(r) for r, _ in opened))
    assert all(closed)  # the extras at once, the others when idle
    for _, writer in opened:
        writer.close()


ABUSES: dict[str, tuple[Abuse, str]] = {
    "oversized_frame": (oversized, "garbage_connections"),
    "garbage": (garbage, "garbage_connections"),
    "slow_loris": (slow_loris, "timed_out_connections"),
    "idle": (idle, "timed_out_connections"),
    "connection_flood": (flood, "refused_connections"),
}


async def abuse_then_serve(gateway: TcpGateway, abuse: Abuse, frame: bytes, answers) -> dict:
    host, port = await gateway.start(port=0)
    try:
        await abuse(host, port, frame)
        for _ in range(100):  # the server side finishes its closes
            if gateway.open_connections == 0:
                break
            await asyncio.sleep(0.05)
        assert gateway.open_connections == 0
        assert await answers(host, port)
        return vars(gateway.stats)
    finally:
        await gateway.stop()


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(ABUSES))
def test_jt808_gateway_survives(name, kafka):
    abuse, counter = ABUSES[name]
    stats = asyncio.run(
        abuse_then_serve(make_jt808(kafka.bootstrap), abuse, REGISTRATION, jt808_answers)
    )
    assert stats[counter] >= 1, stats


@pytest.mark.integration
@pytest.mark.parametrize("name", sorted(ABUSES))
def test_sl651_gateway_survives(name, kafka, sl651_frame):
    abuse, counter = ABUSES[name]

    async def answers(host: str, port: int) -> bool:
        return await sl651_answers(host, port, sl651_frame)

    stats = asyncio.run(abuse_then_serve(make_sl651(kafka.bootstrap), abuse, sl651_frame, answers))
    assert stats[counter] >= 1, stats
