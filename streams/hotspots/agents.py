"""The hotspot agent: incidents → H3 res-9 cell × category × window counts.

Consumes ``detections.video`` and ``reports.citizen`` in batches, validates
them (failures go to ``<topic>.rejected``), counts incidents per key with one
table update per window per batch, and publishes each closed window to
``hotspots``. The table ``hotspot_counts`` is co-partitioned with its sources:
every key starts with its source topic and partition, and is written to the
changelog partition of that source partition.

Each source partition's records are counted once, in offset order, with none
skipped (:class:`streams.ordered.InOrder`): a source's watermark closes its
windows, so a record skipped would be missing from a published window for
good. The next offset expected is written after the counts it covers; what
follows a gap waits, and the partition is sought back to the gap with a seek
that holds against records fetched before it, again on a timer while the gap
stays open.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import faust
from faust.types import EventT

from citybrain.contracts import encode_row
from citybrain.settings import Settings
from citybrain.topics import INCIDENT_PARTITIONS, rejected
from streams import faust_compat, log_start
from streams.faust_compat import event_context
from streams.guard import or_exit
from streams.hotspots import windows
from streams.intake.validate import RawMessage, validate_batch
from streams.log_start import LogStarts
from streams.ordered import InOrder, reseek_timer

BATCH_MAX_EVENTS = 20_000
BATCH_WITHIN_S = 0.5
NO_CLOSE = 2**62


Source = tuple[str, int]  # (topic, partition): one ordered Kafka log
Seek = Callable[..., Awaitable[Any]]  # seek(topic=, partition=, offset=) -> False if not ours


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
        committed: Callable[[], Mapping[Source, int | None]] = dict,
        starts: LogStarts | None = None,
    ) -> None:
        self.table = table
        self.out = out
        self.dead_letters = dead_letters
        self.lateness_s = lateness_s
        self.stats: dict[str, int] = defaultdict(int)
        self.order = InOrder(
            table=table, seek=seek, stats=self.stats, committed=committed, starts=starts
        )
        self.lock = asyncio.Lock()  # a batch and the timer's seeks back do not interleave

    async def process(self, events: Sequence[EventT]) -> None:
        """Validate, count and close windows for one batch of events."""
        async with self.lock:
            await self._process(events)

    async def reseek_gaps(self) -> int:
        """Seek back every source still waiting at a gap; return how many are waiting."""
        async with self.lock:
            return await self.order.reseek_gaps()

    async def _process(self, events: Sequence[EventT]) -> None:
        self.stats["events"] += len(events)
        fresh, nexts = await self.order.take(events)
        last_event: dict[Source, EventT] = {}
        for event in fresh:
            last_event[(event.message.topic, event.message.partition)] = event
        states = {src: self._state(src, e) for src, e in last_event.items()}
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
            )
        # after the counts they cover, in the same changelog partitions
        self.order.store(nexts)

    def _read(self, event: EventT, key: str) -> Any:
        with event_context(event):
            return self.table.get(key)

    def _state(self, source: Source, event: EventT) -> list[int]:
        """``[watermark_ms, next_close_ms]`` of one source."""
        state = self._read(event, windows.watermark_key(*source))
        if state is None:
            return [-1, NO_CLOSE]
        return [int(state[0]), int(state[1])]

    async def _apply(
        self,
        source: Source,
        event: EventT,
        deltas: list[windows.WindowDelta],
        stored: dict[windows.WindowId, dict],
        state: list[int],
        max_event_ms: int | None,
    ) -> None:
        wm_ms, next_close_ms = state
        lateness_ms = self.lateness_s * 1000
        wm_key = windows.watermark_key(*source)
        with event_context(event):
            for delta in deltas:
                self.table[delta.window.encode()] = windows.merge(stored.get(delta.window), delta)
                next_close_ms = min(next_close_ms, delta.window.end_ms + lateness_ms)
            new_wm = wm_ms if max_event_ms is None else max(wm_ms, max_event_ms)
            if [new_wm, next_close_ms] != state:
                # the watermark is persisted before any window is deleted, so a
                # restart never re-opens a window it has already published
                self.table[wm_key] = [new_wm, next_close_ms]
            if new_wm >= next_close_ms:
                remaining = await self._close_windows(source, new_wm)
                self.table[wm_key] = [new_wm, remaining]

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

    async def seek(*, topic: str, partition: int, offset: int) -> bool:
        return await faust_compat.seek_and_hold(
            app.consumer, topic=topic, partition=partition, offset=offset
        )

    counter = HotspotCounter(
        table=table,
        out=out,
        dead_letters=dead_letters,
        lateness_s=settings.hotspot_lateness_s,
        seek=seek,
        committed=lambda: faust_compat.committed_offsets(app.consumer),
        starts=log_start.for_broker(settings.broker),
    )
    faust_compat.hold_commits_at_gaps(app, counter.order)

    @app.agent(sources, name="hotspots")
    async def count_hotspots(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX_EVENTS, within=BATCH_WITHIN_S):
            await or_exit(lambda events=events: counter.process(events), what="hotspots")

    reseek_timer(app, name="hotspots-reseek", reseek=counter.reseek_gaps)

    return counter
