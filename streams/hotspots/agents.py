"""The hotspot agent: incidents → H3 res-9 cell × category × window counts.

Consumes ``detections.video`` and ``reports.citizen`` in batches, validates
them (failures go to ``<topic>.rejected``), counts incidents per key with one
table update per key per batch, and publishes each closed window to
``hotspots``. The table ``hotspot_counts`` is co-partitioned with its sources:
every key starts with its source partition.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import faust
from faust.types import EventT

from citybrain.contracts import encode_row
from citybrain.settings import Settings
from citybrain.topics import INCIDENT_PARTITIONS, rejected
from streams.faust_compat import event_context
from streams.guard import or_exit
from streams.hotspots import windows
from streams.intake.validate import RawMessage, validate_batch

BATCH_MAX_EVENTS = 20_000
BATCH_WITHIN_S = 0.5
NO_CLOSE = 2**62


def max_event_ms_by_partition(accepted: list[tuple[RawMessage, dict]]) -> dict[int, int]:
    """Highest event time (epoch ms) of valid records per partition: the watermark input."""
    result: dict[int, int] = {}
    for message, row in accepted:
        ms = int(row["event_at"].timestamp() * 1000)
        if ms > result.get(message.partition, -1):
            result[message.partition] = ms
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
    ) -> None:
        self.table = table
        self.out = out
        self.dead_letters = dead_letters
        self.lateness_s = lateness_s
        self.stats: dict[str, int] = defaultdict(int)

    async def process(self, events: Sequence[EventT]) -> None:
        """Validate, count and close windows for one batch of events."""
        messages = [RawMessage.from_event(e) for e in events]
        accepted, rejections = validate_batch(messages)
        await self._dead_letter(rejections)
        last_event: dict[int, EventT] = {}
        for event in events:
            last_event[event.message.partition] = event
        watermarks = {p: self._watermark(p, e) for p, e in last_event.items()}
        windowed = windows.assign_windows(windows.incident_frame(accepted))
        stored: dict[windows.WindowId, dict] = {}
        closed: set[windows.WindowId] = set()
        for window in windows.windows_in(windowed):
            value = self._read(last_event[window.partition], window.encode())
            if value is not None:
                stored[window] = value
            wm_ms = watermarks[window.partition][0]
            if windows.is_closed(window, watermark_ms=wm_ms, lateness_s=self.lateness_s):
                closed.add(window)
        deltas, late = windows.count_new(
            windowed,
            counted_up_to={(w, t): int(o) for w, v in stored.items() for t, o in v["o"].items()},
            closed=closed,
        )
        self.stats["events"] += len(messages)
        self.stats["rejected"] += len(rejections)
        self.stats["late"] += late
        by_partition: dict[int, list[windows.WindowDelta]] = defaultdict(list)
        for delta in deltas:
            by_partition[delta.window.partition].append(delta)
        max_event_ms = max_event_ms_by_partition(accepted)
        for partition, event in last_event.items():
            await self._apply(
                event,
                by_partition.get(partition, []),
                stored,
                watermarks[partition],
                max_event_ms.get(partition),
            )

    def _read(self, event: EventT, key: str) -> Any:
        with event_context(event):
            return self.table.get(key)

    def _watermark(self, partition: int, event: EventT) -> list[int]:
        state = self._read(event, windows.watermark_key(partition))
        return [-1, NO_CLOSE] if state is None else [int(state[0]), int(state[1])]

    async def _apply(
        self,
        event: EventT,
        deltas: list[windows.WindowDelta],
        stored: dict[windows.WindowId, dict],
        watermark: list[int],
        max_event_ms: int | None,
    ) -> None:
        partition = event.message.partition
        wm_ms, next_close_ms = watermark
        lateness_ms = self.lateness_s * 1000
        with event_context(event):
            for delta in deltas:
                self.table[delta.window.encode()] = windows.merge(stored.get(delta.window), delta)
                next_close_ms = min(next_close_ms, delta.window.end_ms + lateness_ms)
            new_wm = wm_ms if max_event_ms is None else max(wm_ms, max_event_ms)
            if [new_wm, next_close_ms] != watermark:
                # the watermark is persisted before any window is deleted, so a
                # restart never re-opens a window it has already published
                self.table[windows.watermark_key(partition)] = [new_wm, next_close_ms]
            if new_wm >= next_close_ms:
                remaining = await self._close_windows(partition, new_wm)
                self.table[windows.watermark_key(partition)] = [new_wm, remaining]

    async def _close_windows(self, partition: int, wm_ms: int) -> int:
        """Publish and delete closed windows; return the next close time (ms)."""
        prefix = f"{partition}|"
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
                key_bytes = message["event_id"].encode()
                futures.append(await self.out.send(key=key_bytes, value=encode_row(message)))
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
    counter = HotspotCounter(
        table=table, out=out, dead_letters=dead_letters, lateness_s=settings.hotspot_lateness_s
    )

    @app.agent(sources, name="hotspots")
    async def count_hotspots(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX_EVENTS, within=BATCH_WITHIN_S):
            await or_exit(lambda events=events: counter.process(events), what="hotspots")

    return counter
