"""The case engine through the real broker and worker, killed with SIGKILL mid-stream.

On the demo county's day, cameras, hotspot detectors and flood gauges raise
alerts about problems at known places (one street vendor seen by 50
cameras), and citizens report some of them and others. The worker is
started, killed with SIGKILL while it works, restarted on an empty disk
(its tables come back from their changelogs) and fed the rest. Then, read
from Kafka:

- every problem is exactly one case, opened by one of its own sightings;
- every sighting is in exactly one event of that case (none lost, none twice);
- machine cases are dispatched to the owner of their grid and category,
  citizen cases wait for a call taker with that owner suggested;
- ``cases.events`` holds copies of an event only as identical copies, and
  each case's versions run 1..n without a gap;
- the ``cases`` table equals the fold of the ``case_history`` table, which
  equals the case's events on ``cases.events``.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import shutil
import time
import urllib.request
import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import h3
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from citybrain.contracts import encode_row
from citybrain.geo import haversine_m, latlng_to_cell, partition_key
from citybrain.topics import changelog, registry, spec
from pipelines import processes
from pipelines.scenarios.demo_county import build, geography
from pipelines.scenarios.demo_county.reference import export
from pipelines.topics_admin import create_topics
from streams.cases import wire
from streams.cases.engine import replay
from streams.cases.policy import Clock
from streams.cases.transitions import CLOCK_STATES

APP_ID = "cases-e2e"
DAY_START = datetime(2026, 7, 15, 0, 0, tzinfo=UTC)  # 08:00 in Asia/Shanghai
M_PER_DEG_LAT = 111_195.0


@dataclass
class Problem:
    """One real problem at one place, and the sightings of it."""

    name: str
    category: str
    lat: float
    lng: float
    opened_by: str  # "machine" or "citizen"
    signals: list[str]


class Day:
    """The test's messages: alerts and reports with run-unique ids, in two halves."""

    def __init__(self, scenario, seed: int = 7):
        self.run = uuid.uuid4().hex[:8]
        self.rnd = random.Random(seed)
        self.departments = scenario.departments
        self.problems: list[Problem] = []
        self.clock = itertools.count()
        self.grids = iter(self._quiet_grids(scenario))

    @staticmethod
    def _quiet_grids(scenario):
        """Grids whose centre is far from the demo's gauges (flood tests alert there)."""
        stations = [(s["lat"], s["lng"]) for s in scenario.stations]
        grids = geography.grids()
        random.Random(3).shuffle(grids)
        for grid in grids:
            lat, lng = grid.centre
            if all(haversine_m(lat1=lat, lng1=lng, lat2=a, lng2=b) > 350 for a, b in stations):
                yield grid

    def place(self, name, category, opened_by) -> Problem:
        grid = next(self.grids)
        # the centre of the res-9 cell at the grid's centre: well inside the grid
        lat, lng = h3.cell_to_latlng(latlng_to_cell(lat=grid.centre[0], lng=grid.centre[1]))
        problem = Problem(name, category, lat, lng, opened_by, [])
        self.problems.append(problem)
        return problem

    def _near(self, problem):
        """A point within 8 m of the problem, in the same res-9 cell."""
        cell = latlng_to_cell(lat=problem.lat, lng=problem.lng)
        while True:
            north, east = self.rnd.uniform(-8, 8), self.rnd.uniform(-8, 8)
            lat = problem.lat + north / M_PER_DEG_LAT
            lng = problem.lng + east / (M_PER_DEG_LAT * 0.864)
            if latlng_to_cell(lat=lat, lng=lng) == cell:
                return lat, lng

    def at(self):
        return DAY_START + timedelta(seconds=7 * next(self.clock))

    def alerts(self, problem, n, *, source="video", severity="Minor", counted=True):
        out = []
        for i in range(n):
            alert_id = f"e2e-{self.run}-{problem.name}-{source}-{i}"
            lat, lng = self._near(problem)
            at = self.at()
            doc = {
                "event_id": f"{alert_id}.1",
                "alert_id": alert_id,
                "msg_type": "Alert",
                "source": source,
                "category": problem.category,
                "severity": severity,
                "level": "red" if severity == "Severe" else "",
                "event_at": at,
                "sent_at": at,
                "lat": lat,
                "lng": lng,
                "title": f"{problem.name} ({source} {i})",
                "details": {"camera_id": f"CAM-{i:03d}"},
            }
            if counted:
                problem.signals.append(f"alert:{alert_id}")
            out.append((wire.ALERTS, f"CAM-{i:03d}".encode(), encode_row(doc)))
        return out

    def reports(self, problem, n):
        out = []
        for i in range(n):
            event_id = f"e2e-{self.run}-{problem.name}-report-{i}"
            lat, lng = self._near(problem)
            doc = {
                "event_id": event_id,
                "event_at": self.at(),
                "channel": "12345",
                "category": problem.category,
                "service_code": "",
                "description": f"市民反映 {problem.name}",
                "address": "",
                "lat": lat,
                "lng": lng,
            }
            problem.signals.append(f"report:{event_id}")
            out.append((wire.REPORTS, partition_key(lat=lat, lng=lng), encode_row(doc)))
        return out

    def sightings(self) -> set[str]:
        """The signal ids of every sighting counted so far."""
        return {s for p in self.problems for s in p.signals}

    def owner(self, problem) -> str:
        grid = geography.grid_at(lat=problem.lat, lng=problem.lng)
        (owner,) = [
            d["department_id"]
            for d in self.departments
            if problem.category in d["categories"].split(",")
            and grid.code in d["grid_codes"].split(",")
        ]
        return owner


