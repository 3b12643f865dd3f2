"""Patrol coverage per shift: shifts, assigned grids, grids visited, against polygon tests."""

from datetime import UTC, date, datetime

import pytest
import shapely

from citybrain.contracts import decode, gps
from pipelines.scenarios.demo_county import build
from warehouse.patrol import GridIndex, assigned_grids, coverage_rows, shift_of


def square(code, lat, lng, d=0.004):
    ring = [(lng, lat), (lng + d, lat), (lng + d, lat + d), (lng, lat + d), (lng, lat)]
    return {
        "grid_code": code,
        "polygon_wkt": "POLYGON ((" + ", ".join(f"{x} {y}" for x, y in ring) + "))",
    }


GRIDS = [square("G1", 30.0, 120.0), square("G2", 30.0, 120.004), square("G3", 30.004, 120.0)]


@pytest.mark.parametrize(
    ("utc", "expected"),
    [
        (datetime(2026, 7, 14, 22, 0, tzinfo=UTC), (date(2026, 7, 15), "day")),  # 06:00 local
        (datetime(2026, 7, 15, 5, 59, tzinfo=UTC), (date(2026, 7, 15), "day")),  # 13:59
        (datetime(2026, 7, 15, 6, 0, tzinfo=UTC), (date(2026, 7, 15), "evening")),  # 14:00
        (datetime(2026, 7, 15, 14, 0, tzinfo=UTC), (date(2026, 7, 15), "night")),  # 22:00
        (datetime(2026, 7, 15, 21, 59, tzinfo=UTC), (date(2026, 7, 15), "night")),  # 05:59 next day
    ],
)
def test_local_shifts_and_the_night_belongs_to_its_first_day(utc, expected):
    assert shift_of(utc) == expected


def test_assigned_grids_are_listed_or_crossed_by_the_route():
    index = GridIndex(GRIDS)
    vehicles = [
        {"vehicle_id": "e1", "vehicle_type": "enforcement", "grid_codes": "G3, G1"},
        {
            "vehicle_id": "e2",
            "vehicle_type": "enforcement",
            "route_wkt": "LINESTRING (120.001 30.001, 120.006 30.001)",
        },
        {
            "vehicle_id": "e3",
            "vehicle_type": "enforcement",
            "route_wkt": "LINESTRING (121 31, 121.1 31)",
        },
        {"vehicle_id": "s1", "vehicle_type": "sanitation", "grid_codes": "G1"},
    ]
    assert assigned_grids(vehicles, index) == {"e1": {"G1", "G3"}, "e2": {"G1", "G2"}}


def test_coverage_per_shift():
    vehicles = [{"vehicle_id": "e1", "vehicle_type": "enforcement", "grid_codes": "G1,G2"}]
    morning = datetime(2026, 7, 15, 1, 0, tzinfo=UTC)  # 09:00 local
    evening = datetime(2026, 7, 15, 8, 0, tzinfo=UTC)  # 16:00 local
    fixes = [
        ("e1", morning, 30.001, 120.001),  # G1
        ("e1", morning, 30.001, 120.005),  # G2
        ("e1", evening, 30.005, 120.001),  # G3: visited, not assigned
        ("e1", evening, 30.001, 120.001),  # G1
        ("e1", evening, 31.0, 121.0),  # no grid
        ("x9", morning, 30.001, 120.001),  # not an enforcement vehicle
    ]
    rows = coverage_rows(fixes, vehicles=vehicles, grids=GRIDS)
    assert [
        (r["shift"], r["covered_grid_count"], r["coverage_ratio"], r["visited_grid_count"])
        for r in rows
    ] == [
        ("day", 2, 1.0, 2),
        ("evening", 1, 0.5, 2),
    ]


def test_the_demo_countys_patrols_against_polygon_tests():
    scenario = build(scale=0.1)
    rows = [
        decode(gps.TOPIC, m.value) for m in scenario.messages if m.topic == gps.TOPIC and m.valid
    ]
    got = coverage_rows(
        ((r["vehicle_id"], r["event_at"], r["lat"], r["lng"]) for r in rows),
        vehicles=scenario.vehicles,
        grids=scenario.grids,
    )
    polygons = {g["grid_code"]: shapely.from_wkt(g["polygon_wkt"]) for g in scenario.grids}
    patrols = [v for v in scenario.vehicles if v["vehicle_type"] == "enforcement"]
    expected = []
    for v in patrols:
        route = shapely.from_wkt(v["route_wkt"])
        mine = {code for code, p in polygons.items() if p.intersects(route)}
        by_shift: dict = {}
        for r in rows:
            if r["vehicle_id"] == v["vehicle_id"]:
                point = shapely.Point(r["lng"], r["lat"])
                seen = by_shift.setdefault(shift_of(r["event_at"]), set())
                seen |= {code for code, p in polygons.items() if p.intersects(point)}
        for (day, shift), seen in sorted(by_shift.items()):
            expected.append((v["vehicle_id"], day, shift, len(mine), len(seen & mine), len(seen)))
    assert sorted(
        (
            r["vehicle_id"],
            r["shift_date"],
            r["shift"],
            r["assigned_grid_count"],
            r["covered_grid_count"],
            r["visited_grid_count"],
        )
        for r in got
    ) == sorted(expected)
    assert len(got) == 2 * len(patrols)  # a day and an evening shift each
