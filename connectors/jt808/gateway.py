"""The JT/T 808 TCP gateway: terminals in, ``gps.fixes`` out (see connectors.tcp_gateway)."""

from __future__ import annotations

from citybrain.contracts import gps
from connectors.jt808.frames import FrameSplitter
from connectors.jt808.session import Session
from connectors.tcp_gateway import TcpGateway


def jt808_gateway(
    *,
    bootstrap: str,
    secret: bytes,
    idle_timeout_s: float = 300.0,
    max_connections: int = 10_000,
    frame_timeout_s: float = 30.0,
    max_garbage_bytes: int = 65_536,
) -> TcpGateway:
    """A gateway answering JT/T 808 terminals and publishing their fixes."""
    return TcpGateway(
        name="jt808",
        topic=gps.TOPIC,
        bootstrap=bootstrap,
        session=lambda: Session(secret=secret),
        splitter=FrameSplitter,
        key=lambda row: row["vehicle_id"].encode(),
        idle_timeout_s=idle_timeout_s,
        max_connections=max_connections,
        frame_timeout_s=frame_timeout_s,
        max_garbage_bytes=max_garbage_bytes,
    )
