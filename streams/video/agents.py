"""The video agents: ``detections.video`` → episodes per camera → candidates per place → ``alerts``.

Two stages, each a faust agent with its state in one Table:

1. ``video_episodes`` consumes ``detections.video`` in batches (key: the
   camera id, as nvmsgbroker's ``partition-key = sensor.id`` sets it). Records
   are decoded with the video contract, both schemas; invalid ones are
   skipped and counted (the intake agent dead-letters them with the reason).
   Each camera's rows step its value in the table ``video_cameras`` (keyed by
   camera id, co-partitioned with ``detections.video``); due episodes that
   the permits do not make legal go to ``video.candidates`` keyed by
   category × H3 res-6 area (:func:`streams.video.places.place_key`).
2. ``video_places`` consumes ``video.candidates``; the table ``video_places``
   (keyed like that topic, co-partitioned with it) holds each place's open
   alerts, so a candidate from a neighbouring camera is suppressed; the
   others go to ``alerts`` keyed by category and area (alert.message_key).

**At-least-once, exact in effect**, as the vehicles agent: each stage sends
and waits for Kafka's acknowledgement before writing its table, so a crash
repeats messages with the same ids (stage 2 drops a repeated candidate; the
case engine and the landing drop a repeated alert by ``event_id``).

**Every record, in order**: an episode counts sightings, so a record faust
left out of the stream (it can, around a rebalance: :mod:`streams.ordered`)
would shorten or split one. Each stage applies a partition's records only in
offset order up to the first missing one, keeps the next offset it expects
per source partition in its table, and seeks back over a gap.

Permits and cameras come from the reference tables ``permits`` and
``cameras``, re-read before a batch when either file changed (a file that
cannot be read keeps the rules in use and is logged); thresholds from
``CITYBRAIN_VIDEO_RULES`` (:mod:`streams.video.rules`).
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import faust
import orjson
from faust.types import EventT

from citybrain import reference
from citybrain.contracts import ContractViolation, decode_rows, encode_row, video
from citybrain.contracts.alert import TOPIC as ALERTS
from citybrain.contracts.alert import message_key
from citybrain.reference import read_table
from citybrain.settings import Settings
from citybrain.topics import spec
from streams import faust_compat, log_start, progress
from streams.faust_compat import event_context
from streams.guard import or_exit
from streams.log_start import LogStarts
from streams.ordered import InOrder, Seek, reseek_timer
from streams.video.core import VideoRules
from streams.video.episodes import OFFSET_FIELD
from streams.video.places import place_key
from streams.video.rules import Config, load_rules

CANDIDATES = "video.candidates"
CAMERAS_TABLE = "video_cameras"
PLACES_TABLE = "video_places"
BATCH_MAX_EVENTS = 5_000
BATCH_WITHIN_S = 0.2
log = logging.getLogger(__name__)


class ReferenceFiles(reference.ReferenceWatch):
    """The ``cameras`` and ``permits`` files: new rules whenever either changed."""

    TABLES = ("cameras", "permits")

    def __init__(self, reference_dir: Path, config: Config) -> None:
        self.config = config
        super().__init__(reference_dir)

    def rules(self) -> VideoRules:
        """Rules with the files' cameras and permits now (reference.ReferenceError if bad)."""
        return VideoRules(
            cameras=read_table(self.reference_dir, "cameras"),
            permits=read_table(self.reference_dir, "permits"),
            config=self.config,
        )

    build = rules


