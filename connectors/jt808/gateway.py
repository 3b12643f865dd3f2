"""The JT/T 808 TCP gateway: terminals in, ``gps.fixes`` out.

Delivery: a location report is answered with 0x8001 only after its fixes are
acknowledged by Kafka, so a terminal whose report was not stored sends it
again (at-least-once; the sink dedups by fix id). A frame that cannot be
decoded is dead-lettered to ``gps.fixes.rejected`` with its reason and raw
bytes, answered with "message error" when its header is readable, and the
connection stays usable. Each connection is bounded: frames over
MAX_FRAME_BYTES are dropped, and an idle connection is closed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiokafka import AIOKafkaProducer

from citybrain.contracts import encode_row, gps
from citybrain.deadletters import content_id, dead_letter
from citybrain.topics import rejected
from connectors.jt808.frames import FrameSplitter
from connectors.jt808.session import Outcome, Session

log = logging.getLogger(__name__)
READ_CHUNK_BYTES = 4096


@dataclass
class GatewayStats:
    """Counters of one gateway process."""

    connections: int = 0
    frames: int = 0
    fixes: int = 0
    rejected: int = 0
    discarded_bytes: int = 0
    refused_connections: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)


class Jt808Gateway:
    """An asyncio TCP server speaking JT/T 808 and publishing to Kafka."""

    def __init__(
        self,
        *,
        bootstrap: str,
        secret: bytes,
        idle_timeout_s: float = 300.0,
        max_connections: int = 10_000,
    ) -> None:
        self.bootstrap = bootstrap
        self.secret = secret
        self.idle_timeout_s = idle_timeout_s
        self.max_connections = max_connections
        self.stats = GatewayStats()
        self._producer: AIOKafkaProducer | None = None
        self._server: asyncio.Server | None = None
        self._open = 0

    async def start(self, *, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int]:
        """Connect to Kafka and listen; return the bound (host, port)."""
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True, linger_ms=5
        )
        await self._producer.start()
        self._server = await asyncio.start_server(self._serve, host, port)
        return self._server.sockets[0].getsockname()[:2]

    async def stop(self) -> None:
        """Stop listening, close connections and flush Kafka."""
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
        session, splitter = Session(secret=self.secret), FrameSplitter()
        try:
            while True:
                try:
                    data = await asyncio.wait_for(
                        reader.read(READ_CHUNK_BYTES), self.idle_timeout_s
                    )
                except TimeoutError:
                    break
                if not data:
                    break
                for raw in splitter.feed(data):
                    self.stats.frames += 1
                    outcome = session.handle(raw)
                    await self._publish(outcome)
                    for reply in outcome.replies:
                        writer.write(reply)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.stats.discarded_bytes += splitter.discarded_bytes
            self._open -= 1
            writer.close()

    async def _publish(self, outcome: Outcome) -> None:
        """Send fixes and dead letters; return once Kafka acknowledged all of them."""
        assert self._producer is not None
        sends = [
            await self._producer.send(gps.TOPIC, encode_row(row), key=row["vehicle_id"].encode())
            for row in outcome.fixes
        ]
        now = datetime.now(UTC)
        for reason, raw in outcome.rejections:
            record = dead_letter(
                event_id=content_id("jt808", raw, now.isoformat()),
                at=now,
                source_topic=gps.TOPIC,
                reason=reason,
                raw=raw,
            )
            sends.append(
                await self._producer.send(
                    rejected(gps.TOPIC), encode_row(record), key=record["event_id"].encode()
                )
            )
            self.stats.by_reason[reason] = self.stats.by_reason.get(reason, 0) + 1
        await asyncio.gather(*sends)
        self.stats.fixes += len(outcome.fixes)
        self.stats.rejected += len(outcome.rejections)
