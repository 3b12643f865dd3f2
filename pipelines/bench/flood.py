"""Benchmark: reading → flood alert on the live feed, latency p50 / p99 (target p99 ≤ 1 s).

Against a real local broker and a real stream worker (``citybrain worker``,
a child process with its web server):

* **flood** — this process produces ``hydro.readings`` and follows the
  worker's ``/flood/stream`` (SSE). A reading's latency runs from just before
  it is produced to the arrival, on the stream, of the message it causes:
  broker → flood agent → ``alerts`` → the page's consumer → HTTP. Which
  reading causes which message is known beforehand from the pure core
  (:mod:`streams.flood.watch`), so only those readings are timed.
* **baseline** — the broker's own produce → consume round trip, measured in
  this process at the same pace with the same producer: a record to a scratch
  topic, read back by a group-less consumer.

The readings come from ``stations`` underpass sensors, each going through
yellow (0.22 m), red (0.30 m) and dry for an hour of event time (Alert,
Update, Cancel), round-robin, at ``rate`` readings per second: paced, so the
figure is latency, not queueing. The ratio is flood p99 / baseline p99.
"""

from __future__ import annotations

import asyncio
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from citybrain.contracts import decode, encode_row, hydro
from citybrain.reference import write_tables
from citybrain.settings import Settings
from citybrain.topics import TopicSpec, spec
from pipelines import processes
from pipelines.topics_admin import create_topics
from streams.flood import watch
from streams.flood.agents import load_stations

T0 = datetime(2026, 7, 15, 6, 0, tzinfo=UTC)
STEP = timedelta(minutes=5)
CYCLE_M = (0.22, 0.30) + (0.0,) * 12  # yellow, red, an hour dry: Alert, Update, Cancel
ROUNDTRIP_TOPIC = "bench.flood.roundtrip"
TARGET_P99_MS = 1000


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by nearest rank; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def stations(count: int, *, prefix: str = "B") -> list[dict]:
    """Underpass waterlogging stations in the demo county's box."""
    return [
        {
            "station_id": f"{prefix}{i:05d}",
            "kind": "waterlogging",
            "name": f"基准下穿{i}",
            "lat": 30.2 + (i % 50) * 0.002,
            "lng": 120.1 + (i // 50) * 0.002,
        }
        for i in range(count)
    ]


@dataclass
class Plan:
    """Readings to produce (key, value) and the message ids each one causes."""

    readings: list[tuple[bytes, bytes]] = field(default_factory=list)
    causes: list[list[str]] = field(default_factory=list)

    @property
    def messages(self) -> int:
        return sum(len(c) for c in self.causes)


def reading(station: dict, *, at: datetime, depth_m: float) -> bytes:
    """One waterlogging depth reading."""
    return encode_row(
        {
            "event_id": f"{station['station_id']}-{int(at.timestamp())}",
            "event_at": at,
            "station_id": station["station_id"],
            "element": "waterlogging_depth_m",
            "value": depth_m,
            "unit": "m",
            "period_s": None,
            "lat": station["lat"],
            "lng": station["lng"],
        }
    )


def plan(rows: list[dict], *, n_messages: int) -> Plan:
    """Readings round-robin over ``rows`` until they cause ``n_messages`` messages."""
    configs = load_stations(rows)
    values: dict[str, dict | None] = {}
    out = Plan()
    step = 0
    while out.messages < n_messages:
        at = T0 + step * STEP
        for row in rows:
            raw = reading(row, at=at, depth_m=CYCLE_M[step % len(CYCLE_M)])
            applied = watch.apply(
                values.get(row["station_id"]),
                decode(hydro.TOPIC, raw),
                station=configs[row["station_id"]],
                partition=0,
                heard_s=0,
            )
            values[row["station_id"]] = applied.value
            out.readings.append((row["station_id"].encode(), raw))
            out.causes.append([m["event_id"] for m in applied.messages])
        step += 1
    return out


class Follower:
    """Reads the worker's SSE stream, noting when each event id first arrived."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response
        self.arrived: dict[str, float] = {}
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for line in self.response.content:
            if line.startswith(b"id: "):
                self.arrived.setdefault(line[4:].decode().strip(), time.perf_counter())

    async def wait_for(self, ids: list[str], timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while any(i not in self.arrived for i in ids):
            if time.monotonic() > deadline:
                missing = [i for i in ids if i not in self.arrived]
                raise TimeoutError(f"{len(missing)} messages not on the stream: {missing[:3]}")
            await asyncio.sleep(0.05)


async def paced_send(
    producer: AIOKafkaProducer, topic: str, records: list[tuple[bytes, bytes]], *, rate: float
) -> list[float]:
    """Produce ``records`` at ``rate`` per second; the perf_counter time before each send."""
    began, sent = time.perf_counter(), []
    for i, (key, value) in enumerate(records):
        delay = began + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        sent.append(time.perf_counter())
        await producer.send(topic, value, key=key)
    await producer.flush()
    return sent


async def roundtrip_ms(bootstrap: str, *, count: int, rate: float) -> list[float]:
    """The broker's produce → consume latency (ms) of ``count`` paced records."""
    await create_topics(bootstrap, [TopicSpec(ROUNDTRIP_TOPIC, 3, description="bench scratch")])
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0, acks=-1)
    await consumer.start()
    await producer.start()
    try:
        tps = [TopicPartition(ROUNDTRIP_TOPIC, p) for p in range(3)]
        consumer.assign(tps)
        await consumer.seek_to_end(*tps)
        for tp in tps:
            await consumer.position(tp)
        arrived: dict[bytes, float] = {}

        async def read() -> None:
            while len(arrived) < count:
                batch = await consumer.getmany(timeout_ms=200)
                now = time.perf_counter()
                for records in batch.values():
                    for r in records:
                        arrived.setdefault(r.value, now)

        reader = asyncio.create_task(read())
        records = [(str(i).encode(), str(i).encode()) for i in range(count)]
        sent = await paced_send(producer, ROUNDTRIP_TOPIC, records, rate=rate)
        await asyncio.wait_for(reader, timeout=60)
        return [(arrived[value] - t) * 1000 for (_, value), t in zip(records, sent, strict=True)]
    finally:
        await producer.stop()
        await consumer.stop()


