"""The spine's acceptance test, through the real broker, worker, sink and SQLMesh.

Replays the demo county's day while killing the stream worker and the sink
with SIGKILL mid-replay, then checks that the warehouse mart and the stream's
own closed-window counts equal the same counts computed directly from the
generator's events, exactly; and that every malformed record was
dead-lettered with a reason while the worker stayed up.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import duckdb
import h3
import pytest
from aiokafka.errors import KafkaError

from citybrain.contracts import SOURCE_TOPICS, decode
from citybrain.topics import registry
from pipelines import processes
from pipelines.broker import LocalBroker
from pipelines.chaos.tail import publish_tail, tail_messages
from pipelines.demo import consumer_groups
from pipelines.lag import group_lag, wait_caught_up
from pipelines.plan import run_plan
from pipelines.replay import replay
from pipelines.scenarios.demo_county import build
from pipelines.topics_admin import create_topics
from streams.sink.agents import SINK_APP_SUFFIX

SCALE = 0.4


def expected_counts(messages) -> Counter:
    """(cell, category, UTC hour) -> incidents, computed directly from the events."""
    counts: Counter = Counter()
    for m in messages:
        if m.topic not in ("detections.video", "reports.citizen") or not m.valid:
            continue
        row = decode(m.topic, m.value)
        if row["category"]:
            hour = row["event_at"].replace(minute=0, second=0, microsecond=0, tzinfo=None)
            cell = h3.latlng_to_cell(row["lat"], row["lng"], 9)
            counts[(cell, row["category"], hour)] += 1
    return counts


def kill_mid_stream(bootstrap: str, children: dict, timeout_s: float = 120) -> None:
    """SIGKILL each child as soon as its group has committed some of its backlog.

    Usually part of it: the kill lands between commits, with records processed
    but not committed and windows open in the table. A worker fast enough to
    commit its whole backlog at once is killed then, with its windows still
    open; the rest of the day is replayed after the kill either way.
    ``children`` maps a consumer group to its child process; all are polled together.
    """
    deadline = time.monotonic() + timeout_s
    start: dict[str, int] = {}
    alive = dict(children)
    while alive and time.monotonic() < deadline:
        for group, child in list(alive.items()):
            assert child.alive(), f"{child.name} died:\n{child.log_tail()}"
            try:
                lag = sum(asyncio.run(group_lag(bootstrap, group, SOURCE_TOPICS)).values())
            except KafkaError:
                continue
            start.setdefault(group, lag)
            if lag < start[group] or lag == 0:
                assert child.kill() == -9
                del alive[group]
        time.sleep(0.02)
    assert not alive, f"no progress from {sorted(alive)} in {timeout_s}s"


def mart(con, name: str) -> Counter:
    rows = con.execute(f"SELECT h3_res9, category, hour_start_at, event_count FROM {name}")
    return Counter({(c, k, h): n for c, k, h, n in rows.fetchall()})


@pytest.fixture
def own_kafka(settings_env):
    """A broker of this test's own: other tests' records on shared topics stay out."""
    broker = LocalBroker(settings_env)
    address = broker.start()
    try:
        yield SimpleNamespace(bootstrap=address)
    finally:
        broker.stop()


@pytest.mark.integration
def test_demo_day_survives_sigkill_and_counts_exactly(settings_env, own_kafka):
    kafka = own_kafka
    settings = replace(settings_env, app_id="e2e", hotspot_lateness_s=300, broker=kafka.bootstrap)
    asyncio.run(create_topics(kafka.bootstrap, registry(settings.app_id)))
    scenario = build(scale=SCALE)
    half = len(scenario.messages) * 2 // 3
    log_dir = settings.home / "logs"
    worker = processes.start("worker", settings, log_dir=log_dir, loglevel="info")
    sink = processes.start("sink", settings, log_dir=log_dir, loglevel="info")
    try:
        asyncio.run(replay(scenario.messages[:half], bootstrap=kafka.bootstrap, speed=None))
        # kill each as soon as it has committed part of its backlog, i.e. mid-stream
        kill_mid_stream(
            kafka.bootstrap, {settings.app_id: worker, settings.app_id + SINK_APP_SUFFIX: sink}
        )
        # the restarted worker has lost its disk: it must rebuild its table from the changelog
        shutil.rmtree(settings.state_dir / settings.app_id)
        worker = processes.start(
            "worker", settings, log_dir=log_dir, name="worker-2", loglevel="info"
        )
        asyncio.run(replay(scenario.messages[half:], bootstrap=kafka.bootstrap, speed=None))
        sink = processes.start("sink", settings, log_dir=log_dir, name="sink-2", loglevel="info")
        tail = tail_messages(
            datetime.combine(scenario.day, datetime.min.time(), UTC) + timedelta(days=1, hours=12)
        )
        asyncio.run(publish_tail(kafka.bootstrap, tail))
        try:
            asyncio.run(wait_caught_up(kafka.bootstrap, consumer_groups(settings), timeout_s=240))
        except TimeoutError as exc:
            raise AssertionError(
                f"{exc}\n--- worker\n{worker.log_tail(80)}\n--- sink\n{sink.log_tail(40)}"
            ) from exc
        assert worker.alive(), worker.log_tail()
        assert sink.alive(), sink.log_tail()
    finally:
        worker.stop()
        sink.stop()

    run_plan(settings, start="2026-07-14", end="2026-07-16", restate=True)
    expected = expected_counts(scenario.messages)
    tail_expected = Counter()
    for topic, _, value in tail:
        row = decode(topic, value)
        hour = row["event_at"].replace(minute=0, second=0, microsecond=0, tzinfo=None)
        tail_expected[(h3.latlng_to_cell(row["lat"], row["lng"], 9), row["category"], hour)] += 1

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        assert mart(con, "marts.hotspot_counts_by_cell_hour") == expected + tail_expected
        # the stream's own counts: every window of the day closed, none lost, none doubled
        assert mart(con, "marts.hotspot_stream_counts_by_cell_hour") == expected
        rejected = con.execute(
            "SELECT source_topic, reason FROM landing.detections_video_rejected UNION ALL "
            "SELECT source_topic, reason FROM landing.gps_fixes_rejected UNION ALL "
            "SELECT source_topic, reason FROM landing.hydro_readings_rejected UNION ALL "
            "SELECT source_topic, reason FROM landing.permits_rejected UNION ALL "
            "SELECT source_topic, reason FROM landing.reports_citizen_rejected"
        ).fetchall()
        landed = {
            t: con.execute(f"SELECT COUNT(*) FROM landing.{t.replace('.', '_')}").fetchone()[0]
            for t in ("gps.fixes", "hydro.readings", "permits")
        }
    invalid = Counter(m.topic for m in scenario.messages if not m.valid)
    assert Counter(topic for topic, _ in rejected) == invalid
    assert all(reason for _, reason in rejected)
    valid = Counter(m.topic for m in scenario.messages if m.valid)
    assert landed == {t: valid[t] for t in landed}
