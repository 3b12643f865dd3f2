"""Back-pressure: a stalled sink or worker, or a held warehouse, loses nothing.

One real broker, stream worker and landing sink for the module. Each test
replays its own lap of the demo county's first hours (``laps.shift_message``
makes the ids unique per lap) while one part is stalled for real (SIGSTOP,
or the DuckDB write lock held as a long ``sqlmesh plan`` holds it), then
checks that consumer lag showed the stall (the broker's view in ``citybrain
status``, the process's own ``/metrics`` gauge once it runs again), went back
to zero, and that every event of the lap landed exactly once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections import Counter
from dataclasses import replace

import duckdb
import orjson
import pytest
from typer.testing import CliRunner

from citybrain.settings import load
from citybrain.topics import registry
from pipelines import processes
from pipelines.broker import LocalBroker, free_port
from pipelines.cli import app as cli
from pipelines.demo import consumer_groups
from pipelines.lag import group_lag, wait_caught_up
from pipelines.plan import run_plan
from pipelines.processes import settings_env
from pipelines.replay import replay
from pipelines.scenarios.demo_county import build
from pipelines.scenarios.demo_county.reference import export as export_reference
from pipelines.soak.laps import shift_message
from pipelines.soak.sample import fetch_metrics, parse_metrics
from pipelines.topics_admin import create_topics
from streams.sink.agents import LANDED_TOPICS, SINK_APP_SUFFIX

pytestmark = pytest.mark.integration

MESSAGES = 3_000  # the day's first ~2 hours: GPS fixes, gauges, a few detections and reports
LAG = "citybrain_consumer_lag_messages"


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    """Own broker (other tests' records stay out of the landing), worker and sink."""
    home = tmp_path_factory.mktemp("backpressure")
    settings = load(
        {
            "HOME": str(home),
            "CITYBRAIN_HOME": str(home / "citybrain"),
            "CITYBRAIN_CACHE_DIR": str(load().cache_dir),
            "CITYBRAIN_WEB_PORT": str(free_port()),
            "CITYBRAIN_SINK_WEB_PORT": str(free_port()),
        }
    )
    broker = LocalBroker(settings)
    address = broker.start()
    settings = replace(settings, broker=address, app_id="bp")
    scenario = build()
    export_reference(scenario, settings.reference_path)
    asyncio.run(create_topics(address, registry(settings.app_id)))
    log_dir = settings.home / "logs"
    children = {
        "worker": processes.start("worker", settings, log_dir=log_dir, loglevel="info"),
        "sink": processes.start("sink", settings, log_dir=log_dir, loglevel="info"),
    }
    try:
        # both have joined their groups and answer on their web ports before any test
        asyncio.run(replay(lap(scenario, 0)[:50], bootstrap=address, speed=None))
        asyncio.run(wait_caught_up(address, consumer_groups(settings), timeout_s=180))
        yield settings, scenario, children
    finally:
        for child in children.values():
            child.process.send_signal(signal.SIGCONT)
            child.stop()
        broker.stop()


def lap(scenario, k: int) -> list:
    return [shift_message(m, k) for m in scenario.messages[:MESSAGES]]


def landed_ids(settings, suffix: str) -> Counter:
    """How many times each event id ending in ``suffix`` is in the landing."""
    counts: Counter = Counter()
    for topic in ("gps.fixes", "hydro.readings", "detections.video", "reports.citizen"):
        files = list((settings.landing_dir / topic).rglob("*.parquet"))
        if not files:
            continue
        paths = ", ".join(f"'{p}'" for p in files)
        rows = duckdb.sql(
            f"SELECT event_id FROM read_parquet([{paths}], union_by_name = true) "
            f"WHERE event_id LIKE '%{suffix}'"
        ).fetchall()
        counts.update(f"{topic}/{event_id}" for (event_id,) in rows)
    return counts


def expected_ids(messages, suffix: str) -> Counter:
    counts: Counter = Counter()
    for m in messages:
        if m.valid and m.topic != "permits":
            doc = orjson.loads(m.value)
            counts[f"{m.topic}/{doc.get('event_id') or doc.get('messageid')}"] += 1
    assert all(key.endswith(suffix) for key in counts)
    return counts


def status_text(settings) -> str:
    result = CliRunner().invoke(cli, ["status"], env=settings_env(settings))
    assert result.exit_code == 0, result.output
    return result.output


def status_lag(text: str, group: str) -> int:
    """Sum of the lag column of ``group``'s rows in ``citybrain status``."""
    total = 0
    for line in text.splitlines():
        cells = [c.strip() for c in line.replace("┃", "│").split("│") if c.strip()]
        if len(cells) == 3 and cells[0] == group and cells[2].isdigit():
            total += int(cells[2])
    return total


def gauge(port: int) -> int | None:
    """Total consumer lag on ``port``'s /metrics; None while it does not answer."""
    text = fetch_metrics(port, timeout_s=2)
    if text is None:
        return None
    return sum(int(v) for name, _, v in parse_metrics(text) if name == LAG)


def resume_and_watch(child, port: int, settings, timeout_s: float = 180) -> list[int]:
    """SIGCONT ``child``; poll its lag gauge until it has read 0 three times in a row."""
    child.process.send_signal(signal.SIGCONT)
    seen: list[int] = []
    zeros = 0
    deadline = time.monotonic() + timeout_s
    while zeros < 3:
        assert time.monotonic() < deadline, f"lag never returned to 0: {seen[-20:]}"
        assert child.alive(), child.log_tail()
        value = gauge(port)
        if value is not None:
            seen.append(value)
            zeros = zeros + 1 if value == 0 and max(seen) > 0 else 0
        time.sleep(0.05)
    asyncio.run(wait_caught_up(settings.broker, consumer_groups(settings), timeout_s=timeout_s))
    return seen


def test_a_stopped_sink_loses_nothing_and_its_lag_shows_it(stack):
    settings, scenario, children = stack
    sink = children["sink"]
    group = settings.app_id + SINK_APP_SUFFIX
    messages = lap(scenario, 1)
    os.kill(sink.process.pid, signal.SIGSTOP)
    try:
        asyncio.run(replay(messages, bootstrap=settings.broker, speed=None))
        stalled = sum(asyncio.run(group_lag(settings.broker, group, LANDED_TOPICS)).values())
        assert stalled >= len([m for m in messages if m.valid])
        # the worker goes on producing alerts and hotspots that the sink lands too
        assert status_lag(status_text(settings), group) >= stalled
        assert not landed_ids(settings, "~1")  # nothing of the lap landed while stopped
    finally:
        seen = resume_and_watch(sink, settings.sink_web_port, settings)
    assert max(seen) > 0, "the sink's own lag gauge never showed the backlog"
    assert seen[-1] == 0
    assert status_lag(status_text(settings), group) == 0
    assert landed_ids(settings, "~1") == expected_ids(messages, "~1")
    metrics = fetch_metrics(settings.sink_web_port)
    topics = {labels["topic"] for name, labels, _ in parse_metrics(metrics) if name == LAG}
    assert {m.topic for m in messages} <= topics  # the sink gauges the topics it consumed


def test_a_stopped_worker_catches_up_and_its_lag_shows_it(stack):
    settings, scenario, children = stack
    worker = children["worker"]
    messages = lap(scenario, 2)
    os.kill(worker.process.pid, signal.SIGSTOP)
    try:
        asyncio.run(replay(messages, bootstrap=settings.broker, speed=None))
        text = status_text(settings)
        assert status_lag(text, settings.app_id) >= len(messages)
        assert "worker: no answer" in text  # a stopped worker is not mistaken for a dead one
    finally:
        seen = resume_and_watch(worker, settings.web_port, settings)
    assert max(seen) > 0, "the worker's own lag gauge never showed the backlog"
    assert status_lag(status_text(settings), settings.app_id) == 0
    assert landed_ids(settings, "~2") == expected_ids(messages, "~2")


def test_the_sink_lands_while_a_plan_holds_the_warehouse(stack):
    settings, scenario, children = stack
    run_plan(settings)  # the warehouse file exists, as after any plan
    messages = lap(scenario, 3)
    with duckdb.connect(str(settings.warehouse_path)):  # the write lock a running plan holds
        asyncio.run(replay(messages, bootstrap=settings.broker, speed=None))
        asyncio.run(wait_caught_up(settings.broker, consumer_groups(settings), timeout_s=180))
        assert landed_ids(settings, "~3") == expected_ids(messages, "~3")
        assert children["sink"].alive(), children["sink"].log_tail()
    run_plan(settings)  # the next plan sees every landed row once
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        rows = con.execute(
            "SELECT COUNT(*), COUNT(DISTINCT event_id) FROM landing.gps_fixes "
            "WHERE event_id LIKE '%~3'"
        ).fetchone()
    gps = sum(1 for key in expected_ids(messages, "~3") if key.startswith("gps.fixes/"))
    assert rows == (gps, gps)
