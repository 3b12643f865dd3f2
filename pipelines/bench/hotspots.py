"""Benchmark: the hotspot agent against a naive faust agent, same events, same broker.

Both run in this process, one after the other, against a real Kafka broker:

* **naive** — iterates events one by one, validates each, indexes it with
  h3-py, and updates its table once per event per window size (two changelog
  writes per event);
* **hotspot** — citybrain's agent: batches from ``take_events``, vectorised
  H3 indexing, one table write per window per batch;
* **ceiling** — an agent that only takes batches and does nothing: how fast
  faust itself delivers events here, the bound on any faust agent.

Each rate is events / seconds from the moment the first event reached the
consumer to the end of the last batch, so group joins and start-up are not
counted against any of them.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import faust
import h3
from aiokafka import AIOKafkaProducer
from faust.types import EventT

from citybrain.contracts import decode, encode_row
from citybrain.contracts.report import TOPIC as REPORTS
from citybrain.geo import H3_RES_INCIDENT, partition_key
from citybrain.settings import Settings
from citybrain.topics import INCIDENT_PARTITIONS, TopicSpec, changelog
from pipelines.topics_admin import create_topics
from streams.app import create_app
from streams.hotspots import agents as hotspots
from streams.hotspots.windows import WINDOW_SIZES_S

CATEGORIES = ("unlicensed_peddler", "exposed_garbage", "illegal_parking", "lane_occupation")
DAY_START = datetime(2026, 7, 15, tzinfo=UTC)
N_PLACES = 300


@dataclass
class Progress:
    """Events processed, when the first of them reached the consumer, and when the last
    batch finished (monotonic seconds, the clock faust stamps ``message.time_in`` with)."""

    events: int = 0
    first_at: float | None = None
    last_at: float | None = None

    def add(self, events: Sequence[EventT]) -> None:
        """Record that ``events`` have just been processed."""
        arrived = min((e.message.time_in or time.monotonic()) for e in events)
        self.first_at = arrived if self.first_at is None else min(self.first_at, arrived)
        self.last_at = time.monotonic()
        self.events += len(events)

    def rate(self) -> float:
        """Events per second from the first event's arrival to the last batch's end."""
        span = (self.last_at or 0) - (self.first_at or 0)
        return self.events / span if span > 0 else float("nan")


def reports(n_events: int, *, seed: int = 7, n_places: int = N_PLACES) -> list[tuple[bytes, bytes]]:
    """``n_events`` valid citizen reports over one day, time-ordered.

    Incidents cluster as they do in a city: they happen at ``n_places`` spots
    in a ~10 km box, chosen with Zipf-like weights (a few streets get most of
    the vending and parking), each within ~50 m of its spot.
    """
    rnd = random.Random(seed)
    places = [(30.22 + rnd.random() * 0.1, 120.10 + rnd.random() * 0.1) for _ in range(n_places)]
    weights = [1 / (rank + 1) for rank in range(n_places)]
    step_s = 86_400 / max(n_events, 1)
    out = []
    for i in range(n_events):
        place_lat, place_lng = rnd.choices(places, weights)[0]
        lat = place_lat + rnd.gauss(0, 0.0005)
        lng = place_lng + rnd.gauss(0, 0.0005)
        row = {
            "event_id": f"bench-{i}",
            "event_at": DAY_START + timedelta(seconds=i * step_s),
            "channel": "app",
            "category": rnd.choice(CATEGORIES),
            "lat": lat,
            "lng": lng,
        }
        out.append((partition_key(lat=lat, lng=lng), encode_row(row)))
    return out


async def publish(bootstrap: str, messages: list[tuple[bytes, bytes]]) -> None:
    """Produce the messages to the citizen-report topic."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=1_048_576, acks=1
    )
    await producer.start()
    try:
        for key, value in messages:
            await producer.send(REPORTS, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


def naive_app(settings: Settings, progress: Progress) -> faust.App:
    """A textbook faust agent: one event at a time, one table write per window."""
    app = create_app(settings)
    source = app.topic(
        REPORTS, key_serializer="raw", value_serializer="raw", partitions=INCIDENT_PARTITIONS
    )
    table = app.Table(
        "naive_counts", partitions=INCIDENT_PARTITIONS, key_type=str, value_type=int, default=int
    )

    @app.agent(source, name="naive")
    async def count(stream: faust.StreamT) -> None:
        async for event in stream.events():
            row = decode(REPORTS, event.value)
            cell = h3.latlng_to_cell(row["lat"], row["lng"], H3_RES_INCIDENT)
            at_ms = int(row["event_at"].timestamp() * 1000)
            for window_s in WINDOW_SIZES_S:
                start = at_ms - at_ms % (window_s * 1000)
                key = f"{window_s}|{start}|{cell}|{row['category']}"
                table[key] += 1
            progress.add([event])

    return app


def ceiling_app(settings: Settings, progress: Progress) -> faust.App:
    """An agent that only takes batches: faust's own consumption ceiling on this machine."""
    app = create_app(settings)
    source = app.topic(
        REPORTS, key_serializer="raw", value_serializer="raw", partitions=INCIDENT_PARTITIONS
    )

    @app.agent(source, name="ceiling")
    async def take(stream: faust.StreamT) -> None:
        async for events in stream.take_events(
            hotspots.BATCH_MAX_EVENTS, within=hotspots.BATCH_WITHIN_S
        ):
            progress.add(events)

    return app


def hotspot_app(settings: Settings, progress: Progress) -> faust.App:
    """citybrain's hotspot agent, with its batches counted."""
    app = create_app(settings)
    counter = hotspots.register(app, settings)
    process = counter.process

    async def counted(events):
        await process(events)
        progress.add(events)

    counter.process = counted
    return app


async def run_app(app: faust.App, progress: Progress, n_events: int, timeout_s: float) -> None:
    """Start ``app`` in this event loop, wait until it processed n_events, stop it."""
    await app.start()
    deadline = time.monotonic() + timeout_s
    try:
        while progress.events < n_events:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{app.conf.id}: {progress.events}/{n_events} in {timeout_s}s")
            await asyncio.sleep(0.05)
    finally:
        await app.stop()


async def bench(settings: Settings, *, n_events: int, timeout_s: float = 600) -> dict:
    """Run the three agents over the same events on ``settings.broker``; return the figures."""
    suffix = f"{int(time.time())}"
    runs = {
        name: replace(settings, app_id=f"bench-{name}-{suffix}", web_port=0, store="memory://")
        for name in ("naive", "hotspot", "ceiling")
    }
    await create_topics(
        settings.broker,
        [
            TopicSpec(
                changelog(runs["naive"].app_id, "naive_counts"), INCIDENT_PARTITIONS, compacted=True
            ),
            TopicSpec(
                changelog(runs["hotspot"].app_id, "hotspot_counts"),
                INCIDENT_PARTITIONS,
                compacted=True,
            ),
        ],
    )
    await publish(settings.broker, reports(n_events))
    factories = {"naive": naive_app, "hotspot": hotspot_app, "ceiling": ceiling_app}
    results = {}
    for name, run_settings in runs.items():
        progress = Progress()
        await run_app(factories[name](run_settings, progress), progress, n_events, timeout_s)
        results[name] = progress
    naive_rate = results["naive"].rate()
    hot_rate = results["hotspot"].rate()
    return {
        "benchmark": "hotspots",
        "events": n_events,
        "naive_events_per_s": round(naive_rate, 1),
        "hotspot_events_per_s": round(hot_rate, 1),
        "ratio": round(hot_rate / naive_rate, 2) if naive_rate > 0 else None,
        "faust_take_events_ceiling_per_s": round(results["ceiling"].rate(), 1),
        "target_hotspot_events_per_s": 100_000,
        "target_ratio": 40,
    }
