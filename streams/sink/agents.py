"""The landing sink: every topic's valid records → hourly Parquet files.

Runs as its own faust app (its own consumer group), so it scales and restarts
independently of the stream workers. Offsets are committed only after a
batch's files are on disk (``take_events`` acks after the loop body), and the
writer skips ids already landed: at-least-once delivery, exactly-once rows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import faust
import orjson
from faust.types import EventT

from citybrain.contracts import SOURCE_TOPICS
from citybrain.settings import Settings
from citybrain.topics import DEAD_LETTERS, spec
from streams.guard import or_exit
from streams.hotspots.windows import explode
from streams.intake.validate import RawMessage, validate_batch
from warehouse.landing import HOTSPOT_COLUMNS, REJECTED_COLUMNS, LandingWriter

SINK_APP_SUFFIX = "-sink"
LANDED_TOPICS: tuple[str, ...] = (*SOURCE_TOPICS, "hotspots", *(d.name for d in DEAD_LETTERS))
BATCH_MAX_EVENTS = 20_000
BATCH_WITHIN_S = 1.0


def parse_derived(topic: str, raw: bytes) -> dict[str, Any]:
    """Decode a record of a derived topic (hotspots, dead letters) into a row."""
    columns = HOTSPOT_COLUMNS if topic == "hotspots" else REJECTED_COLUMNS
    doc = orjson.loads(raw)
    for name, kind in columns.items():
        if kind == "timestamp" and doc.get(name) is not None:
            doc[name] = datetime.fromisoformat(doc[name].replace("Z", "+00:00"))
    return doc


def rows_by_topic(events: Sequence[RawMessage]) -> tuple[dict[str, list], int]:
    """Group a batch into (row, partition, offset) per topic; count skipped records.

    Source records are validated with their contract: those that fail are
    skipped here (the stream workers dead-letter them, and the dead-letter
    topics land too).
    """
    grouped: dict[str, list] = defaultdict(list)
    skipped = 0
    sources = [m for m in events if m.topic in SOURCE_TOPICS]
    accepted, rejections = validate_batch(sources)
    skipped += len(rejections)
    for message, row in accepted:
        grouped[message.topic].append((row, message.partition, message.offset))
    for message in events:
        if message.topic in SOURCE_TOPICS:
            continue
        try:
            row = parse_derived(message.topic, message.value or b"")
            rows = explode(row) if message.topic == "hotspots" else [row]
        except (ValueError, TypeError, AttributeError, KeyError):
            skipped += 1
            continue
        for row in rows:
            grouped[message.topic].append((row, message.partition, message.offset))
    return grouped, skipped


def register(app: faust.App, settings: Settings) -> dict[str, int]:
    """Declare the sink agent on ``app``; return its live counters."""
    writer = LandingWriter(settings.landing_dir)
    stats: dict[str, int] = defaultdict(int)
    topics = app.topic(
        *LANDED_TOPICS,
        key_serializer="raw",
        value_serializer="raw",
        partitions=spec("hotspots").partitions,
    )

    @app.agent(topics, name="landing-sink")
    async def land(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX_EVENTS, within=BATCH_WITHIN_S):
            await or_exit(lambda events=events: land_async(writer, events, stats), what="sink")

    return stats


async def land_async(
    writer: LandingWriter, events: Sequence[EventT], stats: dict[str, int]
) -> None:
    """Coroutine wrapper of :func:`land_batch` for the crash guard."""
    land_batch(writer, events, stats)


def land_batch(writer: LandingWriter, events: Sequence[EventT], stats: dict[str, int]) -> None:
    """Write one batch of consumed events to the landing."""
    messages = [RawMessage.from_event(e) for e in events]
    grouped, skipped = rows_by_topic(messages)
    landed_at = datetime.now(UTC)
    for topic, items in grouped.items():
        rows = [row for row, _, _ in items]
        written = writer.write(
            topic,
            rows,
            partitions=[p for _, p, _ in items],
            offsets=[o for _, _, o in items],
            landed_at=landed_at,
        )
        stats[f"{topic}.landed"] += written
        stats[f"{topic}.duplicates"] += len(items) - written
    stats["skipped"] += skipped
