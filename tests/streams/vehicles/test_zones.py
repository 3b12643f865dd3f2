"""Forbidden zones: which fixes break them, and one alert per entry with the zone as evidence."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import shapely

from citybrain.contracts.alert import validate
from streams.vehicles.fleet import Fleet
from streams.vehicles.zones import ZoneIndex, unusable_zones, zones_of_rows

NIGHT = datetime(2026, 7, 14, 16, 0, tzinfo=UTC)  # 00:00 local
NOON = datetime(2026, 7, 15, 4, 0, tzinfo=UTC)  # 12:00 local
SCHOOL = (
    "POLYGON ((120.010 29.995, 120.012 29.995, 120.012 30.005, 120.010 30.005, 120.010 29.995))"
)


def zone(**changes):
    base = {"zone_id": "Z-1", "kind": "school", "name": "桃花路小学", "polygon_wkt": SCHOOL}
    return {**base, **changes}


def test_rows_become_zones_or_say_why_not():
    rows = [
        zone(),
        zone(zone_id="Z-2", time_windows="07:00-09:00", vehicle_types="muck_truck,emergency"),
        zone(zone_id="", polygon_wkt=SCHOOL),
        zone(zone_id="bad-wkt", polygon_wkt="POLYGON ((120 30, 121"),
        zone(zone_id="line", polygon_wkt="LINESTRING (120 30, 121 31)"),
        zone(zone_id="bad-window", time_windows="7-9"),
    ]
    zones = zones_of_rows(rows)
    assert [z.zone_id for z in zones] == ["Z-1", "Z-2"]
    assert zones[0].vehicle_types == frozenset({"muck_truck"}) and zones[0].windows_min == (
        (0, 1440),
    )
    assert zones[1].vehicle_types == frozenset({"muck_truck", "emergency"})
    assert len(unusable_zones(rows)) == 4


def test_inside_in_its_window_and_for_its_vehicle_types_only():
    index = ZoneIndex(zones_of_rows([zone(time_windows="22:00-06:00")]))
    lat, lng = np.array([30.0, 30.0, 30.0]), np.array([120.011, 120.0125, 120.011])
    at = np.array([NIGHT.timestamp()] * 2 + [NOON.timestamp()])
    got = index.breaking(vehicle_types=["muck_truck"] * 3, at_s=at, lat=lat, lng=lng)
    assert got.tolist() == [True, False, False]  # inside; 48 m east of it; inside at noon
    sweeper = index.breaking(vehicle_types=["sanitation"], at_s=at[:1], lat=lat[:1], lng=lng[:1])
    assert sweeper.tolist() == [False]
    assert (
        ZoneIndex([]).breaking(vehicle_types=["muck_truck"], at_s=at, lat=lat, lng=lng).sum() == 0
    )


def test_the_index_agrees_with_testing_every_zone():
    rnd = np.random.default_rng(3)
    rows = []
    for i in range(40):
        lat, lng = 30 + rnd.uniform(0, 0.05), 120 + rnd.uniform(0, 0.05)
        d = rnd.uniform(0.001, 0.004)
        ring = [(lng, lat), (lng + d, lat), (lng + d, lat + d), (lng, lat + d), (lng, lat)]
        wkt = "POLYGON ((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
        rows.append(zone(zone_id=f"Z{i}", polygon_wkt=wkt))
    index = ZoneIndex(zones_of_rows(rows))
    n = 3_000
    lat, lng = 30 + rnd.uniform(0, 0.055, n), 120 + rnd.uniform(0, 0.055, n)
    got = index.breaking(
        vehicle_types=["muck_truck"] * n, at_s=np.full(n, NIGHT.timestamp()), lat=lat, lng=lng
    )
    shapes = [shapely.from_wkt(r["polygon_wkt"]) for r in rows]
    points = zip(lng, lat, strict=True)
    expected = [any(s.intersects(shapely.Point(x, y)) for s in shapes) for x, y in points]
    assert got.tolist() == expected
    assert 100 < sum(expected) < n - 100


MUCK, SWEEPER = "m1", "s1"
VEHICLES = [
    {"vehicle_id": MUCK, "plate": "浙A·1", "vehicle_type": "muck_truck", "owner": "宏达渣土"},
    {"vehicle_id": SWEEPER, "plate": "浙A·2", "vehicle_type": "sanitation", "owner": "环卫处"},
]
PERMIT = {
    "permit_id": "MU-1",
    "permit_type": "muck_transport",
    "holder": "宏达渣土",
    "status": "active",
    "valid_from": "2026-06-15T16:00:00+00:00",
    "valid_to": "2027-06-15T16:00:00+00:00",
    "time_windows": "22:00-05:00",
    "geometry_wkt": "LINESTRING (120.000 30.000, 120.030 30.000)",  # through the school zone
    "plates": "浙A·1",
}


def drive(minutes, *, vehicle_id=MUCK, start=NIGHT, speed_kmh=30.0, status_flags=3):
    """One fix a minute along the permitted route, ~96 m a minute east."""
    return [
        {
            "event_id": f"{vehicle_id}-{m}",
            "event_at": start + timedelta(minutes=m),
            "vehicle_id": vehicle_id,
            "lat": 30.0,
            "lng": 120.0 + 0.001 * m,
            "speed_kmh": speed_kmh,
            "heading_deg": 90.0,
            "status_flags": status_flags,
        }
        for m in minutes
    ]


@pytest.mark.parametrize(("windows", "alerts"), [("", 1), ("07:00-19:00", 0)])
def test_a_truck_on_its_route_through_a_zone_alerts_once_per_entry(windows, alerts):
    fleet = Fleet(vehicles=VEHICLES, permits=[PERMIT], zones=[zone(time_windows=windows)])
    _, docs, _ = fleet.replay(drive(range(25)))
    assert len(docs) == alerts  # on route and in its window: only the zone is broken
    if alerts:
        doc = validate(docs[0])
        assert doc["alert_id"] == "vehicles-m1-forbidden_zone-20260714T161000Z"  # 120.010 at 00:10
        assert (doc["category"], doc["level"]) == ("construction_waste", "forbidden_zone")
        assert doc["details"]["zones"] == [
            {"zone_id": "Z-1", "kind": "school", "name": "桃花路小学"}
        ]
        assert doc["details"]["evidence"][0]["lng"] == pytest.approx(120.010)


def test_coming_back_later_is_a_second_episode():
    fleet = Fleet(vehicles=VEHICLES, permits=[PERMIT], zones=[zone()])
    there = drive(range(8, 15))
    back = drive(range(8, 15), start=NIGHT + timedelta(hours=1))
    _, docs, _ = fleet.replay(there + back)
    assert [d["alert_id"][-16:] for d in docs] == ["20260714T161000Z", "20260714T171000Z"]