def build_day(scenario):
    """Warm-up, first half (killed in the middle), second half, and the sightings before it."""
    day = Day(scenario)
    warm_up = day.alerts(day.place("warm-up", "piled_materials", "machine"), 3)
    first: list = []
    vendor = day.place("vendor", "out_of_store_business", "machine")
    first += day.alerts(vendor, 50)  # 50 cameras re-see one vendor
    machine = ["piled_materials", "street_drying", "illegal_small_ads", "road_damage"]
    for n, category in enumerate(machine * 3):
        source = "hotspots" if category == "road_damage" else "video"
        first += day.alerts(day.place(f"m{n}", category, "machine"), 20 + 7 * n, source=source)
    flood = day.place("underpass", "waterlogging", "machine")
    first += day.alerts(flood, 4, source="flood", severity="Severe")
    first += day.alerts(flood, 3, source="flood", severity="Moderate", counted=False)  # ignored
    citizen = [day.place(f"c{n}", c, "citizen") for n, c in enumerate(("noise", "manhole_cover"))]
    for problem in citizen:
        first += day.reports(problem, 2)
    day.rnd.shuffle(first)
    before_second = day.sightings()
    second = day.reports(vendor, 2)  # citizens report the vendor the cameras saw
    second += day.alerts(citizen[1], 5, source="hotspots")  # detectors see a reported manhole
    for n, category in enumerate(machine[:2]):
        second += day.alerts(day.place(f"late{n}", category, "machine"), 10)
    day.rnd.shuffle(second)
    return day, warm_up, first, second, before_second


async def publish(bootstrap, messages, *, rate_per_s=None):
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5)
    await producer.start()
    try:
        for i, (topic, key, value) in enumerate(messages):
            await producer.send(topic, value, key=key)
            if rate_per_s and i % 10 == 9:
                await asyncio.sleep(10 / rate_per_s)
        await producer.flush()
    finally:
        await producer.stop()


