"""The SL 651 TCP gateway: stations in, ``hydro.readings`` out (see connectors.tcp_gateway)."""

from __future__ import annotations

from citybrain.contracts import hydro
from connectors.sl651.session import MixedSplitter, Session, Station
from connectors.tcp_gateway import TcpGateway


def sl651_gateway(
    *,
    bootstrap: str,
    stations: dict[str, Station],
    idle_timeout_s: float = 600.0,
    max_connections: int = 10_000,
    frame_timeout_s: float = 30.0,
    max_garbage_bytes: int = 65_536,
) -> TcpGateway:
    """A gateway acknowledging SL 651 stations and publishing their readings."""
    return TcpGateway(
        name="sl651",
        topic=hydro.TOPIC,
        bootstrap=bootstrap,
        session=lambda: Session(stations=stations),
        splitter=MixedSplitter,
        key=lambda row: row["station_id"].encode(),
        idle_timeout_s=idle_timeout_s,
        max_connections=max_connections,
        frame_timeout_s=frame_timeout_s,
        max_garbage_bytes=max_garbage_bytes,
    )
