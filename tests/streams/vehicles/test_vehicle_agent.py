"""The vehicles agent in faust's in-process test context (memory:// tables).

Only what leaves the process is replaced: sends to ``alerts`` are captured.
"""

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from unittest import mock

import orjson
import pytest

from citybrain.contracts import encode_row
from citybrain.contracts.alert import message_key, validate
from citybrain.reference import write_tables
from citybrain.settings import load
from streams.app import create_app
from streams.vehicles import agents

T0 = datetime(2026, 7, 14, 16, 30, tzinfo=UTC)  # 00:30 local: inside 22:00-05:00
MUCK, SWEEPER = "013300150461", "013300000000"
VEHICLES = [
    {"vehicle_id": MUCK, "plate": "浙A·12345", "vehicle_type": "muck_truck", "owner": "宏达渣土"},
    {"vehicle_id": SWEEPER, "plate": "浙A·54321", "vehicle_type": "sanitation", "owner": "环卫处"},
]
PERMITS = [
    {
        "permit_id": "MU-2026-0001",
        "permit_type": "muck_transport",
        "holder": "宏达渣土",
        "status": "active",
        "valid_from": "2026-06-15T16:00:00+00:00",
        "valid_to": "2027-06-15T16:00:00+00:00",
        "time_windows": "22:00-05:00",
        "geometry_wkt": "LINESTRING (120.000000 30.000000, 120.030000 30.000000)",
        "plates": "浙A·12345",
    }
]


def fix(vehicle_id: str, minute: int, *, lat: float = 30.0) -> bytes:
    at = T0 + timedelta(minutes=minute)
    return encode_row(
        {
            "event_id": f"{vehicle_id}-{int(at.timestamp())}",
            "event_at": at,
            "vehicle_id": vehicle_id,
            "lat": lat,
            "lng": 120.0 + minute * 0.0005,  # ~48 m a minute, east
            "speed_kmh": 30.0,
            "heading_deg": 90.0,
        }
    )


# on route, 0.005 deg (~550 m) north for six minutes, back on route
MUCK_DAY = [fix(MUCK, m, lat=30.005 if 5 <= m < 11 else 30.0) for m in range(20)]
SWEEPS = [fix(SWEEPER, m, lat=30.02) for m in range(20)]


@pytest.fixture
def reference_dir(tmp_path):
    return tmp_path


@pytest.fixture
def built(reference_dir):
    tmp_path = reference_dir
    write_tables(tmp_path, {"vehicles": VEHICLES, "permits": PERMITS})
    settings = replace(
        load({"HOME": "/nonexistent", "CITYBRAIN_REFERENCE_DIR": str(tmp_path)}),
        store="memory://",
        web_port=0,
    )
    app = create_app(settings)
    return app, agents.build(app, settings)


async def feed(agent, watch, values, published):
    done = asyncio.get_running_loop().create_future()
    done.set_result(None)

    async def publish(*, key, value):
        published.append((key, orjson.loads(value)))
        return done

    target = watch.stats["fixes"] + len(values)
    with mock.patch.object(watch.out, "send", publish):
        for value in values:
            await agent.put(value, key=b"k", partition=0, wait=False)
        for _ in range(100):
            if watch.stats["fixes"] >= target:
                return
            await asyncio.sleep(0.05)
    raise AssertionError(f"only {watch.stats['fixes']} of {target} fixes processed")


async def test_a_detour_raises_one_alert_and_a_redelivery_none(built):
    app, watch = built
    published: list[tuple[bytes, dict]] = []
    interleaved = [v for pair in zip(MUCK_DAY, SWEEPS, strict=True) for v in pair]
    async with app.agents["vehicles"].test_context() as agent:
        await feed(agent, watch, [*interleaved, b'{"event_id": "broken"', fix("999", 1)], published)
        await feed(agent, watch, MUCK_DAY, published)  # redelivered after a restart
        last = watch.table[MUCK]["last"]
        assert watch.table[SWEEPER]["last"]["lat"] == 30.02
    assert [doc["alert_id"] for _, doc in published] == [
        "vehicles-013300150461-off_route-20260714T163500Z"
    ]
    assert all(key == message_key(doc) for key, doc in published)  # category and area
    doc = validate(published[0][1])
    assert (doc["source"], doc["category"], doc["level"]) == (
        "vehicles",
        "construction_waste",
        "off_route",
    )
    assert doc["event_id"] == "vehicles-013300150461-off_route-20260714T163500Z.1"
    assert doc["details"]["permits"][0]["permit_id"] == "MU-2026-0001"
    assert doc["details"]["evidence"][0]["lat"] == 30.005
    assert last["event_id"] == f"{MUCK}-{int((T0 + timedelta(minutes=19)).timestamp())}"
    assert watch.stats["invalid"] == 1 and watch.stats["unknown_vehicle"] == 1
    assert watch.stats["duplicate"] == 1 and watch.stats["out_of_order"] == 19


async def test_a_changed_permits_file_is_used_from_the_next_batch(built, reference_dir):
    app, watch = built
    published: list[tuple[bytes, dict]] = []
    on_route = [fix(MUCK, m) for m in range(3)]
    async with app.agents["vehicles"].test_context() as agent:
        await feed(agent, watch, on_route, published)
        assert published == []
        (reference_dir / "permits.json").write_text("not json", encoding="utf-8")
        await feed(agent, watch, [fix(MUCK, 3)], published)
        assert watch.stats["permit_reload_failures"] == 1 and published == []
        moved = {**PERMITS[0], "geometry_wkt": "LINESTRING (120.0 30.01, 120.03 30.01)"}
        write_tables(reference_dir, {"permits": [moved]})
        await feed(agent, watch, [fix(MUCK, 4)], published)
    assert watch.stats["permit_reloads"] == 1
    assert [doc["level"] for _, doc in published] == ["off_route"]


async def test_zones_and_the_sweeping_limit_through_the_agent(built, reference_dir):
    app, watch = built
    published: list[tuple[bytes, dict]] = []
    zone = {
        "zone_id": "Z-1",
        "kind": "school",
        "name": "桃花路小学",
        "polygon_wkt": "POLYGON ((120.004 29.99, 120.006 29.99, 120.006 30.01, 120.004 30.01, "
        "120.004 29.99))",
    }
    write_tables(reference_dir, {"zones": [zone]})  # read from the next batch on
    fast = []
    for m in range(6):
        doc = orjson.loads(fix(SWEEPER, m, lat=30.02))
        fast.append(encode_row({**doc, "speed_kmh": 25.0, "status_flags": 3}))
    async with app.agents["vehicles"].test_context() as agent:
        await feed(agent, watch, [fix(MUCK, m) for m in range(20)] + fast, published)
    assert watch.stats["zones"] == 1 and watch.stats["permit_reloads"] == 1
    assert sorted(doc["alert_id"] for _, doc in published) == [
        "vehicles-013300000000-sweep_speeding-20260714T163000Z",  # 60 s above 15 km/h
        "vehicles-013300150461-forbidden_zone-20260714T163800Z",  # 120.004 at minute 8
    ]
    docs = {doc["level"]: validate(doc) for _, doc in published}
    assert docs["forbidden_zone"]["details"]["zones"][0]["zone_id"] == "Z-1"
    assert len(docs["sweep_speeding"]["details"]["evidence"]) == 2  # minutes 0 and 1