def cases_counter(port: int, name: str) -> int:
    """A counter of the worker's case engine from its /metrics page (0 before it answers)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=1) as page:
            text = page.read().decode()
    except OSError:
        return 0
    prefix = f'citybrain_records_total{{agent="cases",counter="{name}"}} '
    return next(
        (int(line[len(prefix) :]) for line in text.splitlines() if line.startswith(prefix)), 0
    )


def wait_for(condition, what, child, timeout_s=60.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert child.alive(), f"worker died:\n{child.log_tail()}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{child.log_tail()}"
        time.sleep(0.02)


async def publish_and_kill(bootstrap, messages, child, port):
    """Publish at a steady rate; SIGKILL the worker once it has applied part of it."""
    sending = asyncio.create_task(publish(bootstrap, messages, rate_per_s=400))
    start = cases_counter(port, "events")
    # on a busy machine the publisher can finish before the worker has applied 40 events:
    # then the kill still comes once it has, while the rest of the part is still pending
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if await asyncio.to_thread(cases_counter, port, "events") >= start + 40:
            assert child.kill() == -9
            break
        await asyncio.sleep(0.01)
    await sending
    assert not child.alive(), "the worker never applied 40 events of the part within 120 s"


async def read_topic(bootstrap, topic) -> list:
    """Every record of ``topic`` from the beginning to its current end."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(spec(topic, APP_ID).partitions)]
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        records = []
        while [tp for tp in tps if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records += batch
        return records
    finally:
        await consumer.stop()


async def wait_for_sightings(bootstrap, wanted, child, *, timeout_s) -> None:
    """Wait until every sighting in ``wanted`` is in an event on ``cases.events``.

    Not until the consumer group has no lag: faust may commit past records it
    has not processed yet (the engine seeks back to them), so a zero lag does
    not mean the engine has seen everything.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        seen = {
            orjson.loads(r.value)["payload"].get("signal_id")
            for r in await read_topic(bootstrap, wire.EVENTS)
        }
        if wanted <= seen:
            return
        assert child.alive(), f"worker died:\n{child.log_tail()}"
        missing = sorted(wanted - seen)
        assert time.monotonic() < deadline, f"{len(missing)} sightings missing: {missing[:5]}"
        await asyncio.sleep(1.0)


def latest(records) -> dict:
    """The table a changelog restores to: the last value of each key."""
    table = {}
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        table[orjson.loads(r.key)] = None if r.value is None else orjson.loads(r.value)
    return {k: v for k, v in table.items() if v is not None}


def trace(bootstrap, signal_ids) -> str:
    """Where lost signals were last seen: the topics between an alert and its event."""
    lines = []
    for topic in (wire.ALERTS, wire.PLACES, wire.COMMANDS, wire.REFUSALS):
        for r in asyncio.run(read_topic(bootstrap, topic)):
            text = (r.value or b"").decode(errors="replace")
            if any(s.split(":", 1)[1] in text for s in signal_ids):
                lines.append(f"{topic}[{r.partition}@{r.offset}] key={r.key!r} {text[:400]}")
    return "\n".join([f"lost {sorted(signal_ids)}", *lines])


@pytest.mark.integration
def test_case_engine_survives_sigkill_without_losing_or_doubling_a_case_or_event(settings_env):
    settings = replace(settings_env, app_id=APP_ID)
    bootstrap = settings.broker
    asyncio.run(create_topics(bootstrap, registry(APP_ID)))
    scenario = build(scale=0.01)
    export(scenario, settings.reference_path)
    day, warm_up, first, second, before_second = build_day(scenario)
    log_dir = settings.home / "logs"

    worker = processes.start("worker", settings, log_dir=log_dir, loglevel="info")
    try:
        asyncio.run(publish(bootstrap, warm_up))
        wait_for(lambda: cases_counter(settings.web_port, "events") >= 4, "warm-up", worker)
        asyncio.run(publish_and_kill(bootstrap, first, worker, settings.web_port))
        shutil.rmtree(settings.state_dir / APP_ID)  # the tables come back from the changelogs
        worker = processes.start("worker", settings, log_dir=log_dir, name="worker-2")
        asyncio.run(wait_for_sightings(bootstrap, before_second, worker, timeout_s=90))
        asyncio.run(publish(bootstrap, second))
        asyncio.run(wait_for_sightings(bootstrap, day.sightings(), worker, timeout_s=60))
        assert worker.alive(), worker.log_tail()
    finally:
        worker.stop()

    records = asyncio.run(read_topic(bootstrap, wire.EVENTS))
    table = latest(asyncio.run(read_topic(bootstrap, changelog(APP_ID, "cases"))))
    history = latest(asyncio.run(read_topic(bootstrap, changelog(APP_ID, "case_history"))))

    # copies of an event are identical; each case's versions run 1..n
    events: dict[str, dict] = {}
    for record in records:
        event = orjson.loads(record.value)
        assert events.setdefault(event["event_id"], event) == event, event["event_id"]
    by_case: dict[str, list] = defaultdict(list)
    for event in events.values():
        by_case[event["case_id"]].append(event)
    for case_events in by_case.values():
        case_events.sort(key=lambda e: e["version"])
        assert [e["version"] for e in case_events] == list(range(1, len(case_events) + 1))
    # the table is the fold of the history, and the history is what was published
    clock = Clock()
    ours = {
        e["case_id"] for e in events.values() if e["payload"].get("signal_id", "").count(day.run)
    }
    for case_id in ours:
        assert history[case_id] == by_case[case_id], case_id
        assert replay(history[case_id], clock=clock) == table[case_id], case_id

    # every sighting is in exactly one event; every problem is one case
    sightings = defaultdict(list)
    for event in events.values():
        signal_id = event["payload"].get("signal_id")
        if signal_id and day.run in signal_id:
            sightings[signal_id].append(event)
    for problem in day.problems:
        missing = set(problem.signals) - set(sightings)
        assert not missing, trace(bootstrap, missing)
        case_ids = {sightings[s][0]["case_id"] for s in problem.signals}
        assert all(len(sightings[s]) == 1 for s in problem.signals), problem.name
        assert len(case_ids) == 1, (problem.name, case_ids)
        (case_id,) = case_ids
        case = table[case_id]
        opening = by_case[case_id][0]
        assert opening["command"] == "report" and opening["payload"]["signal_id"] in problem.signals
        assert case["merged_count"] == len(problem.signals) - 1
        if problem.opened_by == "machine":
            assert case["state"] in CLOCK_STATES and case["department_id"] == day.owner(problem)
        else:
            assert case["state"] == "reported"
            assert case["suggested_department_id"] == day.owner(problem)
    assert len({s for p in day.problems for s in p.signals}) == len(sightings)
    assert len(ours) == len(day.problems)
