"""The flood agent: ``hydro.readings`` → station state → ``alerts`` (and the CAP feed's state).

Consumes ``hydro.readings`` in batches. Records are decoded with the hydro
contract; invalid ones are skipped and counted (the intake agent
dead-letters them), as are readings of stations missing from the reference
table ``stations``. Each reading goes through :func:`streams.flood.watch.apply`
(add the reading, then signal and lifecycle step per hazard); each message
becomes an ``alerts`` envelope keyed by its ``alert_id``, so one alert's
messages stay in order on one partition. The table ``flood_stations`` (keyed
by station id, co-partitioned with ``hydro.readings``) holds the value
described in :mod:`streams.flood.watch`; writes go to the changelog partition
of the reading's own partition.

**Exact under at-least-once delivery.** Per batch: read the values, apply the
readings, send every message and wait until Kafka has acknowledged them all,
and only then write the changed values. The value and the messages are a
deterministic function of (value, record incl. its Kafka timestamp), so:

- crash before the writes: the batch comes again from the same values and
  produces the same messages with the same ids and content (duplicates that
  consumers drop by ``event_id``), never a different one;
- crash after the writes, before the offset commit: the records come again,
  are duplicates of what the stored state already holds, and change nothing
  and send nothing;
- a message is never lost: a value is stored only once its messages are in Kafka.

**Silent stations** (see :mod:`streams.flood.silence` for why the wall clock
against Kafka arrival time): every SILENCE_CHECK_S seconds (30) a timer checks
the stations of the ``hydro.readings`` partitions this worker owns and has
caught up on — a backlog after downtime is not silence — and never while
rebalancing or restoring tables. It publishes and writes in the same order as
the batches and holds the same lock, so a station's value is never read by
one and written by the other in between.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import faust
from aiokafka.errors import KafkaError
from faust.types import TP, EventT, Message

from citybrain.contracts import ContractViolation, decode, encode_row, hydro
from citybrain.contracts.alert import TOPIC as ALERTS
from citybrain.contracts.alert import message_key
from citybrain.reference import read_table
from citybrain.settings import Settings
from citybrain.topics import spec
from streams import progress
from streams.faust_compat import committed_offsets, event_context
from streams.flood import feed, watch
from streams.flood.lifecycle import Policy
from streams.flood.stations import StationConfig, station_config
from streams.guard import or_exit

TABLE = "flood_stations"
BATCH_MAX_EVENTS = 5_000
BATCH_WITHIN_S = 0.1  # readings are few; a short wait keeps reading → alert latency low
SILENCE_CHECK_S = 30.0
DEFAULT_POLICY = Policy()

log = logging.getLogger(__name__)


def load_stations(rows: Sequence[Mapping[str, Any]]) -> dict[str, StationConfig]:
    """Station configs by id from reference rows (a row may set ``silence_s``)."""
    stations = {}
    for row in rows:
        config = station_config(row)
        if row.get("silence_s"):
            config = replace(config, silence_s=int(row["silence_s"]))
        stations[config.station_id] = config
    return stations


def heard_s(event: EventT) -> int:
    """When the record reached Kafka: its timestamp in whole epoch seconds."""
    stamp = event.message.timestamp
    return int(stamp if stamp is not None else time.time())


class FloodWatch:
    """Applies batches of readings to the station table and publishes the messages."""

    def __init__(
        self,
        *,
        app: faust.App,
        table: faust.Table,
        out: faust.TopicT,
        stations: Mapping[str, StationConfig],
        cameras: Sequence[Mapping[str, Any]] = (),
        policy: Policy = DEFAULT_POLICY,
        event_time_order: bool = False,
    ) -> None:
        self.app = app
        self.table = table
        self.out = out
        self.stations = dict(stations)
        self.cameras = list(cameras)
        self.policy = policy
        self.stats: dict[str, int] = defaultdict(int)
        self.next_offset: dict[int, int] = {}  # per source partition: next offset to process
        self.lock = asyncio.Lock()
        self.progress = progress.Emitter("flood", hydro.TOPIC, out, on=event_time_order)

    async def process(self, events: Sequence[EventT]) -> None:
        """Apply one batch of ``hydro.readings`` events, publish, then store."""
        async with self.lock:
            before: dict[str, Any] = {}
            after: dict[str, Any] = {}
            last: dict[str, EventT] = {}
            messages: list[dict[str, Any]] = []
            raised: list[float] = []  # when each message was raised: its reading's time
            for event in events:
                try:
                    row = decode(hydro.TOPIC, event.value)
                except ContractViolation:
                    self.stats["invalid"] += 1
                    continue
                at_s = row["event_at"].timestamp()
                self.progress.note(event.message.partition, at_s)
                station = self.stations.get(row["station_id"])
                if station is None:
                    self.stats["unknown_station"] += 1
                    continue
                key = station.station_id
                if key not in before:
                    with event_context(event):
                        before[key] = after[key] = self.table.get(key)
                applied = watch.apply(
                    after[key],
                    row,
                    station=station,
                    partition=event.message.partition,
                    heard_s=heard_s(event),
                    cameras=self.cameras,
                    policy=self.policy,
                )
                after[key], last[key] = applied.value, event
                messages += applied.messages
                raised += [at_s] * len(applied.messages)
                self.stats[str(applied.outcome)] += 1
            await self._publish(messages, raised)
            await self.progress.send()
            for key, event in last.items():
                if after[key] is not before[key]:
                    with event_context(event):
                        self.table[key] = after[key]
            for event in events:
                partition = event.message.partition
                self.next_offset[partition] = max(
                    self.next_offset.get(partition, 0), event.message.offset + 1
                )
            self.stats["readings"] += len(events)  # counted once stored

    async def check_silence(self, *, now_s: float, partitions: set[int] | None = None) -> int:
        """Raise silence alerts on ``partitions`` (None: all) at wall-clock ``now_s``."""
        async with self.lock:
            found = []
            for key, value in list(self.table.items()):
                station = self.stations.get(key)
                if value is None or station is None:
                    continue
                if partitions is not None and value["partition"] not in partitions:
                    continue
                applied = watch.check_silence(
                    value, station=station, now_s=now_s, cameras=self.cameras, policy=self.policy
                )
                if applied.messages:
                    found.append((key, value["partition"], applied))
            await self._publish([m for _, _, applied in found for m in applied.messages])
            for key, partition, applied in found:
                event = self._partition_event(partition)
                with event_context(event):
                    self.table[key] = applied.value
            self.stats["silent"] += len(found)
            return len(found)

    async def caught_up_partitions(self) -> set[int]:
        """Source partitions this worker owns and has processed to their end (for the timer)."""
        app = self.app
        if app.rebalancing or getattr(app, "in_recovery", False):
            return set()
        if not app.tables.recovery.completed.is_set():
            return set()
        consumer = app.consumer
        tps = [tp for tp in consumer.assignment() if tp.topic == hydro.TOPIC]
        if not tps:
            return set()
        try:
            ends = await consumer.highwaters(*tps)
        except KafkaError as exc:
            log.warning("flood silence check skipped: %r", exc)
            return set()
        committed = committed_offsets(consumer)
        ready = set()
        for tp in tps:
            done = self.next_offset.get(tp.partition, committed.get((tp.topic, tp.partition)))
            end = ends.get(tp)
            if end is not None and done is not None and end <= done:
                ready.add(tp.partition)
        return ready

    def _partition_event(self, partition: int) -> EventT:
        """A stand-in event of source ``partition``: timer writes go to its changelog partition."""
        message = Message(
            topic=hydro.TOPIC,
            partition=partition,
            offset=-1,
            timestamp=time.time(),
            timestamp_type=0,
            headers=None,
            key=None,
            value=None,
            checksum=None,
            tp=TP(hydro.TOPIC, partition),
        )
        return faust.Event(self.app, None, None, None, message)

    async def _publish(
        self, messages: list[dict[str, Any]], raised: Sequence[float | None] = ()
    ) -> None:
        """Send to ``alerts`` (keyed by ``message_key``); return once Kafka has them all.

        ``raised``: per message, the event time it was raised at (a header when
        event-time order is on; a silence message has none).
        """
        raised = list(raised) or [None] * len(messages)
        futures = [
            await self.out.send(
                key=message_key(m),
                value=encode_row(m),
                **self.progress.options(at_s),
            )
            for m, at_s in zip(messages, raised, strict=True)
        ]
        await asyncio.gather(*futures)
        self.stats["messages"] += len(messages)


def build(app: faust.App, settings: Settings, *, policy: Policy = DEFAULT_POLICY) -> FloodWatch:
    """Declare the flood topics, table, agent, silence timer and pages on ``app``."""
    partitions = spec(hydro.TOPIC).partitions
    source = app.topic(
        hydro.TOPIC, key_serializer="raw", value_serializer="raw", partitions=partitions
    )
    out = app.topic(
        ALERTS, key_serializer="raw", value_serializer="raw", partitions=spec(ALERTS).partitions
    )
    table = app.Table(TABLE, partitions=partitions, key_type=str, value_type=None)
    flood = FloodWatch(
        app=app,
        table=table,
        out=out,
        stations=load_stations(read_table(settings.reference_path, "stations")),
        cameras=read_table(settings.reference_path, "cameras"),
        policy=policy,
        event_time_order=settings.event_time_order_idle_s is not None,
    )

    @app.agent(source, name="flood")
    async def watch_stations(stream: faust.StreamT) -> None:
        async for events in stream.take_events(BATCH_MAX_EVENTS, within=BATCH_WITHIN_S):
            await or_exit(lambda events=events: flood.process(events), what="flood")

    @app.timer(SILENCE_CHECK_S, name="flood-silence")
    async def silence_timer() -> None:
        ready = await flood.caught_up_partitions()
        if ready:
            await or_exit(
                lambda: flood.check_silence(now_s=time.time(), partitions=ready),
                what="flood silence",
            )

    feed.register(app, table, settings)
    return flood


def register(app: faust.App, settings: Settings) -> dict[str, int]:
    """Declare the flood domain on ``app``; return its live counters (for /metrics)."""
    return build(app, settings).stats
