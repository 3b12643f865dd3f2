"""A TCP gateway for field protocols: frames in, contract rows to Kafka, replies out.

Each connection gets its own frame splitter and protocol session (pure
objects from the protocol's package). Delivery: a frame's replies (the
protocol's acknowledgement) are written only after its rows and dead letters
are acknowledged by Kafka, so a device whose data was not stored sends it
again (at-least-once; the landing dedups by event id). Undecodable frames go
to ``<topic>.rejected`` with their reason and raw bytes; the connection stays
usable.

Limits (settings ``CITYBRAIN_GATEWAY_*``): at most ``max_connections`` at once
(more are closed at once and counted); a connection silent for
``idle_timeout_s`` is closed; a frame must arrive whole within
``frame_timeout_s`` of its first byte (a slow-loris device dribbling bytes is
closed); each splitter caps a frame's size (JT/T 808 4,096 bytes, SL 651 a
4,095-byte body) and a connection that sends more than
``max_garbage_bytes`` of bytes that are no frame is closed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from aiokafka import AIOKafkaProducer

from citybrain.contracts import encode_row
from citybrain.deadletters import content_id, dead_letter
from citybrain.topics import rejected

READ_CHUNK_BYTES = 4096


@dataclass
class Outcome:
    """What one frame asks of the gateway."""

    replies: list[bytes] = field(default_factory=list)
    rows: list[dict[str, Any]] = field(default_factory=list)
    rejections: list[tuple[str, bytes]] = field(default_factory=list)  # (reason, raw frame)


class Session(Protocol):
    def handle(self, raw: bytes) -> Outcome: ...


class Splitter(Protocol):
    discarded_bytes: int

    @property
    def pending_bytes(self) -> int: ...

    def feed(self, data: bytes) -> list[bytes]: ...


@dataclass
class GatewayStats:
    """Counters of one gateway process."""

    connections: int = 0
    frames: int = 0
    rows: int = 0
    rejected: int = 0
    discarded_bytes: int = 0
    refused_connections: int = 0
    timed_out_connections: int = 0  # idle, or a frame not completed in time
    garbage_connections: int = 0  # closed after max_garbage_bytes of non-frames
    by_reason: dict[str, int] = field(default_factory=dict)


def handle_safely(session: Session, raw: bytes) -> Outcome:
    """The session's outcome; a bug in a protocol session dead-letters the frame, never
    the connection or the process."""
    try:
        return session.handle(raw)
    except Exception as exc:  # a parser bug must not take the connection down
        return Outcome(rejections=[(f"internal error {type(exc).__name__}: {exc}", raw)])


class TcpGateway:
    """An asyncio TCP server publishing a protocol's rows to one source topic."""

    def __init__(
        self,
        *,
        name: str,
        topic: str,
        bootstrap: str,
        session: Callable[[], Session],
        splitter: Callable[[], Splitter],
        key: Callable[[dict[str, Any]], bytes],
        idle_timeout_s: float = 300.0,
        max_connections: int = 10_000,
        frame_timeout_s: float = 30.0,
        max_garbage_bytes: int = 65_536,
    ) -> None:
        self.name, self.topic, self.bootstrap = name, topic, bootstrap
        self.new_session, self.new_splitter, self.key = session, splitter, key
        self.idle_timeout_s = idle_timeout_s
        self.max_connections = max_connections
        self.frame_timeout_s = frame_timeout_s
        self.max_garbage_bytes = max_garbage_bytes
        self.stats = GatewayStats()
        self._producer: AIOKafkaProducer | None = None
        self._server: asyncio.Server | None = None
        self._open = 0

    @property
    def open_connections(self) -> int:
        """Connections being served now."""
        return self._open

    async def start(self, *, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Connect to Kafka and listen; return the bound (host, port)."""
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True, linger_ms=5
        )
        await self._producer.start()
        self._server = await asyncio.start_server(self._serve, host, port)
        return self._server.sockets[0].getsockname()[:2]

    async def stop(self) -> None:
        """Stop listening and flush Kafka."""
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        if self._producer is not None:
            await self._producer.stop()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._open >= self.max_connections:
            self.stats.refused_connections += 1
            writer.close()
            return
        self._open += 1
        self.stats.connections += 1
        session, splitter = self.new_session(), self.new_splitter()
        frame_started: float | None = None  # monotonic time of a pending frame's first byte
        try:
            while True:
                wait_s = self.idle_timeout_s
                if frame_started is not None:
                    frame_left_s = self.frame_timeout_s - (time.monotonic() - frame_started)
                    wait_s = max(0.0, min(wait_s, frame_left_s))
                try:
                    data = await asyncio.wait_for(reader.read(READ_CHUNK_BYTES), wait_s)
                except TimeoutError:
                    self.stats.timed_out_connections += 1
                    break
                if not data:
                    break
                frames = splitter.feed(data)
                for raw in frames:
                    self.stats.frames += 1
                    outcome = handle_safely(session, raw)
                    await self._publish(outcome)
                    for reply in outcome.replies:
                        writer.write(reply)
                await writer.drain()
                if splitter.discarded_bytes > self.max_garbage_bytes:
                    self.stats.garbage_connections += 1
                    break
                if not splitter.pending_bytes:
                    frame_started = None
                elif frame_started is None or frames:  # a new frame began in this chunk
                    frame_started = time.monotonic()
        except ConnectionError:
            pass
        finally:
            self.stats.discarded_bytes += splitter.discarded_bytes
            self._open -= 1
            writer.close()

    async def _publish(self, outcome: Outcome) -> None:
        """Send rows and dead letters; return once Kafka acknowledged all of them."""
        assert self._producer is not None
        sends = [
            await self._producer.send(self.topic, encode_row(row), key=self.key(row))
            for row in outcome.rows
        ]
        now = datetime.now(UTC)
        for reason, raw in outcome.rejections:
            record = dead_letter(
                event_id=content_id(self.name, raw, now.isoformat()),
                at=now,
                source_topic=self.topic,
                reason=reason,
                raw=raw,
            )
            sends.append(
                await self._producer.send(
                    rejected(self.topic), encode_row(record), key=record["event_id"].encode()
                )
            )
            self.stats.by_reason[reason] = self.stats.by_reason.get(reason, 0) + 1
        await asyncio.gather(*sends)
        self.stats.rows += len(outcome.rows)
        self.stats.rejected += len(outcome.rejections)
