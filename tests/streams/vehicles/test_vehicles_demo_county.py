"""The demo county's night through the real broker and a worker: planted breaches → alerts.

The demo day's ``gps.fixes`` are replayed into the session broker and a
worker process (all domains) consumes them. The ``alerts`` written after the
worker started must hold exactly one alert per breach the generator planted
(:func:`planted_violations`), at the planted vehicle, rule and local hours,
and none for any other vehicle. The fleet gets fresh terminal ids (``0144…``
for ``0133…``) so fixes other tests left on the shared topic do not mix in.
"""

import asyncio
import uuid
from dataclasses import replace
from datetime import UTC, datetime

import aiohttp
import orjson
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from citybrain import auth
from citybrain.contracts import decode, encode_row, gps
from citybrain.contracts.alert import TOPIC as ALERTS
from citybrain.contracts.alert import validate
from citybrain.reference import write_tables
from citybrain.topics import registry, spec
from pipelines import processes
from pipelines.lag import wait_caught_up
from pipelines.replay import replay
from pipelines.scenarios.demo_county import SourceMessage, build
from pipelines.scenarios.demo_county.clock import local_hour
from pipelines.scenarios.demo_county.gps_events import planted_violations
from pipelines.topics_admin import create_topics
from streams.vehicles.fleet import Fleet
from streams.vehicles.playback import playback
from warehouse.landing import LandingWriter


def fresh(vehicle_id: str) -> str:
    return vehicle_id.replace("0133", "0144", 1)


def fresh_fix(message: SourceMessage) -> SourceMessage:
    doc = orjson.loads(message.value)
    doc["vehicle_id"] = fresh(doc["vehicle_id"])
    doc["event_id"] = fresh(doc["event_id"])
    key = doc["vehicle_id"].encode()
    return replace(message, key=key, value=encode_row(doc))


SECRET = "vehicles-integration-test-secret-0123456789"


def rows_of(fixes: list[SourceMessage]) -> list[dict]:
    return [decode(gps.TOPIC, m.value) for m in fixes if m.valid]


async def get_json(url: str, params: dict | None = None) -> dict | list:
    claims = auth.new_claims(
        subject="t", role="supervisor", department_id=None, ttl_h=1, now_at=datetime.now(UTC)
    )
    headers = {"Authorization": "Bearer " + auth.sign(claims, secret=SECRET)}
    async with (
        aiohttp.ClientSession() as http,
        http.get(url, headers=headers, params=params) as response,
    ):
        assert response.status == 200, await response.text()
        return await response.json()


async def get_positions(base: str) -> list[dict]:
    return await get_json(f"{base}/vehicles/positions")


class AlertsAfter:
    """Reads the ``alerts`` written after it was opened."""

    async def open(self, bootstrap: str) -> None:
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=f"test-{uuid.uuid4()}"
        )
        await self.consumer.start()
        self.tps = [TopicPartition(ALERTS, p) for p in range(spec(ALERTS).partitions)]
        self.consumer.assign(self.tps)
        self.starts = await self.consumer.end_offsets(self.tps)

    async def read(self) -> list[dict]:
        for tp, offset in self.starts.items():
            self.consumer.seek(tp, offset)
        ends = await self.consumer.end_offsets(self.tps)
        docs = []
        while [tp for tp in self.tps if await self.consumer.position(tp) < ends[tp]]:
            batch = await self.consumer.getmany(timeout_ms=500)
            docs += [orjson.loads(r.value) for rs in batch.values() for r in rs]
        return docs

    async def close(self) -> None:
        await self.consumer.stop()