async def wait_for_web(http: aiohttp.ClientSession, url: str, worker, timeout_s: float) -> None:
    """Until ``url`` answers 200 (the worker's web server is up)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if not worker.alive():
            raise RuntimeError(f"the worker died:\n{worker.log_tail()}")
        try:
            async with http.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.3)
    raise TimeoutError(f"no answer from {url} in {timeout_s}s")


async def warm_up(producer: AIOKafkaProducer, follower: Follower, timeout_s: float) -> None:
    """One alert per partition of hydro.readings: the worker owns them all and processes."""
    rows = stations(spec(hydro.TOPIC).partitions, prefix="W")
    ids = []
    for partition, row in enumerate(rows):
        raw = reading(row, at=T0, depth_m=0.22)
        await producer.send(hydro.TOPIC, raw, key=row["station_id"].encode(), partition=partition)
        ids.append(f"{row['station_id']}.waterlogging.{int(T0.timestamp())}.0")
    await producer.flush()
    await follower.wait_for(ids, timeout_s)


async def bench(
    settings: Settings,
    *,
    n_messages: int = 300,
    n_stations: int = 20,
    rate: float = 100.0,
    timeout_s: float = 120.0,
) -> dict:
    """Run the flood and baseline measurements on ``settings.broker``; return the figures.

    ``settings`` needs a web port; the worker's reference tables are written
    to ``settings.reference_path``.
    """
    rows = stations(n_stations)
    write_tables(
        settings.reference_path,
        {"stations": rows + stations(spec(hydro.TOPIC).partitions, prefix="W"), "cameras": []},
    )
    work = plan(rows, n_messages=n_messages)
    base = f"http://127.0.0.1:{settings.web_port}"
    worker = processes.start("worker", settings, log_dir=Path(settings.home) / "logs")
    try:
        timeout = aiohttp.ClientTimeout(total=None)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            await wait_for_web(http, f"{base}/flood/alerts", worker, timeout_s)
            stream = await http.get(f"{base}/flood/stream")
            follower = Follower(stream)
            producer = AIOKafkaProducer(bootstrap_servers=settings.broker, linger_ms=0, acks=-1)
            await producer.start()
            try:
                await warm_up(producer, follower, timeout_s)
                baseline = await roundtrip_ms(settings.broker, count=n_messages, rate=rate)
                sent = await paced_send(producer, hydro.TOPIC, work.readings, rate=rate)
            finally:
                await producer.stop()
            expected = [i for ids in work.causes for i in ids]
            await follower.wait_for(expected, timeout_s)
            stream.close()
            follower.task.cancel()
    finally:
        worker.stop()
    flood = [
        (follower.arrived[i] - t) * 1000
        for ids, t in zip(work.causes, sent, strict=True)
        for i in ids
    ]
    flood_p99, base_p99 = percentile(flood, 99), percentile(baseline, 99)
    return {
        "benchmark": "flood",
        "messages": len(flood),
        "readings": len(work.readings),
        "readings_per_s": rate,
        "flood_p50_ms": round(percentile(flood, 50), 1),
        "flood_p99_ms": round(flood_p99, 1),
        "flood_max_ms": round(max(flood), 1),
        "baseline_roundtrip_p50_ms": round(percentile(baseline, 50), 1),
        "baseline_roundtrip_p99_ms": round(base_p99, 1),
        "ratio_p99": round(flood_p99 / base_p99, 2) if base_p99 > 0 else None,
        "target_p99_ms": TARGET_P99_MS,
    }
