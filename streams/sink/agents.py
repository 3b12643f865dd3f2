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

import faust
from faust.types import EventT

from citybrain.contracts import SOURCE_TOPICS
from citybrain.settings import Settings
from citybrain.topics import spec
from streams import progress
from streams.guard import or_exit
from streams.intake.validate import RawMessage, validate_batch
from streams.sink.rows import derived_rows
from warehouse.landing import LandingWriter, landed_topics

SINK_APP_SUFFIX = "-sink"
# sources, hotspots, alerts, cases.events, then the sources' dead letters
LANDED_TOPICS: tuple[str, ...] = landed_topics()
BATCH_MAX_EVENTS = 20_000
BATCH_WITHIN_S = 1.0


def rows_by_topic(events: Sequence[RawMessage]) -> tuple[dict[str, list], int]:
    """Group a batch into (row, partition, offset) per topic; count skipped records.

    Source records are validated with their contract: those that fail are
    skipped here (the stream workers dead-letter them, and the dead-letter
    topics land too). Derived records (hotspots, alerts, case events, dead
    letters) that cannot be parsed (:mod:`streams.sink.rows`) are skipped too.
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
            rows = derived_rows(message.topic, message.value or b"")
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
    """Write one batch of consumed events to the landing (progress records are not data)."""
    messages = [
        RawMessage.from_event(e) for e in events if not progress.is_progress(e.message.headers)
    ]
    stats["progress_records"] += len(events) - len(messages)
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