class VideoWatch:
    """Applies batches of detections and of candidates to their tables."""

    def __init__(
        self,
        *,
        cameras: faust.Table,
        places: faust.Table,
        candidates: faust.TopicT,
        out: faust.TopicT,
        rules: VideoRules,
        files: ReferenceFiles | None = None,
        seek: Seek,
        committed=dict,
        starts: LogStarts | None = None,
        event_time_order: bool = False,
    ) -> None:
        self.cameras, self.places = cameras, places
        self.candidates_topic, self.out = candidates, out
        # event-time progress (streams.progress): stage 1 reads detections, stage 2 candidates
        self.episodes_progress = progress.Emitter(
            "video_episodes", video.TOPIC, candidates, on=event_time_order
        )
        self.places_progress = progress.Emitter(
            "video_places", CANDIDATES, out, on=event_time_order
        )
        self.files = files
        self.stats: dict[str, int] = defaultdict(int)
        self.use(rules)
        self.lock = asyncio.Lock()
        self.detections_order = InOrder(
            table=cameras, seek=seek, stats=self.stats, committed=committed, starts=starts
        )
        self.candidates_order = InOrder(
            table=places, seek=seek, stats=self.stats, committed=committed, starts=starts
        )

    async def reseek_gaps(self) -> int:
        """Seek both stages back over the gaps still open; return how many are open."""
        async with self.lock:
            open_gaps = await self.detections_order.reseek_gaps()
            return open_gaps + await self.candidates_order.reseek_gaps()

    def use(self, rules: VideoRules) -> None:
        """Judge with ``rules`` from now on."""
        self.rules = rules
        self.stats["unusable_permits"] = len(rules.permits.unusable)
        for reason in rules.permits.unusable:
            log.warning("video: permit left out of the checks: %s", reason)

    def reload(self) -> None:
        """Use the reference files' new content, if it changed; keep the old on a bad file."""
        if self.files is None:
            return
        try:
            rules = self.files.changed()
        except reference.ReferenceError as exc:
            self.stats["reference_reload_failures"] += 1
            log.error("video: reference files not reloaded, keeping the rules: %s", exc)
            return
        if rules is not None:
            self.use(rules)
            self.stats["reference_reloads"] += 1

    async def process_detections(self, events: Sequence[EventT]) -> None:
        """Stage 1: one batch of ``detections.video`` events → candidates, then store."""
        async with self.lock:
            self.reload()
            rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
            last: dict[str, EventT] = {}
            fresh, nexts = await self.detections_order.take(events)
            for event in fresh:
                try:
                    decoded = decode_rows(video.TOPIC, event.value)
                except ContractViolation:
                    self.stats["invalid"] += 1
                    continue
                for row in decoded:  # the offset lets a re-read batch count nothing twice
                    rows[row["camera_id"]].append({**row, OFFSET_FIELD: event.message.offset})
                    last[row["camera_id"]] = event
                    self.episodes_progress.note(
                        event.message.partition, row["event_at"].timestamp()
                    )
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            found: list[dict[str, Any]] = []
            for camera_id, camera_rows in rows.items():
                with event_context(last[camera_id]):
                    before[camera_id] = self.cameras.get(camera_id)
                after[camera_id], candidates, counts = self.rules.judge(
                    before[camera_id], camera_rows
                )
                found += candidates
                for k, v in counts.items():
                    self.stats[k] += v
            found.sort(key=lambda c: (c["due_s"], c["alert_id"]))
            futures = [
                await self.candidates_topic.send(
                    key=place_key(category=c["category"], lat=c["lat"], lng=c["lng"]).encode(),
                    value=orjson.dumps(c),
                    **self.episodes_progress.options(c["due_s"]),
                )
                for c in found
            ]
            await asyncio.gather(*futures)
            await self.episodes_progress.send()
            self.stats["candidates"] += len(found)
            for camera_id, event in last.items():
                if after[camera_id] != before[camera_id]:
                    with event_context(event):
                        self.cameras[camera_id] = after[camera_id]
            self.detections_order.store(nexts)
            self.stats["detections"] += len(events)

    async def process_candidates(self, events: Sequence[EventT]) -> None:
        """Stage 2: one batch of candidates → alerts (suppressed at open places), then store."""
        async with self.lock:
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            last: dict[str, EventT] = {}
            alerts: list[tuple[dict[str, Any], float]] = []  # with the time each was raised at
            marks: dict[int, tuple[Any, EventT]] = {}  # partition: its upstream marks
            fresh, nexts = await self.candidates_order.take(events)
            for event in fresh:
                if progress.is_progress(event.message.headers):
                    self._upstream_marks(marks, event)
                    continue
                try:
                    candidate = orjson.loads(event.value)
                    key = event.key.decode()
                except (orjson.JSONDecodeError, AttributeError, UnicodeDecodeError):
                    self.stats["invalid_candidates"] += 1
                    continue
                if key not in before:
                    with event_context(event):
                        before[key] = after[key] = self.places.get(key)
                after[key], alert, outcome = self.rules.place(after[key], candidate)
                last[key] = event
                self.stats[outcome] += 1
                if alert is not None:
                    raised = progress.raised_at(event.message.headers)
                    alerts.append((alert, candidate["due_s"] if raised is None else raised))
            futures = [
                await self.out.send(
                    key=message_key(a),
                    value=encode_row(a),
                    **self.places_progress.options(raised),
                )
                for a, raised in alerts
            ]
            await asyncio.gather(*futures)
            await self.places_progress.send()
            self.stats["alerts"] += len(alerts)
            for key, event in last.items():
                if after[key] != before[key]:
                    with event_context(event):
                        self.places[key] = after[key]
            for partition, (value, event) in marks.items():
                with event_context(event):
                    self.places[progress.marks_key(partition)] = value
            self.candidates_order.store(nexts)

    def _upstream_marks(self, marks: dict, event: EventT) -> None:
        """A progress record of stage 1 on ``video.candidates``: merge it into its partition's."""
        partition = event.message.partition
        if partition in marks:
            old = marks[partition][0]
        else:
            with event_context(event):
                old = self.places.get(progress.marks_key(partition))
        try:
            marks[partition] = (
                self.places_progress.note_upstream(partition, old, event.value),
                event,
            )
        except (ValueError, TypeError):
            self.stats["progress_malformed"] += 1


