"""Run the soak: a fresh broker, worker and sink under the looped demo day.

Everything lives in its own citybrain home (a new broker on free ports, new
topics, state and landing), so the figures are the soak's alone. The replay
publishes the looped day (:mod:`pipelines.soak.laps`) at ``rate_x`` × the
county's real-time rate; every ``sample_s`` the RSS of the broker, the worker
and the sink and the worker's table sizes are sampled. With a duty desk
(:mod:`pipelines.soak.desk`) cases end as the day goes on, and the worker's
case policy retires them ``retire_after_h`` of event time after their day.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

import yaml
from aiokafka import AIOKafkaProducer

from citybrain.reference import read_table
from citybrain.settings import Settings, load
from citybrain.topics import registry
from pipelines import processes
from pipelines.broker import LocalBroker, free_port
from pipelines.desk import owners
from pipelines.replay import wait_s
from pipelines.scenarios.demo_county import Scenario, SourceMessage, build
from pipelines.scenarios.demo_county.reference import export as export_reference
from pipelines.soak.desk import SoakDesk, work
from pipelines.soak.laps import starting_at
from pipelines.soak.sample import fetch_metrics, rss_mib, scrape
from pipelines.soak.verdict import Sample
from pipelines.topics_admin import create_topics

IN_FLIGHT_MAX = 2_000  # sends awaited in batches of at most this many


def soak_settings(home: Path, *, retire_after_h: float | None = None) -> Settings:
    """Settings of a fresh home on free ports; only the jar cache is shared with the user's.

    ``retire_after_h``: the case policy's retention of ended cases and of their
    tombstones, both (event-time hours; None: the policy's defaults, 720 h).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("CITYBRAIN_")}
    overrides = {
        "CITYBRAIN_HOME": str(home),
        "CITYBRAIN_CACHE_DIR": str(load().cache_dir),
        "CITYBRAIN_WEB_PORT": str(free_port()),
        "CITYBRAIN_SINK_WEB_PORT": str(free_port()),
    }
    if retire_after_h is not None:
        path = home / "case-policy.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"retire_after_h": retire_after_h, "forget_retired_after_h": retire_after_h}
        path.write_text(yaml.safe_dump(doc))
        overrides["CITYBRAIN_CASE_POLICY"] = str(path)
    return load({**env, **overrides})


@dataclass
class Published:
    """What the soak's replay has sent so far."""

    messages: int = 0
    laps: float = 0.0
    event_at: datetime | None = None  # of the last message sent
    desk_commands: int = 0  # sent by the duty desk


async def publish(
    stream: Iterator[SourceMessage],
    *,
    bootstrap: str,
    rate_x: float,
    until_monotonic: float,
    day_messages: int,
    published: Published,
) -> None:
    """Send ``stream`` paced at ``rate_x`` × real time until ``until_monotonic``."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        request_timeout_ms=60_000,
    )
    await producer.start()
    started = time.monotonic()
    first = None
    pending = []
    try:
        for message in stream:
            first = first or message.event_at
            delay = wait_s(
                first_event=first,
                event=message.event_at,
                started_monotonic=started,
                now_monotonic=time.monotonic(),
                speed=rate_x,
            )
            if started + (message.event_at - first).total_seconds() / rate_x >= until_monotonic:
                break
            if delay > 0:
                await asyncio.gather(*pending)
                pending.clear()
                await asyncio.sleep(delay)
            pending.append(await producer.send(message.topic, message.value, key=message.key))
            published.messages += 1
            published.event_at = message.event_at
            published.laps = published.messages / day_messages
            if len(pending) >= IN_FLIGHT_MAX:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        await producer.flush()
    finally:
        await producer.stop()


def take_sample(
    t_s: float, pids: dict[str, int], ports: dict[str, int], published: Published
) -> Sample:
    """RSS of every process, the worker's and sink's tables and lag, right now."""
    rss = {name: rss_mib(pid) for name, pid in pids.items()}
    keys: dict[str, int] = {}
    size: dict[str, int] = {}
    counts: dict[str, int] = {}
    lag: dict[str, int | None] = {}
    for name, port in ports.items():
        text = fetch_metrics(port)
        if text is None:
            lag[name] = None
            continue
        scraped = scrape(text)
        keys.update(scraped.table_keys)
        size.update(scraped.table_bytes)
        counts.update(scraped.case_counts)
        lag[name] = scraped.lag
    return Sample(
        t_s=round(t_s, 1),
        messages=published.messages,
        rss_mib={k: (round(v, 1) if v is not None else None) for k, v in rss.items()},
        lag=lag,
        table_keys=keys,
        table_bytes=size,
        case_counts=counts,
    )


async def _sample_every(
    sample_s: float,
    until_monotonic: float,
    started: float,
    pids: dict[str, int],
    ports: dict[str, int],
    published: Published,
    on_sample: Callable[[Sample], None],
) -> list[Sample]:
    samples = []
    next_at = started
    while True:
        now = time.monotonic()
        if now < next_at:
            await asyncio.sleep(next_at - now)
        sample = await asyncio.to_thread(
            take_sample, time.monotonic() - started, pids, ports, published
        )
        samples.append(sample)
        on_sample(sample)
        next_at += sample_s
        if next_at > until_monotonic + 1e-6:
            return samples


async def _soak(
    settings: Settings,
    scenario: Scenario,
    *,
    minutes: float,
    rate_x: float,
    sample_s: float,
    start_hour: float,
    pids: dict[str, int],
    on_sample: Callable[[Sample], None],
    desk: SoakDesk | None,
) -> tuple[list[Sample], Published]:
    published = Published()
    started = time.monotonic()
    until = started + minutes * 60
    ports = {"worker": settings.web_port, "sink": settings.sink_web_port}
    sender = asyncio.create_task(
        publish(
            starting_at(scenario.messages, hours=start_hour),
            bootstrap=settings.broker,
            rate_x=rate_x,
            until_monotonic=until,
            day_messages=len(scenario.messages),
            published=published,
        )
    )
    desking = asyncio.create_task(
        work(
            desk,
            bootstrap=settings.broker,
            now_at=lambda: published.event_at,
            until_monotonic=until,
        )
        if desk is not None
        else asyncio.sleep(0, result=0)
    )
    try:
        samples = await _sample_every(sample_s, until, started, pids, ports, published, on_sample)
        await sender
        published.desk_commands = await desking
    finally:
        sender.cancel()
        desking.cancel()
    return samples, published


def run_soak(
    home: Path,
    *,
    minutes: float,
    rate_x: float,
    sample_s: float,
    start_hour: float = 0.0,
    desk: bool = True,
    retire_after_h: float | None = None,
    on_sample: Callable[[Sample], None] = lambda s: None,
    log: Callable[[str], None] = print,
) -> tuple[list[Sample], Published]:
    """Start broker, worker and sink in ``home``, soak them, stop them; return the series.

    ``start_hour``: hours into the county's (local) day where the replay starts;
    ``desk``: people work the cases (:mod:`pipelines.soak.desk`);
    ``retire_after_h``: see :func:`soak_settings`.
    """
    settings = soak_settings(home, retire_after_h=retire_after_h)
    broker = LocalBroker(settings)
    address = broker.start()
    settings = replace(settings, broker=address)
    children = []
    try:
        asyncio.run(create_topics(address, registry(settings.app_id)))
        scenario = build()
        export_reference(scenario, settings.reference_path)
        duty = None
        if desk:
            departments = read_table(settings.reference_path, "departments")
            duty = SoakDesk(seed=scenario.seed, owner_of=owners(departments))
        log(f"soak home {home}, Kafka at {address}")
        log_dir = settings.home / "logs"
        children = [
            processes.start("worker", settings, log_dir=log_dir),
            processes.start("sink", settings, log_dir=log_dir),
        ]
        pids = {"broker": broker.status().pid, "worker": children[0].process.pid}
        pids["sink"] = children[1].process.pid
        samples, published = asyncio.run(
            _soak(
                settings,
                scenario,
                minutes=minutes,
                rate_x=rate_x,
                sample_s=sample_s,
                start_hour=start_hour,
                pids=pids,
                on_sample=on_sample,
                desk=duty,
            )
        )
        for child in children:
            if not child.alive():
                raise RuntimeError(f"{child.name} died:\n{child.log_tail()}")
        return samples, published
    finally:
        for child in children:
            child.stop()
        broker.stop()
