"""Corridors from permits and the rule each muck-truck fix breaks."""

from datetime import UTC, datetime

import numpy as np
import pytest

from streams.vehicles.compliance import NO_PERMIT, OFF_ROUTE, OUTSIDE_WINDOW, check
from streams.vehicles.corridors import (
    CorridorIndex,
    corridors_of_permits,
    local_minute,
    parse_windows,
    unusable_permits,
    window_mask,
)

# an east-west route of ~1.9 km at 30.0 N; 0.001 deg of latitude is ~111 m
ROUTE = "LINESTRING (120.000000 30.000000, 120.020000 30.000000)"
NIGHT = datetime(2026, 7, 14, 16, 0, tzinfo=UTC).timestamp()  # 00:00 local
NOON = datetime(2026, 7, 15, 4, 0, tzinfo=UTC).timestamp()  # 12:00 local


def permit(**changes):
    base = {
        "permit_id": "MU-2026-0001",
        "permit_type": "muck_transport",
        "holder": "云溪宏达渣土运输有限公司",
        "status": "active",
        "valid_from": "2026-06-15T16:00:00+00:00",
        "valid_to": "2027-06-15T16:00:00+00:00",
        "time_windows": "22:00-05:00",
        "geometry_wkt": ROUTE,
        "plates": "浙A·12345",
    }
    return {**base, **changes}


def judge(index, points, *, plate="浙A·12345", speed_kmh=30.0):
    """points: (at_s, lat, lng) tuples."""
    at_s, lat, lng = (np.array(c, dtype=float) for c in zip(*points, strict=True))
    return check(
        index,
        plates=[plate] * len(points),
        at_s=at_s,
        lat=lat,
        lng=lng,
        speed_kmh=np.full(len(points), speed_kmh),
    )


def test_windows_cross_midnight_and_23_59_ends_the_day():
    assert parse_windows("22:00-05:00") == ((1320, 300),)
    assert parse_windows("") == ((0, 1440),)
    mask = window_mask(parse_windows("22:00-05:00,19:00-23:59"))
    assert mask[1320] and mask[0] and mask[299] and not mask[300] and mask[1439]
    assert not mask[720] and mask[1140]
    assert list(local_minute(np.array([NIGHT, NOON]))) == [0, 720]


def test_only_active_muck_route_permits_become_corridors():
    permits = [
        permit(),
        permit(permit_id="x1", status="revoked"),
        permit(permit_id="x2", permit_type="outdoor_ad"),
        permit(permit_id="x3", geometry_wkt="POINT (120 30)"),
    ]
    broken = [
        permit(permit_id="bad-wkt", geometry_wkt="LINESTRING (120 30, 121"),
        permit(permit_id="bad-window", time_windows="22:00-29:00"),
    ]
    corridors = corridors_of_permits(permits + broken)
    assert [c.permit_id for c in corridors] == ["MU-2026-0001"]
    assert corridors[0].plates == frozenset({"浙A·12345"})
    reasons = unusable_permits(permits + broken)
    assert [r.split(":")[0] for r in reasons] == ["permit 'bad-wkt'", "permit 'bad-window'"]


def test_on_route_at_night_is_compliant_and_the_buffer_is_in_metres():
    index = CorridorIndex(corridors_of_permits([permit()]), buffer_m=100.0)
    on, near, beyond = (NIGHT, 30.0, 120.01), (NIGHT, 30.0008, 120.01), (NIGHT, 30.0011, 120.01)
    assert judge(index, [on, near, beyond]) == [None, None, OFF_ROUTE]  # 89 m in, 122 m out


def test_daytime_driving_is_outside_the_window_and_parking_breaks_nothing():
    index = CorridorIndex(corridors_of_permits([permit()]))
    assert judge(index, [(NOON, 30.0, 120.01)]) == [OUTSIDE_WINDOW]
    assert judge(index, [(NOON, 30.0, 120.01)], speed_kmh=0.0) == [None]


def test_a_truck_without_a_valid_permit_and_another_trucks_route():
    index = CorridorIndex(
        corridors_of_permits(
            [
                permit(),
                permit(permit_id="MU-2", plates="浙A·99999", valid_to="2026-07-01T00:00:00Z"),
            ]
        )
    )
    assert judge(index, [(NIGHT, 30.0, 120.01)], plate="浙A·99999") == [NO_PERMIT]
    assert judge(index, [(NIGHT, 30.0, 120.01)], plate="浙A·00000") == [NO_PERMIT]


def test_with_no_corridors_every_moving_truck_has_no_permit():
    index = CorridorIndex([])
    assert judge(index, [(NIGHT, 30.0, 120.01)]) == [NO_PERMIT]
    assert judge(index, [(NIGHT, 30.0, 120.01)], speed_kmh=0.0) == [None]


def test_a_route_of_another_permit_of_the_same_plate_counts_only_in_its_own_window():
    evening = permit(
        permit_id="MU-2",
        time_windows="20:00-21:00",
        geometry_wkt="LINESTRING (120.0 30.01, 120.02 30.01)",
    )
    index = CorridorIndex(corridors_of_permits([permit(), evening]))
    at_20_30 = datetime(2026, 7, 15, 12, 30, tzinfo=UTC).timestamp()
    assert judge(index, [(at_20_30, 30.01, 120.01), (NIGHT, 30.01, 120.01)]) == [None, OFF_ROUTE]
    assert judge(index, [(at_20_30, 30.0, 120.01)]) == [OFF_ROUTE]


def test_the_vectorised_check_agrees_with_a_scan_of_every_corridor():
    shapely = pytest.importorskip("shapely")
    rnd = np.random.default_rng(7)
    permits = []
    for i in range(60):
        lat, lng = 30 + rnd.uniform(0, 0.05), 120 + rnd.uniform(0, 0.05)
        route = f"LINESTRING ({lng} {lat}, {lng + rnd.uniform(-0.01, 0.01)} {lat + 0.01})"
        permits.append(permit(permit_id=f"p{i}", geometry_wkt=route, plates=f"P{i % 20}"))
    index = CorridorIndex(corridors_of_permits(permits))
    n = 2_000
    plates = [f"P{i % 20}" for i in range(n)]
    lat, lng = 30 + rnd.uniform(0, 0.06, n), 120 + rnd.uniform(0, 0.06, n)
    got = check(
        index, plates=plates, at_s=np.full(n, NIGHT), lat=lat, lng=lng, speed_kmh=np.full(n, 20.0)
    )
    x, y = index.plane.xy(lat=lat, lng=lng)
    for k in range(n):
        point = shapely.Point(x[k], y[k])
        inside = any(index.polygons[c].intersects(point) for c in index.by_plate.get(plates[k], []))
        assert got[k] == (None if inside else OFF_ROUTE)
    assert 20 < got.count(None) < n - 20  # both outcomes occur