@pytest.mark.integration
@pytest.mark.timeout(300)
async def test_planted_night_breaches_become_exactly_one_alert_each(
    settings_env, tmp_path, monkeypatch
):
    settings = replace(settings_env, app_id="vehicles-it")
    monkeypatch.setenv("CITYBRAIN_API_SECRET", SECRET)  # the worker's positions door
    await create_topics(settings.broker, registry(settings.app_id))
    scenario = build()
    fleet = [{**v, "vehicle_id": fresh(v["vehicle_id"])} for v in scenario.vehicles]
    write_tables(
        settings.reference_path,
        {"vehicles": fleet, "permits": scenario.permits, "zones": scenario.zones},
    )
    # broken records stay in: they must not stop the worker
    fixes = [fresh_fix(m) if m.valid else m for m in scenario.messages if m.topic == gps.TOPIC]
    planted = planted_violations(fleet)
    assert len(planted) == 3  # the test can fail: two detours and one morning drive

    # the landing as the sink writes it, for the playback door
    LandingWriter(settings.landing_dir).write(
        gps.TOPIC,
        rows_of(fixes),
        partitions=[0] * len(rows_of(fixes)),
        offsets=list(range(len(rows_of(fixes)))),
        landed_at=datetime.now(UTC),
    )
    detoured = next(p for p in planted if p["rule"] == "off_route")["vehicle_id"]
    night = [r for r in rows_of(fixes) if r["vehicle_id"] == detoured]
    window = {"start": night[0]["event_at"].isoformat(), "end": night[-1]["event_at"].isoformat()}

    alerts_after = AlertsAfter()
    await alerts_after.open(settings.broker)
    worker = processes.start("worker", settings, log_dir=tmp_path / "logs", name="vehicles-worker")
    try:
        await replay(fixes, bootstrap=settings.broker, speed=None)
        await wait_caught_up(
            settings.broker, {settings.app_id: [gps.TOPIC]}, timeout_s=180, poll_s=0.5
        )
        assert worker.alive(), worker.log_tail()
        await asyncio.sleep(1.0)  # alerts are acknowledged before offsets commit; margin only
        docs = await alerts_after.read()
        positions = await get_positions(f"http://127.0.0.1:{settings.web_port}")
        track = await get_json(
            f"http://127.0.0.1:{settings.web_port}/vehicles/tracks/{detoured}",
            {**window, "tolerance_m": "15"},
        )
    finally:
        worker.stop()
        await alerts_after.close()

    ours = {v["vehicle_id"] for v in fleet}
    alerts = [validate(d) for d in docs if d["source"] == "vehicles"]
    alerts = [a for a in alerts if a["details"]["vehicle"]["vehicle_id"] in ours]
    assert len({a["event_id"] for a in alerts}) == len(alerts)  # once each, not once per fix
    found = sorted(
        (a["details"]["vehicle"]["vehicle_id"], a["level"], local_hour(a["event_at"]))
        for a in alerts
    )
    assert len(found) == len(planted), found
    for vehicle_id, rule, hour in found:
        matches = [
            p
            for p in planted
            if (p["vehicle_id"], p["rule"]) == (vehicle_id, rule)
            and p["local_hours"][0] <= hour < p["local_hours"][1]
        ]
        assert len(matches) == 1, (vehicle_id, rule, hour)
    assert {a["alert_id"].split("-")[1] for a in alerts} == {p["vehicle_id"] for p in planted}
    # the live door serves every vehicle's last fix, the detoured truck's included
    last = {}
    for row in rows_of(fixes):
        last[row["vehicle_id"]] = row["event_at"]
    assert {p["vehicle_id"]: p["fixed_at"] for p in positions} == {
        v: t.isoformat() for v, t in last.items()
    }
    # playback of the detoured truck's day: every fix landed, in order, simplified
    assert (track["fix_count"], track["kept_count"]) == (len(night), len(night))
    assert track["points"] == playback(night, tolerance_m=15.0)["points"]
    assert 2 < track["point_count"] < len(night) / 2
    # and the worker sent exactly what the pure core computes, field for field
    core = Fleet(vehicles=fleet, permits=scenario.permits, zones=scenario.zones)
    _, expected, _ = core.replay(rows_of(fixes))
    sent = [
        d
        for d in docs
        if d["source"] == "vehicles" and d["details"]["vehicle"]["vehicle_id"] in ours
    ]
    by_id = {d["event_id"]: d for d in sent}
    assert by_id == {e["event_id"]: orjson.loads(encode_row(e)) for e in expected}