def build(app: faust.App, settings: Settings) -> VideoWatch:
    """Declare the video topics, tables and agents on ``app``."""
    partitions = spec(video.TOPIC).partitions
    source = app.topic(
        video.TOPIC, key_serializer="raw", value_serializer="raw", partitions=partitions
    )
    candidates = app.topic(
        CANDIDATES,
        key_serializer="raw",
        value_serializer="raw",
        partitions=spec(CANDIDATES).partitions,
    )
    out = app.topic(
        ALERTS, key_serializer="raw", value_serializer="raw", partitions=spec(ALERTS).partitions
    )
    cameras = app.Table(CAMERAS_TABLE, partitions=partitions, key_type=str, value_type=None)
    places = app.Table(
        PLACES_TABLE, partitions=spec(CANDIDATES).partitions, key_type=str, value_type=None
    )
    files = ReferenceFiles(settings.reference_path, load_rules(settings.video_rules_path))

    async def seek(*, topic: str, partition: int, offset: int) -> bool:
        consumer = app.consumer
        return await faust_compat.seek_and_hold(
            consumer, topic=topic, partition=partition, offset=offset
        )

    watch = VideoWatch(
        cameras=cameras,
        places=places,
        candidates=candidates,
        out=out,
        rules=files.rules(),
        files=files,
        seek=seek,
        committed=lambda: faust_compat.committed_offsets(app.consumer),
        starts=log_start.for_broker(settings.broker),
        event_time_order=settings.event_time_order_idle_s is not None,
    )
    faust_compat.hold_commits_at_gaps(app, watch.detections_order)
    faust_compat.hold_commits_at_gaps(app, watch.candidates_order)

    @app.agent(source, name="video_episodes")
    async def video_episodes(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX_EVENTS, within=BATCH_WITHIN_S):
            await or_exit(lambda events=events: watch.process_detections(events), what="video")

    @app.agent(candidates, name="video_places")
    async def video_places(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX_EVENTS, within=BATCH_WITHIN_S):
            await or_exit(lambda events=events: watch.process_candidates(events), what="video")

    reseek_timer(app, name="video-reseek", reseek=watch.reseek_gaps)

    return watch


def register(app: faust.App, settings: Settings) -> dict[str, int]:
    """Declare the video domain on ``app``; return its live counters (for /metrics)."""
    return build(app, settings).stats
