"""Benchmark: alert → dispatched latency of the case engine at a stated alert rate.

Camera alerts are produced at ``rate_per_s`` for ``duration_s`` into a real
broker, on the demo county's streets: one in fifty is a new problem (at an
H3 cell and category no open case holds yet, so it opens a case), the rest
re-see one of the last 200 problems (the duplicates the engine merges). Two
runs in this process, one after the other, against the same broker:

* **cases** — the case engine (intake → dedup → commands, three faust agents
  with their tables); the figure is, for each new problem, the time from
  producing its first alert to receiving its ``dispatch`` event on
  ``cases.events`` (and, for duplicates, to receiving their ``link``);
* **baseline** — three pass-through faust agents over three topics with the
  same batching: what three hops cost on this machine before any case logic.

Latencies are wall-clock milliseconds measured by this process (producer
and consumer share its clock); the ratio is cases p99 / baseline p99. The
broker must not hold other alerts: the command starts its own.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import faust
import h3
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from citybrain.contracts import encode_row
from citybrain.geo import H3_RES_INCIDENT
from citybrain.settings import Settings
from citybrain.topics import TopicSpec, registry
from pipelines.scenarios.demo_county import build, geography
from pipelines.scenarios.demo_county.reference import export
from pipelines.topics_admin import create_topics
from streams.app import create_app
from streams.cases import agents as cases
from streams.cases import wire

CATEGORIES = ("unlicensed_peddler", "out_of_store_business", "piled_materials", "street_drying")
NEW_PROBLEM_SHARE = 0.02
RECENT_PROBLEMS = 200
TARGET_P99_MS = 1000.0
TARGET_RATE_PER_S = 1000.0
BASELINE_TOPICS = (("bench.cases.in", 3), ("bench.cases.hop1", 6), ("bench.cases.hop2", 3))
BASELINE_OUT = ("bench.cases.out", 3)


@dataclass
class Clock:
    """Send times of alerts and arrival latencies of what they led to (ms)."""

    sent: dict[str, float] = field(default_factory=dict)
    dispatch_ms: list[float] = field(default_factory=list)
    link_ms: list[float] = field(default_factory=list)


@dataclass
class Alerts:
    """The alerts to produce, which of them open a problem, and their timings."""

    messages: list[tuple[str, bytes, bytes]]  # (alert id, key, value)
    first_alerts: set[str] = field(default_factory=set)
    clock: Clock = field(default_factory=Clock)


def places() -> list[tuple[str, float, float]]:
    """Every (category, res-9 cell centre) inside the demo town: one problem each."""
    cells = {h3.latlng_to_cell(*grid.centre, H3_RES_INCIDENT) for grid in geography.grids()}
    cells = set(itertools.chain.from_iterable(h3.grid_disk(c, 1) for c in cells))
    inside = [h3.cell_to_latlng(c) for c in sorted(cells)]
    inside = [(lat, lng) for lat, lng in inside if geography.grid_at(lat=lat, lng=lng)]
    return [(category, lat, lng) for category in CATEGORIES for lat, lng in inside]


def alerts(n_alerts: int, *, seed: int = 11) -> Alerts:
    """``n_alerts`` camera alerts over the demo town, 2 % new problems, sent "now"."""
    rnd = random.Random(seed)
    fresh = places()
    rnd.shuffle(fresh)
    problems: list[tuple[str, float, float]] = []
    out = Alerts([])
    now = datetime.now(UTC)
    for i in range(n_alerts):
        alert_id = f"bench-{seed}-{i}"
        if fresh and (not problems or rnd.random() < NEW_PROBLEM_SHARE):
            problem = fresh.pop()
            problems = [*problems, problem][-RECENT_PROBLEMS:]
            out.first_alerts.add(alert_id)
        else:
            problem = rnd.choice(problems)
        category, lat, lng = problem
        doc = {
            "event_id": f"{alert_id}.1",
            "alert_id": alert_id,
            "msg_type": "Alert",
            "source": "video",
            "category": category,
            "severity": "Minor",
            "event_at": now,
            "sent_at": now,
            "lat": lat + rnd.gauss(0, 0.00003),  # ~3 m: the cameras agree on the place
            "lng": lng + rnd.gauss(0, 0.00003),
            "title": "bench",
            "details": {},
        }
        out.messages.append((alert_id, f"CAM-{i % 500}".encode(), encode_row(doc)))
    return out


async def produce(bootstrap: str, topic: str, batch: Alerts, rate_per_s: float) -> float:
    """Produce the alerts at ``rate_per_s``, stamping each send; return the achieved rate."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=5, acks=1)
    await producer.start()
    try:
        start = time.monotonic()
        for i, (alert_id, key, value) in enumerate(batch.messages):
            due = start + i / rate_per_s
            if (wait := due - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            batch.clock.sent[alert_id] = time.monotonic()
            await producer.send(topic, value, key=key)
        await producer.flush()
        return len(batch.messages) / max(time.monotonic() - start, 1e-9)
    finally:
        await producer.stop()


async def consume(bootstrap: str, topic: str, partitions: int, on_record: Callable, done):
    """Feed ``topic``'s new records to ``on_record`` until ``done()``."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(partitions)]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)  # resolve the end now, before anything is sent
        while not done():
            for records in (await consumer.getmany(timeout_ms=100)).values():
                arrived = time.monotonic()
                for record in records:
                    on_record(record, arrived)
    finally:
        await consumer.stop()


async def timed_run(
    app: faust.App,
    *,
    settings: Settings,
    topic_in: str,
    out: tuple[str, int],
    batch: Alerts,
    rate_per_s: float,
    on_record: Callable,
    expected: Callable[[], bool],
    timeout_s: float,
) -> float:
    """Start ``app``, produce at the rate while consuming its output, stop; the achieved rate."""
    await app.start()
    try:
        await wait_assigned(app, timeout_s=60)
        deadline = time.monotonic() + timeout_s
        listening = asyncio.create_task(
            consume(
                settings.broker,
                out[0],
                out[1],
                on_record,
                lambda: expected() or time.monotonic() > deadline,
            )
        )
        await asyncio.sleep(1.0)  # the consumer has found the end of the output topic
        rate = await produce(settings.broker, topic_in, batch, rate_per_s)
        await listening
        return rate
    finally:
        await app.stop()


async def wait_assigned(app: faust.App, *, timeout_s: float) -> None:
    """Wait until the app's consumer has its partitions and no rebalance is running."""
    deadline = time.monotonic() + timeout_s
    while not app.consumer.assignment() or app.rebalancing:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{app.conf.id}: no partitions after {timeout_s}s")
        await asyncio.sleep(0.1)
    await asyncio.sleep(2.0)  # let table recovery and the first fetches settle


def baseline_app(settings: Settings) -> faust.App:
    """Three pass-through agents over three topics, batched like the case engine."""
    app = create_app(settings)
    names = [name for name, _ in BASELINE_TOPICS] + [BASELINE_OUT[0]]
    partitions = dict([*BASELINE_TOPICS, BASELINE_OUT])
    topics = {
        n: app.topic(n, key_serializer="raw", value_serializer="raw", partitions=partitions[n])
        for n in names
    }
    for source, target in itertools.pairwise(names):

        async def forward(stream, target=target) -> None:
            async for events in stream.take_events(
                cases.BATCH_MAX_EVENTS, within=cases.BATCH_WITHIN_S
            ):
                for event in events:
                    await topics[target].send(key=event.key, value=event.value)

        app.agent(topics[source], name=f"baseline-{source}")(forward)
    return app


def percentile(values: list[float], q: float) -> float | None:
    """The q-quantile (0..1) by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1)


async def bench(
    settings: Settings, *, rate_per_s: float = 1000.0, duration_s: float = 20.0, timeout_s=120.0
) -> dict:
    """Run the baseline and the case engine at ``rate_per_s``; return the figures."""
    suffix = f"{int(time.time())}"
    runs = {
        name: replace(settings, app_id=f"bench-{name}-{suffix}", web_port=0, store="memory://")
        for name in ("baseline", "cases")
    }
    export(build(scale=0.01), settings.reference_path)
    await create_topics(
        settings.broker,
        [
            *registry(runs["cases"].app_id),
            *(TopicSpec(n, p) for n, p in (*BASELINE_TOPICS, BASELINE_OUT)),
        ],
    )
    n_alerts = int(rate_per_s * duration_s)

    base = alerts(n_alerts, seed=1)
    base_ms: list[float] = []

    def on_base(record, arrived):
        alert_id = orjson.loads(record.value)["alert_id"]
        if alert_id in base.clock.sent:
            base_ms.append((arrived - base.clock.sent[alert_id]) * 1000)

    base_rate = await timed_run(
        baseline_app(runs["baseline"]),
        settings=runs["baseline"],
        topic_in=BASELINE_TOPICS[0][0],
        out=BASELINE_OUT,
        batch=base,
        rate_per_s=rate_per_s,
        on_record=on_base,
        expected=lambda: len(base_ms) >= n_alerts,
        timeout_s=timeout_s,
    )

    work = alerts(n_alerts, seed=2)
    clock = work.clock
    opened_by: dict[str, str] = {}

    def on_event(record, arrived):
        event = orjson.loads(record.value)
        signal = (event["payload"].get("signal_id") or "").removeprefix("alert:")
        if event["command"] == "report":
            opened_by[event["case_id"]] = signal
        elif event["command"] == "dispatch" and opened_by.get(event["case_id"]) in clock.sent:
            clock.dispatch_ms.append((arrived - clock.sent[opened_by[event["case_id"]]]) * 1000)
        elif event["command"] == "link" and signal in clock.sent:
            clock.link_ms.append((arrived - clock.sent[signal]) * 1000)

    app = create_app(runs["cases"])
    engine = cases.declare(app, runs["cases"]).engine
    cases_rate = await timed_run(
        app,
        settings=runs["cases"],
        topic_in=wire.ALERTS,
        out=(wire.EVENTS, 3),
        batch=work,
        rate_per_s=rate_per_s,
        on_record=on_event,
        expected=lambda: (
            len(clock.dispatch_ms) >= len(work.first_alerts)
            and len(clock.link_ms) + engine.stats["merged_without_event"]
            >= n_alerts - len(work.first_alerts)
        ),
        timeout_s=timeout_s,
    )
    p99, base_p99 = percentile(clock.dispatch_ms, 0.99), percentile(base_ms, 0.99)
    return {
        "benchmark": "cases",
        "alerts": n_alerts,
        "rate_per_s": rate_per_s,
        "achieved_rate_per_s": round(cases_rate, 1),
        "problems": len(work.first_alerts),
        "cases_opened": engine.stats["cases_opened"],
        "dispatched": len(clock.dispatch_ms),
        "merged": len(clock.link_ms),
        "merged_without_event": engine.stats["merged_without_event"],  # past the link cap
        "dispatch_p50_ms": percentile(clock.dispatch_ms, 0.5),
        "dispatch_p99_ms": p99,
        "dispatch_max_ms": percentile(clock.dispatch_ms, 1.0),
        "link_p50_ms": percentile(clock.link_ms, 0.5),
        "link_p99_ms": percentile(clock.link_ms, 0.99),
        "baseline_three_hops_p50_ms": percentile(base_ms, 0.5),
        "baseline_three_hops_p99_ms": base_p99,
        "baseline_achieved_rate_per_s": round(base_rate, 1),
        "ratio_p99": round(p99 / base_p99, 2) if p99 and base_p99 else None,
        "target_dispatch_p99_ms": TARGET_P99_MS,
        "target_rate_per_s": TARGET_RATE_PER_S,
    }
