"""The hotspot agent: incidents → H3 res-9 cell × category × window counts.

Consumes ``detections.video`` and ``reports.citizen`` in batches, validates
them (failures go to ``<topic>.rejected``), counts incidents per key with one
table update per window per batch, and publishes each closed window to
``hotspots``. The table ``hotspot_counts`` is co-partitioned with its sources:
every key starts with its source topic and partition, and is written to the
changelog partition of that source partition.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import faust
from faust.types import EventT

from citybrain.contracts import encode_row
from citybrain.settings import Settings
from citybrain.topics import INCIDENT_PARTITIONS, rejected
from streams import faust_compat
from streams.faust_compat import event_context
from streams.guard import or_exit
from streams.hotspots import windows
from streams.intake.validate import RawMessage, validate_batch

BATCH_MAX_EVENTS = 20_000
BATCH_WITHIN_S = 0.5
NO_CLOSE = 2**62
RESEEK_S = 5.0

log = logging.getLogger(__name__)


Source = tuple[str, int]  # (topic, partition): one ordered Kafka log
Seek = Callable[..., Awaitable[None]]  # seek(topic=, partition=, offset=)


def max_event_ms_by_source(accepted: list[tuple[RawMessage, dict]]) -> dict[Source, int]:
    """Highest event time (epoch ms) of valid records per source: the watermark input."""
    result: dict[Source, int] = {}
    for message, row in accepted:
        source = (message.topic, message.partition)
        ms = int(row["event_at"].timestamp() * 1000)
        if ms > result.get(source, -1):
            result[source] = ms
    return result


class HotspotCounter:
    """Applies batches of events to the count table and emits closed windows."""

    def __init__(
        self,
        *,
        table: faust.Table,
        out: faust.TopicT,
        dead_letters: dict[str, faust.TopicT],
        lateness_s: int,
        seek: Seek,
    ) -> None:
        self.table = table
        self.out = out
        self.dead_letters = dead_letters
        self.lateness_s = lateness_s
        self.seek = seek
        self.stats: dict[str, int] = defaultdict(int)
        # control, not state: when each source last asked to be sought back (monotonic s)
        self._sought: dict[tuple[Source, int], float] = {}

    async def process(self, events: Sequence[EventT]) -> None:
        """Validate, count and close windows for one batch of events."""
        last_event: dict[Source, EventT] = {}
        by_source: dict[Source, list[EventT]] = defaultdict(list)
        for event in events:
            source = (event.message.topic, event.message.partition)
            last_event[source] = event
            by_source[source].append(event)
        states = {src: self._state(src, e) for src, e in last_event.items()}
        fresh, next_offsets = await self._in_order(by_source, states)
        messages = [RawMessage.from_event(e) for e in fresh]
        accepted, rejections = validate_batch(messages)
        await self._dead_letter(rejections)
        windowed = windows.assign_windows(windows.incident_frame(accepted))
        stored: dict[windows.WindowId, dict] = {}
        closed: set[windows.WindowId] = set()
        for window in windows.windows_in(windowed):
            source = (window.topic, window.partition)
            value = self._read(last_event[source], window.encode())
            if value is not None:
                stored[window] = value
            if windows.is_closed(
                window, watermark_ms=states[source][0], lateness_s=self.lateness_s
            ):
                closed.add(window)
        deltas, late = windows.count_new(
            windowed, counted_up_to={w: int(v["o"]) for w, v in stored.items()}, closed=closed
        )
        self.stats["events"] += len(events)
        self.stats["rejected"] += len(rejections)
        self.stats["late"] += late
        by_window_source: dict[Source, list[windows.WindowDelta]] = defaultdict(list)
        for delta in deltas:
            by_window_source[(delta.window.topic, delta.window.partition)].append(delta)
        max_event_ms = max_event_ms_by_source(accepted)
        for source, event in last_event.items():
            await self._apply(
                source,
                event,
                by_window_source.get(source, []),
                stored,
                states[source],
                max_event_ms.get(source),
                next_offsets[source],
            )

    async def _in_order(
        self, by_source: dict[Source, list[EventT]], states: dict[Source, list]
    ) -> tuple[list[EventT], dict[Source, int]]:
        """One event per offset up to the first gap, per source; the next offset each expects."""
        fresh: list[EventT] = []
        next_offsets: dict[Source, int] = {}
        for source, events in by_source.items():
            taken, next_offsets[source] = windows.in_order(
                (e.message.offset for e in events), next_offset=states[source][2]
            )
            first = {}
            for event in events:
                first.setdefault(event.message.offset, event)
            fresh.extend(first[o] for o in taken)
            waiting = sum(1 for o in first if o >= next_offsets[source])
            if waiting:
                await self._seek_back(source, next_offsets[source], min(first))
            self.stats["deferred"] += waiting
        return fresh, next_offsets

    async def _seek_back(self, source: Source, offset: int, delivered_from: int) -> None:
        """Ask for ``source`` to be delivered again from ``offset`` (at most every RESEEK_S).

        A batch that starts past the offset the table expects means records the
        table never counted were skipped: delivered past a gap, or committed
        before their table writes were durable when a worker died. Reading
        them again from the table's own offset makes the counts whole.
        """
        now = time.monotonic()
        if now - self._sought.get((source, offset), -RESEEK_S) < RESEEK_S:
            return
        self._sought[(source, offset)] = now
        log.warning(
            "%s[%d]: delivery resumed at offset %d but the table expects %d; seeking back",
            *source,
            delivered_from,
            offset,
        )
        self.stats["sought_back"] += 1
        await self.seek(topic=source[0], partition=source[1], offset=offset)

    def _read(self, event: EventT, key: str) -> Any:
        with event_context(event):
            return self.table.get(key)

    def _state(self, source: Source, event: EventT) -> list:
        """``[watermark_ms, next_close_ms, next_offset or None]`` of one source."""
        state = self._read(event, windows.watermark_key(*source))
        if state is None:
            return [-1, NO_CLOSE, None]
        next_offset = state[2] if len(state) > 2 else None
        return [int(state[0]), int(state[1]), next_offset]

    async def _apply(
        self,
        source: Source,
        event: EventT,
        deltas: list[windows.WindowDelta],
        stored: dict[windows.WindowId, dict],
        state: list,
        max_event_ms: int | None,
        next_offset: int,
    ) -> None:
        wm_ms, next_close_ms, _ = state
        lateness_ms = self.lateness_s * 1000
        wm_key = windows.watermark_key(*source)
        with event_context(event):
            for delta in deltas:
                self.table[delta.window.encode()] = windows.merge(stored.get(delta.window), delta)
                next_close_ms = min(next_close_ms, delta.window.end_ms + lateness_ms)
            new_wm = wm_ms if max_event_ms is None else max(wm_ms, max_event_ms)
            if [new_wm, next_close_ms, next_offset] != state:
                # the watermark is persisted before any window is deleted, so a
                # restart never re-opens a window it has already published
                self.table[wm_key] = [new_wm, next_close_ms, next_offset]
            if new_wm >= next_close_ms:
                remaining = await self._close_windows(source, new_wm)
                self.table[wm_key] = [new_wm, remaining, next_offset]

    async def _close_windows(self, source: Source, wm_ms: int) -> int:
        """Publish and delete one source's closed windows; return its next close time (ms)."""
        prefix = windows.source_prefix(*source)
        closing: list[tuple[str, windows.WindowId]] = []
        next_close_ms = NO_CLOSE
        for key in list(self.table.keys()):
            if not key.startswith(prefix) or not windows.is_window_key(key):
                continue
            window = windows.WindowId.decode(key)
            if windows.is_closed(window, watermark_ms=wm_ms, lateness_s=self.lateness_s):
                closing.append((key, window))
            else:
                next_close_ms = min(next_close_ms, window.end_ms + self.lateness_s * 1000)
        futures = []
        for key, window in closing:
            counts = self.table[key]["c"]
            for message in windows.window_messages(window, counts, watermark_ms=wm_ms):
                futures.append(
                    await self.out.send(key=message["event_id"].encode(), value=encode_row(message))
                )
        # a window is deleted only once its records are durably in Kafka
        await asyncio.gather(*futures)
        for key, _ in closing:
            del self.table[key]
        self.stats["windows_closed"] += len(closing)
        return next_close_ms

    async def _dead_letter(self, rejections: list[dict]) -> None:
        for record in rejections:
            topic = self.dead_letters[record["source_topic"]]
            await topic.send(key=record["event_id"].encode(), value=encode_row(record))


def register(app: faust.App, settings: Settings) -> HotspotCounter:
    """Declare the hotspot topics, table and agent on ``app``."""
    sources = app.topic(
        *windows.INCIDENT_TOPICS,
        key_serializer="raw",
        value_serializer="raw",
        partitions=INCIDENT_PARTITIONS,
    )
    out = app.topic(
        "hotspots", key_serializer="raw", value_serializer="raw", partitions=INCIDENT_PARTITIONS
    )
    dead_letters = {
        t: app.topic(rejected(t), key_serializer="raw", value_serializer="raw", partitions=1)
        for t in windows.INCIDENT_TOPICS
    }
    table = app.Table(
        "hotspot_counts", partitions=INCIDENT_PARTITIONS, key_type=str, value_type=None
    )

    async def seek(*, topic: str, partition: int, offset: int) -> None:
        await faust_compat.seek(app.consumer, topic=topic, partition=partition, offset=offset)

    counter = HotspotCounter(
        table=table,
        out=out,
        dead_letters=dead_letters,
        lateness_s=settings.hotspot_lateness_s,
        seek=seek,
    )

    @app.agent(sources, name="hotspots")
    async def count_hotspots(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX_EVENTS, within=BATCH_WITHIN_S):
            await or_exit(lambda events=events: counter.process(events), what="hotspots")

    return counter
